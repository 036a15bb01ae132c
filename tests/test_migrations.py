"""Alembic migrations build exactly the models' schema; an app on an empty database is ready to use."""
from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from matchmaker.db import MIGRATIONS, db, head_revision
from tests.conftest import PG_URL, _drop, _pg_admin, make_app


def _fresh(tmp_path, **extra):
    name = None
    if PG_URL:
        name = f"mm_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name}")
    return make_app(tmp_path, database=name, **extra), name


def test_migrations_match_the_models(tmp_path):
    app, name = _fresh(tmp_path, MATCHMAKER_AUTO_SCHEMA=False)
    try:
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                        db.metadata)
            assert diff == [], "models changed without a migration: run `flask db migrate -m ...`"
    finally:
        _drop(app, name)


def test_new_database_is_created_and_stamped(tmp_path):
    app, name = _fresh(tmp_path)
    try:
        with app.app_context():
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
    finally:
        _drop(app, name)
