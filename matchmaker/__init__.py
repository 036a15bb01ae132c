"""Matchmaker: scenario, investment and event matching for AI-industry incubators."""
from __future__ import annotations

import os

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_wtf import CSRFProtect

from matchmaker.config import load_config

babel = Babel()
csrf = CSRFProtect()


def _locale() -> str:
    """The session's chosen language, else the browser's Accept-Language, else the default."""
    from flask import current_app

    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    if not has_request_context():  # CLI and scripts: the configured default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config, extensions, blueprints; nothing else."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, config))

    from matchmaker import auth, cli, db, security, views

    db.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    csrf.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    cli.init_app(app)
    views.init_app(app)
    return app
