"""In-memory feature tables per kind (vectors aligned with ids, BM25, structured fields).

Built from the database and the FAISS index once per index version, shared by every request.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from matchmaker.matching import constraints, store, vectors
from matchmaker.matching.lexical import BM25
from matchmaker.matching.profiles import TEXT_OF, portfolio_text, startup_sentences

_LOCK = threading.Lock()
_POOLS: dict[tuple[str, str], tuple[int, Pool]] = {}


def norm(s: str | None) -> str:
    """Case- and space-folded key for comparing names, sectors, regions and stages."""
    return " ".join((s or "").lower().split())


@dataclass
class FundProfile:
    """What a fund's mandate and past deals say about what it backs."""

    sectors: set[str]
    stages: set[str]
    regions: set[str]
    ticket: tuple[float | None, float | None]
    exclusions: list[str]
    strict: bool
    sector_share: dict[str, float]
    stage_share: dict[str, float]
    region_share: dict[str, float]
    co_investors: Counter
    portfolio_names: set[str]
    portfolio_vecs: np.ndarray          # (m, d), deals that have a description
    portfolio_labels: list[str]          # company names for those rows
    city_share: dict[str, float] = field(default_factory=dict)
    portfolio_doc: str = ""              # every past deal's text, for the lexical channel
    round_log: float | None = None       # median log round size of past deals (CNY)
    name: str = ""                       # normalised fund name (a startup listing it is already backed)
    co_weight: dict[str, float] = field(default_factory=dict)  # co-investor -> share of deals x specificity


@dataclass
class Pool:
    kind: str
    ids: np.ndarray
    vecs: np.ndarray
    texts: list[str]
    rows: list[dict]
    bm25: BM25
    pos: dict[int, int] = field(default_factory=dict)
    funds: list[FundProfile] = field(default_factory=list)
    langs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    docs: list[str] = field(default_factory=list)   # what the lexical channel indexes

    def __len__(self) -> int:
        return len(self.ids)


def _shares(values: list[list[str]]) -> dict[str, float]:
    """Share of items carrying each (normalised) value."""
    n = len(values)
    if not n:
        return {}
    c = Counter(v for vals in values for v in {norm(x) for x in vals if x})
    return {k: cnt / n for k, cnt in c.items()}


def fund_profile(f) -> FundProfile:
    """Mandate fields plus the revealed preference of the fund's portfolio."""
    port = list(f.portfolio)
    described = [(p.company_name, portfolio_text(p)) for p in port]
    described = [(n, t) for n, t in described if t]
    pvecs = vectors.embed([t for _, t in described]) if described else \
        np.zeros((0, vectors.encoder().dim), np.float32)
    co = Counter(norm(i) for p in port for i in set(p.co_investors) if i)
    return FundProfile(
        sectors={norm(s) for s in f.sectors}, stages={norm(s) for s in f.stages},
        regions={norm(s) for s in f.regions}, ticket=(f.ticket_min_cny, f.ticket_max_cny),
        exclusions=[e for e in f.exclusions if e and e.strip()], strict=bool(f.strict_filters),
        sector_share=_shares([p.sectors for p in port]), stage_share=_shares([[p.stage] for p in port]),
        region_share=_shares([[p.region] for p in port]), co_investors=co,
        portfolio_names={norm(p.company_name) for p in port}, portfolio_vecs=pvecs,
        portfolio_labels=[n for n, _ in described], name=norm(f.name),
        city_share=_shares([[p.city] for p in port]),
        portfolio_doc=" ".join(f"{p.description} {' '.join(p.sectors)}" for p in port),
        round_log=float(np.median(rounds)) if (rounds := [np.log1p(p.round_size_cny) for p in port
                                                           if p.round_size_cny]) else None)


def _co_investor_weights(funds: list[FundProfile], n_deals: list[int]) -> None:
    """Weight each fund's co-investors by how often they joined its deals and how specific they are to
    it (an inverse document frequency over all funds: an angel who co-invests with everyone says little)."""
    df = Counter(i for fp in funds for i in fp.co_investors)
    total = max(len(funds), 1)
    for fp, n in zip(funds, n_deals):
        fp.co_weight = {i: c / max(n, 1) * np.log((total + 1) / df[i]) for i, c in fp.co_investors.items()}


def _row(kind: str, r) -> dict:
    """The structured fields the scorer and the filters read."""
    if kind == "startup":
        return {"id": r.id, "name": r.name, "lang": r.language, "stage": norm(r.stage),
                "sectors": {norm(s) for s in r.sectors}, "region": norm(r.region),
                "district": norm(r.district), "city": norm(r.city), "raising": r.raising_cny,
                "investors": {norm(i) for i in r.investors if i}, "key": norm(r.name),
                "sentences": startup_sentences(r),
                "claims": constraints.claims(TEXT_OF["startup"](r))}
    if kind == "scenario":
        return {"id": r.id, "name": r.title, "lang": r.language, "district": norm(r.district),
                "sector": norm(r.sector), "status": r.status, "deadline": r.deadline,
                "reqs": constraints.requirements(TEXT_OF["scenario"](r))}
    return {"id": r.id, "name": r.name, "lang": r.language}


def _lexical_doc(kind: str, r, text: str) -> str:
    if kind == "startup":
        return f"{text} {r.stage} {r.region} {r.district}"
    return text


def get_pool(kind: str) -> Pool:
    """The pool of a kind for the current index version (rebuilt when the index changed)."""
    ver = store.version(kind)
    key = (store._key(kind)[0], kind)
    with _LOCK:
        hit = _POOLS.get(key)
        if hit and hit[0] == ver:
            return hit[1]
        index = store.get_index(kind)
        ids, vecs = index.vectors()
        order = np.argsort(ids, kind="stable")
        ids, vecs = ids[order], vecs[order]
        recs = {r.id: r for r in store.records(kind)}
        keep = np.array([int(i) in recs for i in ids], dtype=bool)
        ids, vecs = ids[keep], vecs[keep]
        rs = [recs[int(i)] for i in ids]
        texts = [TEXT_OF[kind](r) for r in rs]
        docs = [_lexical_doc(kind, r, t) for r, t in zip(rs, texts)]
        pool = Pool(kind=kind, ids=ids, vecs=vecs, texts=texts, rows=[_row(kind, r) for r in rs],
                    bm25=BM25(docs), docs=docs)
        pool.pos = {int(i): n for n, i in enumerate(ids)}
        pool.langs = np.array([r.get("lang") or "" for r in pool.rows])
        if kind == "fund":
            pool.funds = [fund_profile(r) for r in rs]
            _co_investor_weights(pool.funds, [len(r.portfolio) for r in rs])
        _POOLS[key] = (ver, pool)
        return pool


def scenario_open_mask(pool: Pool, today: dt.date | None = None) -> np.ndarray:
    """True for scenarios open for matching (status open, deadline not passed)."""
    today = today or dt.date.today()
    return np.array([r["status"] in ("open", "matching") and (r["deadline"] is None or r["deadline"] >= today)
                     for r in pool.rows], dtype=bool)
