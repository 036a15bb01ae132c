"""The one graph of scenarios, startups and funds: scenario-backed deal flow for a fund, the funds whose
mandate fits a scenario's shortlisted solvers, and three-way meetings an organiser could propose."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from matchmaker.db import db
from matchmaker.matching import recommend as rec
from matchmaker.matching import store
from matchmaker.models import Fund, Scenario, Startup
from matchmaker.workspace_models import Application, Proposal, ShortlistEntry

_SOLVERS: dict[tuple, list[int]] = {}  # (index dir, versions, scenario id) -> its top solver ids


@dataclass
class Link:
    """A startup tied to scenarios (how) and to a fund (how well)."""

    startup: Startup
    fund_score: float = 0.0
    scenarios: list[tuple[Scenario, str]] = field(default_factory=list)  # (scenario, shortlisted|applied|matched)
    funds: list[tuple[Fund, float]] = field(default_factory=list)


def open_scenarios() -> list[Scenario]:
    """Scenarios open for matching (open or matching, deadline not passed)."""
    return [sc for sc in db.session.execute(db.select(Scenario).order_by(Scenario.id)).scalars() if sc.is_open()]


def top_solvers(sc: Scenario, k: int = 5) -> list[int]:
    """The engine's best solver ids for a scenario (cached per index version)."""
    key = (current_app.config["MATCHMAKER_INDEX_DIR"], store.version("startup"), store.version("scenario"), sc.id, k)
    if key not in _SOLVERS:
        if len(_SOLVERS) > 5000:
            _SOLVERS.clear()
        _SOLVERS[key] = [int(i) for i in rec.rank_startups_for_scenario(sc).ids[:k]]
    return _SOLVERS[key]


def _ties(sc: Scenario, per_scenario: int) -> dict[int, str]:
    """Startups tied to a scenario: shortlisted, applied, else matched by the engine."""
    ties = {sid: "matched" for sid in top_solvers(sc, per_scenario)}
    ties.update({sid: "applied" for sid in db.session.execute(
        db.select(Application.startup_id).where(Application.scenario_id == sc.id)).scalars()})
    ties.update({sid: "shortlisted" for sid in db.session.execute(
        db.select(ShortlistEntry.startup_id).where(ShortlistEntry.kind == "scenario",
                                                   ShortlistEntry.ref_id == sc.id)).scalars()})
    return ties


def scenario_backed_deal_flow(f: Fund, per_scenario: int = 5, top: int = 20) -> list[Link]:
    """Startups shortlisted for, applied to or matched to open scenarios that pass the fund's hard rules and
    rank in the better half of its deal flow; most scenario backing first, then fund fit."""
    r = rec.rank_startups_for_fund(f)
    passing = [int(i) for i in r.ids]
    fit = {sid: float(r.scores[r.pool.pos[sid]]) for sid in passing[: max(1, (len(passing) + 1) // 2)]}
    links: dict[int, Link] = {}
    for sc in open_scenarios():
        for sid, how in _ties(sc, per_scenario).items():
            if sid in fit:
                link = links.get(sid) or Link(startup=db.session.get(Startup, sid), fund_score=fit[sid])
                link.scenarios.append((sc, how))
                links[sid] = link
    rank = {"shortlisted": 0, "applied": 1, "matched": 2}
    for link in links.values():
        link.scenarios.sort(key=lambda t: rank[t[1]])
    out = sorted(links.values(), key=lambda x: (-sum(3 - rank[h] for _, h in x.scenarios), -x.fund_score))
    return out[:top]


def funds_for_solvers(sc: Scenario, per_solver: int = 3, top: int = 8) -> list[dict]:
    """Funds whose mandate fits the scenario's shortlisted solvers: each fund with the solvers it fits."""
    ids = list(db.session.execute(db.select(ShortlistEntry.startup_id).where(
        ShortlistEntry.kind == "scenario", ShortlistEntry.ref_id == sc.id)).scalars())
    agg: dict[int, dict] = {}
    for st in (db.session.get(Startup, i) for i in ids):
        for m in rec.funds_for_startup(st, top=per_solver):
            row = agg.setdefault(m.id, {"fund": db.session.get(Fund, m.id), "solvers": [], "score": m.score})
            row["solvers"].append(st)
            row["score"] = max(row["score"], m.score)
    return sorted(agg.values(), key=lambda r: (-len(r["solvers"]), -r["score"]))[:top]


def three_way_suggestions(limit: int = 10) -> list[dict]:
    """Triples an organiser could bring together: an open scenario, a solver tied to it, the best fund for
    that solver; shortlisted solvers first."""
    out = []
    for sc in open_scenarios():
        ties = _ties(sc, 1)
        for sid, how in sorted(ties.items(), key=lambda t: t[1] != "shortlisted")[:2]:
            st = db.session.get(Startup, sid)
            funds = rec.funds_for_startup(st, top=1)
            if funds:
                out.append({"scenario": sc, "startup": st, "fund": db.session.get(Fund, funds[0].id),
                            "how": how, "score": funds[0].score})
        if len(out) >= 3 * limit:
            break
    out.sort(key=lambda t: (t["how"] != "shortlisted", -t["score"]))
    return out[:limit]


def proposals_for(user) -> list[Proposal]:
    """Proposals a user made (organisers, admins) or is a party to, newest first."""
    q = db.select(Proposal).order_by(Proposal.id.desc())
    if user.role not in ("organiser", "admin"):
        mine_sc = db.select(Scenario.id).where(Scenario.owner_id == user.id)
        mine_st = db.select(Startup.id).where(Startup.owner_id == user.id)
        mine_f = db.select(Fund.id).where(Fund.manager_id == user.id)
        q = q.where(Proposal.scenario_id.in_(mine_sc) | Proposal.startup_id.in_(mine_st) | Proposal.fund_id.in_(mine_f))
    return list(db.session.execute(q.limit(100)).scalars())
