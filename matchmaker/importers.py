"""Validated, all-or-nothing bulk import of startups, scenarios and funds from dicts or CSV, XLSX and JSONL files."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError

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

Progress = Callable[[str, int, int], None]  # (phase, done, total)
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
OTHER_FIELDS = {"startup": (), "scenario": ("deadline",), "fund": ("strict_filters", "portfolio")}
ENUMS = {"startup": {"stage": STAGES, "language": LANGS},
         "scenario": {"owner_type": OWNER_TYPES, "cooperation_mode": COOP_MODES, "status": SCENARIO_STATUSES,
                      "language": LANGS},
         "fund": {"language": LANGS}}
REQUIRED = {"startup": "name", "scenario": "title", "fund": "name"}
MODELS = {"startup": Startup, "scenario": Scenario, "fund": Fund}
ID_COLUMNS = ("external_id", "id", "key")
INT_RANGES = {"founded_year": (1800, 2100), "team_size": (0, 10_000_000)}
MAX_AMOUNT = 1e15  # CNY; anything larger is a unit mistake
MAX_LIST_ITEMS = 500
MAX_ERRORS = 200
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_UNQUOTE = ("'=", "'+", "'-", "'@")
_TRUE, _FALSE = {"1", "true", "yes", "y", "是"}, {"0", "false", "no", "n", "否", ""}


class ImportError_(ValueError):
    """A rejected import: nothing was written; `errors` lists (row, message), row 0 for the whole file."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        more = f"; and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__("; ".join(self.messages[:20]) + more)

    @property
    def messages(self) -> list[str]:
        """Every error as a readable line ("row 7: stage must be one of ...")."""
        return [f"row {r}: {m}" if r else m for r, m in self.errors]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    ids: list[int] = field(default_factory=list)
    unchanged: int = 0


def columns(kind: str) -> tuple[str, ...]:
    """Every field an import row of this kind may carry."""
    return (ID_COLUMNS + TEXT_FIELDS[kind] + LIST_FIELDS[kind] + NUM_FIELDS[kind] + INT_FIELDS[kind]
            + OTHER_FIELDS[kind])


def limit(name: str) -> int:
    """An import limit from the app config (MATCHMAKER_IMPORT_MAX_BYTES, _MAX_CELL, _MAX_ROWS)."""
    defaults = {"MAX_BYTES": 16 * 1024 * 1024, "MAX_CELL": 20_000, "MAX_ROWS": 100_000}
    default = defaults[name]
    return int(current_app.config.get(f"MATCHMAKER_IMPORT_{name}", default)) if has_app_context() else default


def _as_list(v, name: str) -> list[str]:
    if v is None or v == "":
        return []
    if isinstance(v, str):
        v = v[1:] if v[:2] in _UNQUOTE else v
        items = v.split("\n") if "\n" in v else v.replace("；", ";").split(";")  # one per line keeps a ";"
        return [x.strip() for x in items if x.strip()]
    if isinstance(v, (list, tuple)):
        return [str(x).strip() for x in v if x is not None and str(x).strip()]
    raise ValueError(f"{name} must be a list (in a spreadsheet cell: items separated by ';')")


def _num(v, name: str):
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError(f"{name} must be a number, got {v!r}")
    if isinstance(v, str) and _THOUSANDS.match(v.strip()):
        v = v.replace(",", "")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {str(v)[:40]!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a non-negative number, got {str(v)[:40]!r}")
    if x > MAX_AMOUNT:
        raise ValueError(f"{name} is implausibly large ({x:.3g})")
    return x


def _int(v, name: str):
    x = _num(v, name)
    if x is None:
        return None
    lo, hi = INT_RANGES.get(name, (0, 2**62))
    if not x.is_integer() or not lo <= x <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {str(v)[:40]!r}")
    return int(x)


def _text(v, name: str, max_len: int | None) -> str:
    if isinstance(v, (list, dict, tuple)):
        raise ValueError(f"{name} must be text, not a list")
    s = str(v).strip()
    if s[:2] in _UNQUOTE:  # our own exports neutralise formulas this way: undo it
        s = s[1:]
    if max_len and len(s) > max_len:
        raise ValueError(f"{name} is {len(s):,} characters long; the limit is {max_len:,}")
    return s


def _bool(v, name: str) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v if v is not None else "").strip().lower()
    if s in _TRUE | _FALSE:
        return s in _TRUE
    raise ValueError(f"{name} must be true or false, got {s[:40]!r}")


