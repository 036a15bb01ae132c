"""Matching events (供需对接会): organiser and participant pages, exports, and the `flask event` commands."""
from __future__ import annotations

import json

import click
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from matchmaker import event_service as es
from matchmaker.auth import roles_required
from matchmaker.db import db
from matchmaker.event_models import Candidate, Event, Meeting, MeetingRequest, Participant, Preference
from matchmaker.models import Fund, Scenario, Startup
from matchmaker.views import get_or_404

bp = Blueprint("events", __name__, url_prefix="/events")
ORGANISERS = ("organiser", "admin")


class EventForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    date = DateField(_l("Date"), validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[Length(max=300)])
    start_time = StringField(_l("First slot starts (HH:MM)"), default="09:00",
                             validators=[Regexp(r"^([01]\d|2[0-3]):[0-5]\d$")])
    meeting_minutes = IntegerField(_l("Meeting length (minutes)"), default=20, validators=[NumberRange(5, 240)])
    gap_minutes = IntegerField(_l("Changeover between slots (minutes)"), default=5, validators=[NumberRange(0, 60)])
    n_slots = IntegerField(_l("Time slots"), default=8, validators=[NumberRange(1, 48)])
    break_after = IntegerField(_l("Break after slot (0 = none)"), default=0, validators=[NumberRange(0, 48)])
    break_minutes = IntegerField(_l("Break length (minutes)"), default=0, validators=[NumberRange(0, 240)])
    n_tables = IntegerField(_l("Tables or rooms"), default=10, validators=[NumberRange(1, 500)])
    table_capacity = IntegerField(_l("Meetings per table at once"), default=1, validators=[NumberRange(1, 50)])
    request_mode = SelectField(_l("Meeting requests"), choices=[("opt_in", _l("Recipient accepts or declines")),
                                                                ("auto_accept", _l("Accepted automatically"))])
    min_per_startup = IntegerField(_l("Minimum meetings per startup (where feasible)"), default=1,
                                   validators=[NumberRange(0, 48)])
    max_per_counterpart = IntegerField(_l("Most meetings any counterpart takes (blank = its own cap)"),
                                       validators=[Optional(), NumberRange(1, 48)])
    top_k = IntegerField(_l("Candidates kept per participant"), default=10, validators=[NumberRange(1, 200)])
    quotas = TextAreaField(_l("Quotas, one a line: side field value min max (e.g. startup district 洪山区 4 -)"))


def _quotas(text: str) -> list[dict]:
    out = []
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) != 5 or parts[0] not in ("startup", "counterpart") or parts[1] not in ("district", "sector"):
            raise es.EventError(_("Bad quota line: %(l)s", l=line))
        lo, hi = (None if x == "-" else int(x) for x in parts[3:])
        out.append({"side": parts[0], "field": parts[1], "value": parts[2], "min": lo or 0, "max": hi})
    return out


def _event(eid: int) -> Event:
    """The event; another organiser's event does not exist for an organiser (admins see all)."""
    ev = get_or_404(Event, eid)
    if current_user.role == "organiser" and ev.organiser_id not in (None, current_user.id):
        abort(404)
    return ev


def _participant(ev: Event, pid: int) -> Participant:
    p = db.session.get(Participant, pid)
    if p is None or p.event_id != ev.id:
        abort(404)
    if current_user.role not in ORGANISERS and p.user_id != current_user.id:
        abort(403)
    return p


def _meeting(ev: Event, mid: int) -> Meeting:
    m = db.session.get(Meeting, mid)
    if m is None or m.event_id != ev.id:
        abort(404)
    return m


def _back(ev: Event, anchor: str = ""):
    return redirect(url_for("events.detail", eid=ev.id) + anchor)


def _run(fn, *args, ok: str | None = None):
    """Call a domain function; its refusal becomes a flash message."""
    try:
        out = fn(*args)
    except es.EventError as e:
        flash(str(e))
        return None
    if ok:
        flash(ok)
    return out


