"""Web hardening: security headers and CSP, session cookies, login rate limits, the audit log."""
from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

from matchmaker.db import db

# No inline script anywhere: the CSP forbids it, and the pages need none.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def set_headers(response):
    """Security headers on every response."""
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def password_problem(password: str, email: str = ""):
    """Why a password is too weak, or None: at least 10 characters, not only digits, not the email."""
    from flask_babel import lazy_gettext as _l

    if len(password) < 10:
        return _l("at least 10 characters")
    if password.isdigit():
        return _l("not only digits")
    if email and email.split("@")[0].lower() in password.lower():
        return _l("must not contain your email name")
    return None


def audit(action: str, target: str = "", **details) -> None:
    """Record an organiser's or admin's action (committed with the caller's transaction)."""
    from matchmaker.models import AuditLog

    uid = current_user.id if current_user and current_user.is_authenticated else None
    db.session.add(AuditLog(user_id=uid, action=action, target=target, details=details or {}))


SECRET_FIELDS = {"csrf_token", "password", "confirm"}


def audit_request(response):
    """Every state-changing request an organiser or admin makes is written to the audit log."""
    if (request.method == "POST" and response.status_code < 400 and request.endpoint
            and current_user.is_authenticated and current_user.role in ("organiser", "admin")):
        fields = {k: v[:200] for k, v in request.form.items() if k not in SECRET_FIELDS}
        try:
            audit(request.endpoint, request.path, **fields)
            db.session.commit()
        except Exception:  # the action itself succeeded; a failed log line must not turn it into an error
            db.session.rollback()
    return response


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    app.after_request(set_headers)
    app.after_request(audit_request)
    limiter.init_app(app)