def _max_len(kind: str, name: str) -> int | None:
    return getattr(MODELS[kind].__table__.c[name].type, "length", None)


def check_cells(raw: dict, max_cell: int) -> None:
    """Reject oversized, NUL-bearing or nested values before any field is interpreted."""
    for k, v in raw.items():
        if k == "portfolio" and isinstance(v, list):
            if len(v) > MAX_LIST_ITEMS:
                raise ValueError(f"portfolio has {len(v):,} entries; the limit is {MAX_LIST_ITEMS}")
            for p in v:
                if not isinstance(p, dict):
                    raise ValueError("every portfolio entry must be an object")
                check_cells({f"portfolio {pk}": pv for pk, pv in p.items()}, max_cell)
            continue
        items = v if isinstance(v, list) else [v]
        if len(items) > MAX_LIST_ITEMS:
            raise ValueError(f"{k} has {len(items):,} items; the limit is {MAX_LIST_ITEMS}")
        for x in items:
            if isinstance(x, str):
                if len(x) > max_cell:
                    raise ValueError(f"{k} is {len(x):,} characters long; the cell limit is {max_cell:,}")
                if "\x00" in x:
                    raise ValueError(f"{k} contains a NUL byte")
            elif x is not None and not isinstance(x, (int, float, bool, dt.date)):
                raise ValueError(f"{k} must be text, a number or a list of them, not {type(x).__name__}")


def clean(kind: str, raw: dict) -> dict:
    """Validate and normalise one record; raises ValueError with a readable message."""
    out: dict = {}
    if not str(raw.get(REQUIRED[kind]) or "").strip():
        raise ValueError(f"{REQUIRED[kind]} is required")
    for f in TEXT_FIELDS[kind]:
        if f in raw and raw[f] is not None:
            out[f] = _text(raw[f], f, _max_len(kind, f))
    for f, allowed in ENUMS[kind].items():
        if f in out:
            out[f] = out[f].lower()
            if not out[f]:
                del out[f]  # an empty cell keeps the default
            elif out[f] not in allowed:
                raise ValueError(f"{f} must be one of {', '.join(allowed)}, got {out[f][:40]!r}")
    for f in LIST_FIELDS[kind]:
        if f in raw:
            out[f] = _as_list(raw[f], f)
    for f in NUM_FIELDS[kind]:
        if f in raw:
            out[f] = _num(raw[f], f)
    for f in INT_FIELDS[kind]:
        if f in raw:
            out[f] = _int(raw[f], f)
    if kind == "fund":
        out["stages"] = [s.lower() for s in out.get("stages", [])]
        bad = [s for s in out["stages"] if s not in STAGES]
        if bad:
            raise ValueError(f"unknown stages: {', '.join(bad)} (allowed: {', '.join(STAGES)})")
        if "strict_filters" in raw:
            out["strict_filters"] = _bool(raw["strict_filters"], "strict_filters")
        if not isinstance(raw.get("portfolio") or [], list):
            raise ValueError("portfolio must be a list of objects")
        out["portfolio"] = [_portfolio(p) for p in raw.get("portfolio") or []]
    if kind == "scenario" and "deadline" in raw:
        d = raw["deadline"]
        try:
            out["deadline"] = None if d in (None, "") else dt.date.fromisoformat(str(d).strip()[:10])
        except ValueError:
            raise ValueError(f"deadline must be a date (YYYY-MM-DD), got {str(d)[:40]!r}") from None
    for lo, hi in (("ticket_min_cny", "ticket_max_cny"), ("budget_min_cny", "budget_max_cny")):
        if out.get(lo) is not None and out.get(hi) is not None and out[lo] > out[hi]:
            raise ValueError(f"{lo} is above {hi}")
    return out


