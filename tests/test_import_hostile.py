"""Hostile import files: each is rejected with a message naming its row (or line), and nothing changes.

Unknown columns are rejected, not ignored: a misspelt column ("stgae") would otherwise drop data silently.
"""
from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile

import openpyxl
import pytest

from matchmaker.db import db
from matchmaker.importers import ImportError_, import_file
from matchmaker.matching import store

HEAD = "external_id,name,stage,raising_cny,description\n"


def _csv(*rows: str) -> bytes:
    return (HEAD + "".join(r + "\n" for r in rows)).encode()


def _jsonl(*objs) -> bytes:
    return "".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objs).encode()


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf, block = io.BytesIO(), b"\0" * (1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("xl/worksheets/sheet1.xml", "w") as f:
        for _ in range(340):  # 340 MB of zeros in ~330 KB
            f.write(block)
    return buf.getvalue()


def _big_rows(n: int, bad_at: int | None) -> bytes:
    rows = [f"b{i},Startup {i},seed,{i}," for i in range(n)]
    if bad_at is not None:
        rows[bad_at] = f"b{bad_at},Startup,bogus,1,"
    return _csv(*rows)


# (id, kind, filename, data, the messages must contain this)
CASES = [
    ("gbk-csv", "startups", "s.csv", (HEAD + "s1,武汉光谷智能科技,seed,1,\n").encode("gbk"),
     "not UTF-8 (first invalid byte on line 2)"),
    ("utf16-bom-csv", "startups", "s.csv", (HEAD + "s1,Name,seed,1,\n").encode("utf-16"), "UTF-16"),
    ("utf16-no-bom-csv", "startups", "s.csv", (HEAD + "s1,Name,seed,1,\n").encode("utf-16-le"),
     "NUL bytes (line 1)"),
    ("bom-then-bad-row", "startups", "s.csv", b"\xef\xbb\xbf" + _csv("s1,Ok,seed,1,", "s2,Bad,seed,-1,"),
     "row 3: raising_cny must be a non-negative number"),
    ("formula-in-enum", "startups", "s.csv", _csv("s1,Ok,seed,1,", '=HYPERLINK("http://x"),Evil,=1+1,1,'),
     "row 3: stage must be one of"),
    ("missing-required-column", "startups", "s.csv", b"external_id,stage\ns1,seed\n",
     "row 1: missing required column 'name'"),
    ("unknown-column", "startups", "s.csv", b"external_id,name,stgae\ns1,A,seed\n", "row 1: unknown columns: stgae"),
    ("duplicate-column", "startups", "s.csv", b"external_id,name,name\ns1,A,B\n", "row 1: columns appear twice"),
    ("duplicate-ids", "startups", "s.csv", _csv("d1,A,seed,1,", "d2,B,seed,1,", "d1,C,seed,1,"),
     "row 4: duplicate id 'd1' (first in row 2)"),
    ("10mb-cell-csv", "startups", "s.csv", _csv("s1,A,seed,1,", "s2,B,seed,1," + "x" * 10_000_000),
     "row 3: cannot read the CSV: a cell is longer than 20,000 characters"),
    ("10mb-cell-jsonl", "startups", "s.jsonl", _jsonl({"name": "A"}, {"name": "B", "description": "字" * 3_500_000}),
     "row 2: description is 3,500,000 characters long"),
    ("empty-file", "startups", "s.csv", b"", "file is empty"),
    ("whitespace-file", "startups", "s.jsonl", b"\n \n\t\n", "file is empty"),
    ("header-only", "startups", "s.csv", HEAD.encode(), "no data rows"),
    ("binary-renamed-csv", "startups", "s.csv", random.Random(7).randbytes(65536), "NUL bytes (line 1)"),
    ("png-renamed-csv", "startups", "s.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not UTF-8"),
    ("100k-rows-one-bad", "startups", "s.csv", _big_rows(100_000, 99_998),
     "row 100000: stage must be one of"),
    ("100k-plus-one-rows", "startups", "s.csv", _big_rows(100_001, None), "more than 100,000 rows"),
    ("malformed-jsonl-line", "startups", "s.jsonl", _jsonl({"name": "A"}, {"name": "B"}, '{"name": "C",'),
     "row 3: not valid JSON"),
    ("jsonl-not-object", "startups", "s.jsonl", _jsonl({"name": "A"}, ["name", "B"]), "row 2: not a JSON object"),
    ("jsonl-unknown-field", "funds", "f.jsonl", _jsonl({"name": "F", "__proto__": 1}), "row 1: unknown fields"),
    ("wrong-type-list", "startups", "s.jsonl", _jsonl({"name": "A", "products": {"a": 1}}),
     "row 1: products must be text, a number or a list of them, not dict"),
    ("wrong-type-number", "startups", "s.csv", b"name,team_size\nA,many\n", "row 2: team_size must be a number"),
    ("wrong-type-bool", "funds", "f.jsonl", _jsonl({"name": "F", "strict_filters": "maybe"}),
     "row 1: strict_filters must be true or false"),
    ("fractional-year", "startups", "s.csv", b"name,founded_year\nA,2019.5\n", "row 2: founded_year must be a whole"),
    ("negative-amount", "funds", "f.csv", b"name,ticket_min_cny\nF,-100\n", "row 2: ticket_min_cny must be a non-neg"),
    ("nan-and-infinity", "startups", "s.jsonl",
     b'{"name": "A", "raising_cny": NaN}\n{"name": "B", "raising_cny": 1e999}',
     "row 1: raising_cny must be a non-negative number"),
    ("min-above-max", "funds", "f.csv", b"name,ticket_min_cny,ticket_max_cny\nF,10,5\n",
     "row 2: ticket_min_cny is above ticket_max_cny"),
    ("bad-date", "scenarios", "s.csv", b"title,deadline\nT,2026-13-45\n", "row 2: deadline must be a date"),
    ("bad-date-format", "scenarios", "s.csv", b"title,deadline\nT,2026-01-01\nU,31/12/2026\n",
     "row 3: deadline must be a date"),
    ("xlsx-zip-of-junk", "startups", "s.xlsx", _zip({"junk.bin": random.Random(3).randbytes(5000)}),
     "not a valid .xlsx workbook"),
    ("xlsx-not-a-zip", "startups", "s.xlsx", b"PK\x03\x04" + b"garbage" * 100, "not a valid .xlsx workbook"),
    ("xlsx-zip-bomb", "startups", "s.xlsx", _zip_bomb(), "workbook unpacks to"),
    ("xlsx-bad-row", "startups", "s.xlsx", _xlsx([["name", "stage"], ["A", "seed"], ["B", "omega"]]),
     "row 3: stage must be one of"),
    ("oversized-file", "startups", "s.csv", _csv("s1,A,seed,1,") + b" " * (17 * 1024 * 1024),
     "file is 17.0 MB; the limit is 16.0 MB"),
    ("deeply-nested-json", "startups", "s.jsonl", ('{"name": "A", "tags": ' + "[" * 200_000 + "]" * 200_000 + "}")
     .encode(), "row 1: JSON nested too deeply"),
    ("nested-json-lists", "startups", "s.jsonl", _jsonl({"name": "A", "tags": [["x", ["y"]]]}),
     "row 1: tags must be text, a number or a list of them, not list"),
    ("nul-in-jsonl-string", "startups", "s.jsonl", _jsonl({"name": "A"}, {"name": "B\u0000C"}),
     "row 2: name contains a NUL byte"),
    ("nul-byte-in-csv", "startups", "s.csv", _csv("s1,A,seed,1,", "s2,B\x00,seed,1,"), "NUL bytes (line 3)"),
    ("name-too-long", "startups", "s.csv", _csv("s1," + "n" * 300 + ",seed,1,"),
     "row 2: name is 300 characters long; the limit is 200"),
    ("too-many-cells", "startups", "s.csv", _csv("s1,A,seed,1,,surplus"), "row 2: 6 cells but only 5 named"),
    ("unsupported-extension", "startups", "s.txt", _csv("s1,A,seed,1,"), "unsupported file type '.txt'"),
]


def _snapshot(app) -> dict:
    """Row counts and a content hash of every table, and the sha256 of every index file."""
    db.session.expire_all()
    counts, h = {}, hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(db.select(table).order_by(*table.primary_key.columns)).all()
        counts[table.name] = len(rows)
        h.update(repr(rows).encode())
    idx = store.index_path("startup").parent
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(idx.iterdir())
             if p.suffix in (".faiss", ".json")}
    return {"counts": counts, "content": h.hexdigest(), "indexes": files}


