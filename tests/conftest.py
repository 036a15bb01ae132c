"""Fixtures: a demo database built once per run (real model, real FAISS files), copied per test."""
from __future__ import annotations

import os
import shutil
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from matchmaker import create_app  # noqa: E402
from matchmaker.demo import DEMO_PASSWORD  # noqa: E402

TEST_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": False}
# Set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run the suite on PostgreSQL:
# the demo is seeded once into a template database and each test gets a copy of it.
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
TEMPLATE_DB = f"mm_tpl_{os.getpid()}"


def _pg(dbname: str) -> str:
    parts = urlsplit(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    return urlunsplit(parts._replace(path="/" + dbname))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


def make_app(tmp, database: str | None = None, **extra):
    """An app on a SQLite file (or the named PostgreSQL database) with its index folder under tmp."""
    uri = _pg(database) if PG_URL and database else f"sqlite:///{tmp}/app.sqlite"
    cfg = dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=uri, MATCHMAKER_INDEX_DIR=str(tmp / "idx"))
    cfg.update(extra)
    return create_app(cfg)


def _dispose(app) -> None:
    from matchmaker.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """Seed the demo and build its indexes once per test run."""
    from matchmaker.demo import seed_demo
    from matchmaker.matching import store

    d = tmp_path_factory.mktemp("demo")
    if PG_URL:
        _pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        _pg_admin(f"CREATE DATABASE {TEMPLATE_DB}")
    app = make_app(d, database=TEMPLATE_DB)
    with app.app_context():
        seed_demo()
        for kind in ("startup", "scenario", "fund"):
            store.rebuild(kind)
    _dispose(app)
    yield d
    if PG_URL:
        _pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")


@pytest.fixture
def app(demo_dir, tmp_path):
    """A fresh copy of the seeded demo (database and FAISS files) for one test."""
    name = None
    if PG_URL:
        name = f"mm_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    else:
        shutil.copy(demo_dir / "app.sqlite", tmp_path / "app.sqlite")
    shutil.copytree(demo_dir / "idx", tmp_path / "idx")
    application = make_app(tmp_path, database=name)
    with application.app_context():
        yield application
    _drop(application, name)


@pytest.fixture
def empty_app(tmp_path):
    """An app with an empty database."""
    name = None
    if PG_URL:
        name = f"mm_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name}")
    application = make_app(tmp_path, database=name)
    with application.app_context():
        yield application
    _drop(application, name)


def _drop(app, name: str | None) -> None:
    _dispose(app)
    if name:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str = "startup@demo.cn", password: str = DEMO_PASSWORD):
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


DEMO_LOGINS = {"startup": "startup@demo.cn", "fund": "fund@demo.cn", "scenario_owner": "owner@demo.cn",
               "organiser": "organiser@demo.cn", "admin": "admin@demo.cn"}
