"""Home, the per-role dashboard, notifications, the language switch and the locale filters."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from matchmaker import i18n
from matchmaker import workspace as ws
from matchmaker.auth import safe_next
from matchmaker.db import db
from matchmaker.matching import recommend as rec
from matchmaker.models import Fund, Scenario, Startup

bp = Blueprint("main", __name__)
bp.record_once(lambda state: i18n.init_app(state.app))


@bp.app_context_processor
def _unread() -> dict:
    """The unread-notification count shown in every page's header."""
    if current_user.is_authenticated:
        return {"unread": ws.unread_count(current_user)}
    return {"unread": 0}


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    counts = {k: db.session.execute(db.select(db.func.count()).select_from(m)).scalar_one()
              for k, m in (("startups", Startup), ("scenarios", Scenario), ("funds", Fund))}
    return render_template("main/index.html", counts=counts)


@bp.get("/lang/<code>")
def set_lang(code: str):
    if code in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))


def _mine(model, attr: str) -> list:
    col = getattr(model, attr)
    return list(db.session.execute(db.select(model).where(col == current_user.id).order_by(model.id)).scalars())


@bp.get("/dashboard")
@login_required
def dashboard():
    role = current_user.role
    ctx: dict = {"role": role}
    if role == "startup":
        ctx["startups"] = _mine(Startup, "owner_id")
        if ctx["startups"]:
            st = ctx["startups"][0]
            ctx["scenario_matches"] = rec.scenarios_for_startup(st, top=5)
            ctx["fund_matches"] = rec.funds_for_startup(st, top=5)
    elif role == "fund":
        ctx["funds"] = _mine(Fund, "manager_id")
        ctx["fund_matches"] = {f.id: [ws.redact_match(current_user, m) for m in rec.startups_for_fund(f, top=5)]
                               for f in ctx["funds"]}
    elif role == "scenario_owner":
        ctx["scenarios"] = _mine(Scenario, "owner_id")
        ctx["scenario_matches"] = {sc.id: rec.startups_for_scenario(sc, top=3)
                                   for sc in ctx["scenarios"] if sc.is_open()}
    else:  # organiser, admin: the ecosystem's open needs and their best solvers
        open_sc = [sc for sc in db.session.execute(db.select(Scenario).order_by(Scenario.id)).scalars()
                   if sc.is_open()]
        ctx["scenarios"] = open_sc
        ctx["scenario_matches"] = {sc.id: rec.startups_for_scenario(sc, top=3) for sc in open_sc[:12]}
        ctx["funds"] = list(db.session.execute(db.select(Fund).order_by(Fund.id)).scalars())
    return render_template("main/dashboard.html", **ctx)


@bp.get("/notifications")
@login_required
def notifications():
    items = ws.notifications(current_user)
    return render_template("main/notifications.html", items=[(n, ws.message(n)) for n in items])


@bp.post("/notifications/read")
@login_required
def read_all():
    ws.mark_read(current_user)
    return redirect(url_for("main.notifications"))
