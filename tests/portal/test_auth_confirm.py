"""/auth/confirm is throttled like log-in; reaching the limit there ends the session."""
from __future__ import annotations

import re

from portal.extensions import db
from store.models import AuditEvent, UserSession
from tests.conftest import PASSWORD

WRONG = "Forkert-kode-123"
TOO_MANY = re.compile(r"For mange forsøg\. Prøv igen om \d+ sekunder\.")  # as at log-in


def _confirm(client, auth, password: str):
    return client.post("/auth/confirm", data={
        "password": password, "csrf_token": auth.csrf_token("/auth/confirm"), "next": "/"})


def _actions(app, action: str) -> int:
    with app.app_context():
        return db.session.query(AuditEvent).filter_by(action=action).count()


def test_wrong_passwords_are_counted_audited_and_end_the_session_at_the_limit(app, client, auth,
                                                                              make_user):
    user = make_user("consultant")
    auth.login(user.email)
    cookie = client.get_cookie("session").value
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        response = _confirm(client, auth, WRONG)
        assert response.status_code == 401 and "Forkert adgangskode." in response.text
    assert _actions(app, "confirm_failed") == limit - 1

    last = _confirm(client, auth, WRONG)
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    assert TOO_MANY.search(last.text)
    assert _actions(app, "confirm_failed") == limit
    with app.app_context():  # every session of the user ended, not only this one
        assert db.session.query(UserSession).filter_by(user_id=user.id).count() == 0
    # Both the client and a copy of the cookie taken before are logged out.
    assert "/auth/login" in client.get("/").headers["Location"]
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert "/auth/login" in thief.get("/").headers["Location"]


def test_a_throttled_account_and_ip_cannot_confirm_even_with_the_right_password(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    with client.session_transaction() as session:
        session["_fresh"] = False  # the login has gone stale
    guesser = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        page = guesser.get("/auth/login").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        guesser.post("/auth/login", data={"email": user.email, "password": WRONG, "csrf_token": token})
    page = guesser.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 429 and TOO_MANY.search(page.text)

    response = _confirm(client, auth, PASSWORD)
    assert response.status_code == 429 and TOO_MANY.search(response.text)
    assert int(response.headers["Retry-After"]) > 0
    assert _actions(app, "confirm_throttled") == 1
    # Not confirmed: the export still asks for the password.
    assert "/auth/confirm" in client.get("/maal/eksport.csv").headers["Location"]


def test_a_right_password_at_confirm_works_and_is_not_counted(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    assert _confirm(client, auth, WRONG).status_code == 401
    response = _confirm(client, auth, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _actions(app, "confirm_failed") == 1


def test_colleagues_failures_behind_one_ip_do_not_end_my_session(app, client, auth, make_user):
    """The IP is shared behind a NAT: colleagues' typos do not count against me."""
    user = make_user("consultant")
    auth.login(user.email)
    colleague = app.test_client()
    colleague_auth = type(auth)(colleague)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):  # colleagues' typos at log-in, same IP
        colleague_auth.login(make_user("consultant").email, WRONG)
    response = _confirm(client, auth, WRONG)
    assert response.status_code == 401
    assert _actions(app, "session_ended") == 0
    assert client.get("/").status_code == 200  # still logged in


def test_a_locked_ip_refuses_my_confirm_but_never_logs_me_out(app, client, auth, make_user):
    app.config["LOGIN_IP_MAX_ACCOUNTS"] = 3
    user = make_user("consultant")
    auth.login(user.email)
    colleague_auth = type(auth)(app.test_client())
    for _ in range(3):  # failures on three other accounts from my address
        colleague_auth.login(make_user("consultant").email, WRONG)
    response = _confirm(client, auth, WRONG)  # mine would be the fourth account
    assert response.status_code == 429 and TOO_MANY.search(response.text)
    assert _actions(app, "session_ended") == 0
    assert client.get("/").status_code == 200  # still logged in


def test_a_right_password_clears_the_accounts_failures(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    limit = app.config["LOGIN_MAX_FAILURES"]
    # One address throughout: session protection ends a session whose address changes.
    for _ in range(limit - 1):
        assert _confirm(client, auth, WRONG).status_code == 401
    assert _confirm(client, auth, PASSWORD).status_code == 302
    # Without the clearing this typo would be the account's limit-th and end the session.
    assert _confirm(client, auth, WRONG).status_code == 401
    assert _actions(app, "session_ended") == 0 and client.get("/").status_code == 200
