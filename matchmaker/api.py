"""JSON API: recommendations and free-text search; errors are JSON with the right status."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from matchmaker.db import db
from matchmaker.matching import recommend as rec
from matchmaker.models import Fund, Scenario, Startup

bp = Blueprint("api", __name__, url_prefix="/api")
SOURCE = {"startups-for-scenario": Scenario, "scenarios-for-startup": Startup,
          "funds-for-startup": Startup, "startups-for-fund": Fund}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    return jsonify(error=e.message, status=e.status), e.status


@bp.app_errorhandler(HTTPException)
def _http_error(e: HTTPException):
    """JSON for anything under /api/ (unknown URLs included); the usual pages elsewhere."""
    if request.path.startswith("/api/"):
        return jsonify(error=e.description, status=e.code), e.code
    return e


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        raise ApiError(401, "log in first")


def _top() -> int:
    raw = request.args.get("top", "10")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ApiError(400, "top must be an integer from 1 to 100")
    return int(raw)


def _may_read(direction: str, record) -> bool:
    """A fund's ranked deal flow is its manager's (and the organisers'); a draft is its owner's; admins see all."""
    if current_user.role == "admin":
        return True
    if isinstance(record, Scenario) and record.status == "draft":
        return record.owner_id == current_user.id
    if direction == "startups-for-fund":
        return record.manager_id == current_user.id or current_user.role == "organiser"
    return True


@bp.get("/recommend/<direction>/<int:rid>")
def recommend(direction: str, rid: int):
    """Ranked, explained recommendations for one record."""
    if direction not in SOURCE:
        raise ApiError(404, f"unknown direction {direction!r}; use one of {', '.join(SOURCE)}")
    top = _top()
    record = db.session.get(SOURCE[direction], rid)
    if record is None or not _may_read(direction, record):
        raise ApiError(404, f"no {SOURCE[direction].__tablename__[:-1]} with id {rid}")
    from matchmaker.workspace import redact_match

    matches = rec.recommend(direction, record, top=top)
    if direction in ("startups-for-scenario", "startups-for-fund"):
        matches = [redact_match(current_user, m) for m in matches]
    elif direction == "funds-for-startup":  # the startup's own financial reasons, unless it may see them
        matches = [redact_match(current_user, m, startup=record) for m in matches]
    return jsonify([m.to_dict() for m in matches])
