"""Workspace conversations: applications to scenarios, interest in funds, invitations, and an organiser's
three-way meeting proposals. Each step notifies the other side."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from matchmaker.db import db
from matchmaker.models import Fund, Scenario, Startup, User
from matchmaker.security import audit
from matchmaker.workspace_models import (
    APPLICATION_STATUSES,
    INTEREST_STATUSES,
    Application,
    Interest,
    Invitation,
    Proposal,
)


def _ws():
    from matchmaker import workspace

    return workspace


def _message(text: str) -> str:
    return (text or "").strip()[:5000]


def apply(startup: Startup, sc: Scenario, text: str) -> Application:
    """A startup applies to an open scenario with a message (once; a second call updates the message)."""
    ws = _ws()
    if not sc.is_open():
        raise ws.WorkspaceError(_l("This scenario is not open for applications."))
    if not _message(text):
        raise ws.WorkspaceError(_l("Write a message to the scenario owner."))
    a = db.session.execute(db.select(Application).where(Application.scenario_id == sc.id,
                                                        Application.startup_id == startup.id)).scalar_one_or_none()
    if a is None:
        a = Application(scenario_id=sc.id, startup_id=startup.id, status="submitted")
        db.session.add(a)
    a.message = _message(text)
    inv = db.session.execute(db.select(Invitation).where(Invitation.scenario_id == sc.id,
                                                         Invitation.startup_id == startup.id)).scalar_one_or_none()
    if inv is not None and inv.status == "sent":
        inv.status = "accepted"
    ws.notify(sc.owner_id, "application", f"/desk/{sc.id}", startup=startup.name, scenario=sc.title)
    db.session.commit()
    return a


def set_application_status(a: Application, status: str) -> Application:
    """The scenario owner moves an application along; the startup is told."""
    ws = _ws()
    if status not in APPLICATION_STATUSES:
        raise ws.WorkspaceError(_l("Unknown status."))
    a.status = status
    if status == "shortlisted" and ws.entry("scenario", a.scenario_id, a.startup_id) is None:
        db.session.add(ws.ShortlistEntry(kind="scenario", ref_id=a.scenario_id, startup_id=a.startup_id))
    ws.notify(a.startup.owner_id, "application_status", "/feed/", scenario=a.scenario.title, status=status)
    db.session.commit()
    return a


def express_interest(startup: Startup, f: Fund, text: str) -> Interest:
    """A startup tells a fund it is interested, with a message."""
    ws = _ws()
    if not _message(text):
        raise ws.WorkspaceError(_l("Write a message to the fund."))
    i = db.session.execute(db.select(Interest).where(Interest.fund_id == f.id,
                                                     Interest.startup_id == startup.id)).scalar_one_or_none()
    if i is None:
        i = Interest(fund_id=f.id, startup_id=startup.id, status="sent")
        db.session.add(i)
    i.message = _message(text)
    e = ws.entry("fund", f.id, startup.id)
    if e is not None and e.stage != "passed":
        i.status = "interested"
    ws.notify(f.manager_id, "interest", f"/deals/pipeline?fund={f.id}", startup=startup.name, fund=f.name)
    db.session.commit()
    return i


def set_interest_status(i: Interest, status: str, commit: bool = True) -> Interest:
    """The fund answers a startup's interest; the startup is told."""
    ws = _ws()
    if status not in INTEREST_STATUSES:
        raise ws.WorkspaceError(_l("Unknown status."))
    i.status = status
    ws.notify(i.startup.owner_id, "interest_status", "/feed/", fund=i.fund.name, status=status)
    if commit:
        db.session.commit()
    return i


def invite(sc: Scenario, startup: Startup, text: str = "") -> Invitation:
    """The scenario owner invites a startup to apply (once)."""
    ws = _ws()
    inv = db.session.execute(db.select(Invitation).where(Invitation.scenario_id == sc.id,
                                                         Invitation.startup_id == startup.id)).scalar_one_or_none()
    if inv is None:
        inv = Invitation(scenario_id=sc.id, startup_id=startup.id, message=_message(text), status="sent")
        db.session.add(inv)
        ws.notify(startup.owner_id, "invitation", "/feed/", scenario=sc.title)
    db.session.commit()
    return inv


def answer_invitation(inv: Invitation, accept: bool) -> Invitation:
    """The startup accepts or declines an invitation; the scenario owner is told."""
    ws = _ws()
    inv.status = "accepted" if accept else "declined"
    ws.notify(inv.scenario.owner_id, "invitation_answer", f"/desk/{inv.scenario_id}",
              startup=inv.startup.name, status=inv.status)
    db.session.commit()
    return inv


def propose(organiser: User, sc: Scenario, startup: Startup, f: Fund, text: str = "") -> Proposal:
    """An organiser proposes a three-way meeting; the three parties are told and the action is audited."""
    ws = _ws()
    p = Proposal(organiser_id=organiser.id, scenario_id=sc.id, startup_id=startup.id, fund_id=f.id,
                 message=_message(text), answers={}, status="proposed")
    db.session.add(p)
    names = {"scenario": sc.title, "startup": startup.name, "fund": f.name}
    for uid, link in ((sc.owner_id, f"/desk/{sc.id}"), (startup.owner_id, "/feed/"),
                      (f.manager_id, f"/deals/graph?fund={f.id}")):
        ws.notify(uid, "proposal", link, **names)
    db.session.flush()
    audit("propose_meeting", f"proposal:{p.id}", scenario=sc.id, startup=startup.id, fund=f.id)
    db.session.commit()
    return p


def party(user: User, p: Proposal) -> str | None:
    """Which side of a proposal a user answers for (scenario, startup or fund), if any."""
    if p.scenario.owner_id == user.id:
        return "scenario"
    if p.startup.owner_id == user.id:
        return "startup"
    if p.fund.manager_id == user.id:
        return "fund"
    return None


def answer_proposal(user: User, p: Proposal, accept: bool) -> Proposal:
    """A party accepts or declines; the meeting is on when all three accept, off when one declines."""
    ws = _ws()
    side = party(user, p)
    if side is None:
        raise ws.WorkspaceError(_l("You are not a party to this meeting."))
    p.answers = {**(p.answers or {}), side: "yes" if accept else "no"}
    before = p.status
    if not accept:
        p.status = "declined"
    elif all(p.answers.get(k) == "yes" for k in ("scenario", "startup", "fund")):
        p.status = "accepted"
    if p.status != before:
        names = {"scenario": p.scenario.title, "startup": p.startup.name, "fund": p.fund.name}
        for uid in {p.organiser_id, p.scenario.owner_id, p.startup.owner_id, p.fund.manager_id} - {None, user.id}:
            ws.notify(uid, "proposal_status", "/connect/", status=p.status, **names)
    db.session.commit()
    return p


NEXT_STATUS = {"draft": ("open",), "open": ("matching", "closed"), "matching": ("signed", "closed", "open"),
               "signed": ("closed",), "closed": ("open",)}


def set_scenario_status(sc: Scenario, status: str, deadline=None) -> Scenario:
    """Move a scenario along draft → open → matching → signed → closed (and set its deadline); the engine's
    pool is refreshed so that matching sees the change at once."""
    from matchmaker.matching import store

    ws = _ws()
    if status != sc.status and status not in NEXT_STATUS.get(sc.status, ()):
        raise ws.WorkspaceError(_l("A scenario cannot move from this status to that one."))
    sc.status = status
    if deadline is not None:
        sc.deadline = deadline
    db.session.commit()
    store.upsert("scenario", sc)
    return sc
