"""The hybrid score: parts computed over the whole pool, z-scored, fused with weights from one file."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from matchmaker.matching.pool import EXACT_SCAN, FundProfile, Pool, norm

WEIGHTS_FILE = Path(__file__).with_name("weights.json")


@functools.lru_cache(maxsize=1)
def weights() -> dict:
    """Fusion weights and thresholds, loaded from weights.json (their one place)."""
    return json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))


def zscore(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Standardise a part over the candidates still in play; a constant part contributes nothing."""
    x = np.asarray(x, dtype=np.float64)
    ref = x[mask] if mask is not None and mask.any() else x
    if ref.size == 0:
        return np.zeros_like(x)
    sd = ref.std()
    if sd < 1e-9:
        return np.zeros_like(x)
    return (x - ref.mean()) / sd


def group_zscore(x: np.ndarray, groups: np.ndarray, mask: np.ndarray | None = None,
                 min_size: int = 5) -> np.ndarray:
    """Standardise x within each group (e.g. candidate language), so that a group whose scores run
    systematically higher or lower (same- vs cross-language cosine) is put on one scale; groups smaller
    than min_size are standardised with the whole pool."""
    x = np.asarray(x, dtype=np.float64)
    mask = np.ones(len(x), dtype=bool) if mask is None else mask
    out = zscore(x, mask)
    # groups: a label per candidate, or the pool's precomputed boolean mask per label (same result, no
    # string comparisons per query)
    masks = groups if isinstance(groups, list) else [groups == g for g in np.unique(groups)]
    for sel in masks:
        if (sel & mask).sum() >= min_size:
            ref = x[sel & mask]
            sd = ref.std()
            out[sel] = (x[sel] - ref.mean()) / sd if sd > 1e-9 else 0.0
    return out


UNSCALED = frozenset({"conflict"})  # counts that are added as they are: a failed requirement costs the same
                                    # whatever the rest of the pool looks like


def fuse(parts: dict[str, np.ndarray], w: dict[str, float], mask: np.ndarray | None = None) -> np.ndarray:
    """Weighted sum of z-scored parts (parts in UNSCALED are added unstandardised)."""
    total = None
    for name, weight in w.items():
        if name.startswith("_") or name not in parts or not weight:
            continue
        x = np.asarray(parts[name], dtype=np.float64)
        term = weight * (x if name in UNSCALED else zscore(x, mask))
        total = term if total is None else total + term
    if total is None:
        n = len(next(iter(parts.values()))) if parts else 0
        return np.zeros(n)
    return total


def lexical_part(pool: Pool, query_text: str) -> np.ndarray:
    """BM25 of the query text against every record of the pool, scaled to [0, 1]."""
    s = pool.bm25.scores(query_text)
    top = float(s.max()) if s.size else 0.0
    return s / top if top > 0 else s


# -- fund <-> startup structured parts --------------------------------------------------------
def ticket_fit(amount: float | None, ticket: tuple[float | None, float | None]) -> float:
    """1 inside the ticket band, 0.5 within a factor of two of it, 0 outside; 0.5 when unknown."""
    lo, hi = ticket
    if amount is None or (lo is None and hi is None):
        return 0.5
    lo = lo or 0.0
    hi = hi if hi is not None else float("inf")
    if lo <= amount <= hi:
        return 1.0
    if lo / 2 <= amount <= hi * 2:
        return 0.5
    return 0.0


