"""Domain functions for matching events, between the models and the solver: set-up, preferences, requests,
generate, adjust, publish, verify, exports, outcomes and analytics."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import aliased

from matchmaker.db import db
from matchmaker.event_models import (
    FOLLOW_UPS,
    OUTCOMES,
    PREF_LEVELS,
    Candidate,
    Event,
    EventTable,
    Meeting,
    MeetingRequest,
    Participant,
    Preference,
)
from matchmaker.matching import pairing, schedule
from matchmaker.models import Fund, Scenario, Startup

MODELS = {"startup": Startup, "fund": Fund, "scenario": Scenario}
Pair = tuple[int, int]


class EventError(ValueError):
    """An action the event's rules refuse; the message is shown to the user as is."""


def _all(stmt) -> list:
    return list(db.session.execute(stmt).scalars())


def participants(ev: Event, side: str | None = None) -> list[Participant]:
    """The event's participants (not those who declined), optionally of one side."""
    ps = [p for p in ev.participants if p.status != "declined"]
    return [p for p in ps if side is None or p.side == side]


def meetings(ev: Event, removed: bool = False) -> list[Meeting]:
    """The event's live meetings (or the removed ones)."""
    return _all(db.select(Meeting).where(Meeting.event_id == ev.id, Meeting.removed.is_(removed))
                .order_by(Meeting.slot, Meeting.id))


def create_event(n_tables: int = 10, table_capacity: int = 1, **fields) -> Event:
    """A new event with n_tables tables (or rooms) of the given capacity."""
    ev = Event(**fields)
    ev.tables = [EventTable(position=k, name=f"T{k + 1}", capacity=table_capacity) for k in range(n_tables)]
    db.session.add(ev)
    db.session.commit()
    return ev


def _describe(kind: str, rec) -> dict:
    if kind == "startup":
        return {"name": rec.name, "district": rec.district, "sector": (rec.sectors or [""])[0],
                "user_id": rec.owner_id}
    if kind == "fund":
        return {"name": rec.name, "district": (rec.regions or [""])[0], "sector": (rec.sectors or [""])[0],
                "user_id": rec.manager_id}
    return {"name": f"{rec.owner_org} · {rec.title}" if rec.owner_org else rec.title, "district": rec.district,
            "sector": rec.sector, "user_id": rec.owner_id}


def invite(ev: Event, kind: str, ref_id: int, max_meetings: int = 6, unavailable=(), commit: bool = True):
    """Invite a startup, fund or scenario (its owner) to the event, or update its cap and availability."""
    rec = db.session.get(MODELS[kind], ref_id) if kind in MODELS else None
    if rec is None:
        raise EventError(f"no {kind} with id {ref_id}")
    p = next((p for p in ev.participants if p.kind == kind and p.ref_id == ref_id), None)
    if p is None:
        p = Participant(kind=kind, ref_id=ref_id, **_describe(kind, rec))
        ev.participants.append(p)
    p.max_meetings = max(0, int(max_meetings))
    p.unavailable = sorted({int(t) for t in unavailable if 0 <= int(t) < ev.n_slots})
    if commit:
        db.session.commit()
    return p


def set_attendance(p: Participant, status: str, unavailable) -> None:
    """A participant confirms or declines, and says which slots it cannot make."""
    if status not in ("invited", "confirmed", "declined"):
        raise EventError(f"unknown status {status!r}")
    p.status = status
    p.unavailable = sorted({int(t) for t in unavailable if 0 <= int(t) < p.event.n_slots})
    db.session.commit()


