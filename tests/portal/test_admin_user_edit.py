"""/admin/users/<id>/ret: an administrator corrects a user's name, e-mail, phone, team (staff)
or company (company users), with the form's checks and an audit entry."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Company, Team, User
from store.models.api import ApiToken
from tests.api.api_fixtures import bearer, make_token


def _post(client, auth, user_id: int, **data):
    path = f"/admin/users/{user_id}/ret"
    return client.post(path, data={"csrf_token": auth.csrf_token(path), **data})


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_staff_name_email_and_team_are_corrected_and_audited(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        team = Team(name="Team Ny Test")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    auth.login(admin.email)
    page = client.get(f"/admin/users/{vk.id}/ret").get_data(as_text=True)
    assert 'value="vk@jc.dk"' in page and "Team Ny Test" in page and "Virksomhed (kun" not in page
    assert f'href="/admin/users/{vk.id}/ret"' in client.get("/admin/users").get_data(as_text=True)

    response = _post(client, auth, vk.id, name="Vera Kjær", email="Vera@JC.dk", phone="76 31 20 00",
                     team_id=str(team_id))
    assert response.status_code == 302
    assert "Vera Kjær er gemt." in client.get(response.headers["Location"]).get_data(as_text=True)
    user = _user(app, vk.id)
    assert (user.name, user.email, user.phone, user.team_id) == ("Vera Kjær", "vera@jc.dk", "76 31 20 00", team_id)
    with app.app_context():
        purpose = db.session.scalar(sa.select(AuditEvent.purpose).where(AuditEvent.action == "user_updated"))
    assert purpose == f"user:{vk.id} changed:name,email,phone,team_id"


def test_a_taken_email_or_a_bad_value_is_a_form_error_and_the_typed_input_is_kept(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    auth.login(admin.email)
    taken = _post(client, auth, vk.id, name="Vera Kjær", email="ADMIN@jc.dk", phone="", team_id="0")
    html = taken.get_data(as_text=True)
    assert taken.status_code == 400 and "Der findes allerede en bruger med den e-mail." in html
    assert 'value="Vera Kjær"' in html
    bad = _post(client, auth, vk.id, name="", email="ikke-en-mail", phone="abc", team_id="0")
    html = bad.get_data(as_text=True)
    assert "Skriv et navn." in html and "Ugyldig e-mail." in html and "Skriv telefonnummeret med cifre" in html
    assert _user(app, vk.id).email == "vk@jc.dk"


def test_moving_a_company_user_to_another_company_revokes_their_api_keys(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    baker = make_user("company", email="bager@firma.dk")
    raw = make_token(app, baker)
    with app.app_context():
        other = Company(name="Andet Bageri", cvr="12345674", postcode="8722")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    auth.login(admin.email)
    page = client.get(f"/admin/users/{baker.id}/ret").get_data(as_text=True)
    assert "Andet Bageri" in page and "tilbagekaldes brugerens API-nøgler" in page and "Team (" not in page

    # A save without a move leaves the keys alone.
    same = _post(client, auth, baker.id, name=baker.name, email=baker.email, phone="",
                 company_id=str(baker.company_id))
    assert "Ingen ændringer" in client.get(same.headers["Location"]).get_data(as_text=True)
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 200
    assert "Vælg virksomheden" in _post(client, auth, baker.id, name=baker.name, email=baker.email, phone="",
                                        company_id="0").get_data(as_text=True)

    moved = _post(client, auth, baker.id, name=baker.name, email=baker.email, phone="", company_id=str(other_id))
    assert "1 API-nøgle er tilbagekaldt." in client.get(moved.headers["Location"]).get_data(as_text=True)
    assert _user(app, baker.id).company_id == other_id
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 401
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked_by_id).where(ApiToken.user_id == baker.id)) == admin.id


def test_only_administrators_edit_users(client, auth, make_user):
    target = make_user("consultant", email="vk@jc.dk")
    auth.login(make_user("consultant", email="other@jc.dk").email)
    assert client.get(f"/admin/users/{target.id}/ret").status_code == 403
    auth.logout()
    auth.login(make_user("admin", email="admin@jc.dk").email)
    assert client.get("/admin/users/999999/ret").status_code == 404
