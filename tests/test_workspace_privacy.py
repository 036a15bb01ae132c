"""Confidentiality: private fields hidden before mutual interest, shown after, on pages, JSON and CSV
(id-guessing included); three-way proposals."""
from __future__ import annotations

from matchmaker import workspace as ws
from matchmaker.db import db
from matchmaker.models import Fund, Scenario, Startup, User
from matchmaker.workspace_models import StartupPrivate

EMAIL = "ceo@railsight.example"


def _user(email: str) -> User:
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one()


def _setup_private():
    """The demo startup marks its financials and contacts private."""
    st = db.session.execute(db.select(Startup).where(Startup.owner_id == _user("startup@demo.cn").id)).scalar_one()
    db.session.add(StartupPrivate(startup_id=st.id, contact_email=EMAIL, contact_phone="027-1234",
                                  private_financials=True, private_contacts=True))
    st.investors = ["Secret Angel Partners"]
    db.session.commit()
    return st


def test_edit_form_saves_private_settings(client, auth, app):
    st = db.session.execute(db.select(Startup).where(Startup.owner_id == _user("startup@demo.cn").id)).scalar_one()
    auth.login("startup@demo.cn")
    form = client.get(f"/startups/{st.id}/edit").get_data(as_text=True)
    assert "contact_email" in form and "private_financials" in form
    data = {"name": st.name, "one_liner": st.one_liner, "description": st.description, "stage": st.stage,
            "language": st.language, "contact_email": EMAIL, "private_financials": "y", "private_contacts": "y"}
    assert client.post(f"/startups/{st.id}/edit", data=data).status_code == 302
    p = ws.privacy(st)
    assert p.contact_email == EMAIL and p.private_financials and p.private_contacts


def test_private_fields_hidden_before_mutual_interest_and_shown_after(client, auth, app):
    st = _setup_private()
    fund = db.session.execute(db.select(Fund).where(Fund.manager_id == _user("fund@demo.cn").id)).scalar_one()
    auth.login("fund@demo.cn")
    page = client.get(f"/startups/{st.id}").get_data(as_text=True)
    js = client.get(f"/startups/{st.id}.json").get_json()
    assert EMAIL not in page and "Secret Angel" not in page and "private until mutual interest" in page
    assert "raising_cny" not in js and "contact_email" not in js and set(js["hidden"]) == {"financials", "contacts"}
    assert "Secret Angel" not in client.get(f"/funds/{fund.id}").get_data(as_text=True)
    # the fund's shortlist alone is not mutual
    client.post("/deals/shortlist", data={"fund": fund.id, "startup": st.id})
    assert "raising_cny" not in client.get(f"/startups/{st.id}.json").get_json()
    csv_text = client.get(f"/deals/pipeline.csv?fund={fund.id}").data.decode("utf-8-sig")
    assert EMAIL not in csv_text
    auth.logout()
    # the startup expresses interest: now mutual
    auth.login("startup@demo.cn")
    client.post(f"/feed/interest/{fund.id}", data={"message": "Let us talk."})
    assert client.get(f"/startups/{st.id}.json").get_json()["contact_email"] == EMAIL  # the owner sees all
    auth.logout()
    auth.login("fund@demo.cn")
    js = client.get(f"/startups/{st.id}.json").get_json()
    assert js["hidden"] == [] and js["contact_email"] == EMAIL and js["investors"] == ["Secret Angel Partners"]
    assert EMAIL in client.get(f"/startups/{st.id}").get_data(as_text=True)
    assert EMAIL in client.get(f"/deals/pipeline.csv?fund={fund.id}").data.decode("utf-8-sig")


def test_id_guessing_shows_nothing_private_to_others(client, auth, app):
    st = _setup_private()
    for email in ("owner@demo.cn", "organiser@demo.cn", "fund@demo.cn"):
        auth.login(email)
        for sid in (st.id, st.id + 1):
            js = client.get(f"/startups/{sid}.json").get_json()
            assert EMAIL not in str(js)
        assert client.get("/startups/999999.json").status_code == 404
        auth.logout()
    assert client.get(f"/startups/{st.id}.json").status_code in (302, 401)


def test_scenario_owner_sees_contacts_after_application_and_shortlist(client, auth, app):
    st = _setup_private()
    sc = db.session.execute(db.select(Scenario).where(Scenario.status == "open")).scalars().first()
    owner = _user("owner@demo.cn")
    assert not ws.mutual_interest(owner, st)
    ws.invite(sc, st, "Please apply")
    assert not ws.mutual_interest(owner, st)  # invited, but not applied
    with app.test_request_context():
        ws.apply(st, sc, "Happy to")
    assert ws.mutual_interest(owner, st)
    assert ws.visible_fields(owner, st)["contact_email"] == EMAIL


def test_redacted_matches_drop_financial_reasons(app):
    st = _setup_private()
    from matchmaker.matching.recommend import Match

    fund_user = _user("fund@demo.cn")
    with app.test_request_context():
        m = Match(id=st.id, name=st.name, score=1.0, parts={"ticket": 1.0, "semantic": 0.3},
                  reasons=["Raise fits the ticket band", "Has co-investors of the fund: secret", "Shared terms: x"])
        out = ws.redact_match(fund_user, m)
    assert out.reasons == ["Shared terms: x"] and "ticket" not in out.parts


def test_organiser_proposes_a_three_way_meeting_and_parties_answer(client, auth, app):
    sc = db.session.execute(db.select(Scenario).where(Scenario.status == "open",
                                                      Scenario.owner_id.is_not(None))).scalars().first()
    st = db.session.execute(db.select(Startup).where(Startup.owner_id.is_not(None))).scalars().first()
    fund = db.session.execute(db.select(Fund).where(Fund.manager_id.is_not(None))).scalars().first()
    auth.login("organiser@demo.cn")
    page = client.get("/connect/").get_data(as_text=True)
    assert "Suggested from the graph" in page
    client.post("/connect/propose", data={"scenario": sc.id, "startup": st.id, "fund": fund.id, "message": "Lunch?"})
    from matchmaker.models import AuditLog
    from matchmaker.workspace_models import Proposal

    p = db.session.execute(db.select(Proposal)).scalar_one()
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "propose_meeting")).first()
    auth.logout()
    for email in ("owner@demo.cn", "startup@demo.cn", "fund@demo.cn"):
        auth.login(email)
        assert "Three-way meeting proposed" in client.get("/notifications").get_data(as_text=True)
        client.post(f"/connect/proposals/{p.id}", data={"accept": "1"})
        auth.logout()
    assert db.session.get(Proposal, p.id).status == "accepted"
    auth.login("admin@demo.cn")
    assert client.post(f"/connect/proposals/{p.id}", data={"accept": "0"}).status_code == 404