def refresh_candidates(ev: Event) -> int:
    """Score every startup-counterpart pair with the engine, once per participant, and cache it."""
    from matchmaker.matching import recommend as rec

    by_ref = {(p.kind, p.ref_id): p for p in participants(ev)}
    found: dict[Pair, tuple[float, list[str]]] = {}
    depth = max(3 * ev.top_k, 30)
    for p in participants(ev):
        record = db.session.get(MODELS[p.kind], p.ref_id)
        if p.kind == "startup":
            hits = [(p, by_ref.get(("fund", m.id)), m) for m in rec.funds_for_startup(record, top=depth)]
        else:
            fn = rec.startups_for_fund if p.kind == "fund" else rec.startups_for_scenario
            hits = [(by_ref.get(("startup", m.id)), p, m) for m in fn(record, top=depth)]
        for s, c, m in hits:
            if s is not None and c is not None and m.score > found.get((s.id, c.id), (-9.0,))[0]:
                found[s.id, c.id] = (float(m.score), [str(r) for r in m.reasons[:3]])
    db.session.execute(db.delete(Candidate).where(Candidate.event_id == ev.id))
    db.session.add_all(Candidate(event_id=ev.id, startup_pid=s, counterpart_pid=c, score=v, reasons=r)
                       for (s, c), (v, r) in found.items())
    db.session.commit()
    return len(found)


def _pair(a: Participant, b: Participant) -> Pair:
    if a.event_id != b.event_id or a.side == b.side:
        raise EventError("a meeting is between a startup and a fund or scenario owner of the same event")
    return (a.id, b.id) if a.side == "startup" else (b.id, a.id)


def set_preference(frm: Participant, to: Participant, level: str | None) -> None:
    """Mark a counterpart must-meet, meet or no-thanks (a veto); an empty level clears the mark."""
    _pair(frm, to)
    pref = db.session.execute(db.select(Preference).where(Preference.from_pid == frm.id,
                                                          Preference.to_pid == to.id)).scalar_one_or_none()
    if not level:
        if pref is not None:
            db.session.delete(pref)
    elif level not in PREF_LEVELS:
        raise EventError(f"unknown preference {level!r}")
    elif pref is None:
        db.session.add(Preference(event_id=frm.event_id, from_pid=frm.id, to_pid=to.id, level=level))
    else:
        pref.level = level
    db.session.commit()


def send_request(frm: Participant, to: Participant, reason: str) -> MeetingRequest:
    """Ask a counterpart for a meeting; accepted at once when the event auto-accepts."""
    _pair(frm, to)
    req = db.session.execute(db.select(MeetingRequest).where(MeetingRequest.from_pid == frm.id,
                                                             MeetingRequest.to_pid == to.id)).scalar_one_or_none()
    if req is None:
        req = MeetingRequest(event_id=frm.event_id, from_pid=frm.id, to_pid=to.id)
        db.session.add(req)
    req.reason = (reason or "").strip()[:300]
    req.status = "accepted" if frm.event.request_mode == "auto_accept" else "pending"
    db.session.commit()
    return req


def answer_request(req: MeetingRequest, accept: bool) -> None:
    """The recipient accepts or declines (a declined request is a veto for that pair)."""
    req.status = "accepted" if accept else "declined"
    db.session.commit()


def met_before(ev: Event) -> set[Pair]:
    """Pairs of this event whose records met at an earlier, published event (no-shows do not count)."""
    s_p, c_p = aliased(Participant), aliased(Participant)
    rows = db.session.execute(
        db.select(s_p.ref_id, c_p.kind, c_p.ref_id).select_from(Meeting)
        .join(s_p, Meeting.startup_pid == s_p.id).join(c_p, Meeting.counterpart_pid == c_p.id)
        .join(Event, Meeting.event_id == Event.id)
        .where(Event.date < ev.date, Event.id != ev.id, Event.published_at.is_not(None),
               Meeting.removed.is_(False), Meeting.slot.is_not(None),
               db.or_(Meeting.outcome.is_(None), Meeting.outcome != "no_show"))).all()
    past = set(rows)
    return {(s.id, c.id) for s in participants(ev, "startup") for c in participants(ev, "counterpart")
            if (s.ref_id, c.kind, c.ref_id) in past}


@dataclass
class Built:
    inst: pairing.Instance
    raw: dict[Pair, float]  # the engine's scores, as shown
    scores: dict[Pair, float]  # rescaled to [0, 1] within the event, as weighted
    vetoes: set[Pair]
    locked: dict[Pair, tuple[int, int]]
    met: set[Pair]


