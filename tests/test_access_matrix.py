"""Every route x every role (anonymous included), generated from the URL map: a new route without an entry
here fails. URLs point at records the demo users do NOT own wherever a route takes an id, so a passing run
also shows that guessing an id reads or changes nothing (403/404, never 200)."""
from __future__ import annotations

import datetime as dt

import pytest

from matchmaker.db import db
from matchmaker.models import Fund, Scenario, Startup, User
from tests.conftest import DEMO_LOGINS

ROLES = ["anon", *DEMO_LOGINS]

# endpoint -> (method, url template); {sid} a startup none of the demo users owns, {fid} a fund no demo user
# manages, {scid} another owner's draft scenario, {eid} an event of another organiser, {pid} one of its
# participants, 999999 for ids of things (pipeline entries, invitations, ...) that belong to nobody here.
ROUTES = {
    "main.index": ("GET", "/"),
    "main.set_lang": ("GET", "/lang/en"),
    "main.dashboard": ("GET", "/dashboard"),
    "main.notifications": ("GET", "/notifications"),
    "main.read_all": ("POST", "/notifications/read"),
    "static": ("GET", "/static/style.css"),
    "auth.login": ("GET", "/auth/login"),
    "auth.register": ("GET", "/auth/register"),
    "auth.logout": ("POST", "/auth/logout"),
    "api.recommend": ("GET", "/api/recommend/startups-for-fund/{fid}"),
    "startups.detail": ("GET", "/startups/{sid}"),
    "startups.detail_json": ("GET", "/startups/{sid}.json"),
    "startups.create": ("GET", "/startups/new"),
    "startups.edit": ("POST", "/startups/{sid}/edit"),
    "scenarios.detail": ("GET", "/scenarios/{scid}"),
    "scenarios.create": ("GET", "/scenarios/new"),
    "scenarios.edit": ("POST", "/scenarios/{scid}/edit"),
    "funds.detail": ("GET", "/funds/{fid}"),
    "funds.create": ("GET", "/funds/new"),
    "funds.edit": ("POST", "/funds/{fid}/edit"),
    "deals.find": ("GET", "/deals/?q=vision"),
    "deals.backed": ("GET", "/deals/graph"),
    "deals.pipeline": ("GET", "/deals/pipeline"),
    "deals.export": ("GET", "/deals/pipeline.csv"),
    "deals.similar": ("GET", "/deals/similar/{sid}"),
    "deals.save_search": ("POST", "/deals/saved"),
    "deals.delete_search": ("POST", "/deals/saved/999999/delete"),
    "deals.add": ("POST", "/deals/shortlist"),
    "deals.move": ("POST", "/deals/pipeline/999999/move"),
    "deals.remove": ("POST", "/deals/pipeline/999999/remove"),
    "deals.note": ("POST", "/deals/notes/{sid}"),
    "deals.answer_interest": ("POST", "/deals/interest/999999"),
    "desk.index": ("GET", "/desk/"),
    "desk.detail": ("GET", "/desk/{scid}"),
    "desk.set_status": ("POST", "/desk/{scid}/status"),
    "desk.add": ("POST", "/desk/{scid}/shortlist"),
    "desk.remove": ("POST", "/desk/{scid}/shortlist/999999/remove"),
    "desk.invite": ("POST", "/desk/{scid}/invite"),
    "desk.answer": ("POST", "/desk/applications/999999"),
    "feed.index": ("GET", "/feed/"),
    "feed.apply": ("POST", "/feed/apply/{scid}"),
    "feed.interest": ("POST", "/feed/interest/999999"),
    "feed.answer": ("POST", "/feed/invitations/999999"),
    "connect.index": ("GET", "/connect/"),
    "connect.propose": ("POST", "/connect/propose"),
    "connect.answer": ("POST", "/connect/proposals/999999"),
    "events.stylesheet": ("GET", "/events/events.css"),
    "events.index": ("GET", "/events/"),
    "events.create": ("GET", "/events/new"),
    "events.demo": ("POST", "/events/demo"),
    "events.detail": ("GET", "/events/{eid}"),
    "events.invite": ("POST", "/events/{eid}/invite"),
    "events.candidates": ("POST", "/events/{eid}/candidates"),
    "events.generate": ("POST", "/events/{eid}/generate"),
    "events.publish": ("POST", "/events/{eid}/publish"),
    "events.adjust": ("POST", "/events/{eid}/meetings/999999/lock"),
    "events.grid": ("GET", "/events/{eid}/grid"),
    "events.export": ("GET", "/events/{eid}/export.csv"),
    "events.agenda": ("GET", "/events/{eid}/agenda/{pid}"),
    "events.participant": ("GET", "/events/{eid}/p/{pid}"),
    "events.participant_action": ("POST", "/events/{eid}/p/{pid}/confirm"),
    "events.outcomes": ("GET", "/events/{eid}/outcomes"),
    "events.analytics": ("GET", "/events/{eid}/analytics"),
    "admin.upload": ("GET", "/admin/import"),
    "admin.job": ("GET", "/admin/import/nosuchtoken"),
    "admin.job_status": ("GET", "/admin/import/nosuchtoken/status"),
    "admin.export": ("GET", "/admin/export/startups.csv"),
    "admin.audit_log": ("GET", "/admin/audit"),
}

