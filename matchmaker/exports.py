"""Spreadsheet-safe CSV and XLSX writing: no cell an export writes is ever run as a formula."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from matchmaker.db import db
from matchmaker.importers import MODELS, columns

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value fit for a spreadsheet cell: lists joined by "; ", formula-like text prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):  # one item per line when an item itself holds a ";"
        items = [str(x) for x in value]
        value = ("\n" if any(";" in x or "；" in x for x in items) else "; ").join(items)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """CSV as UTF-8 with a BOM (so Excel reads Chinese correctly), every cell neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], title: str = "export") -> bytes:
    """An XLSX workbook of one sheet, every cell neutralised (openpyxl would store "=..." as a formula)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([safe_cell(h) for h in header])
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_columns(kind: str) -> list[str]:
    """The columns of an export: the import's, so an exported file imports back unchanged."""
    return [c for c in columns(kind) if c not in ("id", "key", "portfolio")]


def table(kind: str) -> tuple[list[str], list[list]]:
    """Header and rows of every record of a kind, in id order."""
    model, header = MODELS[kind], export_columns(kind)
    recs = db.session.execute(db.select(model).order_by(model.id)).scalars()
    return header, [[getattr(r, c) for c in header] for r in recs]
