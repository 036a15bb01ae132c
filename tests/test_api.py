"""The JSON API answers with JSON, errors included."""
from __future__ import annotations


def test_api_needs_login(client):
    r = client.get("/api/recommend/startups-for-scenario/1")
    assert r.status_code == 401 and r.is_json and r.json["error"]


def test_api_recommend(client, auth):
    auth.login("owner@demo.cn")
    r = client.get("/api/recommend/startups-for-scenario/1?top=3")
    assert r.status_code == 200 and len(r.json) == 3
    assert {"id", "name", "score", "parts", "reasons", "evidence", "passed"} <= set(r.json[0])


def test_api_errors_are_json_with_the_right_status(client, auth):
    auth.login("startup@demo.cn")
    cases = {"/api/recommend/nonsense/1": 404, "/api/recommend/startups-for-scenario/999999": 404,
             "/api/recommend/startups-for-scenario/1?top=abc": 400,
             "/api/recommend/startups-for-scenario/1?top=1000": 400, "/api/nowhere": 404}
    for url, status in cases.items():
        r = client.get(url)
        assert r.status_code == status and r.is_json and r.json["status"] == status, url


def test_a_funds_deal_flow_is_its_managers(client, auth, app):
    from matchmaker.db import db
    from matchmaker.models import Fund

    fid = db.session.execute(db.select(Fund.id).where(Fund.manager_id.is_not(None))).scalar_one()
    other = db.session.execute(db.select(Fund.id).where(Fund.manager_id.is_(None))).scalars().first()
    auth.login("fund@demo.cn")
    assert client.get(f"/api/recommend/startups-for-fund/{fid}").status_code == 200
    assert client.get(f"/api/recommend/startups-for-fund/{other}").status_code == 404


def test_api_hides_private_financial_reasons(client, auth, app):
    """A startup whose financials are private does not reveal them through a fund's ranking."""
    from matchmaker import workspace
    from matchmaker.db import db
    from matchmaker.models import Fund

    f = db.session.execute(db.select(Fund).where(Fund.manager_id.is_not(None))).scalar_one()
    auth.login("fund@demo.cn")
    got = client.get(f"/api/recommend/startups-for-fund/{f.id}?top=10").json
    assert any("ticket" in m["parts"] for m in got)
    from matchmaker.models import Startup

    for m in got:
        p = workspace.privacy(db.session.get(Startup, m["id"]))
        p.private_financials = True
        db.session.add(p)
    db.session.commit()
    got = client.get(f"/api/recommend/startups-for-fund/{f.id}?top=10").json
    assert got and all("ticket" not in m["parts"] and "syndicate" not in m["parts"] for m in got)
    assert not any("co-investors" in r or "ticket band" in r for m in got for r in m["reasons"])
