"""The four recommendation directions. Each returns Match records, best first, each explained."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
from flask_babel import gettext as _

from matchmaker.matching import explain, vectors
from matchmaker.matching.pool import Pool, get_pool, norm, scenario_open_mask
from matchmaker.matching.profiles import (TEXT_OF, mandate_statements, scenario_statements,
                                          startup_sentences)
from matchmaker.matching.scoring import fund_filter, fund_startup_parts, fuse, lexical_part, weights
from matchmaker.models import Fund, Scenario, Startup

DIRECTIONS = ("startups-for-scenario", "scenarios-for-startup", "funds-for-startup", "startups-for-fund")


@dataclass
class Match:
    id: int
    name: str
    score: float
    parts: dict[str, float]
    reasons: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _vec(kind: str, record) -> np.ndarray:
    return vectors.embed([TEXT_OF[kind](record)])[0]


def _order(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of candidates in play, best first (stable on ties)."""
    pos = np.flatnonzero(mask)
    return pos[np.argsort(-scores[pos], kind="stable")]


def _rerank_with_evidence(parts, w, mask, order, statements_of, sentences_of, depth):
    """Re-score the first `depth` candidates with requirement-level evidence; the rest keep their order."""
    head = order[:depth]
    ev = np.zeros(len(mask))
    for p in head:
        ev[p] = explain.evidence_score(statements_of(p), sentences_of(p))
    parts["evidence"] = ev
    head_mask = np.zeros(len(mask), dtype=bool)
    head_mask[head] = True
    s2 = fuse(parts, w, head_mask)
    return np.concatenate([head[np.argsort(-s2[head], kind="stable")], order[depth:]]), s2


def _records(model, ids):
    from matchmaker.db import db

    rows = db.session.execute(db.select(model).where(model.id.in_([int(i) for i in ids]))).scalars()
    return {r.id: r for r in rows}


def _scenario_parts(vecs: np.ndarray, q_vec: np.ndarray, pool: Pool, query_text: str) -> dict:
    """Text parts of a scenario-startup score over a pool: semantic and lexical."""
    return {"semantic": vecs @ q_vec, "lexical": lexical_part(pool, query_text)}


def startups_for_scenario(sc: Scenario, top: int = 10) -> list[Match]:
    """Startups that can meet a scenario's need, best first."""
    sp = get_pool("startup")
    if not len(sp):
        return []
    w = weights()["scenario_startup"]
    text = TEXT_OF["scenario"](sc)
    parts = _scenario_parts(sp.vecs, _vec("scenario", sc), sp, text)
    parts["district"] = np.array([bool(sc.district) and r["district"] == norm(sc.district) for r in sp.rows],
                                 dtype=float)
    mask = np.ones(len(sp), dtype=bool)
    order = _order(fuse(parts, w, mask), mask)
    recs = _records(Startup, sp.ids[order[: max(top, weights()["rerank_depth"])]])
    stmts = scenario_statements(sc)
    order, final = _rerank_with_evidence(
        parts, w, mask, order, lambda p: stmts,
        lambda p: startup_sentences(recs[int(sp.ids[p])]), int(weights()["rerank_depth"]))
    out = []
    for p in order[:top]:
        st = recs[int(sp.ids[p])]
        m = _match(st.id, st.name, final[p], parts, p)
        m.evidence = explain.evidence(stmts, startup_sentences(st))
        m.reasons = _text_reasons(sp, text, TEXT_OF["startup"](st), parts, p, m.evidence)
        if parts["district"][p]:
            m.reasons.append(_("Based in the same district (%(d)s)", d=st.district))
        out.append(m)
    return out


def scenarios_for_startup(st: Startup, top: int = 10, today: dt.date | None = None) -> list[Match]:
    """Open scenarios a startup could meet, best first."""
    pool = get_pool("scenario")
    if not len(pool):
        return []
    w = weights()["scenario_startup"]
    text = TEXT_OF["startup"](st)
    parts = _scenario_parts(pool.vecs, _vec("startup", st), pool, text)
    parts["district"] = np.array([bool(st.district) and r["district"] == norm(st.district)
                                  for r in pool.rows], dtype=float)
    mask = scenario_open_mask(pool, today)
    order = _order(fuse(parts, w, mask), mask)
    recs = _records(Scenario, pool.ids[order[: max(top, weights()["rerank_depth"])]])
    sents = startup_sentences(st)
    order, final = _rerank_with_evidence(
        parts, w, mask, order, lambda p: scenario_statements(recs[int(pool.ids[p])]),
        lambda p: sents, int(weights()["rerank_depth"]))
    out = []
    for p in order[:top]:
        sc = recs[int(pool.ids[p])]
        m = _match(sc.id, sc.title, final[p], parts, p)
        m.passed = ["status_open", "deadline"]
        m.evidence = explain.evidence(scenario_statements(sc), sents)
        m.reasons = _text_reasons(pool, text, TEXT_OF["scenario"](sc), parts, p, m.evidence)
        if sc.deadline:
            m.reasons.append(_("Open until %(d)s", d=sc.deadline.isoformat()))
        out.append(m)
    return out


