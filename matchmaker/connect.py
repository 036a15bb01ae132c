"""Three-way meetings: an organiser proposes scenario owner + startup + fund; each party answers."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import workspace as ws
from matchmaker import workspace_graph as graph
from matchmaker.auth import roles_required
from matchmaker.db import db
from matchmaker.models import Fund, Scenario, Startup
from matchmaker.views import get_or_404
from matchmaker.workspace_flow import party
from matchmaker.workspace_models import Proposal

bp = Blueprint("connect", __name__, url_prefix="/connect")
ORGANISERS = ("organiser", "admin")


@bp.get("/")
@roles_required("organiser", "startup", "fund", "scenario_owner")
def index():
    ctx = {"proposals": graph.proposals_for(current_user), "party": party}
    if current_user.role in ORGANISERS:
        ctx["suggestions"] = graph.three_way_suggestions()
        ctx["scenarios"] = graph.open_scenarios()
        ctx["startups"] = list(db.session.execute(db.select(Startup).order_by(Startup.name)).scalars())
        ctx["funds"] = list(db.session.execute(db.select(Fund).order_by(Fund.name)).scalars())
    return render_template("connect/index.html", **ctx)


@bp.post("/propose")
@roles_required("organiser")
def propose():
    sc = get_or_404(Scenario, request.form.get("scenario", type=int) or 0)
    st = get_or_404(Startup, request.form.get("startup", type=int) or 0)
    f = get_or_404(Fund, request.form.get("fund", type=int) or 0)
    ws.propose(current_user, sc, st, f, request.form.get("message", ""))
    flash(_("Three-way meeting proposed: %(a)s · %(b)s · %(c)s.", a=sc.title, b=st.name, c=f.name))
    return redirect(url_for("connect.index") + "#proposals")


@bp.post("/proposals/<int:pid>")
@roles_required("startup", "fund", "scenario_owner")
def answer(pid: int):
    p = get_or_404(Proposal, pid)
    if party(current_user, p) is None:
        abort(404)
    ws.answer_proposal(current_user, p, request.form.get("accept") == "1")
    flash(_("Answer saved."))
    return redirect(url_for("connect.index") + f"#proposal-{p.id}")
