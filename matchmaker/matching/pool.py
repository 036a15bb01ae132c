"""In-memory feature tables per kind (vectors aligned with ids, BM25, structured fields).

Built from the database and the FAISS index once per index version, shared by every request.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from matchmaker.matching import constraints, store, vectors
from matchmaker.matching.lexical import BM25
from matchmaker.matching.profiles import TEXT_OF, portfolio_text, startup_sentences

# Up to this many records a pool is scored with exactly the arithmetic of the evaluation benchmarks (all
# under 16,000): bit-identical results. Larger pools may use cheaper arithmetic whose scores differ in the
# last float32 digits (docs/performance.md).
EXACT_SCAN = int(os.environ.get("MATCHMAKER_EXACT_SCAN", "50000"))
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
    lang_groups: list[np.ndarray] = field(default_factory=list)  # one boolean mask per candidate language
    feat: Features | None = None                      # startup pools: the structured fields as arrays

    def __len__(self) -> int:
        return len(self.ids)


class Codes:
    """One string field of every row as integer codes (0 is the empty string), with its vocabulary."""

    def __init__(self, values: list[str]):
        self.vocab: dict[str, int] = {"": 0}
        self.codes = np.array([self.vocab.setdefault(v or "", len(self.vocab)) for v in values], dtype=np.int64)

    def lookup(self, table: dict[str, float], default: float = 0.0) -> np.ndarray:
        """table[value] for every row (default where absent), as float64."""
        arr = np.full(len(self.vocab), default, dtype=np.float64)
        for v, i in self.vocab.items():
            if v in table:
                arr[i] = table[v]
        return arr[self.codes]

    def member(self, values: set[str]) -> np.ndarray:
        """True where the row's value is in values."""
        arr = np.zeros(len(self.vocab), dtype=bool)
        for v in values:
            if v in self.vocab:
                arr[self.vocab[v]] = True
        return arr[self.codes]


class Sets:
    """One set-valued field of every row as a sparse 0/1 matrix (rows x distinct values)."""

    def __init__(self, values: list[set[str]]):
        self.vocab: dict[str, int] = {}
        indptr, cols = [0], []
        for vals in values:
            for v in sorted(vals):
                cols.append(self.vocab.setdefault(v, len(self.vocab)))
            indptr.append(len(cols))
        self.m = sparse.csr_matrix((np.ones(len(cols), np.float64), np.array(cols, dtype=np.int64),
                                    np.array(indptr, dtype=np.int64)), shape=(len(values), max(len(self.vocab), 1)))
        self.nonempty = np.diff(self.m.indptr) > 0

    def _col(self, table: dict[str, float]) -> np.ndarray:
        col = np.zeros(self.m.shape[1], dtype=np.float64)
        for v, x in table.items():
            if v in self.vocab:
                col[self.vocab[v]] = x
        return col

    def any_of(self, values: set[str]) -> np.ndarray:
        """True where the row's set meets values."""
        return (self.m @ self._col({v: 1.0 for v in values})) > 0

    def max_of(self, table: dict[str, float]) -> np.ndarray:
        """max(table.get(v, 0) for v in the row's set), 0 for an empty set."""
        col = self._col(table)
        data = col[self.m.indices]
        out = np.zeros(self.m.shape[0], dtype=np.float64)
        if data.size:
            starts = self.m.indptr[:-1][self.nonempty]
            out[self.nonempty] = np.maximum.reduceat(data, starts)
        return np.maximum(out, 0.0)

    def sum_of(self, table: dict[str, float]) -> np.ndarray:
        """sum(table.get(v, 0) for v in the row's set)."""
        return self.m @ self._col(table)


@dataclass
class Features:
    """The structured fields of a startup pool as arrays, so filters and parts are vector operations."""

    stage: Codes
    region: Codes
    city: Codes
    district: Codes
    sectors: Sets
    investors: Sets
    raising: np.ndarray                 # float64, NaN where unknown
    key_pos: dict[str, list[int]]       # normalised name -> positions
    claims: dict[str, np.ndarray]       # rule key -> True where the profile states the opposite
    _lower: list[str] | None = None

    def lower_texts(self, texts: list[str]) -> list[str]:
        if self._lower is None:
            self._lower = [t.lower() for t in texts]
        return self._lower


def startup_features(rows: list[dict]) -> Features:
    """Arrays of a startup pool's structured fields."""
    key_pos: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        key_pos.setdefault(r["key"], []).append(i)
    claims = {rule.key: np.array([rule.key in r["claims"] for r in rows], dtype=bool) for rule in constraints.RULES}
    return Features(stage=Codes([r["stage"] for r in rows]), region=Codes([r["region"] for r in rows]),
                    city=Codes([r["city"] for r in rows]), district=Codes([r["district"] for r in rows]),
                    sectors=Sets([r["sectors"] for r in rows]), investors=Sets([r["investors"] for r in rows]),
                    raising=np.array([np.nan if r["raising"] is None else float(r["raising"]) for r in rows],
                                     dtype=np.float64),
                    key_pos=key_pos, claims=claims)


def lang_groups(langs: np.ndarray) -> list[np.ndarray]:
    """One boolean mask per distinct language, in np.unique order."""
    return [langs == g for g in np.unique(langs)]


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
        pool.lang_groups = lang_groups(pool.langs)
        if kind == "startup":
            pool.feat = startup_features(pool.rows)
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
