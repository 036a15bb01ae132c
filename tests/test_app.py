"""Factory, configuration, login, roles and pages."""
from __future__ import annotations

from matchmaker import create_app
from matchmaker.config import load_config
from tests.conftest import DEMO_LOGINS


def test_config_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")
    monkeypatch.setenv("MATCHMAKER_MODEL", "all-MiniLM-L6-v2")
    monkeypatch.setenv("SECRET_KEY", "s3")
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1:5432/x"
    assert cfg["MATCHMAKER_MODEL"] == "all-MiniLM-L6-v2" and cfg["SECRET_KEY"] == "s3"


def test_factory_defaults_to_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert "instance" in app.config["SQLALCHEMY_DATABASE_URI"]


def test_login_logout(client, auth):
    assert client.get("/dashboard").status_code == 302
    r = auth.login()
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_rerenders(client, auth):
    r = auth.login(password="wrong-password")
    assert r.status_code == 400 and b"Wrong email or password" in r.data


def test_next_with_a_host_is_rejected(client):
    r = client.post("/auth/login?next=https://evil.example/x",
                    data={"email": "startup@demo.cn", "password": "demo-pass-2026"})
    assert r.headers["Location"].endswith("/dashboard")
    client.post("/auth/logout")
    r = client.post("/auth/login?next=/funds/1",
                    data={"email": "startup@demo.cn", "password": "demo-pass-2026"})
    assert r.headers["Location"].endswith("/funds/1")


def test_user_loader_never_raises(app):
    from matchmaker.auth import load_user

    assert load_user("not-a-number") is None and load_user("99999") is None


def test_each_role_dashboard_shows_recommendations_with_reasons(client, auth):
    for role, email in DEMO_LOGINS.items():
        auth.login(email)
        r = client.get("/dashboard")
        assert r.status_code == 200, role
        page = r.get_data(as_text=True)
        assert 'class="match"' in page, f"{role} dashboard shows no recommendation"
        assert "Semantic similarity" in page, f"{role} dashboard shows no reason"
        auth.logout()


def test_role_access(client, auth):
    auth.login("fund@demo.cn")
    assert client.get("/startups/new").status_code == 403
    assert client.get("/scenarios/new").status_code == 403
    assert client.get("/funds/new").status_code == 200
    auth.logout()
    auth.login("startup@demo.cn")
    assert client.get("/startups/new").status_code == 200
    assert client.get("/funds/1/edit").status_code == 403
    assert client.get("/startups/99999").status_code == 404


def test_csrf_is_on_by_default(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    r = app.test_client().post("/auth/login", data={"email": "a@b.cn", "password": "x"})
    assert r.status_code == 400


def test_language_switch(client):
    r = client.get("/lang/en?next=/auth/login")
    assert r.headers["Location"].endswith("/auth/login")
    r = client.get("/lang/en?next=https://evil.example/")
    assert "evil" not in r.headers["Location"]


def test_security_headers_and_cookie_flags(client, auth):
    r = client.get("/auth/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    cookie = auth.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    client.post("/auth/logout")
    r = client.post("/auth/login", base_url="https://localhost",
                    data={"email": "startup@demo.cn", "password": "demo-pass-2026"})
    assert "Secure" in r.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in r.headers


def test_pages_have_no_inline_script(client, auth):
    auth.login("organiser@demo.cn")
    for url in ("/auth/login", "/dashboard", "/startups/1", "/scenarios/1", "/funds/1"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "style=" not in page, url


def test_login_is_rate_limited(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    c = app.test_client()
    codes = [c.post("/auth/login", data={"email": "x@y.cn", "password": "wrong-password"}).status_code
             for _ in range(5)]
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]


def test_password_policy_and_hashing(client, app):
    from matchmaker.db import db
    from matchmaker.models import User

    r = client.post("/auth/register", data={"email": "new@x.cn", "display_name": "N", "role": "startup",
                                            "password": "12345678901", "confirm": "12345678901"})
    assert r.status_code == 400 and "Password too weak" in r.get_data(as_text=True)
    assert db.session.execute(db.select(User).where(User.email == "new@x.cn")).first() is None
    r = client.post("/auth/register", data={"email": "new@x.cn", "display_name": "N", "role": "startup",
                                            "password": "a-longer-passphrase", "confirm": "a-longer-passphrase"})
    assert r.status_code == 302
    u = db.session.execute(db.select(User).where(User.email == "new@x.cn")).scalar_one()
    assert u.password_hash.startswith("scrypt:") and u.check_password("a-longer-passphrase")


def test_organiser_and_admin_actions_are_audited(client, auth, app):
    from matchmaker.db import db
    from matchmaker.models import AuditLog

    auth.login("organiser@demo.cn")
    r = client.post("/events/demo", data={"startups": "4", "counterparts": "2", "slots": "3", "tables": "2"})
    assert r.status_code == 302
    entry = db.session.execute(db.select(AuditLog).order_by(AuditLog.id.desc())).scalars().first()
    assert entry.action == "events.demo" and entry.user_id is not None and "startups" in entry.details
    auth.logout()
    auth.login("startup@demo.cn")
    n = db.session.execute(db.select(db.func.count()).select_from(AuditLog)).scalar_one()
    client.post("/notifications/read")
    assert db.session.execute(db.select(db.func.count()).select_from(AuditLog)).scalar_one() == n
    auth.logout()
    auth.login("admin@demo.cn")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "events.demo" in page and "organiser@demo.cn" in page


def test_rate_limit_storage_can_be_redis(tmp_path):
    """With REDIS_URL the login limit is shared by every worker (skipped when no Redis listens here)."""
    import uuid

    import pytest

    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from tests.conftest import make_app

    cfg = dict(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute",
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = make_app(tmp_path / "a", **cfg), make_app(tmp_path / "b", **cfg)  # two workers, one limit
    form = {"email": "x@y.cn", "password": "wrong-password"}
    codes = [a.test_client().post("/auth/login", data=form).status_code,
             b.test_client().post("/auth/login", data=form).status_code,
             a.test_client().post("/auth/login", data=form).status_code]
    assert codes == [400, 400, 429]
