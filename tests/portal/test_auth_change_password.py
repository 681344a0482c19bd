"""A logged-in user changes their own password (review E 9; SECURITY.md "sessions").

The current password is asked first and throttled like a log-in; the new one follows the
set-password rules; the user's other sessions end, this one goes on; it is audited.
"""
from __future__ import annotations

import re

from portal.auth.passwords import verify_password
from portal.extensions import db
from store.models import AuditEvent, User
from tests.conftest import PASSWORD

NEW = "Lang-ny-saetning-om-kaffe-42"


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _change(client, current: str, new: str = NEW, confirm: str | None = None):
    token = _token(client.get("/auth/skift-adgangskode").get_data(as_text=True))
    return client.post("/auth/skift-adgangskode", data={
        "csrf_token": token, "current": current, "password": new, "confirm": confirm or new})


def test_the_header_links_to_the_password_change(client, auth, make_user):
    auth.login(make_user("company").email)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/auth/skift-adgangskode" data-testid="change-password-link">Adgangskode og enheder</a>' in html


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    phone = app.test_client()
    page = phone.get("/auth/login").get_data(as_text=True)
    phone.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _token(page)})
    assert phone.get("/").status_code == 200
    response = _change(client, PASSWORD)
    assert response.status_code == 302
    home = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Din adgangskode er skiftet. Var du logget ind på andre enheder, er de nu logget ud." in home
    assert phone.get("/").status_code == 302  # the other device must log in again
    with app.app_context():
        row = db.session.get(User, user.id)
        assert verify_password(row.password_hash, NEW)
        events = db.session.query(AuditEvent).filter_by(action="password_changed").all()
        assert [e.user_id for e in events] == [user.id]


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    response = _change(client, "Forkert-kode-123")
    assert response.status_code == 401
    assert "Forkert adgangskode." in response.get_data(as_text=True)
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)
        assert db.session.query(AuditEvent).filter_by(action="password_change_failed").count() == 1


def test_repeated_wrong_current_passwords_end_the_session(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    statuses = [_change(client, f"Forkert-kode-{n}").status_code for n in range(app.config["LOGIN_MAX_FAILURES"])]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}
    assert client.get("/").status_code == 302  # logged out: a stolen cookie cannot keep guessing


def test_the_new_password_follows_the_set_password_rules(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    weak = _change(client, PASSWORD, "kort")
    assert weak.status_code == 400 and "mindst 8 tegn" in weak.get_data(as_text=True)
    same = _change(client, PASSWORD, PASSWORD)
    assert same.status_code == 400 and "en anden adgangskode" in same.get_data(as_text=True)
    mismatch = _change(client, PASSWORD, NEW, NEW + "x")
    assert mismatch.status_code == 400 and "ikke ens" in mismatch.get_data(as_text=True)
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)
