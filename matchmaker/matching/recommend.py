"""The four recommendation directions. Each returns Match records, best first, each explained."""
from __future__ import annotations

import copy
import datetime as dt
import functools
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy as np
from flask_babel import get_locale
from flask_babel import gettext as _

from matchmaker.matching import constraints, explain, store, vectors
from matchmaker.matching.pool import Pool, get_pool, norm, scenario_open_mask
from matchmaker.matching.profiles import TEXT_OF, mandate_statements, scenario_statements, startup_sentences
from matchmaker.matching.scoring import (
    fund_filter,
    fund_filter_mask,
    fund_startup_parts,
    fuse,
    group_zscore,
    lexical_part,
    weights,
)
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


def _order(scores: np.ndarray, mask: np.ndarray, top: int | None = None) -> np.ndarray:
    """Positions of candidates in play, best first (stable on ties); with top, only the first `top` of
    that same order (a partial selection instead of sorting the whole pool)."""
    pos = np.flatnonzero(mask)
    if top is not None and 0 < top < len(pos) // 4:
        s = -scores[pos]
        kth = np.partition(s, top - 1)[top - 1]
        pos = pos[s <= kth]  # everything tied with the top-th score stays, so the stable order is exact
        return pos[np.argsort(-scores[pos], kind="stable")][:top]
    return pos[np.argsort(-scores[pos], kind="stable")]


@dataclass
class Ranking:
    """The whole pool ranked for one query: positions in play best first, their scores and parts."""

    pool: Pool
    order: np.ndarray                  # positions in the pool, best first (filtered-out ones omitted)
    scores: np.ndarray                 # fused score per pool position
    parts: dict[str, np.ndarray]       # every part per pool position
    mask: np.ndarray                   # True where the candidate passed the hard rules
    extra: dict = field(default_factory=dict)

    @property
    def ids(self) -> np.ndarray:
        """Database ids, best first."""
        return self.pool.ids[self.order]


def _rerank_with_evidence(parts, w, mask, order, statements_of, sentences_of, depth, groups=None):
    """Re-score the first `depth` candidates with requirement-level evidence; the rest keep their order
    below them. With groups (candidate languages) the evidence is also standardised per group."""
    head = order[:depth]
    ev = np.zeros(len(mask))
    for p in head:
        ev[p] = explain.evidence_score(statements_of(p), sentences_of(p))
    head_mask = np.zeros(len(mask), dtype=bool)
    head_mask[head] = True
    parts["evidence"] = ev
    if groups is not None:
        parts["evidence_lang"] = np.where(head_mask, group_zscore(ev, groups, head_mask), 0.0)
    s2 = fuse(parts, w, head_mask)
    head_sorted = head[np.argsort(-s2[head], kind="stable")]
    final = s2.copy()
    tail = order[depth:]
    if len(tail) and len(head):  # (a partial order, from _order(top=depth), has no tail to place)
        s1 = fuse({k: v for k, v in parts.items() if not k.startswith("evidence")}, w, mask)
        final[tail] = s1[tail] - s1[tail].max() + s2[head].min() - 1e-3
    return np.concatenate([head_sorted, tail]), final


def _records(model, ids):
    from matchmaker.db import db

    rows = db.session.execute(db.select(model).where(model.id.in_([int(i) for i in ids]))).scalars()
    return {r.id: r for r in rows}


def _text_parts(pool: Pool, q_vec: np.ndarray, query_text: str) -> dict:
    """Text parts of a scenario-startup score over a pool: semantic and lexical, raw and standardised
    within each candidate language (multilingual encoders score same-language pairs higher)."""
    sem = pool.vecs @ q_vec
    lex = lexical_part(pool, query_text)
    groups = pool.lang_groups or pool.langs
    return {"semantic": sem, "semantic_lang": group_zscore(sem, groups),
            "lexical": lex, "lexical_lang": group_zscore(lex, groups)}


