"""Log in, log out, register; roles; the user_loader."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from matchmaker.db import db
from matchmaker.models import ROLES, User
from matchmaker.security import limiter, password_problem

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")

ROLE_LABELS = {"startup": _l("Startup"), "fund": _l("Fund manager"), "scenario_owner": _l("Scenario owner"),
               "organiser": _l("Organiser"), "admin": _l("Administrator")}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the user for a session id, or None (never raises)."""
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def roles_required(*roles: str):
    """Allow a view only to logged-in users with one of these roles (admins always)."""
    def deco(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return deco


def safe_next(target: str | None) -> str | None:
    """A next URL only when it stays on this site (no scheme, no host)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class RegisterForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=255)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("I am a"), choices=[(r, ROLE_LABELS[r]) for r in ROLES if r != "admin"])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat password"), validators=[EqualTo("password")])

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.email.data or "")
        if problem:
            raise ValidationError(_l("Password too weak: %(p)s.", p=problem))


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.execute(
            db.select(User).where(User.email == form.email.data.strip().lower())).scalar_one_or_none()
        if user and user.check_password(form.password.data):
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
        form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.execute(db.select(User.id).where(User.email == email)).first():
            form.email.errors.append(_("This email is already registered."))
        else:
            user = User(email=email, display_name=form.display_name.data.strip(), role=form.role.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(n)s.", n=user.display_name))
            return redirect(url_for("main.dashboard"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def init_app(app) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)
