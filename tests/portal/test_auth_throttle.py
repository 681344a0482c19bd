"""The log-in throttle (issue 7, finding 2): atomic, per account, and per IP only for spraying.

The concurrency tests drive the real threaded server (as in production) against a file
database, SQLite and PostgreSQL: parallel wrong passwords must not slip past the limit.
"""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.auth import throttle
from portal.auth.routes import GENERIC_FAILURE
from portal.extensions import db
from store.models import AuditEvent
from store.models.base import utcnow
from tests.conftest import PASSWORD, user_factory

WRONG = "Forkert-kode-123"
PARALLEL = 20
TOO_MANY = re.compile(r"For mange forsøg\. Prøv igen om \d+ sekunder\.")
CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')


@contextmanager
def _serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def _browser(url: str):
    """A cookie-keeping HTTP client that has the log-in page's CSRF token; (post, token)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{url}/auth/login", timeout=30) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def post(email: str, password: str) -> int:
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        try:
            with opener.open(f"{url}/auth/login", data=body, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    return post


def _parallel_wrong_passwords(app, email: str) -> list[int]:
    """PARALLEL clients, released together, each try one wrong password for ``email``."""
    with _serving(app) as url:
        posts = [_browser(url) for _ in range(PARALLEL)]
        barrier = threading.Barrier(PARALLEL)
        statuses: list[int] = []

        def attempt(post) -> None:
            barrier.wait()
            statuses.append(post(email, WRONG))

        threads = [threading.Thread(target=attempt, args=(post,)) for post in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return statuses


def _failed_logins(app) -> int:
    with app.app_context():
        return db.session.query(AuditEvent).filter_by(action="login_failed").count()


def _assert_at_most_the_limit_evaluated(app, statuses: list[int]) -> None:
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(statuses) == PARALLEL and set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses.count(401) <= limit, statuses
    assert _failed_logins(app) == statuses.count(401)  # each evaluated attempt is audited once


def test_parallel_wrong_passwords_on_sqlite_stop_at_the_limit(app, make_user):
    user = make_user("consultant")
    _assert_at_most_the_limit_evaluated(app, _parallel_wrong_passwords(app, user.email))


@pytest.mark.postgres
def test_parallel_wrong_passwords_on_postgresql_stop_at_the_limit(postgres_url, password_hash, tmp_path):
    from tests.postgres_server import fresh_database

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                      "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory",
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                      "DATABASE_URL": fresh_database(postgres_url, "t_login_throttle")})
    with app.app_context():
        db.create_all()
    try:
        user = user_factory(app, password_hash)("consultant")
        _assert_at_most_the_limit_evaluated(app, _parallel_wrong_passwords(app, user.email))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_locked_account_does_not_lock_colleagues_behind_the_same_ip(app, client, auth, make_user):
    victim, colleague = make_user("company"), make_user("company")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert auth.login(victim.email, WRONG).status_code == 401
    assert auth.login(victim.email).status_code == 429  # even the right password waits
    assert auth.login(colleague.email).status_code == 302  # same address (the office NAT)


def test_the_ip_is_locked_only_after_failures_on_many_accounts(app, auth, make_user):
    app.config["LOGIN_IP_MAX_ACCOUNTS"] = 3
    known = make_user("company")
    for i in range(3):
        assert auth.login(f"gaet{i}@example.dk", WRONG).status_code == 401
    refused = auth.login("gaet3@example.dk", WRONG)  # a fourth account: password spraying
    assert refused.status_code == 429 and TOO_MANY.search(refused.text)
    assert int(refused.headers["Retry-After"]) > 0
    assert auth.login(known.email).status_code == 429  # the whole address waits now
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="login_throttled", purpose="ip").count() == 2


def test_another_address_is_not_locked_by_a_spraying_one(app, client, auth, make_user):
    app.config["LOGIN_IP_MAX_ACCOUNTS"] = 2
    user = make_user("company")
    for i in range(3):
        auth.login(f"gaet{i}@example.dk", WRONG)
    token = auth.csrf_token()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 302


def test_a_locked_unknown_and_a_locked_known_account_look_the_same(app, auth, make_user):
    user = make_user("company")
    limit = app.config["LOGIN_MAX_FAILURES"]
    answers = []
    for email in (user.email, "findes.ikke@example.dk"):
        statuses = [auth.login(email, WRONG).status_code for _ in range(limit)]
        assert statuses == [401] * limit
        locked = auth.login(email, WRONG)
        page = CSRF_VALUE.sub("", TOO_MANY.sub("", locked.text)).replace(email, "")
        answers.append((locked.status_code, page))
    assert answers[0][0] == 429 and answers[0] == answers[1]
    assert GENERIC_FAILURE not in answers[0][1]


def test_refused_attempts_do_not_extend_the_back_off(app, auth, make_user, monkeypatch):
    user = make_user("company")
    limit = app.config["LOGIN_MAX_FAILURES"]
    start = utcnow()
    monkeypatch.setattr(throttle, "utcnow", lambda: start)
    for _ in range(limit):
        assert auth.login(user.email, WRONG).status_code == 401
    for _ in range(10):  # hammering while locked is refused and not counted
        assert auth.login(user.email, WRONG).status_code == 429
    monkeypatch.setattr(throttle, "utcnow", lambda: start + timedelta(seconds=throttle.BASE_DELAY_SECONDS + 1))
    assert auth.login(user.email, WRONG).status_code == 401  # one more try after 30 s
    again = auth.login(user.email)
    assert again.status_code == 429  # and the next wait doubles
    assert int(again.headers["Retry-After"]) > throttle.BASE_DELAY_SECONDS
