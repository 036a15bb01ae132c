"""Event scheduling: give every chosen pair a slot and a table, in the fewest rounds.

Without availability limits or locks a two-sided plan is a bipartite graph, and König's theorem colours its
edges with max(busiest degree, ⌈meetings ÷ tables⌉) colours of equal size (±1): that bound is always reached.
Availability limits or locked meetings fall back to CP-SAT, hinted with the colouring. Pure, no Flask.
"""
from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linear_sum_assignment

Pair = tuple[int, int]


@dataclass(frozen=True)
class Placed:
    s: int
    c: int
    slot: int
    table: int


@dataclass
class ScheduleResult:
    placed: list[Placed]
    dropped: list[Pair]  # pairs that could not be placed (availability made them impossible)
    rounds: int
    lower_bound: int
    method: str
    seconds: float


def lower_bound(pairs: list[Pair], tables: int) -> int:
    """Fewest rounds any schedule can have: the busiest participant's meetings, or ⌈meetings ÷ tables⌉."""
    deg: dict[tuple[str, int], int] = defaultdict(int)
    for s, c in pairs:
        deg["s", s] += 1
        deg["c", c] += 1
    return max(max(deg.values(), default=0), math.ceil(len(pairs) / max(1, tables)))


def edge_colouring(pairs: list[Pair], k: int) -> list[int]:
    """Colour a bipartite graph's edges with k ≥ max degree colours, no colour twice at a vertex (König)."""
    at: dict[tuple, dict[int, int]] = defaultdict(dict)
    col = [-1] * len(pairs)
    ends = [(("s", s), ("c", c)) for s, c in pairs]
    for i, (u, v) in enumerate(ends):
        a = next(x for x in range(k) if x not in at[u])
        b = next(x for x in range(k) if x not in at[v])
        if a in at[v]:  # flip the a/b path from v; in a bipartite graph it never reaches u
            path, w, want = [], v, a
            while want in at[w]:
                e = at[w][want]
                path.append(e)
                w = ends[e][1] if ends[e][0] == w else ends[e][0]
                want = b if want == a else a
            for e in path:
                for end in ends[e]:
                    del at[end][col[e]]
            for e in path:
                col[e] = b if col[e] == a else a
                for end in ends[e]:
                    at[end][col[e]] = e
        col[i] = a
        at[u][a] = at[v][a] = i
    return col


def equalise(pairs: list[Pair], col: list[int], k: int) -> list[int]:
    """Even out colour class sizes to within one by swapping colours along alternating paths."""
    col = list(col)
    ends = [(("s", s), ("c", c)) for s, c in pairs]
    while True:
        sizes = [0] * k
        for x in col:
            sizes[x] += 1
        a, b = max(range(k), key=sizes.__getitem__), min(range(k), key=sizes.__getitem__)
        if sizes[a] - sizes[b] <= 1:
            return col
        at: dict[tuple, dict[int, int]] = defaultdict(dict)
        for e, x in enumerate(col):
            if x in (a, b):
                for end in ends[e]:
                    at[end][x] = e
        for start, cols in at.items():
            if a not in cols or b in cols:
                continue
            path, w, want = [], start, a
            while want in at[w]:
                e = at[w][want]
                path.append(e)
                w = ends[e][1] if ends[e][0] == w else ends[e][0]
                want = b if want == a else a
            if len(path) % 2:  # starts and ends with colour a: swapping moves one edge from a to b
                for e in path:
                    col[e] = b if col[e] == a else a
                break


def assign_tables(by_slot: dict[int, list[Pair]], tables: list[tuple[int, int]],
                  locked: dict[Pair, tuple[int, int]], previous: dict[Pair, tuple[int, int]] | None = None,
                  ) -> list[Placed]:
    """Seat each slot's meetings: a pair keeps its previous table, a counterpart keeps one table across rounds
    where it can (startups rotate), locked meetings stay put."""
    previous = previous or {}
    home: dict[int, int] = {c: t for (s, c), (_, t) in list(previous.items()) + list(locked.items())}
    caps, out = dict(tables), []
    for slot in sorted(by_slot):
        used: dict[int, int] = defaultdict(int)
        todo = []
        for s, c in by_slot[slot]:
            if (s, c) in locked:
                used[locked[s, c][1]] += 1
                out.append(Placed(s, c, slot, locked[s, c][1]))
            else:
                todo.append((s, c))
        todo.sort(key=lambda p: (p not in previous, p[1] not in home))
        for s, c in todo:
            for t in (previous.get((s, c), (None, None))[1], home.get(c)):
                if t in caps and used[t] < caps[t]:
                    break
            else:
                t = next(tid for tid, cap in tables if used[tid] < cap)
                home.setdefault(c, t)
            used[t] += 1
            out.append(Placed(s, c, slot, t))
    return out


