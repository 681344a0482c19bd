"""Behind the reverse proxy: client addresses from X-Forwarded-For, only for trusted hops."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db
from store.models import AuditEvent


@pytest.fixture
def app_behind(tmp_path):
    """An app factory: ``app_behind(hops)`` is the portal trusting ``hops`` proxies."""
    made = []

    def make(hops: int):
        app = create_app({
            "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / f'proxy{hops}.sqlite'}",
            "SECRET_KEY": "test-secret", "PSEUDONYM_KEY": "test-pseudonym-key",
            "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"), "TRUSTED_PROXY_HOPS": hops,
        })
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _fail_logins(client, forwarded_for: str, count: int, first: int = 0) -> list[int]:
    """``count`` wrong log-ins on different accounts (guess<first>, guess<first+1>, ...: only the
    IP's count of distinct accounts adds up); the statuses."""
    headers = {"X-Forwarded-For": forwarded_for}
    statuses = []
    for i in range(first, first + count):
        page = client.get("/auth/login", headers=headers).get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        statuses.append(client.post("/auth/login", headers=headers, data={
            "email": f"guess{i}@example.dk", "password": "Forkert-kode-123", "csrf_token": token,
        }).status_code)
    return statuses


def test_one_hop_throttles_clients_behind_the_proxy_separately(app_behind):
    app = app_behind(1)
    limit = app.config["LOGIN_IP_MAX_ACCOUNTS"]  # one wrong guess on each of many accounts
    attacker, colleague = app.test_client(), app.test_client()
    assert _fail_logins(attacker, "203.0.113.7", limit + 1) == [401] * limit + [429]
    # Same proxy address (the test client's 127.0.0.1), another client: not locked out.
    assert _fail_logins(colleague, "198.51.100.23", 1) == [401]
    with app.app_context():
        ips = {event.ip for event in db.session.query(AuditEvent).filter_by(action="login_failed")}
    assert ips == {"203.0.113.7", "198.51.100.23"}


def test_one_hop_believes_only_the_address_the_proxy_appended(app_behind):
    app = app_behind(1)
    limit = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    # The client forges a first entry per request; the proxy appends the real address last.
    for i in range(limit):
        assert _fail_logins(client, f"10.0.0.{i}, 203.0.113.7", 1) == [401]
    assert _fail_logins(client, "10.0.0.99, 203.0.113.7", 1) == [429]


def test_without_trusted_hops_a_forged_forwarded_for_is_ignored(app_behind):
    app = app_behind(0)
    limit = app.config["LOGIN_IP_MAX_ACCOUNTS"]  # one wrong guess on each of many accounts
    client = app.test_client()
    assert _fail_logins(client, "203.0.113.7", limit) == [401] * limit
    # A new forged address does not buy new tries on a new account: the throttle sees the real peer.
    assert _fail_logins(client, "198.51.100.23", 1, first=limit) == [429]
    with app.app_context():
        ips = {event.ip for event in db.session.query(AuditEvent).filter_by(action="login_failed")}
    assert ips == {"127.0.0.1"}


def test_one_hop_takes_the_scheme_from_the_proxy(app_behind):
    app = app_behind(1)

    @app.get("/scheme-for-test")
    def scheme():
        from flask import request
        return request.scheme

    client = app.test_client()
    assert client.get("/scheme-for-test", headers={"X-Forwarded-Proto": "https"}).text == "https"
    assert client.get("/scheme-for-test").text == "http"


def _login_post(client, headers: dict, referer: str):
    page = client.get("/auth/login", headers=headers).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    return client.post("/auth/login", headers={**headers, "Referer": referer}, data={
        "email": "guess@example.dk", "password": "Forkert-kode-123", "csrf_token": token})


def test_one_hop_takes_the_host_the_browser_used_from_the_proxy(app_behind):
    """Apache (and nginx with X-Forwarded-Host) forward to 127.0.0.1:8000: the HTTPS form check
    compares the browser's Referer with the forwarded host, so forms work (review I 1)."""
    client = app_behind(1).test_client()
    headers = {"Host": "127.0.0.1:8000", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "jobbro.example.dk"}
    # 401: the form was accepted and the (wrong) password checked
    assert _login_post(client, headers, "https://jobbro.example.dk/auth/login").status_code == 401


def test_a_proxy_that_drops_the_host_gets_a_message_that_names_the_cause(app_behind, caplog):
    """Without the browser's host every form fails; the user is told it is the server's set-up
    (not "reload the page", which never helps) and the log tells the operator what to change."""
    from portal.errors import HOST_MISMATCH_MESSAGE

    client = app_behind(1).test_client()
    headers = {"Host": "127.0.0.1:8000", "X-Forwarded-Proto": "https"}
    response = _login_post(client, headers, "https://jobbro.example.dk/auth/login")
    assert response.status_code == 400
    assert HOST_MISMATCH_MESSAGE.split(",")[0] in response.get_data(as_text=True)
    assert any("proxy_set_header Host" in r.getMessage() for r in caplog.records)
