"""Locale-aware formatting and the translated labels of stored codes (stages, statuses, roles)."""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from jinja2 import Undefined

STAGE_LABELS = {"angel": _l("Angel"), "seed": _l("Seed"), "pre-a": _l("Pre-A"), "series-a": _l("Series A"),
                "series-b": _l("Series B"), "series-c+": _l("Series C+"), "venture": _l("Venture"),
                "strategic": _l("Strategic"), "private-equity": _l("Private equity"), "other": _l("Other")}
STATUS_LABELS = {
    # scenarios
    "draft": _l("draft"), "open": _l("open"), "matching": _l("matching"), "signed": _l("signed"),
    "closed": _l("closed"),
    # pipeline
    "new": _l("new"), "contacted": _l("contacted"), "meeting": _l("meeting"),
    "due_diligence": _l("due diligence"), "invested": _l("invested"), "passed": _l("passed"),
    # applications, interest, invitations, proposals
    "submitted": _l("submitted"), "reviewing": _l("under review"), "shortlisted": _l("shortlisted"),
    "accepted": _l("accepted"), "declined": _l("declined"), "sent": _l("sent"), "interested": _l("interested"),
    "proposed": _l("proposed"), "applied": _l("applied"), "matched": _l("matched by the engine"),
}
OWNER_TYPE_LABELS = {"government": _l("government"), "state-owned": _l("state-owned"),
                     "enterprise": _l("enterprise")}
COOP_LABELS = {"pilot": _l("pilot"), "procurement": _l("procurement"), "open_call": _l("open call"),
               "co_development": _l("co-development")}
PART_LABELS = {"semantic": _l("semantic"), "semantic_lang": _l("semantic (by language)"), "lexical": _l("lexical"),
               "lexical_lang": _l("lexical (by language)"), "evidence": _l("evidence"),
               "evidence_lang": _l("evidence (by language)"), "district": _l("district"), "conflict": _l("conflicts"),
               "portfolio": _l("past deals"), "sector": _l("sector"), "stage": _l("stage"), "region": _l("region"),
               "ticket": _l("ticket"), "syndicate": _l("co-investors"), "city": _l("city"),
               "round": _l("round size"), "lexical_portfolio": _l("past deals (keywords)"),
               "tfidf": _l("keywords (TF-IDF)"), "portfolio_max": _l("closest past deal")}
# Words the engine and the password policy pass through gettext at run time.
RUNTIME_MSGIDS = (_l("strong"), _l("moderate"), _l("weak"), _l("at least 10 characters"),
                  _l("not only digits"), _l("must not contain your email name"))


def is_zh() -> bool:
    """True when the current locale is Chinese."""
    loc = get_locale()
    return bool(loc) and loc.language == "zh"


def _trim(x: float, digits: int) -> str:
    s = f"{x:.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def cny(amount: float | None) -> str:
    """An amount of yuan for the current locale: 3000万元 or 1.2亿元 in Chinese, ¥30.0M in English."""
    if amount is None or isinstance(amount, Undefined):  # Undefined: a withheld field
        return "—"
    a = float(amount)
    if is_zh():
        if abs(a) >= 1e8:
            return f"{_trim(a / 1e8, 2)}亿元"
        if abs(a) >= 1e4:
            return f"{_trim(a / 1e4, 1)}万元"
        return f"{a:,.0f}元"
    if abs(a) >= 1e9:
        return f"¥{a / 1e9:.1f}B"
    if abs(a) >= 1e6:
        return f"¥{a / 1e6:.1f}M"
    if abs(a) >= 1e3:
        return f"¥{a / 1e3:.0f}K"
    return f"¥{a:,.0f}"


def cny_range(lo: float | None, hi: float | None) -> str:
    """A band of amounts, open-ended where a bound is missing."""
    if lo is None and hi is None:
        return "—"
    return f"{cny(lo) if lo is not None else '0'} – {cny(hi) if hi is not None else '∞'}"


def day(d: dt.date | dt.datetime | None) -> str:
    """A date in the current locale's medium format."""
    if d is None:
        return "—"
    return format_date(d, "medium")


def stage_label(code: str | None) -> str:
    """A funding stage in the current language."""
    return str(STAGE_LABELS.get(code or "", code or "—"))


def status_label(code: str | None) -> str:
    """A status code in the current language."""
    return str(STATUS_LABELS.get(code or "", code or "—"))


def init_app(app) -> None:
    """Register the filters every template uses."""
    app.add_template_filter(cny, "cny")
    app.add_template_filter(cny_range, "cny_range")
    app.add_template_filter(day, "day")
    app.add_template_filter(stage_label, "stage")
    app.add_template_filter(status_label, "status")
    app.add_template_filter(lambda c: str(OWNER_TYPE_LABELS.get(c, c)), "owner_type")
    app.add_template_filter(lambda c: str(COOP_LABELS.get(c, c)), "coop")
    app.add_template_filter(lambda c: str(PART_LABELS.get(c, c)), "part")
