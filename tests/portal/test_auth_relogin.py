"""A form sent on an ended session (review D 1): never a 405 after logging in again, never lost.

The session ends under the user's feet when its row is deleted (»Log ud« for this device on
another one, a password change). Then ``next`` is the form's page (the Referer), never the POST-only URL,
and after the log-in /auth/send-igen offers to send the same fields again.
"""
from __future__ import annotations

import re

from portal.extensions import db
from store.models import User
from tests.conftest import PASSWORD

NOT_SAVED = "Din handling blev ikke gemt – gør den igen."


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _end_sessions_elsewhere(app, user_id: int) -> None:
    """What »Log ud på alle andre enheder« on another device (or a password change) does to this
    session: its row goes (every row of the user, here)."""
    from portal.auth.sessions import end_all_sessions

    with app.app_context():
        end_all_sessions(db.session.get(User, user_id))
        db.session.commit()


def _log_in_again(client, location: str, email: str):
    page = client.get(location).get_data(as_text=True)
    next_url = re.search(r'name="next" type="hidden" value="([^"]*)"', page).group(1)
    return client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": _token(page), "next": next_url}), page


def test_a_post_on_an_ended_session_returns_to_the_form_page_and_can_be_sent_again(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    token = _token(client.get("/beskeder/").get_data(as_text=True))
    _end_sessions_elsewhere(app, user.id)
    # The POST-only "mark all read", sent from the notifications page.
    response = client.post("/beskeder/laest?fra=liste", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/beskeder/?side=2"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/login?next=") and "laest" not in location
    assert location == "/auth/login?next=/beskeder/?side%3D2"
    login, page = _log_in_again(client, location, user.email)
    assert "logget ud fra en anden enhed" in page and "ikke gemt endnu" in page
    assert login.status_code == 302 and login.headers["Location"] == "/auth/send-igen"
    resend = client.get("/auth/send-igen").get_data(as_text=True)
    assert "Din handling blev ikke gemt" in resend
    assert 'action="/beskeder/laest?fra=liste"' in resend  # the query kept (/forloeb/timer?maaned=...)
    sent = client.post("/beskeder/laest", data={"csrf_token": _token(resend)}, follow_redirects=True)
    assert "markeret som læst" in sent.get_data(as_text=True)
    # Sent once: the page no longer offers it (a reload cannot send it twice).
    assert client.get("/auth/send-igen").headers["Location"] == "/"


def test_without_a_referer_the_start_page_is_next_never_the_post_url(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    token = _token(client.get("/beskeder/").get_data(as_text=True))
    _end_sessions_elsewhere(app, user.id)
    response = client.post("/beskeder/laest", data={"csrf_token": token},
                           headers={"Referer": "https://elsewhere.example/beskeder/"})
    assert response.headers["Location"] == "/auth/login?next=/"


def test_a_form_too_big_to_keep_is_named_not_saved_after_login(app, client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    token = _token(client.get("/beskeder/indstillinger").get_data(as_text=True))
    _end_sessions_elsewhere(app, user.id)
    response = client.post("/beskeder/indstillinger", data={"csrf_token": token, "kinds": ["x" * 3000]},
                           headers={"Referer": "http://localhost/beskeder/indstillinger"})
    login, page = _log_in_again(client, response.headers["Location"], user.email)
    assert "blev ikke gemt: log ind igen, og gør det igen" in page
    assert login.headers["Location"] == "/beskeder/indstillinger"
    assert NOT_SAVED in client.get("/beskeder/indstillinger").get_data(as_text=True)


def test_a_held_form_is_never_offered_to_another_user(app, client, auth, make_user):
    owner, other = make_user("consultant"), make_user("consultant")
    auth.login(owner.email)
    token = _token(client.get("/beskeder/").get_data(as_text=True))
    _end_sessions_elsewhere(app, owner.id)
    response = client.post("/beskeder/laest", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/beskeder/"})
    login, _ = _log_in_again(client, response.headers["Location"], other.email)
    assert login.headers["Location"] == "/beskeder/"
    assert client.get("/auth/send-igen").headers["Location"] == "/"


def test_a_replayed_cookie_after_logout_still_gets_nothing(app, client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    token = _token(client.get("/beskeder/").get_data(as_text=True))
    cookie = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.post("/beskeder/laest", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert thief.get("/auth/send-igen").headers["Location"].startswith("/auth/login")


def test_a_post_after_the_12_hour_limit_is_kept_and_says_why(app, client, auth, make_user, monkeypatch):
    from datetime import timedelta

    from portal.auth import sessions

    user = make_user("consultant")
    auth.login(user.email)
    token = _token(client.get("/beskeder/").get_data(as_text=True))
    real = sessions.clock
    monkeypatch.setattr(sessions, "clock", lambda: real() + timedelta(hours=12, minutes=1))
    response = client.post("/beskeder/laest", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/beskeder/"})
    assert response.headers["Location"] == "/auth/login?next=/beskeder/"
    login, page = _log_in_again(client, response.headers["Location"], user.email)
    assert "logget ind i 12 timer" in page and "ikke gemt endnu" in page
    assert login.headers["Location"] == "/auth/send-igen"


def _notes(page: str) -> tuple[list[str], list[str]]:
    """The log-in page's flashes and its note on what became of the form (the server's line,
    shown unless session.js finds the tab's copy and shows »… er ikke tabt« instead)."""
    flashes = re.findall(r'data-jobbro-flash="[^"]*">\s*(?:<[^>]+>\s*)*([^<]+)', page)
    sent = re.findall(r'<p data-jobbro-not-kept data-testid="login-sent-note">([^<]+)</p>', page)
    return [f.strip() for f in flashes], sent


def _hotline_form(client) -> dict:
    token = _token(client.get("/hotline/ny").get_data(as_text=True))
    return {"csrf_token": token, "subject": "Spørgsmål", "message": "Må praktikanten køre truck?",
            "category": "fravaer", "urgency": "normal"}


def test_a_form_held_by_the_server_is_said_once_and_never_lost(app, client, auth, make_user):
    """Browser review: the log-in page said »… blev ikke gemt: … gør det igen« beside »Det, du
    skrev, er ikke tabt«. Held on the server: the page says so, as the one line session.js
    replaces when the tab kept a copy too; never »gør det igen«."""
    from portal.auth import relogin

    user = make_user("company")
    auth.login(user.email)
    data = _hotline_form(client)
    _end_sessions_elsewhere(app, user.id)
    response = client.post("/hotline/ny", data=data, headers={"Referer": "http://localhost/hotline/ny"})
    login, page = _log_in_again(client, response.headers["Location"], user.email)
    flashes, sent = _notes(page)
    assert sent == [relogin.HELD]
    assert not any(relogin.HELD in f or relogin.LOST in f for f in flashes) and relogin.LOST not in page
    assert 'data-testid="login-kept-note" hidden' in page
    assert login.headers["Location"] == "/auth/send-igen"


def test_a_form_not_held_after_a_log_out_in_another_tab_is_said_lost_only_where_the_tab_can_say_otherwise(
        app, client, auth, make_user):
    """The review's steps: /hotline/ny filled in, »Log ud« in another tab (the same cookie), then
    »Send henvendelse«. The server holds nothing (no user left to hold it for), so its line is
    »gør det igen«, marked for session.js to hide when this tab kept the text (it puts it back
    after the log-in); not in a flash, which nothing could hide."""
    from portal.auth import relogin

    user = make_user("company")
    auth.login(user.email)
    data = _hotline_form(client)
    auth.logout()  # the other tab
    response = client.post("/hotline/ny", data=data, headers={"Referer": "http://localhost/hotline/ny"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login?next=/hotline/ny"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    flashes, sent = _notes(page)
    assert sent == [relogin.LOST]
    assert not any(relogin.LOST in f or relogin.HELD in f for f in flashes) and relogin.HELD not in page
    assert 'data-testid="login-kept-note" hidden' in page
    # Said once: a reload of the log-in page (or a mistyped password) does not say it again.
    again, sent = _notes(client.get("/auth/login?next=/hotline/ny").get_data(as_text=True))
    assert sent == []


def test_a_form_too_big_to_hold_is_said_lost_on_the_replaceable_line(app, client, auth, make_user):
    from portal.auth import relogin

    user = make_user("company")
    auth.login(user.email)
    token = _token(client.get("/beskeder/indstillinger").get_data(as_text=True))
    _end_sessions_elsewhere(app, user.id)
    response = client.post("/beskeder/indstillinger", data={"csrf_token": token, "kinds": ["x" * 3000]},
                           headers={"Referer": "http://localhost/beskeder/indstillinger"})
    _flashes, sent = _notes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert sent == [relogin.LOST]


def test_the_log_in_page_without_a_sent_form_says_nothing_of_one(client):
    assert _notes(client.get("/auth/login").get_data(as_text=True))[1] == []
