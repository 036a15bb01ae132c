"""Workspace domain functions: notifications, shortlists and the pipeline, notes, saved searches and their
alerts, the pipeline's CSV export, and confidentiality (what a viewer may see of a startup)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from matchmaker.db import db
from matchmaker.matching import search
from matchmaker.models import Fund, Scenario, Startup, User
from matchmaker.workspace_models import (
    PIPELINE,
    Application,
    Interest,
    Invitation,
    Note,
    Notification,
    SavedSearch,
    ShortlistEntry,
    StartupPrivate,
)


class WorkspaceError(ValueError):
    """A workspace action that cannot be done (the message is shown to the user)."""


MESSAGES = {
    "search_match": _l("Saved search “%(search)s” matches %(startup)s"),
    "application": _l("%(startup)s applied to your scenario “%(scenario)s”"),
    "application_status": _l("Your application to “%(scenario)s” is now: %(status)s"),
    "interest": _l("%(startup)s expressed interest in %(fund)s"),
    "interest_status": _l("%(fund)s answered your interest: %(status)s"),
    "invitation": _l("You are invited to apply to “%(scenario)s”"),
    "invitation_answer": _l("%(startup)s answered your invitation: %(status)s"),
    "proposal": _l("Three-way meeting proposed: %(scenario)s · %(startup)s · %(fund)s"),
    "proposal_status": _l("Three-way meeting %(scenario)s · %(startup)s · %(fund)s: %(status)s"),
}


# -- notifications ------------------------------------------------------------------------------
def notify(user_id: int | None, key: str, link: str = "", **params) -> None:
    """Queue an in-app notification (committed with the caller's transaction)."""
    if user_id is not None:
        db.session.add(Notification(user_id=user_id, key=key, link=link, params=params))


def message(n: Notification) -> str:
    """A notification's text in the current language."""
    from matchmaker.i18n import status_label

    params = {k: (status_label(v) if k == "status" else v) for k, v in (n.params or {}).items()}
    return str(MESSAGES.get(n.key, n.key)) % params


def notifications(user: User, limit: int = 50) -> list[Notification]:
    """A user's notifications, newest first."""
    return list(db.session.execute(db.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)).scalars())


def unread_count(user: User) -> int:
    """How many of a user's notifications are unread."""
    return db.session.execute(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read.is_(False))).scalar_one()


def mark_read(user: User) -> None:
    """Mark all of a user's notifications read."""
    db.session.execute(db.update(Notification).where(Notification.user_id == user.id).values(read=True))
    db.session.commit()


# -- shortlists, pipeline, notes ----------------------------------------------------------------
def entry(kind: str, ref_id: int, startup_id: int) -> ShortlistEntry | None:
    """The shortlist entry of a startup for a fund or scenario, if any."""
    return db.session.execute(db.select(ShortlistEntry).where(
        ShortlistEntry.kind == kind, ShortlistEntry.ref_id == ref_id,
        ShortlistEntry.startup_id == startup_id)).scalar_one_or_none()


def shortlist(kind: str, ref_id: int, startup: Startup, user: User) -> ShortlistEntry:
    """Put a startup on a fund's pipeline (stage new) or a scenario's shortlist; idempotent."""
    e = entry(kind, ref_id, startup.id)
    if e is None:
        e = ShortlistEntry(kind=kind, ref_id=ref_id, startup_id=startup.id, added_by=user.id, stage="new")
        db.session.add(e)
    if kind == "fund":
        interest = db.session.execute(db.select(Interest).where(
            Interest.fund_id == ref_id, Interest.startup_id == startup.id)).scalar_one_or_none()
        if interest is not None and interest.status != "interested":
            from matchmaker.workspace_flow import set_interest_status

            set_interest_status(interest, "interested", commit=False)
    db.session.commit()
    return e


def remove_from_shortlist(e: ShortlistEntry) -> None:
    """Take a startup off a shortlist or pipeline."""
    db.session.delete(e)
    db.session.commit()


