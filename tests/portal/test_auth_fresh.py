"""A fresh login lasts FRESH_LOGIN_MINUTES after the last password entry (SECURITY.md)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.auth import sessions
from tests.conftest import PASSWORD

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    """The session clock, moved by ``clock.advance(minutes=...)``."""

    class Clock:
        now = START

        def advance(self, **delta) -> None:
            self.now += timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(sessions, "clock", lambda: fake.now)
    return fake


def _export(client):
    return client.get("/maal/eksport.csv")


def _approve(client, auth):
    # The fresh check comes before the opening is loaded: stale → confirm, fresh → 404 here.
    return client.post("/kandidater/opslag/1/borger/1", data={
        "decision": "approve", "csrf_token": auth.csrf_token("/")})


def _goes_to_confirm(response) -> bool:
    return response.status_code == 302 and "/auth/confirm" in response.headers["Location"]


def _confirm(client, auth, password: str = PASSWORD):
    return client.post("/auth/confirm", data={
        "password": password, "csrf_token": auth.csrf_token("/auth/confirm"), "next": "/maal/"})


def test_fresh_right_after_login_and_until_the_limit(client, auth, make_user, clock):
    auth.login(make_user("consultant").email)
    assert _export(client).status_code == 200
    clock.advance(minutes=9, seconds=59)
    assert _export(client).status_code == 200
    assert _approve(client, auth).status_code == 404


@pytest.mark.parametrize("action", [_export, _approve])
def test_stale_after_eleven_minutes_sends_to_confirm(client, auth, make_user, clock, action):
    auth.login(make_user("consultant").email)
    clock.advance(minutes=11)
    response = action(client) if action is _export else action(client, auth)
    assert _goes_to_confirm(response)


def test_confirm_makes_it_fresh_again_for_another_ten_minutes(client, auth, make_user, clock):
    auth.login(make_user("consultant").email)
    clock.advance(minutes=11)
    assert _goes_to_confirm(_export(client))
    response = _confirm(client, auth)
    assert response.status_code == 302 and response.headers["Location"] == "/maal/"
    assert _export(client).status_code == 200
    assert _approve(client, auth).status_code == 404
    clock.advance(minutes=11)
    assert _goes_to_confirm(_export(client))


def test_a_wrong_password_at_confirm_keeps_it_stale(client, auth, make_user, clock):
    auth.login(make_user("consultant").email)
    clock.advance(minutes=11)
    assert _confirm(client, auth, "Forkert-kode-123").status_code == 401
    assert _goes_to_confirm(_export(client))


def test_setting_from_config_is_used(app, client, auth, make_user, clock):
    app.config["FRESH_LOGIN_MINUTES"] = 2
    auth.login(make_user("consultant").email)
    clock.advance(minutes=1)
    assert _export(client).status_code == 200
    clock.advance(minutes=2)
    assert _goes_to_confirm(_export(client))


def test_a_session_without_a_password_time_is_not_fresh(client, auth, make_user, clock):
    auth.login(make_user("consultant").email)
    with client.session_transaction() as session:  # a cookie made before the rule existed
        del session["password_at"]
    assert _goes_to_confirm(_export(client))