def build(ev: Event) -> Built:
    """The solver's instance: candidate edges with weights, vetoes left out, locked meetings fixed."""
    ps = {p.id: p for p in participants(ev)}
    prefs: dict[Pair, dict[int, str]] = defaultdict(dict)
    for pr in _all(db.select(Preference).where(Preference.event_id == ev.id)):
        if pr.from_pid in ps and pr.to_pid in ps:
            prefs[_pair(ps[pr.from_pid], ps[pr.to_pid])][pr.from_pid] = pr.level
    reqs: dict[Pair, set[str]] = defaultdict(set)
    for r in _all(db.select(MeetingRequest).where(MeetingRequest.event_id == ev.id)):
        if r.from_pid in ps and r.to_pid in ps:
            reqs[_pair(ps[r.from_pid], ps[r.to_pid])].add(r.status)
    removed = {(m.startup_pid, m.counterpart_pid) for m in meetings(ev, removed=True)}
    vetoes = ({k for k, d in prefs.items() if "no" in d.values()}
              | {k for k, st in reqs.items() if "declined" in st} | removed)
    raw = {(c.startup_pid, c.counterpart_pid): c.score
           for c in _all(db.select(Candidate).where(Candidate.event_id == ev.id))}
    lo, hi = min(raw.values(), default=0.0), max(raw.values(), default=1.0)
    # The engine's fused score has no fixed scale: rescale within the event to [0, 1], so that
    # round(100 * score) and the preference bonuses keep their intended proportions.
    scores = {k: (v - lo) / (hi - lo) if hi > lo else 0.5 for k, v in raw.items()}
    accepted = {k for k, st in reqs.items() if "accepted" in st}
    asked = {k for k, d in prefs.items() if "must" in d.values()} | accepted | {
        k for k, st in reqs.items() if "pending" in st}
    locked = {(m.startup_pid, m.counterpart_pid): (m.slot, m.table_id) for m in meetings(ev)
              if m.locked and m.slot is not None and m.table_id is not None}
    locked = {k: v for k, v in locked.items() if k not in vetoes and k[0] in ps and k[1] in ps}
    met = met_before(ev)
    pool = (set(scores) | {k for k, d in prefs.items() if {"must", "meet"} & set(d.values())} | accepted)
    pool = {k for k in pool - vetoes if k[0] in ps and k[1] in ps and (k not in met or k in asked)
            and set(range(ev.n_slots)) - set(ps[k[0]].unavailable) - set(ps[k[1]].unavailable)}
    edges = [pairing.Edge(s, c, pairing.weight(scores.get((s, c), 0.0), (prefs[s, c].get(s), prefs[s, c].get(c)),
                                               (s, c) in accepted)) for s, c in sorted(pool | set(locked))]
    edges = pairing.prune(edges, ev.top_k, (asked - vetoes) | set(locked))
    parties = {p.id: pairing.Party(p.id, p.side, p.max_meetings, frozenset(p.unavailable),
                                   frozenset({f"district:{p.district}", f"sector:{p.sector}"})) for p in ps.values()}
    quotas = [pairing.Quota(q["side"], f"{q['field']}:{q['value']}", int(q.get("min") or 0),
                            None if q.get("max") in (None, "") else int(q["max"])) for q in ev.quotas or []]
    inst = pairing.Instance(parties, edges, ev.n_slots, sum(t.capacity for t in ev.tables), ev.min_per_startup,
                            ev.max_per_counterpart, quotas, set(locked))
    return Built(inst, raw, scores, vetoes, locked, met)


