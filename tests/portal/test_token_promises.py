"""What SECURITY.md and the README promise about tokens, checked against the code.

Set-password and reset links are one-time: stored as SHA-256 only, dead after use, after
their expiry, when a newer link is issued, when the user is deactivated, and (review of the
token promises) when the user changes the password while logged in, since the link was for the
password that change replaces. API keys are stored as SHA-256 only and the raw key never
reaches the audit log. Webhook secrets must be readable to sign, so they are stored as they are
and shown to the endpoint's owner only, never logged.
"""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.auth.tokens import issue_set_password_token
from portal.extensions import db
from store.models import AuditEvent, User
from store.models.api import ApiToken, WebhookEndpoint
from store.models.base import utcnow
from tests.api.api_fixtures import make_token
from tests.conftest import PASSWORD

NEW = "Lang-ny-saetning-om-kaffe-42"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _issue(app, user_id: int, hours: float = 1) -> str:
    with app.app_context():
        token = issue_set_password_token(db.session.get(User, user_id), hours)
        db.session.commit()
        return token


def _all_text(app) -> str:
    """Every stored column of every table, as text (what a database dump would show)."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                parts.extend(str(value) for value in row)
        return "\n".join(parts)


def test_changing_the_password_kills_a_pending_reset_link(app, client, auth, make_user):
    user = make_user("company")
    token = _issue(app, user.id)
    assert client.get(f"/auth/set-password/{token}").status_code == 302  # alive before the change
    auth.login(user.email)
    page = client.get("/auth/skift-adgangskode").get_data(as_text=True)
    changed = client.post("/auth/skift-adgangskode", data={"csrf_token": _csrf(page), "current": PASSWORD,
                                                          "password": NEW, "confirm": NEW})
    assert changed.status_code == 302
    client.post("/auth/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    assert client.get(f"/auth/set-password/{token}").status_code == 404
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.set_password_token_hash is None and row.set_password_expires is None


def test_a_set_password_link_is_stored_hashed_and_dies_on_use_on_expiry_and_on_a_newer_link(app, client, make_user):
    user = make_user("company")
    first = _issue(app, user.id)
    second = _issue(app, user.id)
    assert first not in _all_text(app) and second not in _all_text(app)
    assert client.get(f"/auth/set-password/{first}").status_code == 404  # replaced by the newer link
    page = client.get(f"/auth/set-password/{second}", follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/auth/set-password"
    used = client.post("/auth/set-password", data={
        "csrf_token": _csrf(page.get_data(as_text=True)), "password": NEW, "confirm": NEW})
    assert used.status_code == 302
    assert client.get(f"/auth/set-password/{second}").status_code == 404  # one use only
    late = _issue(app, user.id)
    with app.app_context():
        db.session.get(User, user.id).set_password_expires = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(f"/auth/set-password/{late}").status_code == 404


def test_an_api_key_is_stored_hashed_and_never_logged(app, client, make_user):
    user = make_user("company")
    raw = make_token(app, user)
    assert client.get("/api/v1/openings/", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert raw not in _all_text(app)
    with app.app_context():
        prefix = db.session.scalar(sa.select(ApiToken.prefix))
        assert raw.startswith(prefix) and len(prefix) < len(raw) // 2  # a hint for lists, not the key
        purposes = " ".join(p or "" for p in db.session.scalars(sa.select(AuditEvent.purpose)))
        assert raw[4:] not in purposes


def test_a_webhook_secret_is_kept_to_sign_and_shown_only_to_its_owner(app, client, auth, make_user):
    owner, stranger = make_user("company"), make_user("company")
    with app.app_context():
        endpoint = WebhookEndpoint(company_id=owner.company_id, url="https://8.8.8.8/hook", secret="whsec_ZQSECRET",
                                   events=["hotline.closed"], active=True, description="")
        db.session.add(endpoint)
        db.session.commit()
        endpoint_id = endpoint.id
    auth.login(owner.email)
    assert "whsec_ZQSECRET" in client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    auth.login(stranger.email)
    assert client.get(f"/webhooks/{endpoint_id}").status_code == 404
    with app.app_context():
        purposes = " ".join(p or "" for p in db.session.scalars(sa.select(AuditEvent.purpose)))
        assert "ZQSECRET" not in purposes


def test_the_openapi_document_says_how_a_key_is_kept(app, client, make_user):
    spec = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {make_token(app, make_user('company'))}"})
    described = spec.json["components"]["securitySchemes"]["bearerAuth"]["description"]
    assert "vises én gang" in described and "kun dens SHA-256" in described and "højst et år" in described
    assert "tilbagekalder den for altid" in described and "aldrig i loggen" in described


def test_an_opened_link_keeps_no_token_in_the_session_or_the_url(app, client, make_user):
    """Review AZ 2: the link's first request moves the token out of the URL; the session keeps
    only its SHA-256 (which does not open the link), and the page without a link opened is dead."""
    assert client.get("/auth/set-password").status_code == 404  # no link opened in this browser
    user = make_user("company")
    token = _issue(app, user.id)
    opened = client.get(f"/auth/set-password/{token}")
    assert opened.status_code == 302 and opened.headers["Location"] == "/auth/set-password"
    with client.session_transaction() as session:
        kept = dict(session)
    assert token not in repr(kept)
    with app.app_context():
        assert kept["set_password_link"] == db.session.get(User, user.id).set_password_token_hash
    page = client.get("/auth/set-password")
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    assert 'action="/auth/set-password"' in page.get_data(as_text=True)
    other = app.test_client()  # the page is this browser's: another has no link opened
    assert other.get("/auth/set-password").status_code == 404
