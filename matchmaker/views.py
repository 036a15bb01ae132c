"""Blueprint registry and the helpers the feature views share."""
from __future__ import annotations

from decimal import Decimal

from flask import abort
from flask_login import current_user

from matchmaker.db import db
from matchmaker.matching import store


def can_edit(record) -> bool:
    """Owners edit their own records; admins edit any."""
    if not current_user.is_authenticated:
        return False
    owner = getattr(record, "owner_id", None) if hasattr(record, "owner_id") else record.manager_id
    return current_user.role == "admin" or (owner is not None and owner == current_user.id)


def get_or_404(model, rid: int):
    rec = db.session.get(model, rid)
    if rec is None:
        abort(404)
    return rec


def save_form(kind: str, form, record, fields: tuple[str, ...]) -> None:
    """Copy validated form data onto the record, commit, and update its vector at once."""
    for f in fields:
        value = getattr(form, f).data
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, str):
            value = value.strip()
        setattr(record, f, value)
    db.session.add(record)
    db.session.commit()
    store.upsert(kind, record)


def init_app(app) -> None:
    from matchmaker import admin, api, connect, deals, desk, events, feed, funds, main, scenarios, startups

    for mod in (main, startups, scenarios, funds, events, api, admin, deals, desk, feed, connect):
        app.register_blueprint(mod.bp)
    app.jinja_env.globals["can_edit"] = can_edit
