"""Event domain functions on a real database: generate, lock/move/remove and re-run, exports, rules, CLI."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from matchmaker import event_service as es
from matchmaker.db import db
from matchmaker.event_models import Meeting, MeetingRequest, Participant, Preference

ZERO = {"vetoes_violated": 0, "double_bookings": 0, "capacity_violations": 0, "availability_violations": 0,
        "cap_violations": 0, "unscheduled": 0}


@pytest.fixture
def ev(empty_app):
    """A generated random event: 12 startups, 4 counterparts, 5 slots, 3 tables."""
    event = es.demo_event(12, 4, 5, 3, seed=3)
    es.generate(event, time_limit=5)
    return event


def pairs(event) -> dict:
    return {(m.startup_pid, m.counterpart_pid): (m.slot, m.table_id) for m in es.meetings(event)}


def test_generate_stores_a_valid_schedule_and_report(ev):
    rep = ev.report
    assert rep["meetings"] == len(es.meetings(ev)) > 0
    assert rep["rounds"] == rep["rounds_lower_bound"] and rep["gap"] <= 0.01
    assert rep["status"] == "OPTIMAL" and rep["diff"] is None
    assert es.verify(ev) == ZERO
    vetoed = {frozenset((p.from_pid, p.to_pid)) for p in db.session.execute(db.select(Preference).where(
        Preference.level == "no")).scalars()}
    assert vetoed and not {frozenset(k) for k in pairs(ev)} & vetoed


def test_lock_move_remove_then_rerun(ev):
    ms = es.meetings(ev)
    keep, gone = ms[0], ms[1]
    es.lock(keep)
    held = (keep.slot, keep.table_id)
    es.remove(gone)
    gone_pair = (gone.startup_pid, gone.counterpart_pid)
    moved = _movable(ev)
    rep = es.generate(ev, time_limit=5)
    after = pairs(ev)
    assert after[keep.startup_pid, keep.counterpart_pid] == held
    if moved is not None:
        m, slot, table_id = moved
        assert after[m.startup_pid, m.counterpart_pid] == (slot, table_id)
    assert gone_pair not in after
    assert rep["diff"]["removed"]["count"] >= 1 and es.verify(ev) == ZERO
    with pytest.raises(es.EventError):
        es.lock(db.session.get(Meeting, gone.id))  # a removed meeting has no slot to lock


def _movable(ev):
    """Move some unlocked meeting to any legal (slot, table); None if none exists."""
    for m in es.meetings(ev):
        if m.locked:
            continue
        for slot in range(ev.n_slots):
            for t in ev.tables:
                if (slot, t.id) == (m.slot, m.table_id):
                    continue
                try:
                    es.move(m, slot, t.id)
                except es.EventError:
                    continue
                return m, slot, t.id
    return None


def test_move_refuses_double_booking_unavailability_and_full_tables(ev):
    m = es.meetings(ev)[0]
    other = next(o for o in es.meetings(ev) if o.counterpart_pid == m.counterpart_pid and o.id != m.id)
    with pytest.raises(es.EventError, match="already has a meeting"):
        es.move(m, other.slot, m.table_id)
    m.startup.unavailable = [4]
    db.session.commit()
    with pytest.raises(es.EventError, match="not available"):
        es.move(m, 4, m.table_id)
    with pytest.raises(es.EventError):
        es.move(m, 99, m.table_id)
    assert es.verify(ev) == ZERO


def test_exports_hold_every_meeting_and_defuse_formulas(ev):
    m = es.meetings(ev)[0]
    m.startup.name = "=HYPERLINK(\"http://evil\")"
    m.counterpart.name = "@SUM(A1)"
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(es.export_csv(ev).lstrip("\ufeff"))))
    assert len(rows) == len(es.meetings(ev))
    assert {(r["slot"], r["table"]) for r in rows} == {(str(x["slot"]), x["table"]) for x in es.meeting_rows(ev)}
    assert any(r["startup"] == "'=HYPERLINK(\"http://evil\")" and r["counterpart"] == "'@SUM(A1)" for r in rows)
    ws = load_workbook(io.BytesIO(es.export_xlsx(ev))).active
    data = list(ws.iter_rows(values_only=True))
    assert data[0] == es.EXPORT_COLUMNS and len(data) == len(rows) + 1
    assert all(not str(v).startswith(("=", "+", "-", "@")) for row in data for v in row if isinstance(v, str))
    assert es.neutralise("-1+2") == "'-1+2" and es.neutralise(-3) == -3 and es.neutralise("ok") == "ok"


def test_publish_snapshot_agenda_and_grid(ev):
    es.publish(ev)
    assert ev.status == "published" and len(ev.published) == len(es.meetings(ev))
    p = es.meetings(ev)[0].startup
    assert es.agenda(ev, p.id, published=True) == es.agenda(ev, p.id, published=False)
    es.lock(es.meetings(ev)[0])
    assert ev.status == "draft" and ev.published  # participants keep the last published schedule
    cells = [r for _, row in es.grid(ev) for cell in row for r in cell]
    assert len(cells) == len(es.meetings(ev)) and len(es.grid(ev)) == ev.n_slots


def test_vetoes_requests_and_earlier_meetings(ev):
    m = es.meetings(ev)[0]
    s, c = m.startup, m.counterpart
    es.set_preference(c, s, "no")
    es.generate(ev, time_limit=5)
    assert (s.id, c.id) not in pairs(ev) and es.verify(ev)["vetoes_violated"] == 0
    es.set_preference(c, s, None)
    req = es.send_request(s, c, "pilot in 洪山区")
    assert req.status == ("accepted" if ev.request_mode == "auto_accept" else "pending")
    es.answer_request(req, accept=False)
    assert (s.id, c.id) in es.build(ev).vetoes
    with pytest.raises(es.EventError):
        es.set_preference(s, s, "must")  # a startup cannot meet a startup
    # A later event with the same records: pairs that met are not proposed again unless someone asks.
    es.answer_request(req, accept=True)
    es.generate(ev, time_limit=5)
    es.publish(ev)
    met = set(pairs(ev))
    later = es.create_event(name="later", date=ev.date + dt.timedelta(days=30), n_slots=5, n_tables=3)
    for p in ev.participants:
        es.invite(later, p.kind, p.ref_id, p.max_meetings)
    ids = {(p.kind, p.ref_id): p.id for p in later.participants}
    again = {(ids["startup", m.startup.ref_id], ids[m.counterpart.kind, m.counterpart.ref_id])
             for m in es.meetings(ev) if (m.startup_pid, m.counterpart_pid) in met}
    assert es.met_before(later) == again
    a, b = next(iter(again))
    db.session.add(Preference(event_id=later.id, from_pid=a, to_pid=b, level="meet"))
    db.session.commit()
    assert (a, b) not in {(e.s, e.c) for e in es.build(later).inst.edges}
    es.set_preference(db.session.get(Participant, a), db.session.get(Participant, b), "must")
    assert (a, b) in {(e.s, e.c) for e in es.build(later).inst.edges}


def test_outcomes_and_analytics(ev):
    ms = es.meetings(ev)
    es.record_outcome(ms[0], "held", "invested", "2000000")
    es.record_outcome(ms[1], "no_show")
    with pytest.raises(es.EventError):
        es.record_outcome(ms[2], "no_show", "pilot")
    db.session.add(MeetingRequest(event_id=ev.id, from_pid=ms[0].startup_pid, to_pid=ms[1].counterpart_pid,
                                  status="declined"))
    db.session.commit()
    a = es.analytics(ev)
    funnel = dict(a["funnel"])
    assert funnel["scheduled"] == len(ms) and funnel["held"] == 1 and funnel["follow_up"] == 1
    assert a["invested_cny"] == 2_000_000 and a["no_show"] == 1 and 0 < a["startup_share"] <= 1
    assert sum(n for _, n in a["per_participant"]["startup"]) == len(es.participants(ev, "startup"))
    with pytest.raises(es.EventError, match="outcomes"):
        es.generate(ev)


def test_quota_maximum_is_respected(empty_app):
    event = es.demo_event(10, 3, 4, 3, seed=5)
    district = event.participants[0].district
    event.quotas = [{"side": "startup", "field": "district", "value": district, "min": 0, "max": 1}]
    db.session.commit()
    es.generate(event, time_limit=5)
    n = sum(1 for m in es.meetings(event) if m.startup.district == district)
    assert n <= 1 and es.verify(event) == ZERO


def test_cli_demo_and_pair_json(empty_app):
    runner = empty_app.test_cli_runner()
    res = runner.invoke(args=["event", "demo", "--startups", "20", "--counterparts", "6", "--slots", "6",
                              "--tables", "4", "--seed", "7"])
    assert res.exit_code == 0, res.output
    eid = int(res.output.strip())
    res = runner.invoke(args=["event", "pair", str(eid), "--json", "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"meetings", "rounds", "rounds_lower_bound", "objective", "bound", "gap",
                        "min_meetings_per_startup", "startups_without_meeting", "vetoes_violated",
                        "double_bookings", "capacity_violations", "availability_violations", "solve_seconds"}
    assert out["meetings"] > 0 and out["rounds"] == out["rounds_lower_bound"] and out["gap"] <= 0.01
    assert out["vetoes_violated"] == out["double_bookings"] == out["capacity_violations"] == 0
    assert out["availability_violations"] == 0
    assert runner.invoke(args=["event", "pair", "999"]).exit_code != 0