def move(e: ShortlistEntry, stage: str, reason: str = "") -> ShortlistEntry:
    """Move a pipeline entry to a stage; passing needs a reason."""
    if stage not in PIPELINE:
        raise WorkspaceError(_l("Unknown pipeline stage."))
    reason = (reason or "").strip()[:500]
    if stage == "passed" and not reason:
        raise WorkspaceError(_l("Say why you pass."))
    e.stage, e.pass_reason = stage, reason if stage == "passed" else ""
    db.session.commit()
    return e


def entries(kind: str, ref_id: int) -> list[ShortlistEntry]:
    """A fund's pipeline or a scenario's shortlist, in the order of the pipeline then newest first."""
    rows = db.session.execute(db.select(ShortlistEntry).where(
        ShortlistEntry.kind == kind, ShortlistEntry.ref_id == ref_id).order_by(ShortlistEntry.id.desc())).scalars()
    return sorted(rows, key=lambda e: PIPELINE.index(e.stage) if e.stage in PIPELINE else 0)


def add_note(user: User, startup: Startup, text: str) -> Note:
    """Keep a private note on a startup."""
    text = (text or "").strip()
    if not text:
        raise WorkspaceError(_l("A note needs some text."))
    n = Note(user_id=user.id, startup_id=startup.id, text=text[:5000])
    db.session.add(n)
    db.session.commit()
    return n


def notes(user: User, startup_ids) -> dict[int, list[Note]]:
    """A user's notes per startup, newest first."""
    out: dict[int, list[Note]] = {}
    rows = db.session.execute(db.select(Note).where(Note.user_id == user.id, Note.startup_id.in_(list(startup_ids)))
                              .order_by(Note.id.desc())).scalars()
    for n in rows:
        out.setdefault(n.startup_id, []).append(n)
    return out


def pipeline_csv(user: User, fund: Fund) -> bytes:
    """The fund's pipeline as spreadsheet-safe CSV (private fields only where the viewer may see them)."""
    from matchmaker.exports import csv_bytes

    es = entries("fund", fund.id)
    ns = notes(user, [e.startup_id for e in es])
    header = ["startup_id", "startup", "stage", "pass_reason", "sectors", "funding_stage", "raising_cny",
              "region", "incubator", "contact_email", "notes", "updated_at"]
    rows = []
    for e in es:
        v = visible_fields(user, e.startup)
        rows.append([e.startup_id, v["name"], e.stage, e.pass_reason, v["sectors"], v["stage"], v.get("raising_cny"),
                     v["region"], v["incubator"], v.get("contact_email"),
                     " | ".join(n.text for n in ns.get(e.startup_id, [])), e.updated_at.isoformat(timespec="minutes")])
    return csv_bytes(header, rows)


# -- saved searches and their alerts --------------------------------------------------------------
def save_search(user: User, name: str, q: search.Query) -> SavedSearch:
    """Save a deal-flow search; it alerts when a new or changed startup matches."""
    name = (name or "").strip()[:200] or q.text[:200] or str(_l("Untitled search"))
    s = SavedSearch(user_id=user.id, name=name, query=q.text, filters=q.filters())
    db.session.add(s)
    db.session.commit()
    return s


def saved_searches(user: User) -> list[SavedSearch]:
    """A user's saved searches, newest first."""
    return list(db.session.execute(db.select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(SavedSearch.id.desc())).scalars())


def delete_search(s: SavedSearch) -> None:
    """Forget a saved search."""
    db.session.delete(s)
    db.session.commit()


def check_saved_searches(startup: Startup) -> int:
    """Notify the owner of every saved search a just-saved startup matches; returns how many."""
    hidden = privacy(startup).private_financials
    hits = 0
    for s in db.session.execute(db.select(SavedSearch)).scalars():
        q = search.Query.from_dict({"q": s.query, **(s.filters or {})})
        if search.matches(q, startup.id, raise_hidden=hidden and not _sees_all(s.user_id, startup)):
            notify(s.user_id, "search_match", f"/startups/{startup.id}", search=s.name, startup=startup.name)
            hits += 1
    db.session.commit()
    return hits