def generate(ev: Event, time_limit: float = 20.0, workers: int = 2) -> dict:
    """Pair and schedule everything not locked; store the draft, the solver's report and the diff."""
    if any(m.outcome for m in meetings(ev)):
        raise EventError("outcomes are recorded: the schedule can no longer be re-generated")
    before = {(m.startup_pid, m.counterpart_pid): (m.slot, m.table_id) for m in meetings(ev) if m.slot is not None}
    if not db.session.execute(db.select(Candidate.id).where(Candidate.event_id == ev.id).limit(1)).first():
        refresh_candidates(ev)  # never scored: ask the engine once
    b = build(ev)
    res = pairing.solve(b.inst, time_limit=time_limit, workers=workers)
    if res.status not in ("OPTIMAL", "FEASIBLE"):
        raise EventError(f"the solver found no pairing ({res.status})")
    unavailable = {p.id: set(p.unavailable) for p in participants(ev)}
    sch = schedule.schedule([(e.s, e.c, e.weight) for e in res.pairs], ev.n_slots,
                            [(t.id, t.capacity) for t in ev.tables], unavailable, b.locked,
                            time_limit=max(5.0, time_limit / 2), workers=workers, previous=before)
    for m in meetings(ev):
        if (m.startup_pid, m.counterpart_pid) not in b.locked:
            db.session.delete(m)
    db.session.flush()
    weights = {(e.s, e.c): e.weight for e in res.pairs}
    for pl in sch.placed:
        if (pl.s, pl.c) not in b.locked:
            db.session.add(Meeting(event_id=ev.id, startup_pid=pl.s, counterpart_pid=pl.c, slot=pl.slot,
                                   table_id=pl.table, score=b.raw.get((pl.s, pl.c), 0.0),
                                   weight=weights[pl.s, pl.c]))
    obj, w, short = pairing.evaluate(b.inst, [pairing.Edge(p.s, p.c, weights[p.s, p.c]) for p in sch.placed])
    deg = Counter(p.s for p in sch.placed)
    starts = [p.id for p in participants(ev, "startup")]
    after = {(p.s, p.c): (p.slot, p.table) for p in sch.placed}
    ev.report = {
        "meetings": len(sch.placed), "rounds": sch.rounds, "objective": obj, "bound": res.bound,
        "rounds_lower_bound": schedule.lower_bound(list(after), b.inst.tables),
        "gap": round(max(0.0, (res.bound - obj) / max(1.0, abs(res.bound))), 6), "weight": w, "shortfall": short,
        "min_meetings_per_startup": min((deg[s] for s in starts), default=0),
        "startups_without_meeting": sum(1 for s in starts if not deg[s]), "status": res.status,
        "method": sch.method, "dropped": len(sch.dropped), "candidates": len(b.inst.edges),
        "pairing_seconds": round(res.seconds, 3), "schedule_seconds": round(sch.seconds, 3),
        "solve_seconds": round(res.seconds + sch.seconds, 3),
        "generated_at": dt.datetime.now().isoformat("T", "seconds"),
        "diff": _diff(before, after, {p.id: p.name for p in ev.participants}) if before else None}
    ev.status = "draft"
    db.session.commit()
    return ev.report


def _diff(before: dict, after: dict, names: dict[int, str]) -> dict:
    label = lambda k: f"{names.get(k[0], k[0])} ↔ {names.get(k[1], k[1])}"  # noqa: E731
    out = {"added": sorted(label(k) for k in after.keys() - before.keys()),
           "removed": sorted(label(k) for k in before.keys() - after.keys()),
           "moved": sorted(label(k) for k in after.keys() & before.keys() if after[k] != before[k])}
    return {k: {"count": len(v), "items": v[:50]} for k, v in out.items()}


def _touch(ev: Event) -> None:
    """Any change after publishing makes a new draft; participants keep the published snapshot."""
    if ev.status == "published":
        ev.status = "draft"


def lock(m: Meeting, on: bool = True) -> None:
    """Lock a meeting in its slot and table, so re-runs keep it (or unlock it)."""
    if on and (m.slot is None or m.table_id is None):
        raise EventError("only a scheduled meeting can be locked")
    m.locked = on
    _touch(db.session.get(Event, m.event_id))
    db.session.commit()