# Expected status per role, in ROLES order: anon, startup, fund, scenario_owner, organiser, admin.
# "L" = redirected to the login page.
EXPECTED = {
"main.index": ["200", "302", "302", "302", "302", "302"],
    "main.set_lang": ["302", "302", "302", "302", "302", "302"],
    "main.dashboard": ["L", "200", "200", "200", "200", "200"],
    "main.notifications": ["L", "200", "200", "200", "200", "200"],
    "main.read_all": ["L", "302", "302", "302", "302", "302"],
    "static": ["200", "200", "200", "200", "200", "200"],
    "auth.login": ["200", "200", "200", "200", "200", "200"],
    "auth.register": ["200", "200", "200", "200", "200", "200"],
    "auth.logout": ["L", "L", "L", "L", "L", "L"],
    "api.recommend": ["401", "404", "404", "404", "200", "200"],
    "startups.detail": ["L", "200", "200", "200", "200", "200"],
    "startups.detail_json": ["L", "200", "200", "200", "200", "200"],
    "startups.create": ["L", "200", "403", "403", "403", "200"],
    "startups.edit": ["L", "403", "403", "403", "403", "302"],
    "scenarios.detail": ["L", "404", "404", "404", "404", "200"],
    "scenarios.create": ["L", "403", "403", "200", "403", "200"],
    "scenarios.edit": ["L", "403", "403", "403", "403", "400"],
    "funds.detail": ["L", "200", "200", "200", "200", "200"],
    "funds.create": ["L", "403", "200", "403", "403", "200"],
    "funds.edit": ["L", "403", "403", "403", "403", "302"],
    "deals.find": ["L", "403", "200", "403", "403", "200"],
    "deals.backed": ["L", "403", "200", "403", "403", "200"],
    "deals.pipeline": ["L", "403", "200", "403", "403", "200"],
    "deals.export": ["L", "403", "200", "403", "403", "200"],
    "deals.similar": ["L", "403", "200", "403", "403", "200"],
    "deals.save_search": ["L", "403", "302", "403", "403", "302"],
    "deals.delete_search": ["L", "403", "404", "403", "403", "404"],
    "deals.add": ["L", "403", "404", "403", "403", "404"],
    "deals.move": ["L", "403", "404", "403", "403", "404"],
    "deals.remove": ["L", "403", "404", "403", "403", "404"],
    "deals.note": ["L", "403", "302", "302", "403", "302"],
    "deals.answer_interest": ["L", "403", "404", "403", "403", "404"],
    "desk.index": ["L", "403", "403", "200", "403", "200"],
    "desk.detail": ["L", "403", "403", "404", "403", "200"],
    "desk.set_status": ["L", "403", "403", "404", "403", "302"],
    "desk.add": ["L", "403", "403", "404", "403", "404"],
    "desk.remove": ["L", "403", "403", "404", "403", "404"],
    "desk.invite": ["L", "403", "403", "404", "403", "404"],
    "desk.answer": ["L", "403", "403", "404", "403", "404"],
    "feed.index": ["L", "200", "403", "403", "403", "200"],
    "feed.apply": ["L", "404", "403", "403", "403", "404"],
    "feed.interest": ["L", "404", "403", "403", "403", "404"],
    "feed.answer": ["L", "404", "403", "403", "403", "404"],
    "connect.index": ["L", "200", "200", "200", "200", "200"],
    "connect.propose": ["L", "403", "403", "403", "404", "404"],
    "connect.answer": ["L", "404", "404", "404", "403", "404"],
    "events.stylesheet": ["200", "200", "200", "200", "200", "200"],
    "events.index": ["L", "200", "200", "200", "200", "200"],
    "events.create": ["L", "403", "403", "403", "200", "200"],
    "events.demo": ["L", "403", "403", "403", "302", "302"],
    "events.detail": ["L", "403", "403", "403", "404", "200"],
    "events.invite": ["L", "403", "403", "403", "404", "302"],
    "events.candidates": ["L", "403", "403", "403", "404", "302"],
    "events.generate": ["L", "403", "403", "403", "404", "302"],
    "events.publish": ["L", "403", "403", "403", "404", "302"],
    "events.adjust": ["L", "403", "403", "403", "404", "404"],
    "events.grid": ["L", "403", "403", "403", "404", "200"],
    "events.export": ["L", "403", "403", "403", "404", "200"],
    "events.agenda": ["L", "403", "403", "403", "404", "200"],
    "events.participant": ["L", "403", "403", "403", "404", "200"],
    "events.participant_action": ["L", "403", "403", "403", "404", "404"],
    "events.outcomes": ["L", "403", "403", "403", "404", "200"],
    "events.analytics": ["L", "403", "403", "403", "404", "200"],
    "admin.upload": ["L", "403", "403", "403", "200", "200"],
    "admin.job": ["L", "403", "403", "403", "404", "404"],
    "admin.job_status": ["L", "403", "403", "403", "404", "404"],
    "admin.export": ["L", "403", "403", "403", "200", "200"],
    "admin.audit_log": ["L", "403", "403", "403", "403", "200"],
}