# -- confidentiality ------------------------------------------------------------------------------
PUBLIC = ("id", "name", "one_liner", "description", "products", "technologies", "cases", "sectors", "tags",
          "stage", "region", "district", "city", "incubator", "founded_year", "team_size", "language")
FINANCIALS = ("raising_cny", "funding_to_date_cny", "investors")
CONTACTS = ("contact_email", "contact_phone")


def privacy(startup: Startup) -> StartupPrivate:
    """A startup's private-field settings (defaults when it has none saved)."""
    p = db.session.get(StartupPrivate, startup.id)
    return p or StartupPrivate(startup_id=startup.id, contact_email="", contact_phone="",
                               private_financials=False, private_contacts=True)


def _sees_all(user_id: int | None, startup: Startup) -> bool:
    u = db.session.get(User, user_id) if user_id is not None else None
    return u is not None and (u.role == "admin" or startup.owner_id == u.id or mutual_interest(u, startup))


def mutual_interest(viewer: User, startup: Startup) -> bool:
    """Startup and viewer both showed interest: its interest in the viewer's fund and the fund's shortlist
    (not passed) or answer; or its application to the viewer's scenario and the owner's shortlist or invitation."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    funds = db.select(Fund.id).where(Fund.manager_id == viewer.id)
    for i in db.session.execute(db.select(Interest).where(Interest.startup_id == startup.id,
                                                          Interest.fund_id.in_(funds))).scalars():
        e = entry("fund", i.fund_id, startup.id)
        if i.status == "interested" or (e is not None and e.stage != "passed"):
            return True
    scs = db.select(Scenario.id).where(Scenario.owner_id == viewer.id)
    for a in db.session.execute(db.select(Application).where(Application.startup_id == startup.id,
                                                             Application.scenario_id.in_(scs))).scalars():
        if entry("scenario", a.scenario_id, startup.id) is not None or db.session.execute(
                db.select(Invitation.id).where(Invitation.scenario_id == a.scenario_id,
                                               Invitation.startup_id == startup.id)).first():
            return True
    return False


def visible_fields(viewer, startup: Startup) -> dict:
    """The startup's fields this viewer may see: private groups only for its owner, admins, and after mutual
    interest; `hidden` names the groups withheld. The one gate for pages, CSV and JSON."""
    p = privacy(startup)
    out = {k: getattr(startup, k) for k in PUBLIC}
    out.update({k: getattr(startup, k) for k in FINANCIALS})
    out.update(contact_email=p.contact_email or "", contact_phone=p.contact_phone or "")
    full = _sees_all(getattr(viewer, "id", None), startup) if getattr(viewer, "is_authenticated", False) else False
    hidden = []
    for group, fields, private in (("financials", FINANCIALS, p.private_financials),
                                   ("contacts", CONTACTS, p.private_contacts)):
        if private and not full:
            hidden.append(group)
            for f in fields:
                out.pop(f)
    out["hidden"] = hidden
    return out


def redact_match(viewer, m, startup: Startup | None = None):
    """A startup match with the reasons and parts that would reveal withheld financials removed."""
    from flask_babel import gettext

    st = startup or db.session.get(Startup, m.id)
    if st is None or "financials" not in visible_fields(viewer, st)["hidden"]:
        return m
    raise_fit, co = gettext("Raise fits the ticket band"), gettext("Has co-investors of the fund: %(n)s", n="")
    m.reasons = [r for r in m.reasons if r != raise_fit and not (co and r.startswith(co.strip()))]
    m.parts = {k: v for k, v in m.parts.items() if k not in ("ticket", "syndicate")}
    return m


from matchmaker.workspace_flow import (  # noqa: E402,F401  (one module for the views to call)
    answer_invitation,
    answer_proposal,
    apply,
    express_interest,
    invite,
    propose,
    set_application_status,
    set_interest_status,
    set_scenario_status,
)