def fund_startup_parts(fp: FundProfile, fund_vec: np.ndarray, fund_text: str, sp: Pool,
                       idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every part of the fund-startup score for the startups at positions idx (all when None)."""
    if idx is None and sp.feat is not None:
        return _fund_startup_parts_all(fp, fund_vec, fund_text, sp)
    idx = np.arange(len(sp)) if idx is None else idx
    rows = [sp.rows[i] for i in idx]
    vecs = sp.vecs[idx]
    parts: dict[str, np.ndarray] = {"semantic": vecs @ fund_vec}
    sims = vecs @ fp.portfolio_vecs.T if len(fp.portfolio_vecs) else None
    if sims is not None:
        k = min(3, sims.shape[1])
        parts["portfolio"] = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    else:
        parts["portfolio"] = np.zeros(len(idx))
    parts["lexical"] = lexical_part(sp, fund_text)[idx]
    parts["sector"] = np.array([
        0.5 * bool(r["sectors"] & fp.sectors) + max((fp.sector_share.get(s, 0.0) for s in r["sectors"]),
                                                     default=0.0) for r in rows])
    parts["stage"] = np.array([0.5 * (r["stage"] in fp.stages) + fp.stage_share.get(r["stage"], 0.0)
                               for r in rows])
    parts["region"] = np.array([0.5 * (r["region"] in fp.regions) + fp.region_share.get(r["region"], 0.0)
                                for r in rows])
    parts["ticket"] = np.array([ticket_fit(r["raising"], fp.ticket) for r in rows])
    parts["city"] = np.array([fp.city_share.get(r["city"], 0.0) if r["city"] else 0.0 for r in rows])
    parts["round"] = np.array([-abs(np.log1p(r["raising"]) - fp.round_log) if r["raising"] else -1.0
                               for r in rows]) if fp.round_log is not None else np.zeros(len(idx))
    parts["lexical_portfolio"] = lexical_part(sp, fp.portfolio_doc)[idx] if fp.portfolio_doc.strip() \
        else np.zeros(len(idx))
    parts["tfidf"] = sp.bm25.cosine(fund_text)[idx]
    parts["portfolio_max"] = sims.max(axis=1) if len(fp.portfolio_vecs) else np.zeros(len(idx))
    if fp.strict:
        # The manager stated stages, ticket and regions as rules: the filter enforces them, and within
        # them a past deal's stage or region is no reason to prefer one startup over another.
        for k in ("stage", "region", "ticket", "round"):
            parts[k] = np.zeros(len(idx))
    cw = fp.co_weight or {i: 1.0 for i in fp.co_investors}
    parts["syndicate"] = np.array([sum(cw.get(i, 0.0) for i in r["investors"]) for r in rows])
    return parts


def _fund_startup_parts_all(fp: FundProfile, fund_vec: np.ndarray, fund_text: str, sp: Pool) -> dict[str, np.ndarray]:
    """fund_startup_parts over the whole pool from its precomputed arrays (the same values, vectorised)."""
    f = sp.feat
    n = len(sp)
    m = len(fp.portfolio_vecs)
    if n > EXACT_SCAN and 0 < m <= 16:
        # a large pool: one pass over the vectors for the mandate and every past deal, the top three per
        # startup kept by running max/min (no per-row sort); same values up to float32 rounding
        if m <= 3:  # a few matrix-vector passes beat one skinny matrix product (measured at 100,000)
            prod = [sp.vecs @ fund_vec] + [sp.vecs @ p for p in fp.portfolio_vecs]
        else:
            prod = np.vstack([fund_vec[None, :], fp.portfolio_vecs]) @ sp.vecs.T
        parts: dict[str, np.ndarray] = {"semantic": prod[0]}
        k = min(3, m)
        top = [np.full(n, -np.inf, dtype=prod[0].dtype) for _ in range(k)]
        for row in prod[1:]:
            t = row
            for i in range(k):
                hi = np.maximum(top[i], t)
                t = np.minimum(top[i], t)
                top[i] = hi
        parts["portfolio"] = sum(reversed(top)) / k
        parts["portfolio_max"] = top[0]
        sims = None
    else:
        parts = {"semantic": sp.vecs @ fund_vec}
        sims = sp.vecs @ fp.portfolio_vecs.T if m else None
    if sims is not None:
        k = min(3, m)
        # the k largest per row, sorted: the same values in the same order as np.sort(sims)[:, -k:]
        top = np.partition(sims, m - k, axis=1)[:, m - k:] if m > k else sims
        parts["portfolio"] = np.sort(top, axis=1).mean(axis=1)
    elif "portfolio" not in parts:
        parts["portfolio"] = np.zeros(n)
    parts["lexical"] = lexical_part(sp, fund_text)
    parts["sector"] = 0.5 * f.sectors.any_of(fp.sectors) + f.sectors.max_of(fp.sector_share)
    parts["stage"] = 0.5 * f.stage.member(fp.stages) + f.stage.lookup(fp.stage_share)
    parts["region"] = 0.5 * f.region.member(fp.regions) + f.region.lookup(fp.region_share)
    parts["ticket"] = _ticket_fit_all(f.raising, fp.ticket)
    parts["city"] = np.where(f.city.codes == 0, 0.0, f.city.lookup(fp.city_share))
    if fp.round_log is not None:
        known = ~np.isnan(f.raising) & (f.raising != 0)
        logs = np.log1p(np.where(known, f.raising, 0.0))
        parts["round"] = np.where(known, -np.abs(logs - fp.round_log), -1.0)
    else:
        parts["round"] = np.zeros(n)
    parts["lexical_portfolio"] = lexical_part(sp, fp.portfolio_doc) if fp.portfolio_doc.strip() else np.zeros(n)
    parts["tfidf"] = sp.bm25.cosine(fund_text)
    if "portfolio_max" not in parts:
        parts["portfolio_max"] = sims.max(axis=1) if sims is not None else np.zeros(n)
    if fp.strict:
        for k in ("stage", "region", "ticket", "round"):
            parts[k] = np.zeros(n)
    cw = fp.co_weight or {i: 1.0 for i in fp.co_investors}
    parts["syndicate"] = f.investors.sum_of(cw)
    return parts


def _ticket_fit_all(amount: np.ndarray, ticket: tuple[float | None, float | None]) -> np.ndarray:
    """ticket_fit for an array of amounts (NaN = unknown)."""
    lo, hi = ticket
    if lo is None and hi is None:
        return np.full(len(amount), 0.5)
    lo = lo or 0.0
    hi = hi if hi is not None else float("inf")
    with np.errstate(invalid="ignore"):
        out = np.where((lo <= amount) & (amount <= hi), 1.0,
                       np.where((lo / 2 <= amount) & (amount <= hi * 2), 0.5, 0.0))
    out[np.isnan(amount)] = 0.5
    return out


def fund_filter_mask(fp: FundProfile, sp: Pool) -> np.ndarray:
    """True for the startups of the pool that pass a fund's hard rules (fund_filter, vectorised)."""
    if sp.feat is None:
        return np.array([not fund_filter(fp, r, t) for r, t in zip(sp.rows, sp.texts)], dtype=bool)
    f = sp.feat
    ok = np.ones(len(sp), dtype=bool)
    for name in fp.portfolio_names:
        for p in f.key_pos.get(name, ()):
            ok[p] = False
    if fp.name:
        ok &= ~f.investors.any_of({fp.name})
    if not fp.strict:
        return ok
    if fp.stages:
        ok &= f.stage.member(fp.stages)
    lo, hi = fp.ticket
    amt = f.raising
    with np.errstate(invalid="ignore"):
        if lo is not None:
            ok &= ~(amt < lo)
        if hi is not None:
            ok &= ~(amt > hi)
    if fp.regions:
        ok &= f.region.member(fp.regions)
    excl = [norm(e) for e in fp.exclusions if norm(e)]
    if excl:
        low = f.lower_texts(sp.texts)
        ok &= np.array([not any(e in t for e in excl) for t in low], dtype=bool)
    return ok


def fund_filter(fp: FundProfile, row: dict, text: str) -> list[str]:
    """Hard rules a startup fails for a fund (empty when it passes)."""
    failed = []
    if row["key"] in fp.portfolio_names or (fp.name and fp.name in row["investors"]):
        failed.append("already_in_portfolio")
    if not fp.strict:
        return failed
    if fp.stages and row["stage"] not in fp.stages:
        failed.append("stage")
    lo, hi = fp.ticket
    amt = row["raising"]
    if amt is not None and ((lo is not None and amt < lo) or (hi is not None and amt > hi)):
        failed.append("ticket")
    if fp.regions and row["region"] not in fp.regions:
        failed.append("region")
    low = text.lower()
    if any(norm(e) and norm(e) in low for e in fp.exclusions):
        failed.append("exclusion")
    return failed
