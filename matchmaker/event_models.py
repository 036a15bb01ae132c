"""Typed models of matching events (供需对接会): events, tables, participants, candidates, preferences,
requests and meetings."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import db

PARTICIPANT_KINDS = ("startup", "fund", "scenario")  # startups meet funds and scenario owners
PREF_LEVELS = ("must", "meet", "no")  # no = a veto: never scheduled
REQUEST_MODES = ("opt_in", "auto_accept")
OUTCOMES = ("held", "no_show")
FOLLOW_UPS = ("pilot", "signed", "invested")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Event(db.Model):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date]
    venue: Mapped[str] = mapped_column(String(300), default="")
    start_time: Mapped[str] = mapped_column(String(5), default="09:00")  # HH:MM of the first slot
    meeting_minutes: Mapped[int] = mapped_column(default=20)
    gap_minutes: Mapped[int] = mapped_column(default=5)  # changeover between slots
    n_slots: Mapped[int] = mapped_column(default=8)
    breaks: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # {"after slot index": minutes}
    request_mode: Mapped[str] = mapped_column(String(12), default="opt_in")
    min_per_startup: Mapped[int] = mapped_column(default=1)
    max_per_counterpart: Mapped[int | None] = mapped_column(default=None)
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    top_k: Mapped[int] = mapped_column(default=10)  # candidate counterparts kept per participant
    status: Mapped[str] = mapped_column(String(10), default="setup")  # setup, draft, published
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the last solve, shown without re-solving
    published: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # snapshot participants see
    published_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    tables: Mapped[list[EventTable]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventTable.position")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Participant.id")

    def slot_times(self) -> list[tuple[str, str]]:
        """(start, end) as HH:MM for every slot, breaks included."""
        h, m = (int(x) for x in self.start_time.split(":"))
        t = dt.datetime(2000, 1, 1, h, m)
        out = []
        for k in range(self.n_slots):
            end = t + dt.timedelta(minutes=self.meeting_minutes)
            out.append((t.strftime("%H:%M"), end.strftime("%H:%M")))
            t = end + dt.timedelta(minutes=self.gap_minutes + int((self.breaks or {}).get(str(k), 0)))
        return out


class EventTable(db.Model):
    """A table, or a room holding `capacity` meetings at once."""

    __tablename__ = "event_tables"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    capacity: Mapped[int] = mapped_column(default=1)

    event: Mapped[Event] = relationship(back_populates="tables")


class Participant(db.Model):
    __tablename__ = "event_participants"
    __table_args__ = (UniqueConstraint("event_id", "kind", "ref_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # startup, fund, scenario
    ref_id: Mapped[int]  # id in startups, funds or scenarios
    name: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(120), default="")
    sector: Mapped[str] = mapped_column(String(120), default="")
    max_meetings: Mapped[int] = mapped_column(default=6)
    unavailable: Mapped[list[int]] = mapped_column(JSON, default=list)  # slot indices it cannot make
    status: Mapped[str] = mapped_column(String(10), default="invited")  # invited, confirmed, declined
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    event: Mapped[Event] = relationship(back_populates="participants")

    @property
    def side(self) -> str:
        return "startup" if self.kind == "startup" else "counterpart"


class Candidate(db.Model):
    """A startup-counterpart pair the engine recommends, with its cached match score."""

    __tablename__ = "event_candidates"
    __table_args__ = (UniqueConstraint("event_id", "startup_pid", "counterpart_pid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    startup_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"), index=True)
    counterpart_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"),
                                                 index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)


class Preference(db.Model):
    __tablename__ = "event_preferences"
    __table_args__ = (UniqueConstraint("from_pid", "to_pid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"), index=True)
    to_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(5))


class MeetingRequest(db.Model):
    __tablename__ = "event_requests"
    __table_args__ = (UniqueConstraint("from_pid", "to_pid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"), index=True)
    to_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, accepted, declined
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class Meeting(db.Model):
    """One pairing of the current draft (or a removed one, kept so a re-run does not bring it back)."""

    __tablename__ = "event_meetings"
    __table_args__ = (UniqueConstraint("event_id", "startup_pid", "counterpart_pid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    startup_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"), index=True)
    counterpart_pid: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"),
                                                 index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    weight: Mapped[int] = mapped_column(default=0)
    slot: Mapped[int | None] = mapped_column(default=None)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("event_tables.id", ondelete="SET NULL"))
    locked: Mapped[bool] = mapped_column(default=False)
    removed: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(String(10), default=None)  # held, no_show
    follow_up: Mapped[str | None] = mapped_column(String(10), default=None)  # pilot, signed, invested
    amount_cny: Mapped[float | None] = mapped_column(default=None)

    startup: Mapped[Participant] = relationship(foreign_keys=[startup_pid])
    counterpart: Mapped[Participant] = relationship(foreign_keys=[counterpart_pid])
    table: Mapped[EventTable | None] = relationship()