@pytest.mark.parametrize("kind,filename,data,expect", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_file_is_rejected_and_changes_nothing(app, kind, filename, data, expect):
    before = _snapshot(app)
    assert any(k.endswith(".faiss") for k in before["indexes"])
    with pytest.raises(ImportError_) as err:
        import_file(kind, filename, data)
    text = "\n".join(err.value.messages)
    assert expect in text, text[:500]
    assert len(text) < 20_000  # never echoes a 10 MB cell back
    assert _snapshot(app) == before


def test_hostile_file_through_the_cli_changes_nothing(runner, app, tmp_path):
    before = _snapshot(app)
    f = tmp_path / "s.csv"
    f.write_bytes(_csv("s1,A,seed,1,", "s2,B,seed,abc,"))
    r = runner.invoke(args=["import", "startups", str(f)])
    assert r.exit_code == 1 and "row 3: raising_cny must be a number, got 'abc'" in r.output
    assert "nothing was written" in r.output
    f.write_bytes(b" " * (17 * 1024 * 1024))
    r = runner.invoke(args=["import", "startups", str(f)])
    assert r.exit_code == 1 and "the limit is 16.0 MB" in r.output
    assert _snapshot(app) == before


def test_the_100k_row_file_fails_at_validation_without_encoding(app):
    from matchmaker.matching import vectors

    encoded = vectors.STATS["encoded"]
    with pytest.raises(ImportError_):
        import_file("startups", "big.csv", _big_rows(100_000, 99_998))
    assert vectors.STATS["encoded"] == encoded
