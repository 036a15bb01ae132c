"""Free-text deal-flow search over startups: semantic (the startup index) plus lexical (BM25), with filters.

The query is embedded once and compared with every startup vector of the pool; BM25 scores the same
query against the pool's lexical documents; both are fused with the "search" weights of weights.json.
Filters (sector, stage, raise range, region, incubator) are hard rules applied before ranking.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _

from matchmaker.db import db
from matchmaker.matching import explain, vectors
from matchmaker.matching.lexical import tokenize
from matchmaker.matching.pool import Pool, get_pool, norm
from matchmaker.matching.recommend import Match
from matchmaker.matching.scoring import fuse, group_zscore, lexical_part, weights
from matchmaker.models import Startup

FILTERS = ("sector", "stage", "raise_min", "raise_max", "region", "incubator")


@dataclass
class Query:
    """A search: free text and filters (empty strings and None mean no filter)."""

    text: str = ""
    sector: str = ""
    stage: str = ""
    raise_min: float | None = None
    raise_max: float | None = None
    region: str = ""
    incubator: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> Query:
        """A query from stored or submitted values (unknown keys ignored, amounts parsed)."""
        def num(v):
            try:
                return float(v) if v not in (None, "") else None
            except (TypeError, ValueError):
                return None
        return cls(text=str(d.get("q") or d.get("text") or "").strip()[:500],
                   sector=str(d.get("sector") or "").strip(), stage=str(d.get("stage") or "").strip(),
                   raise_min=num(d.get("raise_min")), raise_max=num(d.get("raise_max")),
                   region=str(d.get("region") or "").strip(), incubator=str(d.get("incubator") or "").strip())

    def filters(self) -> dict:
        """The filters as a plain dict (for saving)."""
        return {k: getattr(self, k) for k in FILTERS if getattr(self, k) not in ("", None)}


def _incubators(ids) -> dict[int, str]:
    rows = db.session.execute(db.select(Startup.id, Startup.incubator).where(Startup.id.in_([int(i) for i in ids])))
    return {i: norm(inc) for i, inc in rows}


def _passes(q: Query, row: dict, incubator: str, raise_hidden: bool) -> bool:
    """True when a pool row passes the query's filters; a hidden raise is treated as unknown-but-allowed."""
    if q.sector and not any(norm(q.sector) in s for s in row["sectors"]):
        return False
    if q.stage and row["stage"] != norm(q.stage):
        return False
    if (q.raise_min is not None or q.raise_max is not None) and not raise_hidden:
        amt = row["raising"]
        if amt is None or (q.raise_min is not None and amt < q.raise_min) or \
                (q.raise_max is not None and amt > q.raise_max):
            return False
    if q.region and not any(norm(q.region) in (row[k] or "") for k in ("region", "district")):
        return False
    return not (q.incubator and norm(q.incubator) not in incubator)


def filter_mask(pool: Pool, q: Query, hidden_raise: set[int] | frozenset = frozenset()) -> np.ndarray:
    """True for the pool positions that pass the filters."""
    if not any((q.sector, q.stage, q.region, q.incubator)) and q.raise_min is None and q.raise_max is None:
        return np.ones(len(pool), dtype=bool)
    if pool.feat is not None and not q.incubator:
        return _filter_mask_arrays(pool, q, hidden_raise)
    inc = _incubators(pool.ids) if q.incubator else {}
    return np.array([_passes(q, r, inc.get(r["id"], ""), r["id"] in hidden_raise) for r in pool.rows], dtype=bool)


def _filter_mask_arrays(pool: Pool, q: Query, hidden_raise) -> np.ndarray:
    """filter_mask from the pool's precomputed arrays (the same rules as _passes)."""
    f = pool.feat
    ok = np.ones(len(pool), dtype=bool)
    if q.sector:
        key = norm(q.sector)
        ok &= f.sectors.any_of({s for s in f.sectors.vocab if key in s})
    if q.stage:
        ok &= f.stage.member({norm(q.stage)})
    if q.raise_min is not None or q.raise_max is not None:
        amt = f.raising
        with np.errstate(invalid="ignore"):
            good = ~np.isnan(amt)
            if q.raise_min is not None:
                good &= amt >= q.raise_min
            if q.raise_max is not None:
                good &= amt <= q.raise_max
        if hidden_raise:
            good |= np.isin(pool.ids, np.fromiter(hidden_raise, dtype=np.int64))
        ok &= good
    if q.region:
        key = norm(q.region)
        ok &= (f.region.member({v for v in f.region.vocab if key in v})
               | f.district.member({v for v in f.district.vocab if key in v}))
    return ok