def move(m: Meeting, slot: int, table_id: int) -> None:
    """Move a meeting to another slot and table and lock it there; refused if any rule would break."""
    ev = db.session.get(Event, m.event_id)
    table = next((t for t in ev.tables if t.id == table_id), None)
    if not 0 <= slot < ev.n_slots or table is None:
        raise EventError("no such slot or table")
    for pid in (m.startup_pid, m.counterpart_pid):
        p = db.session.get(Participant, pid)
        if slot in p.unavailable:
            raise EventError(f"{p.name} is not available in slot {slot + 1}")
    others = [o for o in meetings(ev) if o.id != m.id and o.slot == slot]
    if any({o.startup_pid, o.counterpart_pid} & {m.startup_pid, m.counterpart_pid} for o in others):
        raise EventError(f"a participant already has a meeting in slot {slot + 1}")
    if sum(1 for o in others if o.table_id == table_id) >= table.capacity:
        raise EventError(f"{table.name} is full in slot {slot + 1}")
    m.slot, m.table_id, m.locked = slot, table_id, True
    _touch(ev)
    db.session.commit()


def remove(m: Meeting) -> None:
    """Remove a meeting; re-runs will not propose this pair again."""
    m.removed, m.locked, m.slot, m.table_id = True, False, None, None
    _touch(db.session.get(Event, m.event_id))
    db.session.commit()


def verify(ev: Event) -> dict[str, int]:
    """Rule violations recounted from the meetings stored in the database (not from the solver)."""
    ps = {p.id: p for p in ev.participants}
    marks = [(x.from_pid, x.to_pid) for x in _all(db.select(Preference).where(
        Preference.event_id == ev.id, Preference.level == "no"))] + [(x.from_pid, x.to_pid) for x in _all(
        db.select(MeetingRequest).where(MeetingRequest.event_id == ev.id, MeetingRequest.status == "declined"))]
    vetoes = {(a, b) if ps[a].side == "startup" else (b, a) for a, b in marks}
    rows = db.session.execute(db.select(Meeting.startup_pid, Meeting.counterpart_pid, Meeting.slot,
                                        Meeting.table_id)
                              .where(Meeting.event_id == ev.id, Meeting.removed.is_(False))).all()
    return schedule.violations([tuple(r) for r in rows], ev.n_slots, {t.id: t.capacity for t in ev.tables},
                               {p.id: set(p.unavailable) for p in ps.values()}, vetoes,
                               {p.id: p.max_meetings for p in ps.values()})


def publish(ev: Event) -> None:
    """Publish the draft: participants see this snapshot; refused while any rule is broken."""
    bad = {k: v for k, v in verify(ev).items() if v and k != "unscheduled"}
    if bad:
        raise EventError(f"cannot publish: {bad}")
    ev.published = meeting_rows(ev)
    ev.status, ev.published_at = "published", dt.datetime.now()
    db.session.commit()


def meeting_rows(ev: Event) -> list[dict]:
    """The scheduled meetings as plain rows, by slot and table: what exports, agendas and grids show."""
    times, tables = ev.slot_times(), {t.id: t for t in ev.tables}
    rows = [{"id": m.id, "slot": m.slot + 1, "start": times[m.slot][0], "end": times[m.slot][1],
             "table": tables[m.table_id].name if m.table_id in tables else "", "startup": m.startup.name,
             "counterpart": m.counterpart.name, "kind": m.counterpart.kind, "score": round(m.score, 3),
             "startup_pid": m.startup_pid, "counterpart_pid": m.counterpart_pid, "locked": m.locked,
             "position": tables[m.table_id].position if m.table_id in tables else 0}
            for m in meetings(ev) if m.slot is not None and 0 <= m.slot < ev.n_slots]
    return sorted(rows, key=lambda r: (r["slot"], r["position"], r["id"]))


def agenda(ev: Event, pid: int, published: bool) -> list[dict]:
    """One participant's meetings in time order, from the published snapshot or the live draft."""
    rows = ev.published if published else meeting_rows(ev)
    return [r for r in rows if pid in (r["startup_pid"], r["counterpart_pid"])]