def rank_startups_for_scenario(sc: Scenario, top: int | None = None) -> Ranking:
    """Every startup ranked for a scenario (the score only; no explanation); with top, only the best
    max(top, rerank depth) are ordered (the same first places as the full ranking)."""
    sp = get_pool("startup")
    w = weights()["scenario_startup"]
    mask = np.ones(len(sp), dtype=bool)
    if not len(sp):
        return Ranking(sp, np.zeros(0, dtype=int), np.zeros(0), {}, mask)
    text = TEXT_OF["scenario"](sc)
    parts = _text_parts(sp, _vec("scenario", sc), text)
    reqs = constraints.requirements(text)
    if sp.feat is not None:
        parts["district"] = (sp.feat.district.member({norm(sc.district)}) if sc.district
                             else np.zeros(len(sp), dtype=bool)).astype(float)
        parts["conflict"] = np.zeros(len(sp))
        for rule in reqs:
            parts["conflict"] += sp.feat.claims[rule.key]
    else:
        parts["district"] = np.array([bool(sc.district) and r["district"] == norm(sc.district) for r in sp.rows],
                                     dtype=float)
        parts["conflict"] = np.array([len(constraints.conflicts(reqs, r["claims"])) for r in sp.rows], dtype=float)
    depth = int(weights()["rerank_depth"])
    order = _order(fuse(parts, w, mask), mask, None if top is None else max(top, depth))
    stmts = scenario_statements(sc)
    order, final = _rerank_with_evidence(parts, w, mask, order, lambda p: stmts,
                                         lambda p: sp.rows[p]["sentences"], depth, sp.lang_groups or sp.langs)
    return Ranking(sp, order, final, parts, mask, {"reqs": reqs, "statements": stmts, "text": text})


_CACHE: OrderedDict = OrderedDict()
_CACHE_MAX = 4000
_CACHE_LOCK = threading.Lock()


def cached(fn):
    """Memoise a direction's explained top-N per record, language and index versions: a dashboard viewed again
    costs nothing until some index changes (any save bumps its version, in this worker or another)."""
    @functools.wraps(fn)
    def wrapper(record, top: int = 10, **kw):
        if kw:
            return fn(record, top=top, **kw)
        key = (fn.__name__, store._key("startup")[0], record.id, top, str(get_locale()), dt.date.today(),
               tuple(store.version(k) for k in ("startup", "scenario", "fund")), getattr(record, "updated_at", None))
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
        if hit is None:
            hit = fn(record, top=top)
            with _CACHE_LOCK:
                _CACHE[key] = hit
                while len(_CACHE) > _CACHE_MAX:
                    _CACHE.popitem(last=False)
        return copy.deepcopy(hit)  # callers may redact their copy for a viewer
    return wrapper


@cached
def startups_for_scenario(sc: Scenario, top: int = 10) -> list[Match]:
    """Startups that can meet a scenario's need, best first."""
    r = rank_startups_for_scenario(sc, top=top)
    sp, parts = r.pool, r.parts
    if not len(sp):
        return []
    recs = _records(Startup, r.ids[:top])
    out = []
    for p in r.order[:top]:
        st = recs[int(sp.ids[p])]
        m = _match(st.id, st.name, r.scores[p], parts, p)
        m.evidence = explain.evidence(r.extra["statements"], sp.rows[p]["sentences"])
        m.reasons = _conflict_reasons(constraints.conflicts(r.extra["reqs"], sp.rows[p]["claims"]))
        m.reasons += _text_reasons(sp, r.extra["text"], TEXT_OF["startup"](st), parts, p, m.evidence)
        if parts["district"][p]:
            m.reasons.append(_("Based in the same district (%(d)s)", d=st.district))
        out.append(m)
    return out


def rank_scenarios_for_startup(st: Startup, today: dt.date | None = None) -> Ranking:
    """Every open scenario ranked for a startup (the score only)."""
    pool = get_pool("scenario")
    w = weights()["scenario_startup"]
    mask = scenario_open_mask(pool, today) if len(pool) else np.zeros(0, dtype=bool)
    if not len(pool):
        return Ranking(pool, np.zeros(0, dtype=int), np.zeros(0), {}, mask)
    text = TEXT_OF["startup"](st)
    parts = _text_parts(pool, _vec("startup", st), text)
    parts["district"] = np.array([bool(st.district) and r["district"] == norm(st.district)
                                  for r in pool.rows], dtype=float)
    claims = constraints.claims(text)
    parts["conflict"] = np.array([len(constraints.conflicts(r["reqs"], claims)) for r in pool.rows], dtype=float)
    order = _order(fuse(parts, w, mask), mask)
    depth = int(weights()["rerank_depth"])
    recs = _records(Scenario, pool.ids[order[:depth]])
    sents = startup_sentences(st)
    order, final = _rerank_with_evidence(
        parts, w, mask, order, lambda p: scenario_statements(recs[int(pool.ids[p])]), lambda p: sents, depth)
    return Ranking(pool, order, final, parts, mask, {"claims": claims, "sentences": sents, "text": text,
                                                     "records": recs})


