"""Recommendation correctness on the demo data, filters, the CLI, and index freshness."""
from __future__ import annotations

import json

import pytest

from matchmaker.db import db
from matchmaker.demo import load_demo_file
from matchmaker.matching import recommend as rec
from matchmaker.matching import store
from matchmaker.models import Fund, Scenario, Startup

DEMO = load_demo_file()
STAGE_ORDER = ["angel", "seed", "pre-a", "series-a", "series-b", "series-c+"]


def _by_ext(model, ext):
    return db.session.execute(db.select(model).where(model.external_id == ext)).scalar_one()


def _ext_of(model, ids):
    rows = db.session.execute(db.select(model.id, model.external_id).where(model.id.in_(ids))).all()
    m = dict(rows)
    return [m[i] for i in ids]


EXPECTED = [(s["key"], s["expected"]) for s in DEMO["scenarios"] if s.get("expected")]


@pytest.mark.parametrize("scenario_key,expected", EXPECTED, ids=[k for k, _ in EXPECTED])
def test_expected_startups_rank_at_the_top(app, scenario_key, expected):
    sc = _by_ext(Scenario, scenario_key)
    got = _ext_of(Startup, [m.id for m in rec.startups_for_scenario(sc, top=len(expected) + 2)])
    assert got[0] in expected, f"{sc.title}: top is {got[0]}, expected one of {expected}"
    missing = [e for e in expected if e not in got]
    assert not missing, f"{sc.title}: {missing} not in the top {len(got)}: {got}"


FUND_EXPECTED = [(f["key"], f["expected"]) for f in DEMO["funds"] if f.get("expected")]


@pytest.mark.parametrize("fund_key,expected", FUND_EXPECTED, ids=[k for k, _ in FUND_EXPECTED])
def test_fund_deal_flow_finds_its_expected_startups(app, fund_key, expected):
    f = _by_ext(Fund, fund_key)
    got = _ext_of(Startup, [m.id for m in rec.startups_for_fund(f, top=10)])
    hits = [e for e in expected if e in got]
    assert len(hits) >= max(1, len(expected) - 1), f"{f.name}: top 10 {got} holds only {hits} of {expected}"


def test_every_match_explains_itself(app):
    sc = db.session.execute(db.select(Scenario).where(Scenario.status == "open")).scalars().first()
    for m in rec.startups_for_scenario(sc, top=3):
        assert m.reasons and set(m.parts) >= {"semantic", "lexical"}
        assert m.evidence and all({"requirement", "support", "score"} <= set(e) for e in m.evidence)
        assert any(e["support"] for e in m.evidence)


def test_fund_filters_hold_for_every_fund(app):
    funds = db.session.execute(db.select(Fund)).scalars().all()
    for f in funds:
        for m in rec.startups_for_fund(f, top=50):
            st = db.session.get(Startup, m.id)
            if f.stages:
                assert st.stage in f.stages, (f.name, st.name, st.stage)
            if st.raising_cny is not None:
                assert f.ticket_min_cny is None or st.raising_cny >= f.ticket_min_cny
                assert f.ticket_max_cny is None or st.raising_cny <= f.ticket_max_cny
            if f.regions:
                assert st.region in f.regions


def test_seed_fund_never_gets_a_late_stage_startup(app):
    late = db.session.execute(db.select(Startup).where(Startup.stage.in_(["series-b", "series-c+"]))).scalars().all()
    assert late, "the demo needs late-stage startups for this test"
    seed_funds = [f for f in db.session.execute(db.select(Fund)).scalars()
                  if f.stages and set(f.stages) <= {"angel", "seed", "pre-a"}]
    assert seed_funds, "the demo needs a seed fund"
    for f in seed_funds:
        got = {m.id for m in rec.startups_for_fund(f, top=100)}
        assert not got & {s.id for s in late}
        for st in late:
            assert f.id not in {m.id for m in rec.funds_for_startup(st, top=100)}


