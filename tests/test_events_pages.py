"""Event pages through the Flask test client: the organiser's flow end to end, and a participant's view."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from matchmaker import event_service as es
from matchmaker.db import db
from matchmaker.event_models import Event, Meeting, MeetingRequest, Participant, Preference
from matchmaker.models import Fund, Startup, User


def _eid(resp) -> int:
    return int(re.search(r"/events/(\d+)", resp.headers["Location"]).group(1))


def _no_script(html: str) -> None:
    assert "<script" not in html.lower()


def test_organiser_creates_generates_adjusts_publishes_exports_and_records_outcomes(client, auth):
    auth.login("organiser@demo.cn")
    page = client.get("/events/").get_data(as_text=True)
    assert "Create demo event" in page and 'href="/events/"' in page  # nav link in base.html
    r = client.post("/events/demo", data={"startups": 10, "counterparts": 4, "slots": 4, "tables": 3, "seed": 2,
                                          "engine": "1"})
    assert r.status_code == 302
    eid = _eid(r)
    ev = db.session.get(Event, eid)
    assert len(ev.participants) == 14 and es.build(ev).scores  # engine scores cached on the event
    assert client.post(f"/events/{eid}/generate", data={"time_limit": 5}).status_code == 302
    html = client.get(f"/events/{eid}").get_data(as_text=True)
    _no_script(html)
    assert "Rounds (fewest possible)" in html and "vetoes_violated 0" in html
    ms = es.meetings(ev)
    keep, gone = ms[0], ms[1]
    client.post(f"/events/{eid}/meetings/{keep.id}/lock")
    client.post(f"/events/{eid}/meetings/{gone.id}/remove")
    moved = _move_somewhere(client, ev)
    held = (keep.slot, keep.table_id)
    client.post(f"/events/{eid}/generate", data={"time_limit": 5})
    db.session.expire_all()
    html = client.get(f"/events/{eid}").get_data(as_text=True)
    assert "Difference from the previous draft" in html
    now = {(m.startup_pid, m.counterpart_pid): (m.slot, m.table_id) for m in es.meetings(ev)}
    assert now[keep.startup_pid, keep.counterpart_pid] == held
    assert (gone.startup_pid, gone.counterpart_pid) not in now
    if moved:
        assert now[moved[0]] == moved[1]
    assert not any(es.verify(ev).values())
    client.post(f"/events/{eid}/publish")
    db.session.expire_all()
    assert db.session.get(Event, eid).status == "published"

    rows = list(csv.DictReader(io.StringIO(client.get(f"/events/{eid}/export.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert len(rows) == len(now)
    wb = load_workbook(io.BytesIO(client.get(f"/events/{eid}/export.xlsx").data))
    assert wb.active.max_row == len(now) + 1
    grid = client.get(f"/events/{eid}/grid").get_data(as_text=True)
    assert all(t.name in grid for t in ev.tables) and grid.count("↔") == len(now)
    p = es.meetings(ev)[0].startup
    agenda = client.get(f"/events/{eid}/agenda/{p.id}?published=1").get_data(as_text=True)
    assert f"Agenda for {p.name}" in agenda and "@media print" in client.get("/events/events.css").get_data(
        as_text=True)

    first, second = es.meetings(ev)[:2]
    client.post(f"/events/{eid}/outcomes", data={"meeting_id": first.id, "outcome": "held",
                                                 "follow_up": "invested", "amount": "1500000"})
    client.post(f"/events/{eid}/outcomes", data={"meeting_id": second.id, "outcome": "no_show"})
    db.session.expire_all()
    assert db.session.get(Meeting, first.id).amount_cny == 1_500_000
    assert db.session.get(Meeting, second.id).outcome == "no_show"
    html = client.get(f"/events/{eid}/analytics").get_data(as_text=True)
    _no_script(html)
    assert "<svg" in html and "1,500,000" in html and "Startups with at least one meeting" in html


def _move_somewhere(client, ev):
    """Move an unlocked meeting through the page to the first legal (slot, table); returns (pair, place)."""
    for m in es.meetings(ev):
        if m.locked:
            continue
        for slot in range(1, ev.n_slots + 1):
            for n, t in enumerate(ev.tables, 1):
                if (slot - 1, t.id) == (m.slot, m.table_id):
                    continue
                client.post(f"/events/{ev.id}/meetings/{m.id}/move", data={"slot": slot, "table": n})
                db.session.expire_all()
                got = db.session.get(Meeting, m.id)
                if (got.slot, got.table_id) == (slot - 1, t.id):
                    assert got.locked
                    return (m.startup_pid, m.counterpart_pid), (slot - 1, t.id)
    return None


def test_participant_marks_preferences_and_requests(client, auth):
    startup = db.session.execute(db.select(Startup).join(User, Startup.owner_id == User.id)
                                 .where(User.email == "startup@demo.cn")).scalar_one()
    fund = db.session.execute(db.select(Fund).join(User, Fund.manager_id == User.id)
                              .where(User.email == "fund@demo.cn")).scalar_one()
    ev = es.demo_event(5, 3, 4, 3, seed=4)
    ev.request_mode = "opt_in"
    me, them = es.invite(ev, "startup", startup.id, 3), es.invite(ev, "fund", fund.id, 4)
    es.refresh_candidates(ev)
    stranger = next(p for p in ev.participants if p.kind == "startup" and p.id != me.id)

    auth.login("startup@demo.cn")
    assert f"/events/{ev.id}/p/{me.id}" in client.get("/events/").get_data(as_text=True)
    html = client.get(f"/events/{ev.id}/p/{me.id}").get_data(as_text=True)
    _no_script(html)
    assert "Recommended counterparts" in html and them.name in html
    client.post(f"/events/{ev.id}/p/{me.id}/preference", data={"to": them.id, "level": "must"})
    client.post(f"/events/{ev.id}/p/{me.id}/request", data={"to": them.id, "reason": "试点合作 a pilot"})
    assert db.session.execute(db.select(Preference.level).where(Preference.from_pid == me.id)).scalar() == "must"
    req = db.session.execute(db.select(MeetingRequest).where(MeetingRequest.from_pid == me.id)).scalar_one()
    assert req.status == "pending" and req.reason == "试点合作 a pilot"
    client.post(f"/events/{ev.id}/p/{me.id}/attendance", data={"status": "confirmed", "unavailable": "2"})
    assert (me.status, me.unavailable) == ("confirmed", [1])
    assert client.get(f"/events/{ev.id}/p/{stranger.id}").status_code == 403
    assert client.get(f"/events/{ev.id}").status_code == 403
    assert client.get(f"/events/{ev.id}/agenda/{me.id}").status_code == 404  # nothing published yet
    assert client.post("/events/demo").status_code == 403

    auth.logout()
    auth.login("fund@demo.cn")
    html = client.get(f"/events/{ev.id}/p/{them.id}").get_data(as_text=True)
    assert "试点合作 a pilot" in html and "Accept" in html
    client.post(f"/events/{ev.id}/p/{them.id}/answer", data={"request_id": req.id, "accept": "1"})
    db.session.expire_all()
    assert db.session.get(MeetingRequest, req.id).status == "accepted"
    es.generate(db.session.get(Event, ev.id), time_limit=5)
    assert (me.id, them.id) in {(m.startup_pid, m.counterpart_pid) for m in es.meetings(ev)}


def test_new_event_form_with_quota(client, auth):
    auth.login("organiser@demo.cn")
    data = {"name": "光谷AI对接会", "date": "2026-12-01", "venue": "光谷", "start_time": "09:30",
            "meeting_minutes": 20, "gap_minutes": 5, "n_slots": 6, "break_after": 3, "break_minutes": 30,
            "n_tables": 4, "table_capacity": 2, "request_mode": "auto_accept", "min_per_startup": 1,
            "top_k": 10, "quotas": "startup district 洪山区 2 -"}
    r = client.post("/events/new", data=data)
    assert r.status_code == 302
    ev = db.session.get(Event, _eid(r))
    assert [t.capacity for t in ev.tables] == [2] * 4 and ev.quotas[0]["value"] == "洪山区"
    assert ev.slot_times()[3][0] == "11:15"  # three 25-minute slots, then a 30-minute break
    startup = db.session.execute(db.select(Startup).limit(1)).scalar_one()
    r = client.post(f"/events/{ev.id}/invite", data={"record": f"startup:{startup.id}", "max_meetings": 3,
                                                     "unavailable": "1, 6"})
    p = db.session.execute(db.select(Participant).where(Participant.event_id == ev.id)).scalar_one()
    assert p.unavailable == [0, 5] and p.max_meetings == 3
    bad = client.post("/events/new", data=dict(data, quotas="nonsense"))
    assert bad.status_code == 400 and "Bad quota line" in bad.get_data(as_text=True)
    auth.logout()
    auth.login("startup@demo.cn")
    assert client.get("/events/new").status_code == 403