@cached
def scenarios_for_startup(st: Startup, top: int = 10, today: dt.date | None = None) -> list[Match]:
    """Open scenarios a startup could meet, best first."""
    r = rank_scenarios_for_startup(st, today)
    pool, parts = r.pool, r.parts
    if not len(pool):
        return []
    recs = r.extra["records"]
    out = []
    for p in r.order[:top]:
        sc = recs[int(pool.ids[p])]
        m = _match(sc.id, sc.title, r.scores[p], parts, p)
        m.passed = ["status_open", "deadline"]
        m.evidence = explain.evidence(scenario_statements(sc), r.extra["sentences"])
        m.reasons = _conflict_reasons(constraints.conflicts(pool.rows[p]["reqs"], r.extra["claims"]))
        m.reasons += _text_reasons(pool, r.extra["text"], TEXT_OF["scenario"](sc), parts, p, m.evidence)
        if sc.deadline:
            m.reasons.append(_("Open until %(d)s", d=sc.deadline.isoformat()))
        out.append(m)
    return out


def rank_startups_for_fund(f: Fund, top: int | None = None) -> Ranking:
    """Every startup ranked for a fund (hard rules applied: filtered-out startups are not in the order);
    with top, only the first `top` places are ordered."""
    sp, fpool = get_pool("startup"), get_pool("fund")
    if not len(sp) or f.id not in fpool.pos:
        mask = np.zeros(len(sp), dtype=bool)
        return Ranking(sp, np.zeros(0, dtype=int), np.zeros(len(sp)), {}, mask)
    j = fpool.pos[f.id]
    fp, text = fpool.funds[j], fpool.texts[j]
    parts = fund_startup_parts(fp, fpool.vecs[j], text, sp)
    mask = fund_filter_mask(fp, sp)
    scores = fuse(parts, weights()["fund_startup"], mask)
    return Ranking(sp, _order(scores, mask, top), scores, parts, mask, {"fund": fp, "text": text})


@cached
def startups_for_fund(f: Fund, top: int = 10) -> list[Match]:
    """Startups that fit a fund's mandate and past deals, best first; hard rules applied."""
    r = rank_startups_for_fund(f, top=top)
    sp = r.pool
    if not len(r.order):
        return []
    fp, text = r.extra["fund"], r.extra["text"]
    order = r.order[:top]
    recs = _records(Startup, sp.ids[order])
    stmts = mandate_statements(f)
    out = []
    for p in order:
        st = recs[int(sp.ids[p])]
        m = _match(st.id, st.name, r.scores[p], r.parts, p)
        m.passed = _passed(fp)
        m.evidence = explain.evidence(stmts, sp.rows[p]["sentences"])
        m.reasons = _fund_reasons(fp, sp, p, m.parts, text)
        out.append(m)
    return out


def rank_funds_for_startup(st: Startup) -> Ranking:
    """Every fund ranked for a startup (the funds' hard rules applied)."""
    sp, fpool = get_pool("startup"), get_pool("fund")
    if not len(fpool) or st.id not in sp.pos:
        return Ranking(fpool, np.zeros(0, dtype=int), np.zeros(len(fpool)), {}, np.zeros(len(fpool), bool))
    p = np.array([sp.pos[st.id]])
    rows = []
    for j, fp in enumerate(fpool.funds):
        one = fund_startup_parts(fp, fpool.vecs[j], fpool.texts[j], sp, p)
        rows.append({k: float(v[0]) for k, v in one.items()})
    parts = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    mask = np.array([not fund_filter(fp, sp.rows[p[0]], sp.texts[p[0]]) for fp in fpool.funds])
    scores = fuse(parts, weights()["fund_startup"], mask)
    return Ranking(fpool, _order(scores, mask), scores, parts, mask, {"startup_pos": int(p[0])})


@cached
def funds_for_startup(st: Startup, top: int = 10) -> list[Match]:
    """Funds whose mandate and past deals fit a startup, best first; the funds' hard rules applied."""
    r = rank_funds_for_startup(st)
    fpool = r.pool
    if not len(r.order):
        return []
    sp = get_pool("startup")
    p = r.extra["startup_pos"]
    order = r.order[:top]
    recs = _records(Fund, fpool.ids[order])
    sents = sp.rows[p]["sentences"]
    out = []
    for j in order:
        f = recs[int(fpool.ids[j])]
        m = _match(f.id, f.name, r.scores[j], r.parts, j)
        m.passed = _passed(fpool.funds[j])
        m.evidence = explain.evidence(mandate_statements(f), sents)
        m.reasons = _fund_reasons(fpool.funds[j], sp, p, m.parts, fpool.texts[j])
        out.append(m)
    return out


def _conflict_reasons(conflicts: list) -> list[str]:
    """One reason per failed hard requirement, naming the requirement and what the profile says."""
    return [_("Fails requirement: %(r)s — profile says %(o)s (“%(s)s”)", r=c.label, o=c.opposite,
              s=c.sentence[:120]) for c in conflicts]


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