def test_closed_and_past_deadline_scenarios_are_never_recommended(app):
    hidden = {sc.id for sc in db.session.execute(db.select(Scenario)).scalars() if not sc.is_open()}
    assert hidden, "the demo needs closed, draft or past-deadline scenarios"
    for st in db.session.execute(db.select(Startup).limit(10)).scalars():
        assert not hidden & {m.id for m in rec.scenarios_for_startup(st, top=100)}


def test_cli_recommend_json(runner, app):
    sc = _by_ext(Scenario, EXPECTED[0][0])
    r = runner.invoke(args=["recommend", "startups-for-scenario", str(sc.id), "--top", "3", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert len(out) == 3 and out[0]["score"] >= out[1]["score"] >= out[2]["score"]
    assert set(out[0]) == {"id", "name", "score", "parts", "reasons", "evidence"}
    for direction, model in (("scenarios-for-startup", Startup), ("funds-for-startup", Startup),
                             ("startups-for-fund", Fund)):
        rid = db.session.execute(db.select(model.id)).scalars().first()
        r = runner.invoke(args=["recommend", direction, str(rid), "--json"])
        assert r.exit_code == 0 and isinstance(json.loads(r.output), list)
    r = runner.invoke(args=["recommend", "startups-for-fund", "999999", "--json"])
    assert r.exit_code != 0 and "no fund with id 999999" in r.output


def test_profile_edit_changes_recommendations(client, auth, app):
    """Rewriting a startup's profile to meet a scenario moves it up that scenario's ranking at once."""
    auth.login("startup@demo.cn")
    st = db.session.execute(db.select(Startup).where(Startup.owner_id.is_not(None))).scalars().first()
    for key, _ in EXPECTED:  # a scenario this startup is not already near the top of
        sc = _by_ext(Scenario, key)
        if st.id not in [m.id for m in rec.startups_for_scenario(sc, top=10)]:
            break
    else:
        pytest.fail("the demo startup is in every scenario's top 10")
    data = {"name": st.name, "one_liner": sc.title, "description": sc.problem + " " + " ".join(sc.requirements),
            "products": "\n".join(sc.requirements), "technologies": "", "cases": "", "sectors": "",
            "tags": "", "stage": st.stage, "region": st.region, "district": st.district, "incubator": "",
            "investors": "", "language": sc.language}
    r = client.post(f"/startups/{st.id}/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    after = [m.id for m in rec.startups_for_scenario(sc, top=5)]
    assert st.id in after[:3]


def test_bad_form_input_rerenders_and_writes_nothing(client, auth, app):
    auth.login("startup@demo.cn")
    st = db.session.execute(db.select(Startup).where(Startup.owner_id.is_not(None))).scalars().first()
    name, n = st.name, db.session.execute(db.select(db.func.count()).select_from(Startup)).scalar_one()
    r = client.post(f"/startups/{st.id}/edit", data={"name": "", "one_liner": "x", "description": "short",
                                                       "stage": "not-a-stage", "raising_cny": "-5"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Nothing was saved" in page and 'aria-invalid="true"' in page
    db.session.expire_all()
    assert db.session.get(Startup, st.id).name == name
    r = client.post("/startups/new", data={"name": "Nope"})
    assert r.status_code == 400
    assert db.session.execute(db.select(db.func.count()).select_from(Startup)).scalar_one() == n


def test_stale_index_is_detected_and_rebuilt(app):
    st = db.session.execute(db.select(Startup)).scalars().first()
    st.description = st.description + " 新增：支持边缘端部署。"
    db.session.commit()  # written behind the index's back
    store._CACHE.clear()  # as a new process would start
    before = store.db_fingerprint("startup")
    index = store.get_index("startup")
    assert index.fingerprint == before
    assert len(index) == db.session.execute(db.select(db.func.count()).select_from(Startup)).scalar_one()


def test_index_built_by_another_model_is_rebuilt(app):
    from embeddings import VectorIndex

    path = store.index_path("scenario")
    old = VectorIndex.load(path)
    fake = VectorIndex(old.dim, "some-other-model").build(*old.vectors())
    fake.fingerprint = old.fingerprint
    fake.save(path)
    store._CACHE.clear()
    assert store.get_index("scenario").model == old.model
