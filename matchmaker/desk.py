"""The scenario desk: publish and manage scenarios, ranked solvers with evidence, invitations, the shortlist,
applications, and the funds whose mandate fits the shortlisted solvers."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import workspace as ws
from matchmaker import workspace_graph as graph
from matchmaker.auth import roles_required
from matchmaker.db import db
from matchmaker.i18n import status_label
from matchmaker.matching import recommend as rec
from matchmaker.models import Scenario, Startup
from matchmaker.views import can_edit, get_or_404
from matchmaker.workspace_flow import NEXT_STATUS
from matchmaker.workspace_models import APPLICATION_STATUSES, Application, Invitation, ShortlistEntry

bp = Blueprint("desk", __name__, url_prefix="/desk")


def _mine(scid: int) -> Scenario:
    sc = get_or_404(Scenario, scid)
    if not can_edit(sc):
        abort(404)
    return sc


def _count(model, sc_col, scid: int) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model).where(sc_col == scid)).scalar_one()


@bp.get("/")
@roles_required("scenario_owner")
def index():
    q = db.select(Scenario).order_by(Scenario.id.desc())
    if current_user.role != "admin":
        q = q.where(Scenario.owner_id == current_user.id)
    scs = list(db.session.execute(q).scalars())
    counts = {sc.id: {"applications": _count(Application, Application.scenario_id, sc.id),
                      "invited": _count(Invitation, Invitation.scenario_id, sc.id),
                      "shortlisted": db.session.execute(db.select(db.func.count()).select_from(ShortlistEntry).where(
                          ShortlistEntry.kind == "scenario", ShortlistEntry.ref_id == sc.id)).scalar_one()}
              for sc in scs}
    return render_template("desk/index.html", scenarios=scs, counts=counts, next_status=NEXT_STATUS)


@bp.post("/<int:scid>/status")
@roles_required("scenario_owner")
def set_status(scid: int):
    sc = _mine(scid)
    raw = request.form.get("deadline", "").strip()
    try:
        deadline = dt.date.fromisoformat(raw) if raw else None
        ws.set_scenario_status(sc, request.form.get("status", sc.status), deadline)
        flash(_("“%(t)s” is now %(s)s.", t=sc.title, s=status_label(sc.status)))
    except ValueError as err:  # WorkspaceError is a ValueError, and so is a bad date
        flash(str(err) if isinstance(err, ws.WorkspaceError) else _("Give the deadline as a date."))
    return redirect(request.form.get("back") == "detail" and url_for("desk.detail", scid=sc.id)
                    or url_for("desk.index"))


@bp.get("/<int:scid>")
@roles_required("scenario_owner")
def detail(scid: int):
    sc = _mine(scid)
    shortlist = ws.entries("scenario", sc.id)
    apps = list(db.session.execute(db.select(Application).where(Application.scenario_id == sc.id)
                                   .order_by(Application.id.desc())).scalars())
    invited = {i.startup_id: i for i in db.session.execute(
        db.select(Invitation).where(Invitation.scenario_id == sc.id)).scalars()}
    ids = {e.startup_id for e in shortlist} | {a.startup_id for a in apps}
    return render_template("desk/detail.html", sc=sc, matches=rec.startups_for_scenario(sc, top=10),
                           shortlist=shortlist, listed={e.startup_id for e in shortlist}, apps=apps,
                           invited=invited, app_statuses=APPLICATION_STATUSES, next_status=NEXT_STATUS,
                           funds=graph.funds_for_solvers(sc), notes=ws.notes(current_user, ids),
                           fields={i: ws.visible_fields(current_user, db.session.get(Startup, i)) for i in ids})


@bp.post("/<int:scid>/shortlist")
@roles_required("scenario_owner")
def add(scid: int):
    sc = _mine(scid)
    st = get_or_404(Startup, request.form.get("startup", type=int) or 0)
    ws.shortlist("scenario", sc.id, st, current_user)
    flash(_("%(s)s is on the shortlist.", s=st.name))
    return redirect(url_for("desk.detail", scid=sc.id) + "#shortlist")


@bp.post("/<int:scid>/shortlist/<int:eid>/remove")
@roles_required("scenario_owner")
def remove(scid: int, eid: int):
    sc = _mine(scid)
    e = get_or_404(ShortlistEntry, eid)
    if e.kind != "scenario" or e.ref_id != sc.id:
        abort(404)
    ws.remove_from_shortlist(e)
    return redirect(url_for("desk.detail", scid=sc.id) + "#shortlist")


@bp.post("/<int:scid>/invite")
@roles_required("scenario_owner")
def invite(scid: int):
    sc = _mine(scid)
    st = get_or_404(Startup, request.form.get("startup", type=int) or 0)
    ws.invite(sc, st, request.form.get("message", ""))
    flash(_("%(s)s is invited to apply.", s=st.name))
    return redirect(url_for("desk.detail", scid=sc.id) + f"#solver-{st.id}")


@bp.post("/applications/<int:aid>")
@roles_required("scenario_owner")
def answer(aid: int):
    a = get_or_404(Application, aid)
    _mine(a.scenario_id)
    try:
        ws.set_application_status(a, request.form.get("status", ""))
        flash(_("Application of %(s)s: %(st)s.", s=a.startup.name, st=status_label(a.status)))
    except ws.WorkspaceError as err:
        flash(str(err))
    return redirect(url_for("desk.detail", scid=a.scenario_id) + "#applications")
