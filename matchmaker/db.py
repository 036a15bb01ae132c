"""The SQLAlchemy extension, created unbound and bound in create_app."""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def init_app(app) -> None:
    """Bind the database to the app and create missing tables."""
    db.init_app(app)
    with app.app_context():
        db.create_all()
