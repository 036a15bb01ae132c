"""Configuration: defaults, then the environment (MATCHMAKER_*, DATABASE_URL, SECRET_KEY)."""
from __future__ import annotations

import os
from pathlib import Path


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the app configuration: defaults < environment < explicit overrides."""
    inst = Path(instance_path)
    cfg = {
        "SECRET_KEY": "dev-not-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{inst / 'matchmaker.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MATCHMAKER_MODEL": None,  # None = embeddings.DEFAULT_MODEL
        "MATCHMAKER_INDEX_DIR": str(inst / "indexes"),
        "MATCHMAKER_ENCODER_THREADS": 1,
        "WTF_CSRF_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_SUPPORTED_LOCALES": ["zh_CN", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Login attempts are rate-limited in memory, or in Redis when REDIS_URL is set (shared by workers).
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute",
    }
    env = os.environ
    if env.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("DATABASE_URL"):
        url = env["DATABASE_URL"]
        # SQLAlchemy wants an explicit driver for psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        cfg["SQLALCHEMY_DATABASE_URI"] = url
    if env.get("MATCHMAKER_AUTO_SCHEMA") == "0":  # run `flask db upgrade` yourself
        cfg["MATCHMAKER_AUTO_SCHEMA"] = False
    if env.get("REDIS_URL"):
        cfg["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
    if env.get("MATCHMAKER_HTTPS"):
        cfg["SESSION_COOKIE_SECURE"] = True
    if env.get("MATCHMAKER_MODEL"):
        cfg["MATCHMAKER_MODEL"] = env["MATCHMAKER_MODEL"]
    if env.get("MATCHMAKER_INDEX_DIR"):
        cfg["MATCHMAKER_INDEX_DIR"] = env["MATCHMAKER_INDEX_DIR"]
    if env.get("MATCHMAKER_ENCODER_THREADS"):
        cfg["MATCHMAKER_ENCODER_THREADS"] = int(env["MATCHMAKER_ENCODER_THREADS"])
    cfg.update(overrides or {})
    return cfg
