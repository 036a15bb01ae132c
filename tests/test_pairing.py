"""The pairing solver and the scheduler on plain data: properties on random instances, known optima."""
from __future__ import annotations

import itertools
import math
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.matching import pairing, schedule
from matchmaker.matching.pairing import Edge, Instance, Party, Quota

FAST = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, max_s: int = 6, max_c: int = 4, availability: bool = True):
    """A small random event: caps, candidate edges (missing ones are vetoes), availability, a fairness target."""
    n_s, n_c = draw(st.integers(1, max_s)), draw(st.integers(1, max_c))
    n_slots, tables = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    slot_sets = st.frozensets(st.integers(0, n_slots - 1), max_size=n_slots - 1 if availability else 0)
    parties = {}
    for i in range(n_s):
        parties[i] = Party(i, "startup", draw(st.integers(0, 3)), draw(slot_sets))
    for j in range(n_c):
        parties[100 + j] = Party(100 + j, "counterpart", draw(st.integers(0, 4)), draw(slot_sets))
    edges = [Edge(i, 100 + j, draw(st.integers(1, 300)))
             for i in range(n_s) for j in range(n_c) if draw(st.booleans())]
    return Instance(parties, edges, n_slots, tables, min_per_startup=draw(st.integers(0, 2)),
                    max_per_counterpart=draw(st.one_of(st.none(), st.integers(1, 3))))


def check_pairing(inst: Instance, pairs: list[Edge]) -> None:
    allowed = {(e.s, e.c) for e in inst.edges}
    assert all((e.s, e.c) in allowed for e in pairs), "a vetoed (non-candidate) pair was chosen"
    assert len({(e.s, e.c) for e in pairs}) == len(pairs)
    deg = Counter(p for e in pairs for p in (e.s, e.c))
    for pid, n in deg.items():
        assert n <= pairing.effective_cap(inst, inst.parties[pid])
    assert len(pairs) <= inst.n_slots * inst.tables


def check_schedule(inst: Instance, pairs: list[Edge], res: schedule.ScheduleResult, tables) -> None:
    caps = dict(tables)
    placed = {(p.s, p.c) for p in res.placed}
    assert placed | set(res.dropped) == {(e.s, e.c) for e in pairs} and not placed & set(res.dropped)
    unavailable = {p.id: set(p.unavailable) for p in inst.parties.values()}
    bad = schedule.violations([(p.s, p.c, p.slot, p.table) for p in res.placed], inst.n_slots, caps,
                              unavailable, set(), {p.id: p.cap for p in inst.parties.values()})
    assert not any(bad.values()), bad
    by_slot = Counter((p.slot, p.table) for p in res.placed)
    assert all(n <= caps[t] for (_, t), n in by_slot.items())
    assert res.rounds == len({p.slot for p in res.placed}) >= (res.lower_bound if not res.dropped else 0)


@FAST
@given(instances())
def test_random_instances_respect_every_rule(inst):
    res = pairing.solve(inst, time_limit=5, workers=1)
    assert res.status == "OPTIMAL"
    check_pairing(inst, res.pairs)
    check_pairing(inst, pairing.greedy(inst).pairs)
    assert res.objective >= pairing.greedy(inst).objective
    assert math.isclose(pairing.evaluate(inst, res.pairs)[0], res.objective)
    tables = [(10 + k, 1) for k in range(inst.tables)]
    unavailable = {p.id: set(p.unavailable) for p in inst.parties.values()}
    sch = schedule.schedule([(e.s, e.c, e.weight) for e in res.pairs], inst.n_slots, tables, unavailable,
                            time_limit=5, workers=1)
    check_schedule(inst, res.pairs, sch, tables)


@FAST
@given(instances(max_s=7, max_c=5, availability=False), st.integers(1, 3))
def test_without_availability_limits_the_round_bound_is_reached(inst, capacity):
    """König: a two-sided plan always fits in max(busiest degree, ⌈meetings ÷ tables⌉) rounds."""
    pairs = pairing.greedy(inst).pairs
    tables = [(k, capacity) for k in range(inst.tables)]
    sch = schedule.schedule([(e.s, e.c, e.weight) for e in pairs], 50, tables)
    assert sch.method == "konig" and not sch.dropped
    assert sch.rounds == schedule.lower_bound([(e.s, e.c) for e in pairs], inst.tables * capacity)
    check_schedule(inst, pairs, sch, tables)


@FAST
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=30, unique=True))
def test_edge_colouring_is_proper_and_equitable(edges):
    k = schedule.lower_bound(edges, 1 << 30) + 1 if edges else 1
    col = schedule.equalise(edges, schedule.edge_colouring(edges, k), k)
    for side in (0, 1):
        seen = Counter((e[side], c) for e, c in zip(edges, col))
        assert all(n == 1 for n in seen.values())
    sizes = Counter(col)
    assert max(sizes.values(), default=0) - min([sizes.get(c, 0) for c in range(k)]) <= 1


def brute_force(inst: Instance) -> float:
    """The best objective over every subset of the candidate edges that keeps caps, budget and quota maxima."""
    best = -math.inf
    for r in range(len(inst.edges) + 1):
        for sub in itertools.combinations(inst.edges, r):
            deg = Counter(p for e in sub for p in (e.s, e.c))
            if any(n > pairing.effective_cap(inst, inst.parties[p]) for p, n in deg.items()):
                continue
            if len(sub) > inst.n_slots * inst.tables or not all(
                    q.max is None or sum(q.group in inst.parties[e.s].groups for e in sub) <= q.max
                    for q in inst.quotas):
                continue
            best = max(best, pairing.evaluate(inst, list(sub))[0])
    return best


