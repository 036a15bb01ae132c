"""Workspace domain functions and pages: search, saved-search alerts, pipeline, notes, CSV, scenario desk,
startup feed and the graph."""
from __future__ import annotations

import csv
import io

import pytest

from matchmaker import workspace as ws
from matchmaker.db import db
from matchmaker.models import Fund, Scenario, Startup, User


def _user(email: str) -> User:
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one()


def _my_fund() -> Fund:
    return db.session.execute(db.select(Fund).where(Fund.manager_id == _user("fund@demo.cn").id)).scalar_one()


def _my_startup() -> Startup:
    return db.session.execute(db.select(Startup).where(Startup.owner_id == _user("startup@demo.cn").id)).scalar_one()


def test_search_semantic_lexical_and_filters(app):
    from matchmaker.matching import search

    with app.test_request_context():
        hits = search.search(search.Query(text="智慧养老 跌倒检测 elderly care"), top=5)
        assert hits and all(m.reasons for m in hits)
        assert any("Semantic similarity" in r for r in hits[0].reasons)
        q = search.Query(text="vision", stage="seed", raise_max=20_000_000)
        for m in search.search(q, top=30):
            st = db.session.get(Startup, m.id)
            assert st.stage == "seed" and st.raising_cny is not None and st.raising_cny <= 20_000_000
        inc = db.session.execute(db.select(Startup.incubator).where(Startup.incubator != "")).scalars().first()
        only = search.search(search.Query(incubator=inc), top=100)
        assert only and all(db.session.get(Startup, m.id).incubator == inc for m in only)
        similar = search.similar_startups(1, top=3)
        assert len(similar) == 3 and 1 not in [m.id for m in similar]


def test_deal_flow_page_lists_results_with_reasons(client, auth):
    auth.login("fund@demo.cn")
    page = client.get("/deals/?q=metro+track+inspection&stage=pre-a").get_data(as_text=True)
    assert 'class="match result"' in page and "Semantic similarity" in page and "Shortlist" in page
    assert client.get("/deals/similar/1").status_code == 200
    auth.logout()
    auth.login("startup@demo.cn")
    assert client.get("/deals/").status_code == 403


def test_a_saved_search_alerts_within_one_request_cycle_after_a_matching_startup_is_created(client, auth, app):
    auth.login("fund@demo.cn")
    r = client.post("/deals/saved", data={"q": "beekeeping hive acoustics", "name": "Bees"})
    assert r.status_code == 302
    fund_user = _user("fund@demo.cn")
    assert ws.unread_count(fund_user) == 0
    auth.logout()
    auth.login("startup@demo.cn")
    r = client.post("/startups/new", data={
        "name": "HiveSense", "one_liner": "Beekeeping hive acoustics monitoring",
        "description": "We listen to beekeeping hives: hive acoustics reveal swarming and disease early.",
        "stage": "seed", "language": "en", "region": "湖北", "sectors": "agri-ai"})
    assert r.status_code == 302
    auth.logout()
    auth.login("fund@demo.cn")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Saved search “Bees” matches HiveSense" in page
    assert ws.unread_count(fund_user) == 1
    # an unrelated startup does not alert
    auth.logout()
    auth.login("startup@demo.cn")
    client.post("/startups/new", data={"name": "Ledger AI", "one_liner": "Invoice OCR for banks",
                                       "description": "Invoice recognition and reconciliation for city banks.",
                                       "stage": "seed", "language": "en"})
    assert ws.unread_count(fund_user) == 1


def test_saved_search_filters_gate_alerts(app):
    from matchmaker.matching import search

    st = db.session.get(Startup, 1)
    with app.test_request_context():
        assert search.matches(search.Query(stage=st.stage), st.id)
        assert not search.matches(search.Query(stage="series-c+" if st.stage != "series-c+" else "seed"), st.id)


def test_pipeline_moves_needs_a_reason_to_pass_and_keeps_notes(app):
    fund, st, user = _my_fund(), db.session.get(Startup, 2), _user("fund@demo.cn")
    e = ws.shortlist("fund", fund.id, st, user)
    assert ws.shortlist("fund", fund.id, st, user).id == e.id  # idempotent
    for stage in ("contacted", "meeting", "due_diligence", "invested"):
        assert ws.move(e, stage).stage == stage
    with pytest.raises(ws.WorkspaceError):
        ws.move(e, "passed")
    with pytest.raises(ws.WorkspaceError):
        ws.move(e, "nonsense")
    assert ws.move(e, "passed", "too early for us").pass_reason == "too early for us"
    ws.add_note(user, st, "Met the CTO at Optics Valley")
    assert ws.notes(user, [st.id])[st.id][0].text.startswith("Met the CTO")
    assert ws.notes(_user("owner@demo.cn"), [st.id]) == {}