def _portfolio(p: dict) -> dict:
    if not isinstance(p, dict) or not str(p.get("company_name") or "").strip():
        raise ValueError("every portfolio entry needs a company_name")
    return {"company_name": _text(p["company_name"], "company_name", 200),
            "description": _text(p.get("description") or "", "portfolio description", None),
            "sectors": _as_list(p.get("sectors"), "portfolio sectors"),
            "stage": _text(p.get("stage") or "other", "portfolio stage", 30),
            "round_size_cny": _num(p.get("round_size_cny"), "round_size_cny"),
            "region": _text(p.get("region") or "", "portfolio region", 120),
            "city": _text(p.get("city") or "", "portfolio city", 120),
            "co_investors": _as_list(p.get("co_investors"), "co_investors")}


def external_id(raw: dict) -> str | None:
    """The row's external id: external_id, else key, else id (12.0 from a spreadsheet reads as 12)."""
    for k in ("external_id", "key", "id"):
        v = raw.get(k)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if v is not None and str(v).strip():
            return str(v).strip()[:200]
    return None


def validate(kind: str, rows: Sequence[dict], numbers: Sequence[int] | None = None,
             progress: Progress | None = None) -> list[tuple[str | None, dict]]:
    """Clean every row; raise ImportError_ listing each bad row (by its number) before anything is written."""
    errors: list[tuple[int, str]] = []
    cleaned, seen = [], {}
    max_cell, total = limit("MAX_CELL"), len(rows)
    for i, raw in enumerate(rows):
        n = numbers[i] if numbers else i + 1
        if progress and i % 1000 == 0:
            progress("validate", i, total)
        if len(errors) >= MAX_ERRORS:
            errors.append((0, f"stopped after {MAX_ERRORS} errors"))
            break
        if not isinstance(raw, dict):
            errors.append((n, "not a record"))
            continue
        try:
            check_cells(raw, max_cell)
            ext = external_id(raw)
            if ext and ext in seen:
                raise ValueError(f"duplicate id {ext!r} (first in row {seen[ext]})")
            seen[ext] = n
            cleaned.append((ext, clean(kind, raw)))
        except ValueError as exc:
            errors.append((n, str(exc)))
    if errors:
        raise ImportError_(errors)
    if progress:
        progress("validate", total, total)
    return cleaned


def import_records(kind: str, rows: Sequence[dict], owner_id: int | None = None, *,
                   numbers: Sequence[int] | None = None, progress: Progress | None = None,
                   dry_run: bool = False) -> ImportResult:
    """Validate every row, then upsert all by external id in one transaction, or write nothing."""
    cleaned = validate(kind, rows, numbers, progress)
    model = MODELS[kind]
    existing = {}
    exts = [e for e, _ in cleaned if e]
    for i in range(0, len(exts), 500):
        for r in db.session.execute(db.select(model).where(model.external_id.in_(exts[i:i + 500]))).scalars():
            existing[r.external_id] = r
    result = ImportResult()
    if dry_run:
        result.updated = sum(1 for e, _ in cleaned if e in existing)
        result.created = len(cleaned) - result.updated
        return result
    saved = []
    try:
        for i, (ext, data) in enumerate(cleaned):
            if progress and i % 1000 == 0:
                progress("write", i, len(cleaned))
            rec = existing.get(ext) if ext else None
            portfolio = data.pop("portfolio", None)
            if rec is None:
                rec = model(external_id=ext, **data)
                if owner_id is not None:
                    setattr(rec, "manager_id" if kind == "fund" else "owner_id", owner_id)
                db.session.add(rec)
                result.created += 1
            else:
                changed = any(getattr(rec, k) != v for k, v in data.items())
                if portfolio is not None and [_portfolio_dict(p) for p in rec.portfolio] != portfolio:
                    changed = True
                    rec.portfolio = []
                    db.session.flush()  # delete the old deals before their positions are reused
                else:
                    portfolio = None
                for k, v in data.items():
                    setattr(rec, k, v)
                result.updated += changed
                result.unchanged += not changed
            if portfolio is not None:
                rec.portfolio = [PortfolioCompany(position=i, **p) for i, p in enumerate(portfolio)]
            saved.append(rec)
        db.session.flush()
        result.ids = [r.id for r in saved]
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        why = str(getattr(exc, "orig", None) or exc)[:300]
        raise ImportError_([(0, f"the database refused the import, nothing was written: {why}")]) from exc
    except BaseException:
        db.session.rollback()
        raise
    if progress:
        progress("write", len(cleaned), len(cleaned))
    return result


