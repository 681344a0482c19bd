"""Administrators create users and send set-password links: mailed when possible, shown only when not."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.auth.routes import LINK_DEAD
from portal.extensions import db
from store.models import AuditEvent, Company, User
from tests.conftest import PASSWORD
from tests.portal import test_mail as mail_fixtures
from tests.portal.set_password_links import PAGE, open_link

outbox, mail_server_down = mail_fixtures.outbox, mail_fixtures.mail_server_down  # shared fixtures

NEW_PASSWORD = "Gule-cykler-ved-fjorden-3"
LINK_SHOWN = 'data-testid="set-password-link"'


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin", email="admin@jc.dk")
    auth.switch_to(user.email)
    return user


def create(client, auth, **overrides):
    data = {"email": "ny@firma.dk", "name": "Ny Bruger", "role": "consultant", "company_id": "0",
            "team_id": "0", "csrf_token": auth.csrf_token("/admin/users/new"), **overrides}
    return client.post("/admin/users/new", data=data)


def send_link(client, auth, user_id: int, with_csrf: bool = True):
    data = {"csrf_token": auth.csrf_token("/admin/users")} if with_csrf else {}
    return client.post(f"/admin/users/{user_id}/link", data=data)


def shown_link(html: str) -> str:
    return html.split(LINK_SHOWN + ">")[1].split("<")[0]


def path_of(link: str) -> str:
    return link[link.index("/auth/"):]


def audit_rows(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(AuditEvent.purpose, AuditEvent.result).where(AuditEvent.action == action))]


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


# --- new user -------------------------------------------------------------------------

def test_mail_sent_means_the_link_is_not_shown(app, client, auth, admin, make_user, outbox):
    company_user = make_user("company")  # gives us a company to choose
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
    response = create(client, auth, role="company", company_id=str(company.id), email="Ny@Firma.dk")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="sent"' in html
    assert "Vi har sendt en mail til ny@firma.dk" in html
    assert LINK_SHOWN not in html and "/auth/set-password/" not in html
    [message] = outbox
    body = message.get_content()
    assert message["To"] == "ny@firma.dk" and message["Subject"] == "Din adgang til Jobbro"
    assert "Admin Testesen har oprettet en bruger til dig" in body
    assert f"virksomhedsbruger for {company.name}" in body and "udløber" in body
    [link] = outbox.links()
    auth.logout()
    path = path_of(link)
    token = open_link(client, path)
    assert client.post(PAGE, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                   "csrf_token": token}).status_code == 302
    assert auth.login("ny@firma.dk", NEW_PASSWORD).status_code == 302
    assert audit_rows(app, "account_mail") == [(f"user:{user_id(app, 'ny@firma.dk')} welcome", "sent")]


def test_without_a_mail_server_the_link_is_shown_with_a_note(app, client, auth, admin):
    html = create(client, auth).get_data(as_text=True)
    assert 'data-result="skipped"' in html and "ikke sat en mailserver op" in html
    assert shown_link(html).startswith("http://localhost/auth/set-password/")


def test_mail_server_down_shows_the_link_and_keeps_the_user(app, client, auth, admin, mail_server_down):
    response = create(client, auth)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="failed"' in html
    assert "kunne ikke sendes" in html and "/auth/set-password/" in shown_link(html)
    assert user_id(app, "ny@firma.dk") is not None
    assert audit_rows(app, "account_mail")[0][1] == "failed"


def test_link_is_built_on_portal_url(app, client, auth, admin, outbox):
    app.config["PORTAL_URL"] = "https://jobbro.hedensted.dk/"
    create(client, auth)
    assert outbox.links()[0].startswith("https://jobbro.hedensted.dk/auth/set-password/")


def test_new_user_without_csrf_is_refused(app, client, auth, admin, outbox):
    response = client.post("/admin/users/new", data={"email": "ny@firma.dk", "name": "Ny", "role": "admin"})
    assert response.status_code == 400
    assert user_id(app, "ny@firma.dk") is None and len(outbox) == 0


# --- "Send nyt link" --------------------------------------------------------------------

def test_users_list_has_a_post_button_per_active_user(client, auth, admin, make_user):
    make_user("company", email="stop@firma.dk", active=False)
    html = client.get("/admin/users").get_data(as_text=True)
    buttons = re.findall(r'<form method="post" action="/admin/users/(\d+)/link">', html)
    assert buttons == [str(admin.id)]  # the disabled user has none
    assert "Send nyt link" in html


def test_new_link_resets_without_touching_password_or_sessions(app, client, auth, admin, make_user, outbox):
    user = make_user("company", email="glemsom@firma.dk")
    other = app.test_client()
    auth_other = type(auth)(other)
    auth_other.login(user.email)
    assert other.get("/").status_code == 200
    send_link(client, auth, user.id)
    response = send_link(client, auth, user.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="sent"' in html and LINK_SHOWN not in html
    assert "nuværende adgangskode virker" in html
    first, second = outbox.links()
    assert "nuværende adgangskode virker" in outbox[1].get_content()
    assert "Admin Testesen har sendt dig et nyt link" in outbox[1].get_content()
    assert other.get("/").status_code == 200  # the user's session is untouched
    auth.logout()
    assert auth.login(user.email, PASSWORD).status_code == 302  # the password still works
    auth.logout()
    dead = client.get(path_of(first))
    assert dead.status_code == 404 and LINK_DEAD in dead.get_data(as_text=True)
    path = path_of(second)
    token = open_link(client, path)
    client.post(PAGE, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert other.get("/").status_code == 302  # using the link ended the old session
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302
    assert audit_rows(app, "set_password_link_issued") == [(f"user:{user.id}", "ok")] * 2


def test_new_link_for_a_user_without_a_password_may_be_shown_without_a_mail_server(app, client, auth, admin):
    create(client, auth)  # bootstrap: the account has no password yet
    html = send_link(client, auth, user_id(app, "ny@firma.dk")).get_data(as_text=True)
    assert 'data-result="skipped"' in html and shown_link(html).startswith("http://localhost/auth/set-password/")


@pytest.mark.parametrize("server", ["none", "down"])
def test_a_reset_link_for_a_user_with_a_password_is_never_shown(app, client, auth, admin, make_user, server,
                                                                  request):
    if server == "down":
        request.getfixturevalue("mail_server_down")
    user = make_user("consultant")  # has a password: the link would take the account over
    response = send_link(client, auth, user.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and LINK_SHOWN not in html and "/auth/set-password/" not in html
    assert f'data-result="{"skipped" if server == "none" else "failed"}"' in html
    assert "vises ikke her" in html and "Glemt adgangskode?" in html
    assert ("MAIL_SERVER" if server == "none" else "Prøv igen senere med »Send nyt link«") in html


def _go_stale(client) -> None:
    with client.session_transaction() as session:
        session["_fresh"] = False  # the password was typed too long ago


def test_new_user_needs_a_fresh_login(app, client, auth, admin, outbox):
    _go_stale(client)
    page = client.get("/admin/users/new")
    assert page.status_code == 302 and page.headers["Location"].startswith("/auth/confirm")
    assert "next=/admin/users/new" in page.headers["Location"].replace("%2F", "/")
    with client.session_transaction() as session:
        session["_fresh"] = True  # only to fetch a CSRF token from the form
    token = auth.csrf_token("/admin/users/new")
    _go_stale(client)
    refused = client.post("/admin/users/new", data={"email": "ny@firma.dk", "name": "Ny", "role": "admin",
                                                    "company_id": "0", "team_id": "0", "csrf_token": token})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/auth/confirm")
    assert user_id(app, "ny@firma.dk") is None and len(outbox) == 0
    confirmed = client.post("/auth/confirm", data={"password": PASSWORD, "next": "/admin/users/new",
                                                   "csrf_token": auth.csrf_token("/auth/confirm")})
    assert confirmed.headers["Location"] == "/admin/users/new"
    assert create(client, auth).status_code == 200 and user_id(app, "ny@firma.dk") is not None


def test_send_link_needs_a_fresh_login(app, client, auth, admin, make_user, outbox):
    user = make_user("company")
    _go_stale(client)
    response = send_link(client, auth, user.id)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/confirm")
    with app.app_context():
        assert db.session.get(User, user.id).set_password_token_hash is None
    assert len(outbox) == 0 and audit_rows(app, "set_password_link_issued") == []


def test_new_link_needs_csrf(app, client, auth, admin, make_user, outbox):
    user = make_user("consultant")
    assert send_link(client, auth, user.id, with_csrf=False).status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).set_password_token_hash is None
    assert len(outbox) == 0


def test_new_link_for_a_disabled_user_is_refused(app, client, auth, admin, make_user, outbox):
    user = make_user("company", active=False)
    response = send_link(client, auth, user.id)
    assert response.status_code == 302 and len(outbox) == 0
    assert "deaktiveret" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_disabling_a_user_kills_the_pending_link(app, client, auth, admin, make_user, outbox):
    user = make_user("company")
    send_link(client, auth, user.id)
    client.post(f"/admin/users/{user.id}/toggle", data={"csrf_token": auth.csrf_token("/admin/users")})
    client.post(f"/admin/users/{user.id}/toggle", data={"csrf_token": auth.csrf_token("/admin/users")})
    assert client.get(path_of(outbox.links()[0])).status_code == 404


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", str(2**31), str(2**63)])
def test_nonsense_ids_are_404(client, auth, admin, bad_id):
    assert send_link(client, auth, bad_id).status_code == 404


@pytest.mark.parametrize("role", ["company", "consultant"])
def test_only_administrators_send_links(app, client, auth, make_user, outbox, role):
    target = make_user("consultant")
    auth.switch_to(make_user(role).email)
    token = auth.csrf_token("/")
    assert client.post(f"/admin/users/{target.id}/link", data={"csrf_token": token}).status_code == 403
    assert len(outbox) == 0


# --- every problem in one round ---------------------------------------------------------------

def test_new_user_shows_every_problem_in_one_round(app, client, auth, admin, make_user, outbox):
    make_user("consultant", email="findes@jc.dk")
    response = create(client, auth, email="findes@jc.dk", name="", role="company", company_id="0",
                      phone="abc")
    html = response.get_data(as_text=True)
    for message in ("Skriv et navn.", "Skriv telefonnummeret med cifre",
                    "Der findes allerede en bruger med den e-mail.",
                    "Vælg virksomheden for en virksomhedsbruger."):
        assert message in html, message
    assert len(outbox) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_the_account_rules_alone_also_show_together(app, client, auth, admin, make_user, outbox):
    make_user("consultant", email="findes@jc.dk")
    html = create(client, auth, email="FINDES@jc.dk", role="company", company_id="0").get_data(as_text=True)
    assert "Der findes allerede en bruger med den e-mail." in html
    assert "Vælg virksomheden for en virksomhedsbruger." in html


def test_editing_a_user_shows_every_problem_in_one_round(app, client, auth, admin, make_user):
    make_user("consultant", email="findes@jc.dk")
    company_user = make_user("company", email="firma@virk.dk")
    path = f"/admin/users/{company_user.id}/ret"
    response = client.post(path, data={"csrf_token": auth.csrf_token(path), "email": "findes@jc.dk", "name": "",
                                       "company_id": "0", "phone": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Skriv et navn.", "Der findes allerede en bruger med den e-mail.",
                    "Vælg virksomheden for en virksomhedsbruger."):
        assert message in html, message
