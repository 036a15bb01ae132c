"""The fund workspace: deal-flow search, similar startups, saved searches, pipeline, notes, CSV export and
scenario-backed deal flow."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import workspace as ws
from matchmaker import workspace_graph as graph
from matchmaker.auth import roles_required, safe_next
from matchmaker.db import db
from matchmaker.matching import search
from matchmaker.matching.pool import get_pool
from matchmaker.models import STAGES, Fund, Startup
from matchmaker.views import get_or_404
from matchmaker.workspace_models import PIPELINE, Interest, SavedSearch, ShortlistEntry, StartupPrivate

bp = Blueprint("deals", __name__, url_prefix="/deals")


def my_funds() -> list[Fund]:
    """The funds the current user manages (every fund for an admin)."""
    q = db.select(Fund).order_by(Fund.id)
    if current_user.role != "admin":
        q = q.where(Fund.manager_id == current_user.id)
    return list(db.session.execute(q).scalars())


def _fund(funds: list[Fund]) -> Fund | None:
    """The fund chosen by ?fund= or the form, else the first one."""
    raw = request.values.get("fund", "")
    chosen = next((f for f in funds if raw.isdigit() and f.id == int(raw)), None)
    return chosen or (funds[0] if funds else None)


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default)


def _hidden_raise() -> set[int]:
    """Startups whose raise the current user may not see (a raise filter treats them as unknown)."""
    private = db.select(StartupPrivate.startup_id).where(StartupPrivate.private_financials.is_(True))
    rows = db.session.execute(db.select(Startup).where(Startup.id.in_(private))).scalars()
    return {st.id for st in rows if "financials" in ws.visible_fields(current_user, st)["hidden"]}


@bp.get("/")
@roles_required("fund")
def find():
    funds = my_funds()
    q = search.Query.from_dict(request.args)
    pool = get_pool("startup")
    hidden = _hidden_raise() if (q.raise_min is not None or q.raise_max is not None) else set()
    ran = bool(q.text or q.filters())
    results = search.search(q, top=30, hidden_raise=hidden) if ran else []
    cards = [(m, ws.visible_fields(current_user, db.session.get(Startup, m.id))) for m in results]
    sectors = sorted({s for r in pool.rows for s in r["sectors"]})
    incubators = sorted({i for i in db.session.execute(db.select(Startup.incubator).distinct()).scalars() if i})
    f = _fund(funds)
    listed = {e.startup_id for e in ws.entries("fund", f.id)} if f else set()
    return render_template("deals/search.html", q=q, ran=ran, cards=cards, funds=funds, fund=f, listed=listed,
                           sectors=sectors, stages=STAGES, incubators=incubators, saved=ws.saved_searches(current_user))


@bp.post("/saved")
@roles_required("fund")
def save_search():
    q = search.Query.from_dict(request.form)
    if not (q.text or q.filters()):
        flash(_("Type a query or choose a filter before saving a search."))
        return redirect(url_for("deals.find"))
    s = ws.save_search(current_user, request.form.get("name", ""), q)
    flash(_("Search “%(n)s” saved: you will be told when a new or changed startup matches it.", n=s.name))
    return redirect(url_for("deals.find", q=q.text, **q.filters()))


@bp.post("/saved/<int:ssid>/delete")
@roles_required("fund")
def delete_search(ssid: int):
    s = get_or_404(SavedSearch, ssid)
    if s.user_id != current_user.id:
        abort(404)
    ws.delete_search(s)
    flash(_("Saved search deleted."))
    return redirect(url_for("deals.find"))


@bp.get("/similar/<int:sid>")
@roles_required("fund")
def similar(sid: int):
    st = get_or_404(Startup, sid)
    return render_template("deals/similar.html", st=st, matches=search.similar_startups(st.id, top=10))


@bp.post("/shortlist")
@roles_required("fund")
def add():
    f = _fund(my_funds())
    st = get_or_404(Startup, request.form.get("startup", type=int) or 0)
    if f is None:
        abort(403)
    ws.shortlist("fund", f.id, st, current_user)
    flash(_("%(s)s is on the pipeline of %(f)s.", s=st.name, f=f.name))
    return _back(url_for("deals.pipeline", fund=f.id))


def _own_entry(eid: int) -> ShortlistEntry:
    e = get_or_404(ShortlistEntry, eid)
    if e.kind != "fund" or e.ref_id not in {f.id for f in my_funds()}:
        abort(404)
    return e


@bp.post("/pipeline/<int:eid>/move")
@roles_required("fund")
def move(eid: int):
    e = _own_entry(eid)
    try:
        ws.move(e, request.form.get("stage", ""), request.form.get("reason", ""))
        flash(_("%(s)s moved to: %(st)s.", s=e.startup.name, st=_status(e.stage)))
    except ws.WorkspaceError as err:
        flash(str(err))
    return redirect(url_for("deals.pipeline", fund=e.ref_id) + f"#entry-{e.id}")


@bp.post("/pipeline/<int:eid>/remove")
@roles_required("fund")
def remove(eid: int):
    e = _own_entry(eid)
    fid = e.ref_id
    ws.remove_from_shortlist(e)
    return redirect(url_for("deals.pipeline", fund=fid))


@bp.post("/notes/<int:sid>")
@roles_required("fund", "scenario_owner")
def note(sid: int):
    st = get_or_404(Startup, sid)
    try:
        ws.add_note(current_user, st, request.form.get("text", ""))
        flash(_("Note saved."))
    except ws.WorkspaceError as err:
        flash(str(err))
    return _back(url_for("startups.detail", sid=sid))


@bp.post("/interest/<int:iid>")
@roles_required("fund")
def answer_interest(iid: int):
    i = get_or_404(Interest, iid)
    if i.fund_id not in {f.id for f in my_funds()}:
        abort(404)
    ws.set_interest_status(i, request.form.get("status", ""))
    return redirect(url_for("deals.pipeline", fund=i.fund_id))


def _status(code: str) -> str:
    from matchmaker.i18n import status_label

    return status_label(code)


@bp.get("/pipeline")
@roles_required("fund")
def pipeline():
    funds = my_funds()
    f = _fund(funds)
    es = ws.entries("fund", f.id) if f else []
    inbox = list(db.session.execute(db.select(Interest).where(Interest.fund_id == f.id)
                                    .order_by(Interest.id.desc())).scalars()) if f else []
    return render_template("deals/pipeline.html", funds=funds, fund=f, stages=PIPELINE, inbox=inbox,
                           board={s: [e for e in es if e.stage == s] for s in PIPELINE},
                           notes=ws.notes(current_user, [e.startup_id for e in es]),
                           fields={e.startup_id: ws.visible_fields(current_user, e.startup) for e in es})


@bp.get("/pipeline.csv")
@roles_required("fund")
def export():
    f = _fund(my_funds())
    if f is None:
        abort(404)
    return Response(ws.pipeline_csv(current_user, f), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=pipeline-{f.id}.csv"})


@bp.get("/graph")
@roles_required("fund")
def backed():
    funds = my_funds()
    f = _fund(funds)
    links = graph.scenario_backed_deal_flow(f) if f else []
    listed = {e.startup_id for e in ws.entries("fund", f.id)} if f else set()
    return render_template("deals/graph.html", funds=funds, fund=f, links=links, listed=listed)
