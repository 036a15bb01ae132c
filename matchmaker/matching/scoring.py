"""The hybrid score: parts computed over the whole pool, z-scored, fused with weights from one file."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from matchmaker.matching.pool import FundProfile, Pool, norm

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
    for g in np.unique(groups):
        sel = groups == g
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