def _setup(app) -> dict:
    """Records owned by nobody the demo logins are: another owner's draft, another organiser's event."""
    from matchmaker import event_service as es

    other = User(email="other-owner@x.cn", display_name="Other", role="scenario_owner")
    other.set_password("another-long-password")
    org = User(email="other-org@x.cn", display_name="Other organiser", role="organiser")
    org.set_password("another-long-password")
    db.session.add_all([other, org])
    db.session.commit()
    draft = Scenario(title="Another owner's unpublished need", problem="A private draft need for matching.",
                     requirements=["private requirement"], status="draft", owner_id=other.id)
    db.session.add(draft)
    db.session.commit()
    sid = db.session.execute(db.select(Startup.id).where(Startup.owner_id.is_(None))).scalars().first()
    fid = db.session.execute(db.select(Fund.id).where(Fund.manager_id.is_(None))).scalars().first()
    ev = es.create_event(n_tables=2, name="Other organiser's event", date=dt.date(2027, 3, 1), n_slots=4,
                         organiser_id=org.id)
    p = es.invite(ev, "startup", sid)
    es.invite(ev, "fund", fid)
    return {"sid": sid, "fid": fid, "scid": draft.id, "eid": ev.id, "pid": p.id}


def _status(resp) -> str:
    if resp.status_code in (301, 302, 303) and "/auth/login" in resp.headers.get("Location", ""):
        return "L"
    return str(resp.status_code)


def test_every_route_has_an_entry(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints == set(ROUTES), (f"routes without an access entry: {sorted(endpoints - set(ROUTES))}; "
                                      f"entries without a route: {sorted(set(ROUTES) - endpoints)}")
    assert set(EXPECTED) == set(ROUTES)


def observed(app) -> dict[str, list[str]]:
    ids = _setup(app)
    out: dict[str, list[str]] = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anon":
            assert client.post("/auth/login", data={"email": DEMO_LOGINS[role],
                                                    "password": "demo-pass-2026"}).status_code == 302
        for endpoint, (method, url) in ROUTES.items():
            if endpoint == "auth.logout":
                continue
            resp = client.open(url.format(**ids), method=method, data={})
            out.setdefault(endpoint, []).append(_status(resp))
        out.setdefault("auth.logout", []).append(_status(client.post("/auth/logout")))
    return out


def test_access_matrix(app):
    got = observed(app)
    wrong = {e: (EXPECTED.get(e), s) for e, s in got.items() if EXPECTED.get(e) != s}
    assert not wrong, "\n".join(f"{e}: expected {exp} got {s}" for e, (exp, s) in sorted(wrong.items()))


def test_no_guessed_id_is_readable():
    """Nothing that takes another party's id answers 200 to a role that does not own it (admins aside);
    the table is checked against the running app by test_access_matrix."""
    got = EXPECTED
    for endpoint, (method, url) in ROUTES.items():
        if "{" not in url or endpoint in PUBLIC_BY_ID:
            continue
        for role, status in zip(ROLES[:-1], got[endpoint][:-1]):
            if method == "POST" and endpoint not in OWN_RECORDS:
                assert status not in ("200", "302"), f"{role} changed {endpoint} by guessing an id"
            assert status != "200" or (role == "organiser" and endpoint in ORGANISER_SEES), (endpoint, role)


# Records that are meant to be read by id: public profiles and open listings.
PUBLIC_BY_ID = {"startups.detail", "startups.detail_json", "funds.detail", "deals.similar"}
# A note a user keeps on a public profile is the user's own record, not the startup's.
OWN_RECORDS = {"deals.note"}
# Organisers pair funds with startups at events.
ORGANISER_SEES = {"api.recommend"}  # organisers read any fund's ranked deal flow to build events


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
