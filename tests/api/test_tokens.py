"""Personal access tokens: hashed at rest, shown once, expiry, revoke (own and admin), scope,
deactivated users, and no cookie authentication of the API."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import time_machine

from portal.api import tokens
from portal.extensions import db
from store import clock
from store.models import ApiToken, AuditEvent, User
from tests.api.api_fixtures import OPENING, bearer, make_token


def _create_on_page(client, auth, **fields):
    token = auth.csrf_token("/profil/adgangsnoegler")
    data = {"name": "Lønsystem", "scope": "write", "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
            "csrf_token": token, **fields}
    return client.post("/profil/adgangsnoegler", data=data)


def test_created_on_the_profile_page_shown_once_and_stored_hashed(app, client, auth, make_user):
    user = make_user("company", email="firma@example.dk")
    auth.login(user.email)
    page = _create_on_page(client, auth)
    assert page.status_code == 200
    raw = re.search(r'data-testid="token-value">(jbr_[A-Za-z0-9_-]+)<', page.get_data(as_text=True)).group(1)
    with app.app_context():
        row = db.session.query(ApiToken).one()
        assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in (row.prefix, row.token_hash)
        assert raw.startswith(row.prefix) and row.scope == "write"
        assert db.session.query(AuditEvent).filter_by(action="api_token_created").count() == 1
        assert not any(raw in (e.purpose or "") for e in db.session.query(AuditEvent))
    listing = client.get("/profil/adgangsnoegler").get_data(as_text=True)
    assert raw not in listing and row.prefix in listing and "Lønsystem" in listing
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 200
    assert "Sidst brugt" in listing
    with app.app_context():
        assert db.session.query(ApiToken).one().last_used_at is not None


def test_page_refuses_a_stale_login_a_past_and_a_too_late_expiry(app, client, auth, make_user):
    user = make_user("company", email="firma@example.dk")
    auth.login(user.email)
    too_late = _create_on_page(client, auth, expires_on=(clock.today() + timedelta(days=400)).isoformat())
    assert too_late.status_code == 400 and "højst gælde et år" in too_late.get_data(as_text=True)
    past = _create_on_page(client, auth, expires_on=(clock.today() - timedelta(days=1)).isoformat())
    assert past.status_code == 400 and "før i dag" in past.get_data(as_text=True)
    with time_machine.travel(clock.utcnow() + timedelta(minutes=app.config["FRESH_LOGIN_MINUTES"] + 1)):
        stale = _create_on_page(client, auth)
        assert stale.status_code == 302 and "/auth/confirm" in stale.headers["Location"]
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_expired_revoked_and_deactivated_are_401(app, client, auth, make_user):
    user = make_user("company", email="firma@example.dk")
    raw = make_token(app, user, days=1)
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 200
    with time_machine.travel(clock.utcnow() + timedelta(days=3)):
        expired = client.get("/api/v1/openings/", headers=bearer(raw))
        assert expired.status_code == 401 and expired.content_type == "application/problem+json"
        assert "udløbet" in expired.json["detail"]
    other = make_token(app, user)
    auth.login(user.email)
    with app.app_context():
        token_id = db.session.query(ApiToken).filter_by(prefix=other[:tokens.PREFIX_LENGTH]).one().id
    assert f"/profil/adgangsnoegler/{token_id}/tilbagekald" in client.get("/profil/adgangsnoegler").get_data(as_text=True)
    revoked = client.post(f"/profil/adgangsnoegler/{token_id}/tilbagekald",
                          data={"csrf_token": auth.csrf_token("/profil/adgangsnoegler")})
    assert revoked.status_code == 302
    assert client.get("/api/v1/openings/", headers=bearer(other)).status_code == 401
    third = make_token(app, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/api/v1/openings/", headers=bearer(third)).status_code == 401
    assert client.get("/api/v1/openings/", headers=bearer("jbr_" + "x" * 43)).status_code == 401


def test_read_scope_refuses_writes_and_cookies_do_not_authenticate(app, client, auth, make_user):
    user = make_user("company", email="firma@example.dk")
    reader = make_token(app, user, scope="read")
    assert client.get("/api/v1/openings/", headers=bearer(reader)).status_code == 200
    refused = client.post("/api/v1/openings/", json=OPENING, headers=bearer(reader))
    assert refused.status_code == 403 and "læseadgang" in refused.json["detail"]
    auth.login(user.email)
    assert client.get("/api/v1/openings/").status_code == 403  # a logged-in browser, no token
    assert client.post("/api/v1/openings/", json=OPENING).status_code == 403
    client.delete_cookie("session")
    anonymous = client.get("/api/v1/openings/")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")


def test_admin_lists_and_revokes_any_token_and_others_cannot(app, client, auth, make_user):
    owner = make_user("company", email="firma@example.dk")
    admin = make_user("admin", email="admin@jc.dk")
    raw = make_token(app, owner)
    admins = make_token(app, admin)
    auth.login(owner.email)
    assert client.get("/admin/adgangsnoegler").status_code == 403
    with app.app_context():
        admins_id = db.session.query(ApiToken).filter_by(user_id=admin.id).one().id
    foreign = client.post(f"/profil/adgangsnoegler/{admins_id}/tilbagekald",
                          data={"csrf_token": auth.csrf_token("/profil/adgangsnoegler")})
    assert foreign.status_code == 404  # another user's token, as if it did not exist
    assert client.get("/api/v1/openings/", headers=bearer(admins)).status_code == 200
    auth.switch_to("admin@jc.dk")
    page = client.get("/admin/adgangsnoegler").get_data(as_text=True)
    assert "Firma" in page and raw[:tokens.PREFIX_LENGTH] in page and raw not in page
    with app.app_context():
        token_id = db.session.query(ApiToken).filter_by(user_id=owner.id).one().id
    assert f"/admin/adgangsnoegler/{token_id}/tilbagekald" in page
    answer = client.post(f"/admin/adgangsnoegler/{token_id}/tilbagekald",
                         data={"csrf_token": auth.csrf_token("/admin/adgangsnoegler")})
    assert answer.status_code == 302
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 401
    with app.app_context():
        row = db.session.get(ApiToken, token_id)
        assert row.revoked_by_id == admin.id


def test_hostile_input_on_the_token_form_is_a_form_error(app, client, auth, make_user):
    user = make_user("company", email="firma@example.dk")
    auth.login(user.email)
    for value in ("", "   ", "1e309", "2026-02-30", "a\x00b", "x" * 5000):
        answer = _create_on_page(client, auth, name=value, scope=value, expires_on=value)
        assert answer.status_code == 400, value
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_an_empty_admin_token_list_says_where_keys_are_made(client, auth, make_user):
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    empty = client.get("/admin/adgangsnoegler").get_data(as_text=True).split('data-testid="admin-token-empty">')[1]
    assert "Ingen aktive nøgler" in empty and 'href="/admin/adgangsnoegler?vis=alle"' in empty
    assert 'href="/profil/adgangsnoegler"' in empty
    everything = client.get("/admin/adgangsnoegler?vis=alle").get_data(as_text=True)
    assert "Ingen bruger har oprettet en adgangsnøgle endnu." in everything
