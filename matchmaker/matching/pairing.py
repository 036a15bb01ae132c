"""Event pairing: which startup meets which counterpart, as a CP-SAT model over candidate edges.

Pure functions on plain data (no Flask, no models). Parties are identified by integer ids that are unique
across both sides; a vetoed pair is simply not an edge, so the solver can never choose it.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

# Preference weight added to round(100 * match score), per side; a mutual must-meet gets the extra too.
BONUS = {"must": 60, "meet": 20}
MUTUAL_MUST = 80
REQUEST_BONUS = 80


@dataclass(frozen=True)
class Party:
    id: int
    side: str  # "startup" or "counterpart"
    cap: int
    unavailable: frozenset[int] = frozenset()
    groups: frozenset[str] = frozenset()  # quota labels, e.g. "district:洪山区", "sector:ai"


@dataclass(frozen=True)
class Edge:
    s: int
    c: int
    weight: int


@dataclass(frozen=True)
class Quota:
    """Meetings that involve a party of `group` on `side`: at least `min` (soft), at most `max` (hard)."""

    side: str
    group: str
    min: int = 0
    max: int | None = None


@dataclass
class Instance:
    parties: dict[int, Party]
    edges: list[Edge]
    n_slots: int
    tables: int  # meetings that can run at once (the sum of table capacities)
    min_per_startup: int = 0
    max_per_counterpart: int | None = None
    quotas: list[Quota] = field(default_factory=list)
    fixed: set[tuple[int, int]] = field(default_factory=set)  # locked pairs: always chosen


@dataclass
class PairingResult:
    pairs: list[Edge]
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    weight: int = 0
    shortfall: int = 0  # meetings missing below each startup's fairness target, summed


def weight(score: float, prefs: tuple[str | None, str | None] = (None, None), requested: bool = False) -> int:
    """An edge's weight: round(100 * score) (at least 1) plus both sides' preference bonus."""
    w = max(1, round(100 * score)) + sum(BONUS.get(p or "", 0) for p in prefs)
    if prefs == ("must", "must"):
        w += MUTUAL_MUST
    return w + (REQUEST_BONUS if requested else 0)


def effective_cap(inst: Instance, p: Party) -> int:
    """A party's cap, its available slots, and for counterparts the popular-counterpart cap, whichever is least."""
    free = inst.n_slots - len({t for t in p.unavailable if 0 <= t < inst.n_slots})
    cap = min(p.cap, free)
    if p.side == "counterpart" and inst.max_per_counterpart is not None:
        cap = min(cap, inst.max_per_counterpart)
    locked = sum(1 for s, c in inst.fixed if p.id in (s, c))
    return max(cap, locked, 0)


def targets(inst: Instance) -> dict[int, int]:
    """Each startup's fairness target: the minimum, lowered to what its cap and candidates allow."""
    deg: dict[int, int] = defaultdict(int)
    for e in inst.edges:
        deg[e.s] += 1
    return {p.id: min(inst.min_per_startup, effective_cap(inst, p), deg[p.id])
            for p in inst.parties.values() if p.side == "startup"}


def penalty(inst: Instance) -> int:
    """Cost of one meeting below a fairness target or quota: more than any edge is worth (lexicographic)."""
    return max((e.weight for e in inst.edges), default=0) + 1


def prune(edges: list[Edge], top_k: int, keep: set[tuple[int, int]]) -> list[Edge]:
    """Each startup's and each counterpart's top_k edges by weight, plus every pair in keep."""
    by_s, by_c = defaultdict(list), defaultdict(list)
    for e in edges:
        by_s[e.s].append(e)
        by_c[e.c].append(e)
    chosen = {(e.s, e.c) for e in edges if (e.s, e.c) in keep}
    for group in (by_s, by_c):
        for lst in group.values():
            lst.sort(key=lambda e: (-e.weight, e.s, e.c))
            chosen.update((e.s, e.c) for e in lst[:top_k])
    return [e for e in edges if (e.s, e.c) in chosen]