def coverage(text: str, doc: str) -> float:
    """Share of the query's terms found in the document."""
    qt = set(tokenize(text))
    return len(qt & set(tokenize(doc))) / len(qt) if qt else 0.0


def search(q: Query, top: int = 20, hidden_raise: set[int] | frozenset = frozenset()) -> list[Match]:
    """Startups for a query, best first, each with its reasons; without text, the newest profiles first."""
    pool = get_pool("startup")
    if not len(pool):
        return []
    mask = filter_mask(pool, q, hidden_raise)
    w = weights()["search"]
    parts: dict[str, np.ndarray] = {}
    if q.text:
        sem = pool.vecs @ vectors.embed_query(q.text)
        lex = lexical_part(pool, q.text)
        parts = {"semantic": sem, "semantic_lang": group_zscore(sem, pool.lang_groups or pool.langs, mask),
                 "lexical": lex}
        mask &= (sem >= w["show_semantic"]) | (lex > 0)
        scores = fuse(parts, w, mask)
    else:
        scores = pool.ids.astype(float)  # newest (highest id) first
    from matchmaker.matching.recommend import _order

    order = _order(scores, mask, top)[:top]
    return [_match(pool, q, p, scores, parts) for p in order]


def _match(pool: Pool, q: Query, p: int, scores: np.ndarray, parts: dict) -> Match:
    row = pool.rows[p]
    m = Match(id=int(pool.ids[p]), name=row["name"], score=round(float(scores[p]), 4),
              parts={k: round(float(v[p]), 4) for k, v in parts.items()})
    if q.text:
        sim = float(parts["semantic"][p])
        m.reasons.append(_("Semantic similarity %(s).2f (%(w)s)", s=sim, w=_(explain.strength(sim))))
        terms = explain.shared_terms(pool.bm25, q.text, pool.docs[p])
        if terms:
            m.reasons.append(_("Shared terms: %(t)s", t=", ".join(terms)))
    applied = [v for v in (q.sector, q.stage, q.region, q.incubator) if v]
    if applied:
        m.reasons.append(_("Passes your filters: %(f)s", f=", ".join(applied)))
    m.passed = list(q.filters())
    return m


def similar_startups(startup_id: int, top: int = 8) -> list[Match]:
    """Startups whose profiles are closest to one startup's, with the terms they share."""
    pool = get_pool("startup")
    if startup_id not in pool.pos:
        return []
    i = pool.pos[startup_id]
    sims = pool.vecs @ pool.vecs[i]
    sims[i] = -np.inf
    out = []
    for p in np.argsort(-sims, kind="stable")[:top]:
        m = Match(id=int(pool.ids[p]), name=pool.rows[p]["name"], score=round(float(sims[p]), 4),
                  parts={"semantic": round(float(sims[p]), 4)})
        m.reasons.append(_("Semantic similarity %(s).2f (%(w)s)", s=float(sims[p]),
                           w=_(explain.strength(float(sims[p])))))
        common = sorted(pool.rows[i]["sectors"] & pool.rows[p]["sectors"])
        if common:
            m.reasons.append(_("Same sector: %(s)s", s=", ".join(common)))
        terms = explain.shared_terms(pool.bm25, pool.docs[i], pool.docs[p])
        if terms:
            m.reasons.append(_("Shared terms: %(t)s", t=", ".join(terms)))
        out.append(m)
    return out


def matches(q: Query, startup_id: int, raise_hidden: bool = False) -> bool:
    """Whether one startup matches a saved query now (its filters, then enough of its text)."""
    pool = get_pool("startup")
    if startup_id not in pool.pos:
        return False
    p = pool.pos[startup_id]
    inc = _incubators([startup_id]) if q.incubator else {}
    if not _passes(q, pool.rows[p], inc.get(startup_id, ""), raise_hidden):
        return False
    if not q.text:
        return True
    w = weights()["search"]
    sem = float(pool.vecs[p] @ vectors.embed_query(q.text))
    return sem >= w["alert_semantic"] or coverage(q.text, pool.docs[p]) >= w["alert_coverage"]