def schedule(pairs: list[tuple[int, int, int]], n_slots: int, tables: list[tuple[int, int]],
             unavailable: dict[int, set[int]] | None = None, locked: dict[Pair, tuple[int, int]] | None = None,
             time_limit: float = 10.0, workers: int = 2, previous: dict[Pair, tuple[int, int]] | None = None,
             ) -> ScheduleResult:
    """Place (startup, counterpart, weight) pairs into slots and tables; drop only what cannot fit.

    `previous` is the last draft's (slot, table) per pair: kept where that costs no round (fewer changes)."""
    t0 = time.perf_counter()
    unavailable, locked = unavailable or {}, locked or {}
    budget = sum(cap for _, cap in tables)
    edges = [(s, c) for s, c, _ in pairs]
    lb = lower_bound(edges, budget)
    busy = any(unavailable.get(p) for e in edges for p in e)
    if not locked and not busy and lb <= n_slots:
        col = equalise(edges, edge_colouring(edges, lb), lb) if edges else []
        if previous and edges:  # colour classes are interchangeable: give each the slot most of it had
            overlap = np.zeros((lb, lb))
            for e, k in zip(edges, col):
                if previous.get(e, (lb,))[0] < lb:
                    overlap[k, previous[e][0]] += 1
            perm = dict(zip(*linear_sum_assignment(-overlap)))
            col = [int(perm[k]) for k in col]
        by_slot = _group(edges, col)
        return ScheduleResult(assign_tables(by_slot, tables, {}, previous), [], len(by_slot), lb, "konig",
                              time.perf_counter() - t0)
    slot_of, method = {}, "rounds"
    for r in range(min(lb, n_slots), n_slots + 1):  # fewest rounds first
        slot_of = _round_by_round(pairs, list(range(r)), budget, unavailable, locked, workers, previous or {})
        if len(slot_of) == len(edges):
            break
    if len(slot_of) < len(edges) or len(set(slot_of.values())) > lb:
        better = _cp_sat(pairs, n_slots, budget, unavailable, locked, slot_of,
                         max(1.0, time_limit - (time.perf_counter() - t0)), workers)
        weight = {(s, c): w for s, c, w in pairs}

        def rank(found: dict) -> tuple[int, int]:
            return sum(weight[e] for e in found), -len(set(found.values()))

        if rank(better) > rank(slot_of):
            slot_of, method = better, "cp-sat"
    kept = [e for e in edges if e in slot_of]
    by_slot = _group(kept, [slot_of[e] for e in kept])
    placed = assign_tables(by_slot, tables, locked, previous)
    return ScheduleResult(placed, [e for e in edges if e not in slot_of], len(by_slot), lb, method,
                          time.perf_counter() - t0)


def _group(edges: list[Pair], slots: list[int]) -> dict[int, list[Pair]]:
    by_slot: dict[int, list[Pair]] = defaultdict(list)
    for e, t in zip(edges, slots):
        by_slot[t].append(e)
    return dict(by_slot)


