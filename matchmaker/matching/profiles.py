"""What text and which structured features describe each kind of record."""
from __future__ import annotations

import re
from typing import Iterable

from matchmaker.models import Fund, PortfolioCompany, Scenario, Startup

_SENT_SPLIT = re.compile(r"(?<=[。！？；;!?])|(?<=\.)\s+|\n+")


def _join(parts: Iterable[str | None]) -> str:
    """Join non-empty parts as sentences."""
    out = []
    for p in parts:
        p = (p or "").strip()
        if p:
            out.append(p if p[-1] in "。.!?！？;；" else p + ("。" if _is_cjk(p[-1]) else "."))
    return " ".join(out)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def startup_text(s: Startup) -> str:
    """The startup's profile text: what it builds, for whom, with what evidence."""
    return _join([s.name, s.one_liner, s.description, *s.products, *s.technologies, *s.cases,
                  " / ".join(s.sectors + s.tags)])


def scenario_text(sc: Scenario) -> str:
    """The scenario's need: title, problem and requirements (not the site facts, which name incumbents)."""
    return _join([sc.title, sc.problem, *sc.requirements])


def fund_text(f: Fund) -> str:
    """The fund's stated mandate and sectors."""
    return _join([f.mandate, " / ".join(f.sectors)])


def portfolio_text(p: PortfolioCompany) -> str:
    """A past deal as text; empty when the deal has no description."""
    if not (p.description or "").strip():
        return ""
    return _join([p.company_name, p.description, " / ".join(p.sectors)])


def sentences(text: str, min_len: int = 6) -> list[str]:
    """Split text into sentences (Chinese and English punctuation)."""
    out = []
    for chunk in _SENT_SPLIT.split(text or ""):
        chunk = (chunk or "").strip(" \t;；")
        if len(chunk) >= min_len:
            out.append(chunk)
    return out


def startup_sentences(s: Startup) -> list[str]:
    """Candidate supporting sentences for evidence: description, products, technologies, cases."""
    out = [s.one_liner] if s.one_liner else []
    out += sentences(s.description)
    out += [x for x in (*s.products, *s.technologies, *s.cases) if x]
    seen, uniq = set(), []
    for x in out:
        if x not in seen:
            seen.add(x)
            uniq.append(x)
    return uniq


def scenario_statements(sc: Scenario) -> list[str]:
    """Atomic requirement statements of a scenario (its list, or sentences of the problem)."""
    reqs = [r.strip() for r in sc.requirements if r and r.strip()]
    return reqs or sentences(sc.problem)[:6]


def mandate_statements(f: Fund) -> list[str]:
    """Atomic statements of a fund's mandate."""
    return sentences(f.mandate)[:8]


TEXT_OF = {"startup": startup_text, "scenario": scenario_text, "fund": fund_text}
