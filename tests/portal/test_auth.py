"""Log-in, sessions and CSRF (SECURITY.md "Authentication and sessions")."""
from __future__ import annotations

import time

import pytest

from portal.auth.passwords import hash_password, needs_rehash, policy_errors
from portal.auth.routes import GENERIC_FAILURE
from portal.extensions import db
from store.models import AuditEvent, User
from tests.conftest import PASSWORD
from tests.portal.set_password_links import PAGE, open_link


def test_login_and_start_page(client, auth, make_user):
    user = make_user("company")
    response = auth.login(user.email)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'data-role="company"' in page


def test_unknown_user_and_wrong_password_look_the_same(client, auth, make_user):
    user = make_user("consultant")
    started = time.perf_counter()
    wrong = auth.login(user.email, "Forkert-kode-123")
    wrong_time = time.perf_counter() - started
    started = time.perf_counter()
    unknown = auth.login("nobody@example.dk", "Forkert-kode-123")
    unknown_time = time.perf_counter() - started
    assert wrong.status_code == unknown.status_code == 401
    assert GENERIC_FAILURE in wrong.get_data(as_text=True)
    assert GENERIC_FAILURE in unknown.get_data(as_text=True)
    # Both paths run one scrypt verification: neither is an order of magnitude faster.
    assert unknown_time > wrong_time / 5 and wrong_time > unknown_time / 5


def test_disabled_user_cannot_log_in(auth, make_user):
    user = make_user("company", active=False)
    assert auth.login(user.email).status_code == 401


def test_throttle_after_repeated_failures(app, auth, make_user):
    user = make_user("company")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login(user.email, "Forkert-kode-123").status_code == 401
    blocked = auth.login(user.email)  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_throttle_per_ip_across_accounts(app, auth):
    for i in range(app.config["LOGIN_IP_MAX_ACCOUNTS"]):
        assert auth.login(f"guess{i}@example.dk", "Forkert-kode-123").status_code == 401
    assert auth.login("another@example.dk", "Forkert-kode-123").status_code == 429


def test_logout_revokes_a_replayed_cookie(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    cookie = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_logout_is_post_only(client, auth, make_user):
    auth.login(make_user("company").email)
    assert client.get("/auth/logout").status_code == 405


def test_missing_csrf_token_is_rejected_and_logged(app, client, make_user):
    user = make_user("company")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="csrf_failed").count() == 1


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/", "/\\evil.example", "http:/evil.example", "javascript:alert(1)",
])
def test_next_to_another_host_is_refused(auth, make_user, target):
    response = auth.login(make_user("company").email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_own_host_is_followed(auth, make_user):
    response = auth.login(make_user("admin").email, next_url="/admin/users")
    assert response.headers["Location"] == "/admin/users"


def test_password_policy():
    assert policy_errors("kort")
    assert policy_errors("password1")
    assert policy_errors("x" * 200)
    assert policy_errors("anna@firma.dk", "anna@firma.dk")
    assert policy_errors("Korrekt-hest-batteri-9") == []


def test_old_hash_is_upgraded_on_login(app, auth, make_user):
    from werkzeug.security import generate_password_hash
    user = make_user("company")
    with app.app_context():
        row = db.session.get(User, user.id)
        row.password_hash = generate_password_hash(PASSWORD, method="scrypt")  # p=1: too weak
        db.session.commit()
    assert auth.login(user.email).status_code == 302
    with app.app_context():
        assert not needs_rehash(db.session.get(User, user.id).password_hash)


def test_hash_parameters_meet_security_md():
    assert hash_password("Korrekt-hest-batteri-9").startswith("scrypt:32768:8:3$")


def test_failed_login_is_audited_without_the_password(app, auth, make_user):
    user = make_user("company")
    auth.login(user.email, "Hemmelig-forkert-77")
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(action="login_failed").all()
        assert len(events) == 1
        row = events[0]
        assert "Hemmelig-forkert-77" not in " ".join(str(v) for v in vars(row).values())


def test_set_password_link_is_one_time(app, client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin.email)
    token = auth.csrf_token("/admin/users/new")
    response = client.post("/admin/users/new", data={
        "email": "ny@firma.dk", "name": "Ny Bruger", "role": "consultant", "company_id": "0",
        "team_id": "0", "csrf_token": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    link = html.split('data-testid="set-password-link">')[1].split("<")[0]
    path = link.replace("http://localhost", "")
    auth.logout()
    token = open_link(client, path)
    weak = client.post(PAGE, data={"password": "password1", "confirm": "password1", "csrf_token": token})
    assert "for let at gætte" in weak.get_data(as_text=True)
    done = client.post(PAGE, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": token})
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # used up
    assert auth.login("ny@firma.dk").status_code == 302


def test_security_headers_on_pages_and_errors(client):
    for path in ("/auth/login", "/does-not-exist"):
        response = client.get(path)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/does-not-exist").status_code == 404


def test_absolute_session_timeout(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    with client.session_transaction() as session:
        session["login_at"] -= app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() + 1
    assert client.get("/").status_code == 302