def _portfolio_dict(p: PortfolioCompany) -> dict:
    keys = ("company_name", "description", "sectors", "stage", "round_size_cny", "region", "city", "co_investors")
    return {k: getattr(p, k) for k in keys}


# -- files: CSV (UTF-8, with or without BOM), XLSX (first sheet), JSONL -----------------------------------
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
KIND_NAMES = {"startups": "startup", "scenarios": "scenario", "funds": "fund"}


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportError_([(0, "file is UTF-16, not UTF-8: save it as 'CSV UTF-8' or UTF-8 text")])
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ImportError_([(0, f"file contains NUL bytes (line {line}): it is binary or UTF-16, not UTF-8 text")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportError_([(0, f"file is not UTF-8 (first invalid byte on line {line}): "
                                "save it as 'CSV UTF-8' or UTF-8 text")]) from None


def _csv_rows(text: str):
    import csv
    import io

    reader, n = csv.reader(io.StringIO(text, newline="")), 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            msg = f"a cell is longer than {limit('MAX_CELL'):,} characters" if "field larger" in str(exc) else exc
            raise ImportError_([(n + 1, f"cannot read the CSV: {msg}")]) from None
        n += 1
        yield n, cells


def _xlsx_rows(data: bytes):
    import io
    import zipfile

    import openpyxl  # with defusedxml installed, openpyxl parses the sheet XML defensively

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ImportError_([(0, "file is not a valid .xlsx workbook (not a zip archive)")]) from None
    if unpacked > 20 * limit("MAX_BYTES"):
        raise ImportError_([(0, f"workbook unpacks to {_mb(unpacked)}; the limit is {_mb(20 * limit('MAX_BYTES'))}")])
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for junk: KeyError, InvalidFileException, XML errors
        raise ImportError_([(0, f"file is not a valid .xlsx workbook ({type(exc).__name__})")]) from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a forged dimension (A1:XFD1048576) must not pad every row
        for n, row in enumerate(ws.iter_rows(values_only=True, max_col=100), start=1):
            yield n, [c.isoformat()[:10] if isinstance(c, (dt.date, dt.datetime)) else c for c in row]
    except (ImportError_, GeneratorExit):
        raise
    except Exception as exc:
        raise ImportError_([(0, f"file is not a valid .xlsx workbook ({type(exc).__name__})")]) from None
    finally:
        wb.close()


def _table(kind: str, rows) -> list[tuple[int, dict]]:
    """Rows of cells (header first) as (row number, record); checks the header and the row limit."""
    first = next(rows, None)
    if first is None:
        raise ImportError_([(0, "file is empty")])
    hrow, header = first
    names = [str(h if h is not None else "").strip().lstrip("\ufeff").lower() for h in header]
    allowed, errors = [c for c in columns(kind) if c != "portfolio"], []
    unknown = [h for h in names if h and h not in allowed]
    if unknown:
        errors.append((hrow, f"unknown columns: {', '.join(unknown)[:300]} (allowed: {', '.join(allowed)})"))
    twice = sorted({h for h in names if h and names.count(h) > 1})
    if twice:
        errors.append((hrow, f"columns appear twice: {', '.join(twice)}"))
    if REQUIRED[kind] not in names:
        errors.append((hrow, f"missing required column {REQUIRED[kind]!r}"))
    if errors:
        raise ImportError_(errors)
    out, cap = [], limit("MAX_ROWS")
    for n, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(out) >= cap:
            raise ImportError_([(n, f"the file has more than {cap:,} rows; split it")])
        stray = [c for h, c in zip(names + [""] * len(cells), cells) if not h and c not in (None, "")]
        if stray:
            errors.append((n, f"{len(cells)} cells but only {len([h for h in names if h])} named columns"))
            if len(errors) >= MAX_ERRORS:
                break
            continue
        out.append((n, {h: ("" if c is None else c) for h, c in zip(names, cells) if h}))
    if errors:
        raise ImportError_(errors)
    return out


def _jsonl(kind: str, text: str) -> list[tuple[int, dict]]:
    import json

    out, errors, cap, allowed = [], [], limit("MAX_ROWS"), set(columns(kind))
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(out) + len(errors) >= cap:
            raise ImportError_([(n, f"the file has more than {cap:,} rows; split it")])
        if len(errors) >= MAX_ERRORS:
            break
        try:
            obj = json.loads(line)
        except RecursionError:
            errors.append((n, "JSON nested too deeply"))
            continue
        except ValueError as exc:
            errors.append((n, f"not valid JSON: {getattr(exc, 'msg', str(exc))[:80]}"))
            continue
        if not isinstance(obj, dict):
            errors.append((n, "not a JSON object"))
        elif set(obj) - allowed:
            errors.append((n, f"unknown fields: {', '.join(sorted(set(obj) - allowed))[:300]}"))
        else:
            out.append((n, obj))
    if errors:
        raise ImportError_(errors)
    if not out:
        raise ImportError_([(0, "file is empty")])
    return out


def read_file(kind: str, filename: str, data: bytes) -> list[tuple[int, dict]]:
    """Parse a file into (row number, record) pairs; size, encoding, shape and columns checked, nothing written."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise ImportError_([(0, f"unsupported file type {suffix or filename!r}: use .csv, .xlsx or .jsonl")])
    if len(data) > limit("MAX_BYTES"):
        raise ImportError_([(0, f"file is {_mb(len(data))}; the limit is {_mb(limit('MAX_BYTES'))}")])
    if not data.strip():
        raise ImportError_([(0, "file is empty")])
    if fmt == "xlsx":
        pairs = _table(kind, _xlsx_rows(data))
    elif fmt == "csv":
        pairs = _table(kind, _csv_rows(_decode(data)))
    else:
        pairs = _jsonl(kind, _decode(data))
    if not pairs:
        raise ImportError_([(0, "file has a header but no data rows")])
    return pairs


def import_file(kind: str, filename: str, data: bytes, owner_id: int | None = None,
                progress: Progress | None = None, dry_run: bool = False) -> ImportResult:
    """Read, validate and write a whole file in one transaction, then bring its FAISS index up to date."""
    kind = KIND_NAMES.get(kind, kind)
    if kind not in MODELS:
        raise ImportError_([(0, f"unknown kind {kind!r}: use startups, scenarios or funds")])
    if progress:
        progress("read", 0, 1)
    pairs = read_file(kind, filename, data)
    if progress:
        progress("read", 1, 1)
    result = import_records(kind, [r for _, r in pairs], owner_id, numbers=[n for n, _ in pairs],
                            progress=progress, dry_run=dry_run)
    if not dry_run:
        refresh_index(kind, result.ids, progress)
    return result


def refresh_index(kind: str, ids: Sequence[int], progress: Progress | None = None) -> None:
    """Embed the imported records' texts in batches (through the cache), then rebuild the kind's index once."""
    from matchmaker.matching import profiles, store, vectors

    model, texts = MODELS[kind], []
    for i in range(0, len(ids), 500):
        for r in db.session.execute(db.select(model).where(model.id.in_(ids[i:i + 500]))).scalars():
            texts.append(profiles.TEXT_OF[kind](r))
            if kind == "startup":
                texts += profiles.startup_sentences(r)
            elif kind == "scenario":
                texts += profiles.scenario_statements(r)
            else:
                texts += profiles.mandate_statements(r) + [profiles.portfolio_text(p) for p in r.portfolio]
    texts = list(dict.fromkeys(t for t in texts if t))
    for i in range(0, len(texts), 256):
        vectors.embed(texts[i:i + 256])
        if progress:
            progress("encode", min(i + 256, len(texts)), len(texts))
    if progress:
        progress("index", 0, 1)
    store.rebuild(kind)
    if progress:
        progress("index", 1, 1)
