"""The session is regenerated at log-in (issue 7, finding 1; SECURITY.md "sessions").

Log-in clears the session (a new CSRF token, nothing carried over from the anonymous
session) and gives the device a session row of its own, so the user may be logged in on several
devices (review D 1); log-out ends this device's session only, a password change all of them
(more in test_auth_devices.py). Session protection "strong" really ends a session whose client
changes, permanent sessions included (Flask-Login on its own only marks them non-fresh).
"""
from __future__ import annotations

import re

from tests.conftest import PASSWORD


def _raw_csrf(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("csrf_token")


def _is_logged_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_login_gives_a_new_csrf_token(client, auth, make_user):
    user = make_user("consultant")
    before_form_token = auth.csrf_token()
    before = _raw_csrf(client)
    assert before
    assert auth.login(user.email).status_code == 302
    client.get("/")  # a page with a form (log-out) makes the new token
    after = _raw_csrf(client)
    assert after and after != before
    # A token planted before log-in (session fixation of the CSRF secret) no longer validates.
    response = client.post("/auth/logout", data={"csrf_token": before_form_token})
    assert response.status_code == 400
    assert _is_logged_in(client)


def test_nothing_from_the_anonymous_session_survives_login(client, auth, make_user):
    user = make_user("consultant")
    auth.csrf_token()
    with client.session_transaction() as session:
        session["planted"] = "by-someone-else"
    assert auth.login(user.email).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id") == str(user.id)


def test_a_cookie_captured_before_login_does_not_carry_the_login(app, client, auth, make_user):
    # Holds by construction with Flask's signed-cookie sessions; it guards a move to
    # server-side sessions, where the pre-login session id must not become the logged-in one.
    user = make_user("consultant")
    auth.csrf_token()
    captured = client.get_cookie("session").value
    assert auth.login(user.email).status_code == 302
    assert _is_logged_in(client)
    fixated = app.test_client()
    fixated.set_cookie("session", captured)
    assert not _is_logged_in(fixated)


def test_a_second_login_keeps_the_first_session_and_a_logout_ends_only_its_own(app, client, auth, make_user):
    """Phone and desk PC at once (review D 1); a copied cookie still dies at log-out."""
    user = make_user("consultant")
    assert auth.login(user.email).status_code == 302
    other = app.test_client()
    _log_in(other, user.email)  # the same user on a second device
    other_cookie = other.get_cookie("session").value
    assert _is_logged_in(other)
    assert _is_logged_in(client)  # the first device goes on
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      other.get("/").get_data(as_text=True)).group(1)
    assert other.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", other_cookie)
    assert not _is_logged_in(thief)
    assert not _is_logged_in(other)
    assert _is_logged_in(client)  # the desk PC was not logged out by the phone


def test_strong_session_protection_ends_a_session_used_by_another_client(app, client, auth, make_user):
    user = make_user("consultant")
    assert auth.login(user.email).status_code == 302
    cookie = client.get_cookie("session").value
    assert _is_logged_in(client)
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/", headers={"User-Agent": "Stjaalet/1.0"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    # The same cookie from the owner's own browser still works.
    assert _is_logged_in(client)


def test_a_static_file_never_writes_back_an_older_session(app, client, auth, make_user):
    """A stylesheet requested with the session as it was before a form's answer (still loading
    when the answer came) must not write that older session back: the answer's flash would be
    lost. Pages still refresh the session (its idle timeout)."""
    user = make_user("company")
    auth.login(user.email)
    assert "session=" in client.get("/").headers.get("Set-Cookie", "")  # a page refreshes it
    older = client.get_cookie("session").value
    token = auth.csrf_token("/beskeder/indstillinger")
    answer = client.post("/beskeder/indstillinger", data={"csrf_token": token})
    assert answer.status_code == 302  # "Dine valg er gemt." waits in the new session
    newer = client.get_cookie("session").value
    assert newer != older
    client.set_cookie("session", older)  # the stylesheet's request left before the answer came
    stale = client.get("/static/css/jobbro.css")
    assert stale.status_code == 200 and "Set-Cookie" not in stale.headers
    client.set_cookie("session", newer)  # what the browser keeps, since nothing overwrote it
    assert "Dine valg er gemt." in client.get(answer.headers["Location"]).get_data(as_text=True)


def _log_in(client, email: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": token}).status_code == 302


def _login_page_after(client, path: str = "/kandidater/") -> str:
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    return client.get(response.headers["Location"]).get_data(as_text=True)


ENDED = ("Du er logget ud, fordi denne enhed er logget ud fra en anden enhed, eller fordi adgangskoden er "
         "skiftet.")


def test_a_session_ended_from_another_device_says_so_on_the_login_page(app, client, auth, make_user):
    user = make_user("consultant")
    assert auth.login(user.email).status_code == 302
    other = app.test_client()
    _log_in(other, user.email)  # the same user in a second browser, who logs this one out from there
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      other.get("/auth/skift-adgangskode").get_data(as_text=True)).group(1)
    assert other.post("/auth/enheder/log-ud-andre", data={"csrf_token": token}).status_code == 302
    for path in ("/kandidater/", "/"):  # a page that needs a log-in, and the start page
        page = _login_page_after(client, path)
        assert ENDED in page
        assert "Log ind for at se siden." not in page


def test_a_logged_out_or_never_logged_in_browser_gets_the_plain_message(app, client, auth, make_user):
    user = make_user("consultant")
    assert auth.login(user.email).status_code == 302
    assert auth.logout().status_code == 302
    for browser in (client, app.test_client()):
        page = _login_page_after(browser)
        assert "Log ind for at se siden." in page and "anden enhed" not in page


def test_a_session_ended_by_a_password_change_says_so(app, client, auth, make_user):
    from portal.extensions import db
    from store.models import User

    user = make_user("consultant")
    assert auth.login(user.email).status_code == 302
    with app.app_context():  # what a password change or disabling does: every session ends
        from portal.auth.sessions import end_all_sessions

        end_all_sessions(db.session.get(User, user.id))
        db.session.commit()
    page = _login_page_after(client)
    assert ENDED in page and "Log ind for at se siden." not in page
