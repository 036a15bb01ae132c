"""The demo ecosystem: records from data/demo.json and one login per role."""
from __future__ import annotations

import json
from pathlib import Path

from matchmaker.db import db
from matchmaker.importers import import_records
from matchmaker.models import Fund, Scenario, Startup, User

DEMO_FILE = Path(__file__).parent / "data" / "demo.json"
DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    ("startup@demo.cn", "演示初创企业 Demo Startup", "startup"),
    ("fund@demo.cn", "演示基金经理 Demo Fund Manager", "fund"),
    ("owner@demo.cn", "演示场景方 Demo Scenario Owner", "scenario_owner"),
    ("organiser@demo.cn", "演示活动组织方 Demo Organiser", "organiser"),
    ("admin@demo.cn", "管理员 Admin", "admin"),
]


def load_demo_file() -> dict:
    """The versioned demo data."""
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def seed_demo() -> dict[str, int]:
    """Create or update the demo users and records (idempotent); returns counts."""
    users = {}
    for email, name, role in DEMO_USERS:
        u = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if u is None:
            u = User(email=email, display_name=name, role=role)
            u.set_password(DEMO_PASSWORD)
            db.session.add(u)
        users[role] = u
    db.session.commit()
    data = load_demo_file()
    strip = ("expected", "near_miss")
    for kind, key in (("startup", "startups"), ("scenario", "scenarios"), ("fund", "funds")):
        rows = [{k: v for k, v in r.items() if k not in strip} for r in data[key]]
        import_records(kind, rows)
    # The demo logins own a record each, so every dashboard has something to show.
    first = {k: data[k][0]["key"] for k in ("startups", "funds")}
    _own(Startup, first["startups"], "owner_id", users["startup"].id)
    _own(Fund, first["funds"], "manager_id", users["fund"].id)
    for sc in db.session.execute(db.select(Scenario).where(Scenario.external_id.is_not(None))).scalars():
        if sc.owner_id is None:
            sc.owner_id = users["scenario_owner"].id
    db.session.commit()
    return {"startups": len(data["startups"]), "scenarios": len(data["scenarios"]), "funds": len(data["funds"]),
            "users": len(DEMO_USERS)}


def _own(model, ext: str, attr: str, uid: int) -> None:
    rec = db.session.execute(db.select(model).where(model.external_id == ext)).scalar_one()
    setattr(rec, attr, uid)
