"""Typed models of the role workspaces: shortlists and pipelines, notes, saved searches, notifications,
applications, interest, invitations, three-way proposals and a startup's private fields."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import db
from matchmaker.models import Fund, Scenario, Startup, User

PIPELINE = ("new", "contacted", "meeting", "due_diligence", "invested", "passed")
SHORTLIST_KINDS = ("fund", "scenario")
APPLICATION_STATUSES = ("submitted", "reviewing", "shortlisted", "accepted", "declined")
INTEREST_STATUSES = ("sent", "reviewing", "interested", "declined")
INVITATION_STATUSES = ("sent", "accepted", "declined")
PROPOSAL_STATUSES = ("proposed", "accepted", "declined")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StartupPrivate(db.Model):
    """A startup's contacts and which of its fields stay private until mutual interest."""

    __tablename__ = "startup_private"
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True)
    contact_email: Mapped[str] = mapped_column(String(255), default="")
    contact_phone: Mapped[str] = mapped_column(String(60), default="")
    private_financials: Mapped[bool] = mapped_column(default=False)
    private_contacts: Mapped[bool] = mapped_column(default=True)


class ShortlistEntry(db.Model):
    """A startup on a fund's pipeline or a scenario's shortlist."""

    __tablename__ = "shortlist_entries"
    __table_args__ = (UniqueConstraint("kind", "ref_id", "startup_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # fund | scenario
    ref_id: Mapped[int] = mapped_column(index=True)  # the fund's or the scenario's id
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20), default="new")
    pass_reason: Mapped[str] = mapped_column(String(500), default="")
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    startup: Mapped[Startup] = relationship()


class Note(db.Model):
    """A private note a user keeps on a startup."""

    __tablename__ = "startup_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class SavedSearch(db.Model):
    """A fund manager's deal-flow search, re-run whenever a startup is created or changed."""

    __tablename__ = "saved_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(500), default="")
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class Notification(db.Model):
    """An in-app message; its text is rendered in the reader's language from a key and parameters."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    read: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, index=True)


class Application(db.Model):
    """A startup's application to a scenario, with its message."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("scenario_id", "startup_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    scenario: Mapped[Scenario] = relationship()
    startup: Mapped[Startup] = relationship()


class Interest(db.Model):
    """A startup's expression of interest in a fund, with its message."""

    __tablename__ = "fund_interest"
    __table_args__ = (UniqueConstraint("fund_id", "startup_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="sent")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    fund: Mapped[Fund] = relationship()
    startup: Mapped[Startup] = relationship()


class Invitation(db.Model):
    """A scenario owner's invitation to a startup to apply."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("scenario_id", "startup_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="sent")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    scenario: Mapped[Scenario] = relationship()
    startup: Mapped[Startup] = relationship()


class Proposal(db.Model):
    """An organiser's proposal of a three-way meeting: scenario owner, startup and fund."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # party (scenario|startup|fund) -> yes|no
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    organiser: Mapped[User | None] = relationship()
    scenario: Mapped[Scenario] = relationship()
    startup: Mapped[Startup] = relationship()
    fund: Mapped[Fund] = relationship()