def _int(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return default


def _slots() -> list[int]:
    """The form's 1-based slot list ("1, 4") as slot indices."""
    text = request.form.get("unavailable", "").replace("，", ",")
    return [int(x) - 1 for x in text.split(",") if x.strip().isdigit() and int(x) > 0]


@bp.get("/events.css")
def stylesheet():
    return Response(render_template("events/events.css"), mimetype="text/css")


@bp.get("/")
@login_required
def index():
    if current_user.role in ORGANISERS:
        evs = list(db.session.execute(db.select(Event).order_by(Event.date.desc(), Event.id.desc())).scalars())
    else:
        evs = list(db.session.execute(db.select(Event).join(Participant).where(
            Participant.user_id == current_user.id).order_by(Event.date.desc())).scalars().unique())
    mine = {p.event_id: p for p in db.session.execute(
        db.select(Participant).where(Participant.user_id == current_user.id)).scalars()}
    return render_template("events/index.html", events=evs, mine=mine)


@bp.post("/demo")
@roles_required(*ORGANISERS)
def demo():
    size = {k: max(1, min(_int(k, d), cap)) for k, d, cap in
            (("startups", 24, 400), ("counterparts", 8, 120), ("slots", 6, 24), ("tables", 6, 80))}
    ev = es.demo_event(**size, seed=_int("seed", 1), organiser_id=current_user.id,
                       engine=bool(request.form.get("engine")))
    flash(_("Demo event created with %(n)d participants.", n=len(ev.participants)))
    return _back(ev)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def create():
    form = EventForm()
    if form.validate_on_submit():
        try:
            quotas = _quotas(form.quotas.data)
        except (es.EventError, ValueError) as e:
            form.quotas.errors = [str(e)]
        else:
            d = {f.name: f.data for f in form if f.name not in ("csrf_token", "quotas", "break_after", "break_minutes")}
            d["breaks"] = {str(form.break_after.data - 1): form.break_minutes.data} if form.break_after.data else {}
            return _back(es.create_event(**d, quotas=quotas, organiser_id=current_user.id))
    return render_template("events/form.html", form=form), 400 if form.errors else 200


@bp.get("/<int:eid>")
@roles_required(*ORGANISERS)
def detail(eid: int):
    ev = _event(eid)
    counts = dict(db.session.execute(db.select(Participant.id, db.func.count(Candidate.id)).join(
        Candidate, db.or_(Candidate.startup_pid == Participant.id, Candidate.counterpart_pid == Participant.id))
        .where(Participant.event_id == ev.id).group_by(Participant.id)).all())
    records = {k: list(db.session.execute(db.select(m).order_by(m.id)).scalars())
               for k, m in (("startup", Startup), ("fund", Fund), ("scenario", Scenario))}
    return render_template("events/detail.html", ev=ev, counts=counts, records=records, times=ev.slot_times(),
                           meetings=es.meetings(ev), removed=es.meetings(ev, removed=True),
                           violations=es.verify(ev) if ev.status != "setup" else None)


@bp.post("/<int:eid>/invite")
@roles_required(*ORGANISERS)
def invite(eid: int):
    ev = _event(eid)
    kind, _sep, ref = request.form.get("record", "").partition(":")
    _run(es.invite, ev, kind, int(ref) if ref.isdigit() else 0, _int("max_meetings", 6), _slots(),
         ok=_("Participant saved."))
    return _back(ev, "#participants")


@bp.post("/<int:eid>/candidates")
@roles_required(*ORGANISERS)
def candidates(eid: int):
    ev = _event(eid)
    flash(_("%(n)d recommended pairs scored.", n=es.refresh_candidates(ev)))
    return _back(ev, "#participants")


@bp.post("/<int:eid>/generate")
@roles_required(*ORGANISERS)
def generate(eid: int):
    ev = _event(eid)
    limit = max(1, min(_int("time_limit", 20), 120))
    _run(es.generate, ev, float(limit), ok=_("Pairing generated. Review the draft, then publish it."))
    return _back(ev, "#report")


@bp.post("/<int:eid>/publish")
@roles_required(*ORGANISERS)
def publish(eid: int):
    ev = _event(eid)
    _run(es.publish, ev, ok=_("Schedule published: participants can see their agendas."))
    return _back(ev)


@bp.post("/<int:eid>/meetings/<int:mid>/<action>")
@roles_required(*ORGANISERS)
def adjust(eid: int, mid: int, action: str):
    ev = _event(eid)
    m = _meeting(ev, mid)
    if action == "lock":
        _run(es.lock, m, not m.locked)
    elif action == "move":
        n = _int("table", 0)
        table_id = ev.tables[n - 1].id if 1 <= n <= len(ev.tables) else -1
        _run(es.move, m, _int("slot", 0) - 1, table_id, ok=_("Meeting moved and locked."))
    elif action == "remove":
        _run(es.remove, m, ok=_("Meeting removed; re-runs will not propose this pair again."))
    else:
        abort(404)
    return _back(ev, "#meetings")


@bp.get("/<int:eid>/grid")
@roles_required(*ORGANISERS)
def grid(eid: int):
    ev = _event(eid)
    return render_template("events/grid.html", ev=ev, grid=es.grid(ev))


@bp.get("/<int:eid>/export.<fmt>")
@roles_required(*ORGANISERS)
def export(eid: int, fmt: str):
    ev = _event(eid)
    name = f"event-{ev.id}-pairings.{fmt}"
    if fmt == "csv":
        return Response(es.export_csv(ev), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    if fmt == "xlsx":
        return Response(es.export_xlsx(ev), headers={"Content-Disposition": f"attachment; filename={name}"},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)


@bp.get("/<int:eid>/agenda/<int:pid>")
@login_required
def agenda(eid: int, pid: int):
    ev = _event(eid)
    p = _participant(ev, pid)
    draft = current_user.role in ORGANISERS and request.args.get("published") is None
    if not draft and not ev.published_at:
        abort(404)
    return render_template("events/agenda.html", ev=ev, p=p, rows=es.agenda(ev, p.id, published=not draft),
                           draft=draft)


@bp.get("/<int:eid>/p/<int:pid>")
@login_required
def participant(eid: int, pid: int):
    ev = _event(eid)
    p = _participant(ev, pid)
    col, other = ((Candidate.startup_pid, Candidate.counterpart_pid) if p.side == "startup"
                  else (Candidate.counterpart_pid, Candidate.startup_pid))
    cands = db.session.execute(db.select(Candidate, Participant).join(Participant, other == Participant.id)
                               .where(col == p.id).order_by(Candidate.score.desc())).all()
    prefs = dict(db.session.execute(db.select(Preference.to_pid, Preference.level)
                                    .where(Preference.from_pid == p.id)).all())
    reqs = list(db.session.execute(db.select(MeetingRequest).where(
        db.or_(MeetingRequest.from_pid == p.id, MeetingRequest.to_pid == p.id))).scalars())
    names = {q.id: q.name for q in ev.participants}
    met = {c if p.side == "startup" else s for s, c in es.met_before(ev) if p.id in (s, c)}
    return render_template("events/participant.html", ev=ev, p=p, cands=cands, prefs=prefs, reqs=reqs,
                           names=names, met=met, others=[q for q in es.participants(ev) if q.side != p.side])


@bp.post("/<int:eid>/p/<int:pid>/<action>")
@login_required
def participant_action(eid: int, pid: int, action: str):
    ev = _event(eid)
    p = _participant(ev, pid)
    if action == "attendance":
        _run(es.set_attendance, p, request.form.get("status", ""), _slots(), ok=_("Attendance saved."))
    elif action == "answer":
        req = db.session.get(MeetingRequest, _int("request_id", 0))
        if req is None or req.to_pid != p.id:
            abort(404)
        _run(es.answer_request, req, request.form.get("accept") == "1")
    else:
        to = db.session.get(Participant, _int("to", 0))
        if to is None or to.event_id != ev.id:
            abort(404)
        if action == "preference":
            _run(es.set_preference, p, to, request.form.get("level") or None, ok=_("Preference saved."))
        elif action == "request":
            _run(es.send_request, p, to, request.form.get("reason", ""), ok=_("Request sent."))
        else:
            abort(404)
    return redirect(url_for("events.participant", eid=ev.id, pid=p.id))


@bp.route("/<int:eid>/outcomes", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def outcomes(eid: int):
    ev = _event(eid)
    if request.method == "POST":
        m = _meeting(ev, _int("meeting_id", 0))
        _run(es.record_outcome, m, request.form.get("outcome") or None, request.form.get("follow_up") or None,
             request.form.get("amount") or None, ok=_("Outcome saved."))
        return redirect(url_for("events.outcomes", eid=ev.id) + f"#m{m.id}")
    return render_template("events/outcomes.html", ev=ev, rows=es.meeting_rows(ev),
                           meetings={m.id: m for m in es.meetings(ev)})


@bp.get("/<int:eid>/analytics")
@roles_required(*ORGANISERS)
def analytics(eid: int):
    ev = _event(eid)
    return render_template("events/analytics.html", ev=ev, a=es.analytics(ev))


event_cli = AppGroup("event", help="Matching events: generate a random demo event, pair and schedule one.")


@event_cli.command("demo")
@click.option("--startups", default=30, show_default=True)
@click.option("--counterparts", default=10, show_default=True)
@click.option("--slots", default=8, show_default=True)
@click.option("--tables", default=8, show_default=True)
@click.option("--seed", default=0, show_default=True)
def demo_cmd(startups, counterparts, slots, tables, seed):
    """Create a random event of this size (participants created as needed) and print its id."""
    click.echo(es.demo_event(startups, counterparts, slots, tables, seed=seed).id)


@event_cli.command("pair")
@click.argument("event_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--time-limit", default=20.0, show_default=True, help="seconds for the solver")
def pair_cmd(event_id, as_json, time_limit):
    """Generate the pairing and schedule; violations are recounted from the database."""
    ev = db.session.get(Event, event_id)
    if ev is None:
        raise click.ClickException(f"no event with id {event_id}")
    try:
        rep = es.generate(ev, time_limit=time_limit)
    except es.EventError as e:
        raise click.ClickException(str(e)) from e
    out = {k: rep[k] for k in ("meetings", "rounds", "rounds_lower_bound", "objective", "bound", "gap",
                               "min_meetings_per_startup", "startups_without_meeting")}
    bad = es.verify(ev)
    out.update({k: bad[k] for k in ("vetoes_violated", "double_bookings", "capacity_violations",
                                    "availability_violations")}, solve_seconds=rep["solve_seconds"])
    if as_json:
        click.echo(json.dumps(out))
    else:
        click.echo("\n".join(f"{k}: {v}" for k, v in out.items()))
