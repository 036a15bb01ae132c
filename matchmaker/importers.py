"""Validated, all-or-nothing import of startups, scenarios and funds from plain dicts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from matchmaker.db import db
from matchmaker.models import (
    COOP_MODES,
    LANGS,
    OWNER_TYPES,
    SCENARIO_STATUSES,
    STAGES,
    Fund,
    PortfolioCompany,
    Scenario,
    Startup,
)

LIST_FIELDS = {
    "startup": ("products", "technologies", "cases", "sectors", "tags", "investors"),
    "scenario": ("requirements",),
    "fund": ("sectors", "stages", "regions", "exclusions"),
}
TEXT_FIELDS = {
    "startup": ("name", "one_liner", "description", "stage", "region", "district", "city", "country",
                "incubator", "language"),
    "scenario": ("title", "owner_org", "owner_type", "district", "sector", "problem", "data_and_site",
                 "cooperation_mode", "status", "language"),
    "fund": ("name", "manager_org", "mandate", "language"),
}
NUM_FIELDS = {
    "startup": ("raising_cny", "funding_to_date_cny"),
    "scenario": ("budget_min_cny", "budget_max_cny"),
    "fund": ("ticket_min_cny", "ticket_max_cny"),
}
INT_FIELDS = {"startup": ("founded_year", "team_size"), "scenario": (), "fund": ()}
REQUIRED = {"startup": "name", "scenario": "title", "fund": "name"}
MODELS = {"startup": Startup, "scenario": Scenario, "fund": Fund}


class ImportError_(ValueError):
    """A rejected import: nothing was written; `errors` lists (row, message)."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"row {r}: {m}" for r, m in errors[:20]))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    ids: list[int] = field(default_factory=list)


def _as_list(v, name: str) -> list[str]:
    if v is None or v == "":
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.replace("；", ";").split(";") if x.strip()]
    if isinstance(v, (list, tuple)):
        return [str(x).strip() for x in v if x is not None and str(x).strip()]
    raise ValueError(f"{name} must be a list")


def _num(v, name: str):
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {v!r}") from None
    if x < 0 or x != x:
        raise ValueError(f"{name} must be a non-negative number")
    return x


def clean(kind: str, raw: dict) -> dict:
    """Validate and normalise one record; raises ValueError with a readable message."""
    out: dict = {}
    if not str(raw.get(REQUIRED[kind]) or "").strip():
        raise ValueError(f"{REQUIRED[kind]} is required")
    for f in TEXT_FIELDS[kind]:
        if f in raw and raw[f] is not None:
            out[f] = str(raw[f]).strip()
    for f in LIST_FIELDS[kind]:
        if f in raw:
            out[f] = _as_list(raw[f], f)
    for f in NUM_FIELDS[kind]:
        if f in raw:
            out[f] = _num(raw[f], f)
    for f in INT_FIELDS[kind]:
        if f in raw:
            x = _num(raw[f], f)
            out[f] = int(x) if x is not None else None
    if out.get("language", "zh") not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}")
    if kind == "startup" and out.get("stage", "other") not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}")
    if kind == "fund":
        bad = [s for s in out.get("stages", []) if s not in STAGES]
        if bad:
            raise ValueError(f"unknown stages: {', '.join(bad)}")
        lo, hi = out.get("ticket_min_cny"), out.get("ticket_max_cny")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("ticket_min_cny is above ticket_max_cny")
        if "strict_filters" in raw:
            out["strict_filters"] = bool(raw["strict_filters"])
        out["portfolio"] = [_portfolio(p) for p in raw.get("portfolio") or []]
    if kind == "scenario":
        checks = (("owner_type", OWNER_TYPES), ("cooperation_mode", COOP_MODES), ("status", SCENARIO_STATUSES))
        for f, allowed in checks:
            if f in out and out[f] not in allowed:
                raise ValueError(f"{f} must be one of {', '.join(allowed)}")
        if raw.get("deadline"):
            try:
                out["deadline"] = dt.date.fromisoformat(str(raw["deadline"])[:10])
            except ValueError:
                raise ValueError(f"deadline must be a date (YYYY-MM-DD), got {raw['deadline']!r}") from None
        lo, hi = out.get("budget_min_cny"), out.get("budget_max_cny")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("budget_min_cny is above budget_max_cny")
    return out


def _portfolio(p: dict) -> dict:
    if not isinstance(p, dict) or not str(p.get("company_name") or "").strip():
        raise ValueError("every portfolio entry needs a company_name")
    return {"company_name": str(p["company_name"]).strip(), "description": str(p.get("description") or ""),
            "sectors": _as_list(p.get("sectors"), "portfolio sectors"), "stage": str(p.get("stage") or "other"),
            "round_size_cny": _num(p.get("round_size_cny"), "round_size_cny"),
            "region": str(p.get("region") or ""), "co_investors": _as_list(p.get("co_investors"), "co_investors")}


def import_records(kind: str, rows: list[dict], owner_id: int | None = None) -> ImportResult:
    """Validate every row, then upsert all by external id in one transaction, or write nothing."""
    errors, cleaned, seen = [], [], set()
    for n, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            errors.append((n, "not a record"))
            continue
        ext = str(raw.get("external_id") or raw.get("key") or raw.get("id") or "").strip() or None
        if ext and ext in seen:
            errors.append((n, f"duplicate id {ext}"))
            continue
        seen.add(ext)
        try:
            cleaned.append((ext, clean(kind, raw)))
        except ValueError as exc:
            errors.append((n, str(exc)))
    if errors:
        raise ImportError_(errors)
    model = MODELS[kind]
    existing = {}
    exts = [e for e, _ in cleaned if e]
    for i in range(0, len(exts), 500):
        for r in db.session.execute(db.select(model).where(model.external_id.in_(exts[i:i + 500]))).scalars():
            existing[r.external_id] = r
    result = ImportResult()
    saved = []
    try:
        for ext, data in cleaned:
            rec = existing.get(ext) if ext else None
            portfolio = data.pop("portfolio", None)
            if rec is None:
                rec = model(external_id=ext, **data)
                if owner_id is not None:
                    setattr(rec, "manager_id" if kind == "fund" else "owner_id", owner_id)
                db.session.add(rec)
                result.created += 1
            else:
                for k, v in data.items():
                    setattr(rec, k, v)
                result.updated += 1
            if portfolio is not None:
                rec.portfolio = [PortfolioCompany(position=i, **p) for i, p in enumerate(portfolio)]
            saved.append(rec)
        db.session.flush()
        result.ids = [r.id for r in saved]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