def grid(ev: Event) -> list[tuple[tuple[str, str], list[list[dict]]]]:
    """The organiser's grid: for every slot, the meetings at each table."""
    cells = defaultdict(list)
    for r in meeting_rows(ev):
        cells[r["slot"] - 1, r["table"]].append(r)
    return [(t, [cells[k, tb.name] for tb in ev.tables]) for k, t in enumerate(ev.slot_times())]


EXPORT_COLUMNS = ("slot", "start", "end", "table", "startup", "counterpart", "kind", "score")


def neutralise(value):
    """Defuse spreadsheet formula injection with the exports' one rule (formula-like text gets a leading ')."""
    from matchmaker.exports import FORMULA_START

    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(ev: Event) -> str:
    """The pairing list as CSV text (UTF-8 with BOM, so spreadsheet programs read Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_COLUMNS)
    for r in meeting_rows(ev):
        w.writerow([neutralise(r[c]) for c in EXPORT_COLUMNS])
    return "\ufeff" + buf.getvalue()


def export_xlsx(ev: Event) -> bytes:
    """The pairing list as an XLSX workbook."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "pairings"
    ws.append(list(EXPORT_COLUMNS))
    for r in meeting_rows(ev):
        ws.append([neutralise(r[c]) for c in EXPORT_COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def record_outcome(m: Meeting, outcome: str | None, follow_up: str | None = None, amount=None) -> None:
    """After the event: held or no-show, then the follow-up (pilot, signed, invested with an amount)."""
    if outcome and outcome not in OUTCOMES or follow_up and follow_up not in FOLLOW_UPS:
        raise EventError("unknown outcome or follow-up")
    if follow_up and outcome != "held":
        raise EventError("a follow-up needs a meeting that was held")
    m.outcome, m.follow_up = outcome or None, follow_up or None
    m.amount_cny = float(amount) if follow_up == "invested" and amount not in (None, "") else None
    db.session.commit()


def analytics(ev: Event) -> dict:
    """The funnel (requested → accepted → scheduled → held → follow-up) and the fairness figures."""
    reqs = _all(db.select(MeetingRequest).where(MeetingRequest.event_id == ev.id))
    live = [m for m in meetings(ev) if m.slot is not None]
    funnel = [("requested", len(reqs)), ("accepted", sum(r.status == "accepted" for r in reqs)),
              ("scheduled", len(live)), ("held", sum(m.outcome == "held" for m in live)),
              ("follow_up", sum(bool(m.follow_up) for m in live))]
    deg = Counter()
    for m in live:
        deg[m.startup_pid] += 1
        deg[m.counterpart_pid] += 1
    per = {side: Counter(deg[p.id] for p in participants(ev, side)) for side in ("startup", "counterpart")}
    starts = participants(ev, "startup")
    answered = sum(r.status != "pending" for r in reqs)
    return {"funnel": funnel, "acceptance_rate": funnel[1][1] / answered if answered else None,
            "per_participant": {k: sorted(v.items()) for k, v in per.items()},
            "startup_share": sum(1 for p in starts if deg[p.id]) / len(starts) if starts else 0.0,
            "follow_ups": Counter(m.follow_up for m in live if m.follow_up),
            "invested_cny": sum(m.amount_cny or 0 for m in live if m.follow_up == "invested"),
            "no_show": sum(m.outcome == "no_show" for m in live)}


DISTRICTS = ("东湖高新区", "洪山区", "武昌区", "江岸区", "汉阳区", "江夏区", "硚口区")
SECTORS = ("ai", "healthcare", "manufacturing", "mobility", "fintech", "energy", "education")


def _demo_records(kind: str, n: int, rng) -> list[int]:
    """The first n records of a kind, creating stand-ins (stable external ids, reused later) when short."""
    model = MODELS[kind]
    ids = list(db.session.execute(db.select(model.id).order_by(model.id).limit(n)).scalars())
    k = 0
    while len(ids) < n:
        ext, k = f"event-demo-{kind}-{k}", k + 1
        if db.session.execute(db.select(model.id).where(model.external_id == ext)).first():
            continue  # fewer than n records exist, so this one is already among ids
        d, sec = rng.choice(DISTRICTS), rng.choice(SECTORS)
        if kind == "startup":
            rec = Startup(name=f"演示企业 Demo Startup {k}", district=d, sectors=[sec])
        elif kind == "fund":
            rec = Fund(name=f"演示基金 Demo Fund {k}", sectors=[sec], regions=[d])
        else:
            rec = Scenario(title=f"演示场景 Demo Scenario {k}", owner_org=f"{d}政务", district=d, sector=sec,
                           status="open")
        rec.external_id = ext
        db.session.add(rec)
        db.session.flush()
        ids.append(rec.id)
    return ids


def _random_wishes(ev: Event, rng) -> None:
    """Random availability, preferences (vetoes included) and requests, drawn from the candidates."""
    for p in participants(ev):
        if rng.random() < 0.15:
            p.unavailable = sorted(rng.sample(range(ev.n_slots), min(ev.n_slots - 1, rng.randint(1, 3))))
    by_p: dict[int, list[int]] = defaultdict(list)
    for c in _all(db.select(Candidate).where(Candidate.event_id == ev.id)):
        by_p[c.startup_pid].append(c.counterpart_pid)
        by_p[c.counterpart_pid].append(c.startup_pid)
    seen: set[Pair] = set()
    for pid, others in by_p.items():
        for level, chance in (("must", 0.25), ("meet", 0.5), ("meet", 0.3), ("no", 0.1)):
            to = rng.choice(others)
            if rng.random() < chance and (pid, to) not in seen:
                seen.add((pid, to))
                db.session.add(Preference(event_id=ev.id, from_pid=pid, to_pid=to, level=level))
        if rng.random() < 0.08:
            to = rng.choice(others)
            status = "accepted" if ev.request_mode == "auto_accept" else rng.choice(
                ("pending", "accepted", "accepted", "declined"))
            if (pid, to) not in seen:
                seen.add((pid, to))
                db.session.add(MeetingRequest(event_id=ev.id, from_pid=pid, to_pid=to, status=status,
                                              reason="希望交流合作 Keen to discuss a pilot"))
    db.session.commit()


def demo_event(startups: int, counterparts: int, slots: int, tables: int, seed: int = 0,
               organiser_id: int | None = None, engine: bool = False) -> Event:
    """A demo event of this size: participants (created as needed), scores, wishes, vetoes, availability.

    Scores are random unless engine=True, which asks the recommendation engine (real records only)."""
    import random

    rng = random.Random(seed)
    ev = create_event(name=f"演示对接会 Demo matching event #{seed}", date=dt.date.today() + dt.timedelta(days=14),
                      venue="光谷创新天地 Optics Valley Innovation Hub", n_slots=slots, n_tables=tables,
                      request_mode=rng.choice(("opt_in", "auto_accept")), min_per_startup=2, top_k=10,
                      breaks={str(slots // 2 - 1): 30} if slots >= 4 else {}, organiser_id=organiser_id)
    n_funds = (counterparts + 1) // 2
    kinds = [("startup", startups, (2, 4)), ("fund", n_funds, (max(1, slots // 2), slots)),
             ("scenario", counterparts - n_funds, (max(1, slots // 2), slots))]
    for kind, n, (lo, hi) in kinds:
        if engine:  # the engine scores indexed records only: never create stand-ins for it
            n = min(n, db.session.execute(db.select(db.func.count()).select_from(MODELS[kind])).scalar_one())
        for rid in _demo_records(kind, n, rng):
            invite(ev, kind, rid, rng.randint(lo, hi), commit=False)
    db.session.commit()
    if engine:
        refresh_candidates(ev)
    else:
        cps = participants(ev, "counterpart")
        db.session.add_all(Candidate(event_id=ev.id, startup_pid=s.id, counterpart_pid=c.id,
                                     score=round(rng.betavariate(2, 3), 4))
                           for s in participants(ev, "startup") for c in rng.sample(cps, min(len(cps), 20)))
        db.session.commit()
    _random_wishes(ev, rng)
    return ev
