"""The SQLAlchemy extension, created unbound and bound in create_app; schema through Alembic."""
from pathlib import Path

from flask_migrate import Migrate
from flask_migrate import upgrade as _upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def init_app(app) -> None:
    """Bind the database and the migrations to the app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    with app.app_context():
        db.create_all()


def create_schema() -> None:
    """Bring the database to the newest schema (alembic upgrade head); needs an app context."""
    _upgrade(directory=MIGRATIONS)