@settings(max_examples=25, deadline=None, database=None)
@given(instances(max_s=4, max_c=3))
def test_optimum_matches_brute_force(inst):
    inst.edges = inst.edges[:10]
    assert pairing.solve(inst, time_limit=5, workers=1).objective == brute_force(inst)


def test_known_optimum_mutual_must_meet_and_fairness():
    """Two startups, one popular fund with a single free seat: fairness and must-meets decide, not raw scores."""
    w_must = pairing.weight(0.10, ("must", "must"))
    assert w_must == 10 + 60 + 60 + 80 and pairing.weight(0.9) == 90
    parties = {1: Party(1, "startup", 2), 2: Party(2, "startup", 2), 10: Party(10, "counterpart", 1),
               11: Party(11, "counterpart", 2)}
    edges = [Edge(1, 10, 90), Edge(2, 10, w_must), Edge(1, 11, 50)]
    inst = Instance(parties, edges, n_slots=2, tables=2, min_per_startup=1)
    res = pairing.solve(inst, workers=1)
    assert {(e.s, e.c) for e in res.pairs} == {(2, 10), (1, 11)}
    assert res.objective == brute_force(inst) == w_must + 50 and res.gap == 0.0
    greedy = pairing.greedy(inst)  # takes the must-meet first too, but here it is also fair
    assert greedy.objective <= res.objective


def test_fairness_spreads_meetings_where_greedy_does_not():
    parties = {0: Party(0, "startup", 2), 1: Party(1, "startup", 2), 10: Party(10, "counterpart", 1),
               11: Party(11, "counterpart", 1)}
    inst = Instance(parties, [Edge(0, 10, 100), Edge(0, 11, 90), Edge(1, 10, 10)], n_slots=2, tables=2,
                    min_per_startup=1)
    res, base = pairing.solve(inst, workers=1), pairing.greedy(inst)
    assert {(e.s, e.c) for e in base.pairs} == {(0, 10), (0, 11)} and base.shortfall == 1
    assert {(e.s, e.c) for e in res.pairs} == {(0, 11), (1, 10)} and res.shortfall == 0
    assert res.objective == brute_force(inst) > base.objective
    inst.min_per_startup = 0  # without the fairness rule the heavier, unfair plan wins
    assert {(e.s, e.c) for e in pairing.solve(inst, workers=1).pairs} == {(0, 10), (0, 11)}


def test_quotas_caps_vetoes_and_locks():
    parties = {1: Party(1, "startup", 1, groups=frozenset({"district:A"})),
               2: Party(2, "startup", 1, groups=frozenset({"district:B"})),
               3: Party(3, "startup", 1, groups=frozenset({"district:B"})), 10: Party(10, "counterpart", 3)}
    edges = [Edge(1, 10, 10), Edge(2, 10, 90), Edge(3, 10, 80)]
    inst = Instance(parties, edges, n_slots=3, tables=1,
                    quotas=[Quota("startup", "district:A", min=1), Quota("startup", "district:B", max=1)])
    res = pairing.solve(inst, workers=1)
    assert {(e.s, e.c) for e in res.pairs} == {(1, 10), (2, 10)}
    inst.fixed = {(3, 10)}
    assert {(e.s, e.c) for e in pairing.solve(inst, workers=1).pairs} == {(1, 10), (3, 10)}


def test_schedule_keeps_locks_and_availability():
    pairs = [(1, 10, 5), (2, 10, 5), (1, 11, 5), (3, 11, 5)]
    sch = schedule.schedule(pairs, 3, [(7, 1), (8, 1)], {1: {0}, 3: {0}}, {(2, 10): (2, 7)})
    got = {(p.s, p.c): (p.slot, p.table) for p in sch.placed}
    assert got[2, 10] == (2, 7)
    assert (got[1, 10][0], got[1, 11][0], got[3, 11][0]) == (1, 2, 1)
    assert not sch.dropped and sch.rounds == 2 == sch.lower_bound


def test_schedule_drops_only_what_cannot_fit():
    sch = schedule.schedule([(1, 10, 9), (2, 10, 1)], 2, [(0, 1)], {1: {1}, 2: {1}})
    assert [(p.s, p.c) for p in sch.placed] == [(1, 10)] and sch.dropped == [(2, 10)]


def test_violations_counts_each_broken_rule():
    rows = [(1, 10, 0, 5), (1, 11, 0, 6), (2, 10, 1, 5), (3, 12, 1, 5), (4, 12, None, None), (5, 13, 9, 5)]
    bad = schedule.violations(rows, 3, {5: 1, 6: 1}, {2: {1}}, {(3, 12)}, {1: 1})
    assert bad == {"vetoes_violated": 1, "double_bookings": 1, "capacity_violations": 1,
                   "availability_violations": 2, "cap_violations": 1, "unscheduled": 1}


def test_prune_keeps_top_k_and_must_meets():
    edges = [Edge(1, c, w) for c, w in ((10, 5), (11, 50), (12, 40), (13, 1))]
    kept = pairing.prune(edges, 2, {(1, 13)})
    assert {(e.s, e.c) for e in kept} >= {(1, 11), (1, 12), (1, 13)}
