"""Admin tools for organisers and admins: bulk import with live progress, spreadsheet-safe exports."""
from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, SelectField

from matchmaker import exports
from matchmaker.auth import roles_required
from matchmaker.db import db
from matchmaker.importers import KIND_NAMES, ImportError_, import_file, limit

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)
PHASES = ("read", "validate", "write", "encode", "index")
KEEP_JOBS_SECONDS = 7 * 24 * 3600


class ImportForm(FlaskForm):
    kind = SelectField(_l("Records"), choices=[("startups", _l("Startups")), ("scenarios", _l("Scenarios")),
                                               ("funds", _l("Funds"))])
    file = FileField(_l("File (.csv UTF-8, .xlsx or .jsonl)"),
                     validators=[FileRequired(), FileAllowed(["csv", "xlsx", "jsonl", "ndjson"],
                                                             _l("Use a .csv, .xlsx or .jsonl file."))])
    dry_run = BooleanField(_l("Only check the file; write nothing"))


# -- jobs: a status file per upload, so every worker process can show any upload's progress --------------
def _jobs_dir() -> Path:
    cfg = current_app.config  # beside the indexes by default: instance/imports, or the test's own folder
    d = Path(cfg.get("MATCHMAKER_IMPORT_JOBS_DIR") or Path(cfg["MATCHMAKER_INDEX_DIR"]).parent / "imports")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _job_path(token: str) -> Path:
    if len(token) != 16 or any(c not in "0123456789abcdef" for c in token):
        abort(404)
    return _jobs_dir() / f"{token}.json"


def _write(path: Path, job: dict) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(job, ensure_ascii=False))
    os.replace(tmp, path)  # readers never see half a status


def read_job(token: str) -> dict:
    """An upload's status; a job whose worker died mid-way reads as interrupted."""
    try:
        job = json.loads(_job_path(token).read_text())
    except (OSError, ValueError):
        abort(404)
    if job["user_id"] != current_user.id and current_user.role != "admin":
        abort(404)
    if job["state"] == "running" and not _alive(job["pid"]):
        job["state"], job["errors"] = "failed", ["the import was interrupted (server restarted); nothing was written"]
    return job


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune(d: Path) -> None:
    cutoff = time.time() - KEEP_JOBS_SECONDS
    for p in d.glob("*.json"):
        if p.stat().st_mtime < cutoff:
            p.unlink(missing_ok=True)


def _run(app, path: Path, job: dict, data: bytes) -> None:
    """The import itself, in a background thread with its own app context and database session."""
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        job["phases"][phase] = [done, total]
        now = time.monotonic()
        if job["phase"] != phase or done >= total or now - last[0] > 0.25:
            job["phase"], last[0] = phase, now
            _write(path, job)

    with app.app_context():
        try:
            res = import_file(job["kind"], job["filename"], data, progress=progress, dry_run=job["dry_run"])
            job["state"], job["result"] = "done", {"created": res.created, "updated": res.updated,
                                                   "unchanged": res.unchanged}
            if not job["dry_run"]:
                _audit(job)
        except ImportError_ as exc:
            job["state"], job["errors"] = "rejected", exc.messages[:200]
        except Exception as exc:  # an unexpected failure must still end the job visibly
            log.exception("import %s failed", path.name)
            job["state"], job["errors"] = "failed", [f"internal error ({type(exc).__name__}); nothing was written"]
        finally:
            db.session.remove()
        job["finished"] = time.time()
        _write(path, job)


def _audit(job: dict) -> None:
    from matchmaker.models import AuditLog

    db.session.add(AuditLog(user_id=job["user_id"], action="import", target=job["kind"],
                            details={"file": job["filename"], **job["result"]}))
    db.session.commit()


# -- views -------------------------------------------------------------------------------------------------
@bp.route("/import", methods=["GET", "POST"])
@roles_required("organiser")
def upload():
    try:
        form = ImportForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _too_large()
    if not valid:
        return render_template("admin/import.html", form=form, max_mb=_max_mb()), 400 if form.errors else 200
    data = form.file.data.read(limit("MAX_BYTES") + 1)
    if len(data) > limit("MAX_BYTES"):
        return _too_large()
    token, d = secrets.token_hex(8), _jobs_dir()
    _prune(d)
    job = {"token": token, "state": "running", "kind": KIND_NAMES[form.kind.data], "user_id": current_user.id,
           "filename": os.path.basename(form.file.data.filename or "upload")[:200], "size": len(data),
           "dry_run": bool(form.dry_run.data), "pid": os.getpid(), "started": time.time(), "phase": "read",
           "phases": {p: [0, 0] for p in PHASES}, "errors": [], "result": None}
    _write(d / f"{token}.json", job)
    app = current_app._get_current_object()
    threading.Thread(target=_run, args=(app, d / f"{token}.json", job, data), name=f"import-{token}",
                     daemon=False).start()
    return redirect(url_for("admin.job", token=token), code=303)


def _max_mb() -> float:
    return min(limit("MAX_BYTES"), current_app.config.get("MAX_CONTENT_LENGTH") or 1 << 62) / 1048576


def _too_large():
    form = ImportForm(formdata=None)
    msg = f"The file is larger than {_max_mb():.0f} MB. Split it into smaller files."
    return render_template("admin/import.html", form=form, max_mb=_max_mb(), error=msg), 413


@bp.get("/import/<token>")
@roles_required("organiser")
def job(token: str):
    return render_template("admin/job.html", job=read_job(token), phases=PHASES)


@bp.get("/import/<token>/status")
@roles_required("organiser")
def job_status(token: str):
    return jsonify(read_job(token))


@bp.get("/export/<kind>.<fmt>")
@roles_required("organiser")
def export(kind: str, fmt: str):
    if kind not in KIND_NAMES or fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = exports.table(KIND_NAMES[kind])
    if fmt == "csv":
        body, mime = exports.csv_bytes(header, rows), "text/csv; charset=utf-8"
    else:
        body, mime = exports.xlsx_bytes(header, rows, kind), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f"attachment; filename={kind}.{fmt}"})


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    """The newest organiser and admin actions."""
    from matchmaker.models import AuditLog, User

    rows = db.session.execute(db.select(AuditLog, User.email).outerjoin(User, AuditLog.user_id == User.id)
                              .order_by(AuditLog.id.desc()).limit(300)).all()
    return render_template("admin/audit.html", rows=rows)