def test_pipeline_pages_and_csv_export(client, auth, app):
    auth.login("fund@demo.cn")
    fund = _my_fund()
    client.post("/deals/shortlist", data={"fund": fund.id, "startup": 3})
    e = ws.entry("fund", fund.id, 3)
    client.post(f"/deals/pipeline/{e.id}/move", data={"stage": "passed"})
    assert ws.entry("fund", fund.id, 3).stage == "new"  # no reason: refused
    client.post(f"/deals/pipeline/{e.id}/move", data={"stage": "passed", "reason": "=HYPERLINK(\"x\")"})
    client.post("/deals/notes/3", data={"text": "+ call back", "next": "/deals/pipeline"})
    r = client.get(f"/deals/pipeline.csv?fund={fund.id}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["startup_id", "startup", "stage"]
    row = rows[1]
    assert row[2] == "passed" and row[3].startswith("'=") and "'+ call back" in row
    page = client.get("/deals/pipeline").get_data(as_text=True)
    assert "Passed because" in page and "call back" in page
    auth.logout()
    auth.login("startup@demo.cn")
    assert client.post(f"/deals/pipeline/{e.id}/move", data={"stage": "new"}).status_code == 403


def test_scenario_desk_status_flow_invite_and_shortlist(client, auth, app):
    auth.login("owner@demo.cn")
    sc = db.session.execute(db.select(Scenario).where(Scenario.status == "draft",
                                                      Scenario.owner_id.is_not(None))).scalars().first()
    page = client.get("/desk/").get_data(as_text=True)
    assert sc.title in page
    client.post(f"/desk/{sc.id}/status", data={"status": "signed"})
    assert db.session.get(Scenario, sc.id).status == "draft"  # not a legal move
    client.post(f"/desk/{sc.id}/status", data={"status": "open", "deadline": "2099-12-31"})
    sc = db.session.get(Scenario, sc.id)
    assert sc.status == "open" and sc.deadline.isoformat() == "2099-12-31" and sc.is_open()
    client.post(f"/desk/{sc.id}/status", data={"status": "matching"})
    assert db.session.get(Scenario, sc.id).is_open()  # matching is still open for matching
    page = client.get(f"/desk/{sc.id}").get_data(as_text=True)
    assert "details class=\"evidence\"" in page and "Invite to apply" in page
    client.post(f"/desk/{sc.id}/invite", data={"startup": 1, "message": "Please apply"})
    client.post(f"/desk/{sc.id}/shortlist", data={"startup": 1})
    assert ws.entry("scenario", sc.id, 1) is not None
    page = client.get(f"/desk/{sc.id}").get_data(as_text=True)
    assert "Funds that fit your shortlisted solvers" in page and "/funds/" in page
    owner = _user("startup@demo.cn")
    keys = [n.key for n in ws.notifications(owner)]
    assert "invitation" in keys


def test_startup_applies_and_expresses_interest_and_sees_statuses(client, auth, app):
    st = _my_startup()
    sc = db.session.execute(db.select(Scenario).where(Scenario.status == "open")).scalars().first()
    fund = _my_fund()
    auth.login("startup@demo.cn")
    page = client.get("/feed/").get_data(as_text=True)
    assert "Scenarios you could solve" in page and "Funds that fit you" in page and "Apply" in page
    client.post(f"/feed/apply/{sc.id}", data={"message": ""})  # a message is required
    assert "submitted" not in client.get("/feed/").get_data(as_text=True)
    r = client.post(f"/feed/apply/{sc.id}", data={"message": "We run this in Wuhan metro already."})
    assert r.status_code == 302
    client.post(f"/feed/interest/{fund.id}", data={"message": "Raising our pre-A."})
    page = client.get("/feed/").get_data(as_text=True)
    assert "submitted" in page and "sent" in page
    auth.logout()
    auth.login("owner@demo.cn")
    app_id = client.get(f"/desk/{sc.id}").get_data(as_text=True).split('id="application-')[1].split('"')[0]
    client.post(f"/desk/applications/{app_id}", data={"status": "shortlisted"})
    assert ws.entry("scenario", sc.id, st.id) is not None
    auth.logout()
    auth.login("startup@demo.cn")
    page = client.get("/feed/").get_data(as_text=True)
    assert "shortlisted" in page
    assert "Your application to" in client.get("/notifications").get_data(as_text=True)


def test_graph_scenario_backed_deal_flow_and_funds_for_solvers(client, auth, app):
    from matchmaker import workspace_graph as graph

    fund = _my_fund()
    with app.test_request_context():
        links = graph.scenario_backed_deal_flow(fund)
        assert links and all(link.scenarios for link in links)
        assert all(sc.is_open() for link in links for sc, _ in link.scenarios)
        sc = links[0].scenarios[0][0]
        ws.shortlist("scenario", sc.id, links[0].startup, _user("owner@demo.cn"))
        assert graph.scenario_backed_deal_flow(fund)[0].scenarios[0][1] == "shortlisted"
        fits = graph.funds_for_solvers(sc)
        assert fits and any(links[0].startup in f["solvers"] for f in fits)
    auth.login("fund@demo.cn")
    assert "Scenario-backed deal flow" in client.get("/deals/graph").get_data(as_text=True)
