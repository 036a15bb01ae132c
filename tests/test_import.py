"""Bulk import (CLI and upload page), idempotent re-import, index refresh, spreadsheet-safe exports."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from matchmaker.db import db
from matchmaker.exports import csv_bytes, safe_cell, xlsx_bytes
from matchmaker.importers import ImportError_, import_file
from matchmaker.matching import recommend as rec
from matchmaker.matching import store
from matchmaker.models import AuditLog, Fund, Scenario, Startup
from tests.browser.conftest import live_server  # noqa: F401  (a fixture; it starts no browser)

STARTUPS_CSV = (
    "\ufeffexternal_id,name,one_liner,description,stage,raising_cny,sectors,tags,founded_year\r\n"
    "imp-1,湖光智能 Lakeview AI,=HYPERLINK(\"http://x\"),\"Edge AI cameras that count vehicles at "
    "junctions; deployed on 40 Wuhan intersections.\",Seed,\"5,000,000\",交通;edge AI,camera；traffic,2021\r\n"
    "imp-2,Imaging Two,Medical imaging triage,\"深度学习医疗影像辅助诊断，已在三家医院试点。\",series-a,20000000,"
    "医疗;影像,,2019\r\n").encode("utf-8")


def _count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def _by_ext(model, ext):
    return db.session.execute(db.select(model).where(model.external_id == ext)).scalar_one()


def test_cli_import_csv_with_bom_lists_and_index_refresh(runner, app, tmp_path):
    f = tmp_path / "startups.csv"
    f.write_bytes(STARTUPS_CSV)
    n = _count(Startup)
    r = runner.invoke(args=["import", "startups", str(f)])
    assert r.exit_code == 0, r.output
    assert "created 2, updated 0" in r.output
    assert _count(Startup) == n + 2
    st = _by_ext(Startup, "imp-1")
    assert st.stage == "seed" and st.raising_cny == 5_000_000 and st.founded_year == 2021
    assert st.sectors == ["交通", "edge AI"] and st.tags == ["camera", "traffic"]
    assert st.one_liner == '=HYPERLINK("http://x")'  # stored verbatim; exports neutralise it
    index = store.get_index("startup")
    assert index.fingerprint == store.db_fingerprint("startup") and len(index) == n + 2
    assert st.id in set(index.ids().tolist())
    # the new startup is recommendable at once
    sc = Scenario(title="路口车流量统计 vehicle counting at junctions", problem="Count vehicles at junctions with "
                  "edge AI cameras.", status="open", requirements=["edge AI cameras", "vehicle counting"])
    db.session.add(sc)
    db.session.commit()
    store.upsert("scenario", sc)
    assert st.id in [m.id for m in rec.startups_for_scenario(sc, top=5)]


def test_reimport_is_idempotent_and_updates_by_external_id(runner, app, tmp_path):
    f = tmp_path / "s.csv"
    f.write_bytes(STARTUPS_CSV)
    assert runner.invoke(args=["import", "startups", str(f)]).exit_code == 0
    n = _count(Startup)
    r = runner.invoke(args=["import", "startups", str(f), "--quiet"])
    assert r.exit_code == 0 and "created 0, updated 0, unchanged 2" in r.output
    f.write_bytes(STARTUPS_CSV.replace(b"Medical imaging triage", b"Medical imaging triage for rural clinics"))
    r = runner.invoke(args=["import", "startups", str(f), "--quiet"])
    assert "created 0, updated 1, unchanged 1" in r.output and _count(Startup) == n
    db.session.expire_all()
    assert _by_ext(Startup, "imp-2").one_liner.endswith("rural clinics")
    assert store.get_index("startup").fingerprint == store.db_fingerprint("startup")


def test_dry_run_writes_nothing(runner, app, tmp_path):
    f = tmp_path / "s.csv"
    f.write_bytes(STARTUPS_CSV)
    n, sha = _count(Startup), store.index_path("startup").read_bytes()
    r = runner.invoke(args=["import", "startups", str(f), "--dry-run", "--quiet"])
    assert r.exit_code == 0 and "would create 2" in r.output
    assert _count(Startup) == n and store.index_path("startup").read_bytes() == sha


def test_xlsx_scenarios_and_jsonl_funds(app):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "title", "problem", "requirements", "deadline", "budget_min_cny", "budget_max_cny", "status"])
    ws.append([101, "智慧停车 Smart parking", "Find free parking spaces downtown.", "camera; occupancy model",
               __import__("datetime").datetime(2030, 5, 1), 100000, 500000, "open"])
    buf = io.BytesIO()
    wb.save(buf)
    res = import_file("scenarios", "s.xlsx", buf.getvalue())
    assert res.created == 1
    sc = _by_ext(Scenario, "101")  # 101 read from a numeric cell, not "101.0"
    assert sc.deadline.isoformat() == "2030-05-01" and sc.requirements == ["camera", "occupancy model"]
    line = {"key": "fund-x", "name": "Test Fund", "mandate": "Seed rounds in industrial AI.", "stages": ["seed"],
            "ticket_min_cny": 1e6, "ticket_max_cny": 1e7, "strict_filters": "false",
            "portfolio": [{"company_name": "Past Co", "description": "Machine vision for steel mills."}]}
    res = import_file("funds", "f.jsonl", (json.dumps(line, ensure_ascii=False) + "\n\n").encode())
    f = _by_ext(Fund, "fund-x")
    assert res.created == 1 and f.strict_filters is False and [p.company_name for p in f.portfolio] == ["Past Co"]
    assert store.get_index("fund").fingerprint == store.db_fingerprint("fund")
    res = import_file("funds", "f.jsonl", json.dumps(line).encode())
    assert (res.created, res.updated, res.unchanged) == (0, 0, 1)


def test_safe_cell_neutralises_formulas():
    for bad in ("=1+1", "+86 27 1234", "-2+3", "@SUM(A1)", "\t=cmd", "\r=x"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("plain") == "plain" and safe_cell(-5) == -5 and safe_cell(["=a", "b"]) == "'=a; b"
    rows = csv.reader(io.StringIO(csv_bytes(["a"], [["=2*3"]]).decode("utf-8-sig")))
    assert list(rows) == [["a"], ["'=2*3"]]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(["a"], [["=2*3"], ["@x"]]))).active
    assert [c.value for c in ws["A"]] == ["a", "'=2*3", "'@x"] and all(c.data_type == "s" for c in ws["A"])


def test_admin_csv_export_is_formula_safe_and_reimports_unchanged(client, auth, app):
    st = db.session.execute(db.select(Startup).order_by(Startup.id)).scalars().first()
    st.name, st.one_liner = "=HYPERLINK(\"http://evil\",\"click\")", "@SUM(1+1)"
    db.session.commit()
    auth.login("startup@demo.cn")
    assert client.get("/admin/export/startups.csv").status_code == 403
    auth.logout()
    auth.login("admin@demo.cn")
    r = client.get("/admin/export/startups.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.get_data().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert "'=HYPERLINK(\"http://evil\",\"click\")" in cells and "'@SUM(1+1)" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    res = import_file("startups", "export.csv", r.get_data())  # the export is a valid import file
    assert res.created == 0 and res.updated == 0 and res.unchanged == _count(Startup)
    assert db.session.get(Startup, st.id).name.startswith("=HYPERLINK")
    x = client.get("/admin/export/startups.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.get_data())).active
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def _wait(client, location: str) -> dict:
    status = location.rstrip("/") + "/status"
    for _ in range(600):
        job = client.get(status).get_json()
        if job["state"] != "running":
            return job
        time.sleep(0.05)
    pytest.fail("the import did not finish")


def test_upload_page_imports_and_reports_rows(client, auth, app):
    auth.login("startup@demo.cn")
    assert client.get("/admin/import").status_code == 403
    auth.logout()
    auth.login("organiser@demo.cn")
    form = client.get("/admin/import").get_data(as_text=True)
    assert 'type="file"' in form and 'enctype="multipart/form-data"' in form
    n = _count(Startup)
    r = client.post("/admin/import", data={"kind": "startups", "file": (io.BytesIO(STARTUPS_CSV), "s.csv")})
    assert r.status_code == 303
    job = _wait(client, r.headers["Location"])
    assert job["state"] == "done" and job["result"]["created"] == 2, job
    assert job["phases"]["index"] == [1, 1] and _count(Startup) == n + 2
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<progress" in html and "2 created" in html and "<script>" not in html
    db.session.expire_all()
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "import")).scalars().first()
    bad = b"external_id,name,stage\nq1,Ok,seed\nq2,Bad,omega\n"
    r = client.post("/admin/import", data={"kind": "startups", "file": (io.BytesIO(bad), "bad.csv")})
    job = _wait(client, r.headers["Location"])
    assert job["state"] == "rejected" and job["errors"][0].startswith("row 3: stage must be one of")
    assert "row 3: stage must be one of" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert _count(Startup) == n + 2


def test_upload_over_the_size_limit_gets_a_clear_message(client, auth, app):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    auth.login("admin@demo.cn")
    r = client.post("/admin/import", data={"kind": "startups", "file": (io.BytesIO(b"x" * 10000), "big.csv")})
    assert r.status_code == 413 and "larger than" in r.get_data(as_text=True)


# Chromium runs in its own process: a second sync Playwright in this one would clash with tests/browser's.
BROWSER = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, chromium, csv_path = sys.argv[1:4]
with sync_playwright() as p:
    b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
    page = b.new_page(locale="en-US")
    page.set_default_timeout(30000)
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", "organiser@demo.cn")
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("form.record button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.click("nav >> text=Import")
    page.select_option("select[name=kind]", "startups")
    page.set_input_files("input[name=file]", csv_path)
    page.click("form.record button[type=submit]")
    page.wait_for_selector("[data-state=running] progress#phase-validate")
    out = {"bars": page.locator("progress").count(),
           "script": page.locator("script[src$='import_progress.js']").count(), "live": False}
    for _ in range(1200):  # the static script updates the bars in place (value is a reflected attribute)
        if page.locator("[data-state=done]").count():
            break
        if float(page.get_attribute("#phase-encode", "value") or 0) > 0:
            out["live"] = True
            break
        page.wait_for_timeout(50)
    page.wait_for_selector("[data-state=done]", timeout=90000)  # then the script reloads the finished page
    out["text"] = page.inner_text("main")
    b.close()
print(json.dumps(out))
"""