def evaluate(inst: Instance, pairs: list[Edge]) -> tuple[float, int, int]:
    """(objective, total weight, meetings missing below fairness targets and quotas) of a set of pairs."""
    deg: dict[int, int] = defaultdict(int)
    for e in pairs:
        deg[e.s] += 1
        deg[e.c] += 1
    short = cost = 0
    for s, t in targets(inst).items():
        miss = max(0, t - deg[s])
        short, cost = short + miss, cost + miss * (miss + 1) // 2
    for q in inst.quotas:
        got = sum(1 for e in pairs if q.group in inst.parties[e.s if q.side == "startup" else e.c].groups)
        short, cost = short + max(0, q.min - got), cost + max(0, q.min - got)
    w = sum(e.weight for e in pairs)
    return float(w - penalty(inst) * cost), w, short


def greedy(inst: Instance) -> PairingResult:
    """Baseline: take edges by weight, best first, while caps and the table budget allow (benchmark only)."""
    t0 = time.perf_counter()
    left = {p.id: effective_cap(inst, p) for p in inst.parties.values()}
    budget = inst.n_slots * inst.tables
    fixed = [e for e in inst.edges if (e.s, e.c) in inst.fixed]
    chosen = list(fixed)
    for e in fixed:
        left[e.s] -= 1
        left[e.c] -= 1
    for e in sorted(inst.edges, key=lambda e: (-e.weight, e.s, e.c)):
        if len(chosen) >= budget:
            break
        if (e.s, e.c) not in inst.fixed and left[e.s] > 0 and left[e.c] > 0:
            chosen.append(e)
            left[e.s] -= 1
            left[e.c] -= 1
    obj, w, short = evaluate(inst, chosen)
    return PairingResult(chosen, obj, math.nan, math.nan, "GREEDY", time.perf_counter() - t0, w, short)


def solve(inst: Instance, time_limit: float = 20.0, workers: int = 2, gap_limit: float = 0.002) -> PairingResult:
    """Maximise total weight minus fairness/quota shortfall, subject to caps and the table budget."""
    t0 = time.perf_counter()
    m = cp_model.CpModel()
    edges = list({(e.s, e.c): e for e in inst.edges}.values())
    x = [m.new_bool_var(f"x{e.s}_{e.c}") for e in edges]
    by_party: dict[int, list] = defaultdict(list)
    for e, v in zip(edges, x):
        by_party[e.s].append(v)
        by_party[e.c].append(v)
        if (e.s, e.c) in inst.fixed:
            m.add(v == 1)
    for pid, vs in by_party.items():
        m.add(sum(vs) <= effective_cap(inst, inst.parties[pid]))
    m.add(sum(x) <= max(inst.n_slots * inst.tables, len(inst.fixed)))
    pen, slacks = penalty(inst), []
    for s, t in targets(inst).items():
        # Missing the k-th meeting costs (t - k + 1) penalties: a startup's first meeting matters most, so
        # meetings spread out before anyone gets a second one.
        miss = [m.new_bool_var(f"miss{s}_{k}") for k in range(1, t + 1)]
        if miss:
            m.add(sum(by_party[s]) + sum(miss) >= t)
            slacks += [(t - k) * z for k, z in enumerate(miss)]
    for k, q in enumerate(inst.quotas):
        vs = [v for e, v in zip(edges, x) if q.group in inst.parties[e.s if q.side == "startup" else e.c].groups]
        if q.max is not None:
            m.add(sum(vs) <= q.max)
        if q.min > 0:
            sl = m.new_int_var(0, q.min, f"quota{k}")
            m.add(sum(vs) + sl >= q.min)
            slacks.append(sl)
    m.maximize(sum(e.weight * v for e, v in zip(edges, x)) - pen * sum(slacks))
    start = {(e.s, e.c) for e in greedy(inst).pairs}  # CP-SAT starts from the baseline and improves it
    for e, v in zip(edges, x):
        m.add_hint(v, (e.s, e.c) in start)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.relative_gap_limit = float(gap_limit)
    status = solver.solve(m)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PairingResult([], 0.0, 0.0, math.inf, name, time.perf_counter() - t0)
    pairs = [e for e, v in zip(edges, x) if solver.boolean_value(v)]
    # The objective is integral: round CP-SAT's doubles (93.99999999999999), floor its bound.
    obj, bound = round(solver.objective_value), math.floor(solver.best_objective_bound + 1e-6)
    _, w, short = evaluate(inst, pairs)
    gap = 0.0 if status == cp_model.OPTIMAL else max(0.0, (bound - obj) / max(1.0, abs(bound)))
    return PairingResult(pairs, float(obj), float(bound), gap, name, time.perf_counter() - t0, w, short)

