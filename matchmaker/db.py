"""The SQLAlchemy extension, created unbound and bound in create_app; the schema through Alembic."""
from __future__ import annotations

import functools
from pathlib import Path

from flask_migrate import Migrate, stamp, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import inspect, text
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def init_app(app) -> None:
    """Bind the database and the migrations to the app, and bring the schema up to date."""
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    if app.config.get("MATCHMAKER_AUTO_SCHEMA", True):
        with app.app_context():
            ensure_schema()


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(cfg).get_current_head()


def ensure_schema() -> None:
    """An empty database gets the models' tables and is stamped at the newest migration (the tests hold
    the two equal); a migrated one is upgraded when a newer migration exists; an up-to-date one is left."""
    tables = set(inspect(db.engine).get_table_names())
    if "alembic_version" in tables:
        with db.engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if current != head_revision():
            upgrade(directory=MIGRATIONS)
        return
    db.create_all()
    stamp(directory=MIGRATIONS)
