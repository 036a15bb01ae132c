"""The startup feed: recommended scenarios and funds with why, applying and expressing interest with a
message, invitations, and the status of each."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import workspace as ws
from matchmaker.auth import roles_required
from matchmaker.db import db
from matchmaker.matching import recommend as rec
from matchmaker.models import Fund, Scenario, Startup
from matchmaker.views import get_or_404
from matchmaker.workspace_models import Application, Interest, Invitation

bp = Blueprint("feed", __name__, url_prefix="/feed")


def _startups() -> list[Startup]:
    return list(db.session.execute(db.select(Startup).where(Startup.owner_id == current_user.id)
                                   .order_by(Startup.id)).scalars())


def _startup() -> Startup:
    """The user's startup chosen by ?startup= or the form, else the first; 404 when it is not theirs."""
    mine = _startups()
    raw = request.values.get("startup", "")
    st = next((s for s in mine if raw.isdigit() and s.id == int(raw)), None) or (mine[0] if mine else None)
    if st is None:
        abort(404)
    return st


def _by(model, key: str, st: Startup) -> dict:
    rows = db.session.execute(db.select(model).where(model.startup_id == st.id).order_by(model.id.desc())).scalars()
    return {getattr(r, key): r for r in rows}


@bp.get("/")
@roles_required("startup")
def index():
    mine = _startups()
    if not mine:
        return render_template("feed/index.html", st=None, startups=[])
    st = _startup()
    return render_template("feed/index.html", st=st, startups=mine,
                           scenario_matches=rec.scenarios_for_startup(st, top=8),
                           fund_matches=rec.funds_for_startup(st, top=8),
                           applications=_by(Application, "scenario_id", st), interests=_by(Interest, "fund_id", st),
                           invitations=list(_by(Invitation, "scenario_id", st).values()))


@bp.post("/apply/<int:scid>")
@roles_required("startup")
def apply(scid: int):
    st, sc = _startup(), get_or_404(Scenario, scid)
    if sc.status == "draft":
        abort(404)
    try:
        ws.apply(st, sc, request.form.get("message", ""))
        flash(_("Application sent to “%(t)s”.", t=sc.title))
    except ws.WorkspaceError as err:
        flash(str(err))
    return redirect(url_for("feed.index", startup=st.id) + "#applications")


@bp.post("/interest/<int:fid>")
@roles_required("startup")
def interest(fid: int):
    st, f = _startup(), get_or_404(Fund, fid)
    try:
        ws.express_interest(st, f, request.form.get("message", ""))
        flash(_("Interest sent to %(f)s.", f=f.name))
    except ws.WorkspaceError as err:
        flash(str(err))
    return redirect(url_for("feed.index", startup=st.id) + "#interests")


@bp.post("/invitations/<int:iid>")
@roles_required("startup")
def answer(iid: int):
    inv = get_or_404(Invitation, iid)
    if inv.startup.owner_id != current_user.id:
        abort(404)
    ws.answer_invitation(inv, request.form.get("accept") == "1")
    return redirect(url_for("feed.index", startup=inv.startup_id) + "#invitations")
