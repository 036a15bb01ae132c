"""Typed models: users, startups, scenarios, funds and their portfolios, the embedding cache."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.db import db

ROLES = ("startup", "fund", "scenario_owner", "organiser", "admin")
STAGES = ("angel", "seed", "pre-a", "series-a", "series-b", "series-c+", "venture", "strategic",
          "private-equity", "other")
OWNER_TYPES = ("government", "state-owned", "enterprise")
COOP_MODES = ("pilot", "procurement", "open_call", "co_development")
SCENARIO_STATUSES = ("draft", "open", "matching", "signed", "closed")
LANGS = ("zh", "en")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class Startup(db.Model):
    __tablename__ = "startups"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    one_liner: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    technologies: Mapped[list[str]] = mapped_column(JSON, default=list)
    cases: Mapped[list[str]] = mapped_column(JSON, default=list)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(30), default="other")
    raising_cny: Mapped[float | None] = mapped_column(default=None)
    funding_to_date_cny: Mapped[float | None] = mapped_column(default=None)
    region: Mapped[str] = mapped_column(String(120), default="")
    district: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(120), default="")
    incubator: Mapped[str] = mapped_column(String(200), default="")
    founded_year: Mapped[int | None] = mapped_column(default=None)
    team_size: Mapped[int | None] = mapped_column(default=None)
    investors: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    owner: Mapped[User | None] = relationship()


class Scenario(db.Model):
    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_org: Mapped[str] = mapped_column(String(300), default="")
    owner_type: Mapped[str] = mapped_column(String(20), default="government")
    district: Mapped[str] = mapped_column(String(120), default="")
    sector: Mapped[str] = mapped_column(String(120), default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_and_site: Mapped[str] = mapped_column(Text, default="")
    budget_min_cny: Mapped[float | None] = mapped_column(default=None)
    budget_max_cny: Mapped[float | None] = mapped_column(default=None)
    cooperation_mode: Mapped[str] = mapped_column(String(20), default="pilot")
    deadline: Mapped[dt.date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    language: Mapped[str] = mapped_column(String(5), default="zh")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    owner: Mapped[User | None] = relationship()

    def is_open(self, today: dt.date | None = None) -> bool:
        """Open for matching: status open or matching, and the deadline not passed."""
        today = today or dt.date.today()
        return self.status in ("open", "matching") and (self.deadline is None or self.deadline >= today)


class Fund(db.Model):
    __tablename__ = "funds"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    manager_org: Mapped[str] = mapped_column(String(200), default="")
    mandate: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_min_cny: Mapped[float | None] = mapped_column(default=None)
    ticket_max_cny: Mapped[float | None] = mapped_column(default=None)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A mandate's stages, ticket and regions are hard rules when the manager states them; when they
    # were inferred from past deals (imported track records) they are preferences, scored not filtered.
    strict_filters: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    manager: Mapped[User | None] = relationship()
    portfolio: Mapped[list[PortfolioCompany]] = relationship(
        back_populates="fund", cascade="all, delete-orphan", order_by="PortfolioCompany.position")


class PortfolioCompany(db.Model):
    """A fund's past deal: its revealed preference."""

    __tablename__ = "portfolio_companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # 0 = most recent deal
    company_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(30), default="other")
    round_size_cny: Mapped[float | None] = mapped_column(default=None)
    region: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    co_investors: Mapped[list[str]] = mapped_column(JSON, default=list)

    fund: Mapped[Fund] = relationship(back_populates="portfolio")


class EmbeddingCache(db.Model):
    """Vectors keyed by model and content hash: an unchanged text is never encoded twice."""

    __tablename__ = "embedding_cache"
    __table_args__ = (UniqueConstraint("model", "text_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class AuditLog(db.Model):
    """An organiser's or admin's action: who, what, on which record, when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


KINDS: dict[str, Any] = {"startup": Startup, "scenario": Scenario, "fund": Fund}

from matchmaker import event_models  # noqa: E402,F401  (registers the event tables)
from matchmaker import workspace_models  # noqa: E402,F401  (registers the workspace tables)
