"""/glemt-adgangskode: same answer for every e-mail, a link that works once and expires, throttling."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import mail
from portal.auth import throttle, tokens
from portal.auth.routes import LINK_DEAD
from portal.extensions import db
from store.models import AuditEvent, User
from store.models.base import utcnow
from tests.conftest import PASSWORD
from tests.portal import test_mail as mail_fixtures
from tests.portal.test_mail import FakeSMTP, Outbox
from tests.portal.set_password_links import PAGE as SET_PAGE, open_link

outbox, mail_server_down = mail_fixtures.outbox, mail_fixtures.mail_server_down  # shared fixtures

PAGE = "/glemt-adgangskode"
ANSWER = "Hvis e-mailen hører til en aktiv bruger, har vi sendt et link"
NEW_PASSWORD = "Blå-kaffekop-på-trappen-7"


def ask(client, auth, email: str, **extra):
    return client.post(PAGE, data={"email": email, "csrf_token": auth.csrf_token(PAGE), **extra})


def ask_from(client, auth, email: str, ip: str):
    token = auth.csrf_token(PAGE)
    return client.post(PAGE, data={"email": email, "csrf_token": token}, environ_base={"REMOTE_ADDR": ip})


def path_of(link: str) -> str:
    return link[link.index("/auth/"):]


def actions(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEvent.purpose, AuditEvent.result)
                                  .where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
    return [tuple(row) for row in rows]


def test_login_page_links_to_the_form(client):
    assert 'href="/glemt-adgangskode"' in client.get("/auth/login").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Glemt adgangskode" in page and 'name="email"' in page and "60 minutter" in page


CSRF_VALUE = re.compile(r'(?<=name="csrf_token" type="hidden" )value="[^"]*"')


def test_known_and_unknown_e_mail_get_identical_answers(app, client, auth, make_user, outbox):
    user = make_user("company", email="kendt@firma.dk")
    answers = []
    for email in ("kendt@firma.dk", "ukendt@firma.dk"):
        client.delete_cookie("session")
        response = ask(client, auth, email)
        followed = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"],
                        # CSRF tokens carry a timestamp: any two differ once a second passes.
                        CSRF_VALUE.sub('value=""', followed.get_data(as_text=True))))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, "/auth/login") and ANSWER in answers[0][2]
    assert [message["To"] for message in outbox] == ["kendt@firma.dk"]
    assert actions(app, "password_forgot") == [(f"user:{user.id}", "ok"), ("", "no_account")]


def test_inactive_user_gets_the_same_answer_and_no_mail(app, client, auth, make_user, outbox):
    make_user("company", email="stop@firma.dk", active=False)
    response = ask(client, auth, "stop@firma.dk")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert len(outbox) == 0
    assert actions(app, "password_forgot")[-1][1] == "inactive"


def test_e_mail_case_and_spaces_do_not_matter(client, auth, make_user, outbox):
    make_user("consultant", email="vk@jc.dk")
    ask(client, auth, "  VK@JC.dk ")
    assert [message["To"] for message in outbox] == ["vk@jc.dk"]


def test_mailed_link_works_once_and_ends_old_sessions(app, client, auth, make_user, outbox):
    user = make_user("company", email="glemt@firma.dk")
    auth.login(user.email)
    old_cookie = client.get_cookie("session").value
    client.delete_cookie("session")
    ask(client, auth, user.email)
    [message] = outbox
    body = message.get_content()
    assert "Goddag" in body and "60 minutter" in body and "udløber" in body
    [link] = outbox.links()
    path = path_of(link)
    assert auth.login(user.email).status_code == 302  # asking changed nothing yet
    client.delete_cookie("session")
    token = open_link(client, path)
    done = client.post(SET_PAGE, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert done.status_code == 302
    dead = client.get(path)
    assert dead.status_code == 404 and LINK_DEAD in dead.get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie("session", old_cookie)
    assert thief.get("/").status_code == 302  # the session from before the reset is gone
    assert auth.login(user.email, PASSWORD).status_code == 401
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302
    assert "password_set" in [a for a, in _all_actions(app)]


def _all_actions(app):
    with app.app_context():
        return db.session.execute(sa.select(AuditEvent.action)).all()


def test_link_expires_after_the_configured_minutes(app, client, auth, make_user, outbox, monkeypatch):
    app.config["PASSWORD_FORGOT_MINUTES"] = 5
    user = make_user("company")
    ask(client, auth, user.email)
    path = path_of(outbox.links()[0])
    with app.app_context():
        expires = db.session.get(User, user.id).set_password_expires
    assert timedelta(minutes=4) < expires - utcnow() <= timedelta(minutes=5)
    assert client.get(path).status_code == 302  # to the page, the token in the session (review AZ 2)
    assert client.get(SET_PAGE).status_code == 200
    monkeypatch.setattr(tokens, "utcnow", lambda: expires + timedelta(seconds=1))
    response = client.get(path)
    assert response.status_code == 404 and LINK_DEAD in response.get_data(as_text=True)
    assert client.get(SET_PAGE).status_code == 404  # the page opened before it expired is dead too


def test_a_new_request_kills_the_previous_link(client, auth, make_user, outbox):
    user = make_user("company")
    ask(client, auth, user.email)
    ask(client, auth, user.email)
    first, second = outbox.links()
    assert client.get(path_of(first)).status_code == 404
    assert client.get(path_of(second)).status_code == 302


def test_cap_per_e_mail_sends_nothing_more_and_looks_the_same(app, client, auth, make_user, outbox):
    user = make_user("company", email="offer@firma.dk")
    limit = app.config["PASSWORD_FORGOT_MAX_PER_EMAIL"]
    for email in ("offer@firma.dk", "findes.ikke@firma.dk"):
        for i in range(limit):
            assert ask_from(client, auth, email, f"10.0.0.{i}").status_code == 302
        capped = ask_from(client, auth, email, "10.0.1.1")  # a new IP buys no more mails
        # The same answer as always: a 429 would reveal recent requests for the address.
        assert capped.status_code == 302 and capped.headers["Location"] == "/auth/login"
        assert ANSWER in client.get("/auth/login").get_data(as_text=True)
    assert len(outbox) == limit  # the victim's inbox got no more than the cap
    assert actions(app, "password_forgot")[limit] == (f"user:{user.id}", "capped")
    assert actions(app, "password_forgot")[-1] == ("", "capped")
    assert actions(app, "password_forgot_throttled") == []


def test_cap_is_hard_and_opens_again_after_the_window(app, client, auth, make_user, outbox, monkeypatch):
    user = make_user("company")
    limit, window = app.config["PASSWORD_FORGOT_MAX_PER_EMAIL"], app.config["PASSWORD_FORGOT_WINDOW_SECONDS"]
    start = utcnow()
    for minute in range(limit + 6):  # one request a minute: a growing back-off would let some through
        monkeypatch.setattr(throttle, "utcnow", lambda m=minute: start + timedelta(minutes=m))
        assert ask_from(client, auth, user.email, f"10.1.0.{minute}").status_code == 302
    assert len(outbox) == limit
    monkeypatch.setattr(throttle, "utcnow", lambda: start + timedelta(seconds=window + 1))
    ask_from(client, auth, user.email, "10.2.0.1")
    assert len(outbox) == limit + 1 and outbox[-1]["To"] == user.email


def test_throttle_per_ip_across_e_mails(app, client, auth, outbox):
    for i in range(app.config["PASSWORD_FORGOT_MAX_PER_IP"]):
        assert ask_from(client, auth, f"gaet{i}@firma.dk", "10.9.9.9").status_code == 302
    blocked = ask_from(client, auth, "en.mere@firma.dk", "10.9.9.9")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "For mange forsøg" in blocked.get_data(as_text=True)
    assert ask_from(client, auth, "en.mere@firma.dk", "10.9.9.10").status_code == 302
    assert actions(app, "password_forgot_throttled") == [("", "denied")]


def test_forgot_requests_do_not_throttle_logins(app, client, auth, make_user, outbox):
    user = make_user("company")
    for _ in range(app.config["PASSWORD_FORGOT_MAX_PER_EMAIL"] + 1):
        ask(client, auth, user.email)
    assert auth.login(user.email).status_code == 302


def test_mail_server_down_still_gives_the_same_answer(app, client, auth, make_user, mail_server_down):
    user = make_user("company")
    response = ask(client, auth, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert actions(app, "account_mail") == [(f"user:{user.id} forgot", "failed")]


def test_link_is_built_on_portal_url_not_the_host_header(app, client, auth, make_user, outbox):
    app.config["PORTAL_URL"] = "https://jobbro.hedensted.dk"
    user = make_user("company")
    forged = {"Host": "evil.example"}
    html = client.get(PAGE, headers=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post(PAGE, data={"email": user.email, "csrf_token": token}, headers=forged).status_code == 302
    [link] = outbox.links()
    assert link.startswith("https://jobbro.hedensted.dk/auth/set-password/")


def test_no_token_or_e_mail_in_the_audit_log(app, client, auth, make_user, outbox):
    user = make_user("company", email="spor@firma.dk")
    ask(client, auth, user.email)
    ask(client, auth, "ukendt@firma.dk")
    token = outbox.links()[0].rsplit("/", 1)[1]
    with app.app_context():
        text = " ".join(f"{e.purpose} {e.result}" for e in db.session.scalars(sa.select(AuditEvent)))
    assert token not in text and "spor@firma.dk" not in text and "ukendt@firma.dk" not in text


def test_post_without_csrf_is_refused_and_sends_nothing(client, make_user, outbox):
    user = make_user("company")
    response = client.post(PAGE, data={"email": user.email})
    assert response.status_code == 400 and len(outbox) == 0


@pytest.mark.parametrize("value, message", [
    ("", "Skriv din e-mail."),
    ("x" * 10**6, "højst være 254 tegn"),
    ("' OR 1=1--@firma.dk", "gyldig e-mail"),
    ("a\x00b@firma.dk", "gyldig e-mail"),
    ("<script>alert(1)</script>", "gyldig e-mail"),
    ("{{7*7}}", "gyldig e-mail"),
    ("' OR 1=1--", "gyldig e-mail"),
    ("* ? ~ /re/ AND \"", "gyldig e-mail"),
    ("=HYPERLINK(\"http://evil\")", "gyldig e-mail"),
    ("anne@firma.dk\nBcc: alle@firma.dk", "gyldig e-mail"),
])
def test_bad_input_is_a_danish_form_error(client, auth, outbox, value, message):
    response = ask(client, auth, value)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert "<script>alert(1)" not in body  # reflected escaped, never as markup
    assert len(outbox) == 0


@pytest.mark.parametrize("value", ["\u202eanne@firma.dk", "an\u200bne@firma.dk", "ane\u0301@firma.dk",
                                   "'OR'1'='1'--@firma.dk", "{{7*7}}@firma.dk"])
def test_odd_but_well_formed_e_mails_get_the_same_answer_and_no_mail(client, auth, make_user, outbox, value):
    make_user("company", email="anne@firma.dk")
    response = ask(client, auth, value)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert len(outbox) == 0


def test_extra_fields_change_nothing(app, client, auth, make_user, outbox):
    user = make_user("company")
    ask(client, auth, user.email, role="admin", company_id="999", status="approved", active="0")
    with app.app_context():
        row = db.session.get(User, user.id)
        assert (row.role, row.company_id, row.active) == ("company", user.company_id, True)
    assert [message["To"] for message in outbox] == [user.email]


def test_setting_the_password_needs_csrf_and_keeps_the_link_alive_without_it(app, client, auth, make_user,
                                                                              outbox):
    user = make_user("company")
    ask(client, auth, user.email)
    path = path_of(outbox.links()[0])
    open_link(client, path)
    refused = client.post(SET_PAGE, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 400
    assert client.get(SET_PAGE).status_code == 200  # still usable by its owner
    assert auth.login(user.email, NEW_PASSWORD).status_code == 401


def test_the_answer_does_not_wait_for_a_slow_mail_server(app, client, auth, make_user, monkeypatch):
    """Out of test mode the mail goes in the background: a known e-mail answers as fast as an unknown."""
    app.config.update(MAIL_SERVER="smtp.jobbro.test", PORTAL_URL="https://jobbro.test", MAIL_SEND_INLINE=False)
    user = make_user("company")
    box, release = Outbox(), threading.Event()
    box.logins = []

    class SlowSMTP(FakeSMTP):
        def send_message(self, message):
            release.wait(timeout=30)  # the server "hangs" until the test lets it answer
            super().send_message(message)

    monkeypatch.setattr(mail, "open_connection", lambda config: SlowSMTP(box))
    try:
        response = ask(client, auth, user.email)
        assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
        assert len(box) == 0 and actions(app, "account_mail") == []  # answered before the send ended
    finally:
        release.set()
    mail._executor().submit(lambda: None).result(timeout=30)  # one FIFO worker: the mail is done
    assert [message["To"] for message in box] == [user.email]
    assert actions(app, "account_mail") == [(f"user:{user.id} forgot", "sent")]


def test_a_link_used_by_two_requests_at_once_sets_one_password(app, client, auth, make_user, outbox,
                                                               monkeypatch):
    """Two requests with one link both pass the token check; only one may set a password."""
    from portal.auth import routes

    user = make_user("company")
    ask(client, auth, user.email)
    path = path_of(outbox.links()[0])
    other = app.test_client()
    tokens_for = {c: open_link(c, path) for c in (client, other)}
    real_hash, answers, raced = routes.hash_password, [], threading.Event()

    def hash_while_the_other_request_wins(password: str) -> str:
        if not raced.is_set():  # the first request is past the token check: the second finishes now
            raced.set()
            answers.append(other.post(SET_PAGE, data={"password": "Anden-kode-i-mellemtiden-4",
                                                  "confirm": "Anden-kode-i-mellemtiden-4",
                                                  "csrf_token": tokens_for[other]}).status_code)
        return real_hash(password)

    monkeypatch.setattr(routes, "hash_password", hash_while_the_other_request_wins)
    late = client.post(SET_PAGE, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                   "csrf_token": tokens_for[client]})
    assert answers == [302]
    assert late.status_code == 404 and LINK_DEAD in late.get_data(as_text=True)
    assert auth.login(user.email, NEW_PASSWORD).status_code == 401  # the loser changed nothing
    assert auth.login(user.email, "Anden-kode-i-mellemtiden-4").status_code == 302
    assert [a for a, in _all_actions(app)].count("password_set") == 1