def _cp_sat(pairs, n_slots, budget, unavailable, locked, hint, time_limit, workers) -> dict[Pair, int]:
    """Slots by CP-SAT: place as much weight as possible, then use as few (and as early) slots as possible."""
    m = cp_model.CpModel()
    y = [m.new_bool_var(f"y{t}") for t in range(n_slots)]
    x: dict[tuple[Pair, int], cp_model.IntVar] = {}
    at: dict[tuple, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    per_slot: dict[int, list] = defaultdict(list)
    placed_terms = []
    for s, c, w in pairs:
        allowed = [locked[s, c][0]] if (s, c) in locked else [
            t for t in range(n_slots) if t not in unavailable.get(s, ()) and t not in unavailable.get(c, ())]
        vs = []
        for t in allowed:
            v = m.new_bool_var(f"x{s}_{c}_{t}")
            x[(s, c), t] = v
            m.add_hint(v, hint.get((s, c)) == t)
            at["s", s][t].append(v)
            at["c", c][t].append(v)
            per_slot[t].append(v)
            vs.append(v)
        m.add(sum(vs) == 1) if (s, c) in locked else m.add(sum(vs) <= 1)
        placed_terms.append((w, vs))
    for slots in at.values():
        for vs in slots.values():
            m.add_at_most_one(vs)
        m.add(sum(y) >= sum(v for vs in slots.values() for v in vs))  # valid bound: helps the proof
    for t, vs in per_slot.items():
        m.add(sum(vs) <= budget * y[t])
    m.add(budget * sum(y) >= sum(x.values()))
    # Lexicographic by weights: placed meetings first, then fewer slots, then earlier slots.
    per_slot_cost = n_slots * n_slots + 1
    big = n_slots * (per_slot_cost + n_slots) + 1
    m.maximize(sum(big * w * v for w, vs in placed_terms for v in vs)
               - sum((per_slot_cost + t) * y[t] for t in range(n_slots)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {p: t for p, (t, _) in locked.items()}
    return {p: t for (p, t), v in x.items() if solver.boolean_value(v)}


def _round_by_round(pairs, slots: list[int], budget: int, unavailable, locked, workers: int,
                    previous: dict[Pair, tuple[int, int]]) -> dict[Pair, int]:
    """Fill one slot at a time with a matching that first serves whoever has the fewest slots left for the
    meetings left (a König step that respects availability); locked meetings stay where they are."""
    out = {p: t for p, (t, _) in locked.items()}
    taken: dict[int, set] = defaultdict(set)
    for (s, c), (t, _) in locked.items():
        taken[t] |= {("s", s), ("c", c)}
    left = [(s, c) for s, c, _ in pairs if (s, c) not in locked]
    in_slot = Counter(t for t, _ in locked.values())

    def free(v, t: int) -> bool:
        return t not in unavailable.get(v[1], ()) and v not in taken[t]

    for k, t in enumerate(slots):
        later = slots[k + 1:]
        deg = Counter(v for s, c in left for v in (("s", s), ("c", c)))
        room = {v: sum(free(v, u) for u in later) for v in deg}
        urge = {v: 1000 if n > room[v] else 1 + 100 * n // (room[v] + 1) for v, n in deg.items()}
        cand = [(s, c) for s, c in left if free(("s", s), t) and free(("c", c), t)]
        if not cand:
            continue
        cap = budget - in_slot[t]
        need = len(left) - sum(budget - in_slot[u] for u in later)  # what later slots cannot take
        m = cp_model.CpModel()
        x = {e: m.new_bool_var("") for e in cand}
        at: dict[tuple, list] = defaultdict(list)
        for (s, c), v in x.items():
            at["s", s].append(v)
            at["c", c].append(v)
        for vs in at.values():
            m.add_at_most_one(vs)
        m.add(sum(x.values()) <= max(0, cap))
        z = m.new_int_var(0, max(0, min(need, cap)), "z")  # meetings this slot must take for the rest to fit
        m.add(z <= sum(x.values()))
        stay = {e: 60 * (previous.get(e, (None,))[0] == t) for e in x}  # fewer changes from the last draft
        m.maximize(1000 * z + sum((urge["s", s] + urge["c", c] + stay[s, c]) * v for (s, c), v in x.items()))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 2.0
        solver.parameters.num_workers = workers
        if solver.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = {e for e, v in x.items() if solver.boolean_value(v)}
            out.update({e: t for e in chosen})
            left = [e for e in left if e not in chosen]
    return out


def violations(meetings: list[tuple[int, int, int | None, int | None]], n_slots: int,
               table_caps: dict[int, int], unavailable: dict[int, set[int]], vetoes: set[Pair],
               caps: dict[int, int]) -> dict[str, int]:
    """Count every broken rule in a stored schedule of (startup, counterpart, slot, table) rows."""
    out = dict.fromkeys(("vetoes_violated", "double_bookings", "capacity_violations",
                         "availability_violations", "cap_violations", "unscheduled"), 0)
    booked: dict[tuple[int, int], int] = defaultdict(int)
    seated: dict[tuple[int, int], int] = defaultdict(int)
    deg: dict[int, int] = defaultdict(int)
    for s, c, slot, table in meetings:
        out["vetoes_violated"] += (s, c) in vetoes
        deg[s] += 1
        deg[c] += 1
        if slot is None:
            out["unscheduled"] += 1
            continue
        booked[s, slot] += 1
        booked[c, slot] += 1
        if table not in table_caps:
            out["capacity_violations"] += 1
        else:
            seated[slot, table] += 1
        if not 0 <= slot < n_slots or slot in unavailable.get(s, ()) or slot in unavailable.get(c, ()):
            out["availability_violations"] += 1
    out["double_bookings"] = sum(n - 1 for n in booked.values() if n > 1)
    out["capacity_violations"] += sum(max(0, n - table_caps[t]) for (_, t), n in seated.items())
    out["cap_violations"] = sum(max(0, n - caps[p]) for p, n in deg.items() if p in caps)
    return out