def startups_for_fund(f: Fund, top: int = 10) -> list[Match]:
    """Startups that fit a fund's mandate and past deals, best first; hard rules applied."""
    sp, fpool = get_pool("startup"), get_pool("fund")
    if not len(sp) or f.id not in fpool.pos:
        return []
    fp = fpool.funds[fpool.pos[f.id]]
    text = fpool.texts[fpool.pos[f.id]]
    parts = fund_startup_parts(fp, fpool.vecs[fpool.pos[f.id]], text, sp)
    fails = [fund_filter(fp, r, t) for r, t in zip(sp.rows, sp.texts)]
    mask = np.array([not x for x in fails], dtype=bool)
    scores = fuse(parts, weights()["fund_startup"], mask)
    order = _order(scores, mask)[:top]
    recs = _records(Startup, sp.ids[order])
    stmts = mandate_statements(f)
    out = []
    for p in order:
        st = recs[int(sp.ids[p])]
        m = _match(st.id, st.name, scores[p], parts, p)
        m.passed = _passed(fp)
        m.evidence = explain.evidence(stmts, startup_sentences(st))
        m.reasons = _fund_reasons(fp, sp, p, m.parts, text)
        out.append(m)
    return out


def funds_for_startup(st: Startup, top: int = 10) -> list[Match]:
    """Funds whose mandate and past deals fit a startup, best first; the funds' hard rules applied."""
    sp, fpool = get_pool("startup"), get_pool("fund")
    if not len(fpool) or st.id not in sp.pos:
        return []
    p = np.array([sp.pos[st.id]])
    rows = []
    for j, fp in enumerate(fpool.funds):
        one = fund_startup_parts(fp, fpool.vecs[j], fpool.texts[j], sp, p)
        rows.append({k: float(v[0]) for k, v in one.items()})
    parts = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    mask = np.array([not fund_filter(fp, sp.rows[p[0]], sp.texts[p[0]]) for fp in fpool.funds])
    scores = fuse(parts, weights()["fund_startup"], mask)
    order = _order(scores, mask)[:top]
    recs = _records(Fund, fpool.ids[order])
    sents = startup_sentences(st)
    out = []
    for j in order:
        f = recs[int(fpool.ids[j])]
        m = _match(f.id, f.name, scores[j], parts, j)
        m.passed = _passed(fpool.funds[j])
        m.evidence = explain.evidence(mandate_statements(f), sents)
        m.reasons = _fund_reasons(fpool.funds[j], sp, int(p[0]), m.parts, fpool.texts[j])
        out.append(m)
    return out


def _match(rid: int, name: str, score: float, parts: dict, p: int) -> Match:
    return Match(id=int(rid), name=name, score=round(float(score), 4),
                 parts={k: round(float(v[p]), 4) for k, v in parts.items()})


def _passed(fp) -> list[str]:
    if not fp.strict:
        return ["not_in_portfolio"]
    out = ["not_in_portfolio"]
    out += ["stage"] if fp.stages else []
    out += ["ticket"] if any(x is not None for x in fp.ticket) else []
    out += ["region"] if fp.regions else []
    out += ["exclusions"] if fp.exclusions else []
    return out


def _text_reasons(pool: Pool, qtext: str, dtext: str, parts, p, ev) -> list[str]:
    sim = float(parts["semantic"][p])
    reasons = [_("Semantic similarity %(s).2f (%(w)s)", s=sim, w=_(explain.strength(sim)))]
    terms = explain.shared_terms(pool.bm25, qtext, dtext)
    if terms:
        reasons.append(_("Shared terms: %(t)s", t=", ".join(terms)))
    if ev:
        hit = sum(1 for e in ev if e["support"])
        reasons.append(_("%(h)d of %(n)d requirements evidenced", h=hit, n=len(ev)))
    return reasons


def _fund_reasons(fp, sp: Pool, p: int, parts: dict[str, float], ftext: str) -> list[str]:
    """Reasons for one fund-startup pair; p is the startup's position, parts the pair's values."""
    row = sp.rows[p]
    reasons = [_("Semantic similarity to the mandate %(s).2f", s=parts["semantic"])]
    share = max((fp.sector_share.get(s, 0.0) for s in row["sectors"]), default=0.0)
    if row["sectors"] & fp.sectors or share:
        reasons.append(_("Sector fits: %(s)s (%(p)d%% of past deals)", s=", ".join(sorted(row["sectors"])),
                         p=round(100 * share)))
    if row["stage"] in fp.stages or fp.stage_share.get(row["stage"]):
        reasons.append(_("Stage %(s)s is one the fund backs", s=row["stage"]))
    if row["raising"] is not None and parts["ticket"] >= 1.0:
        reasons.append(_("Raise fits the ticket band"))
    if len(fp.portfolio_vecs):
        sims = fp.portfolio_vecs @ sp.vecs[p]
        k = int(sims.argmax())
        reasons.append(_("Closest past deal: %(n)s (%(s).2f)", n=fp.portfolio_labels[k], s=float(sims[k])))
    common = sorted(i for i in row["investors"] if i in fp.co_investors)
    if common:
        reasons.append(_("Has co-investors of the fund: %(n)s", n=", ".join(common[:3])))
    terms = explain.shared_terms(sp.bm25, ftext, sp.texts[p])
    if terms:
        reasons.append(_("Shared terms: %(t)s", t=", ".join(terms)))
    return reasons


def recommend(kind: str, record, top: int = 10) -> list[Match]:
    """Dispatch one of the four directions by name."""
    fn = {"startups-for-scenario": startups_for_scenario, "scenarios-for-startup": scenarios_for_startup,
          "funds-for-startup": funds_for_startup, "startups-for-fund": startups_for_fund}[kind]
    return fn(record, top=top)