def test_upload_page_in_a_browser_shows_progress(live_server, app, tmp_path):  # noqa: F811
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium}")
    rows = "".join(f"b-{i},Browser startup {i},Computer vision for warehouse robots number {i},seed\n"
                   for i in range(1000))  # enough encoding work that the page sees the import running
    (tmp_path / "s.csv").write_text("external_id,name,one_liner,stage\n" + rows)
    (tmp_path / "drive.py").write_text(BROWSER)
    p = subprocess.run([sys.executable, str(tmp_path / "drive.py"), live_server, chromium, str(tmp_path / "s.csv")],
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["bars"] == 5 and out["script"] == 1
    assert out["live"], "the progress bars were not updated while the import ran"
    assert "1000 created" in out["text"]


def test_a_database_failure_mid_import_writes_nothing(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    n, faiss = _count(Startup), store.index_path("startup").read_bytes()

    def failing_flush(*args, **kwargs):
        raise OperationalError("INSERT INTO startups ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "flush", failing_flush)
    with pytest.raises(ImportError_) as err:
        import_file("startups", "s.csv", STARTUPS_CSV)
    monkeypatch.undo()
    assert "nothing was written" in str(err.value) and "disk I/O error" in str(err.value)
    db.session.expire_all()
    assert _count(Startup) == n and store.index_path("startup").read_bytes() == faiss
