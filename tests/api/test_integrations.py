"""Integrations: the job centre's own systems call the API with keys no person owns.

An administrator makes the integration and its keys at /admin/integrationer; the key has the
job centre's staff access in the API, the integration can never log in, and deactivating it
revokes every key.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store import clock
from store.models import ApiToken, AuditEvent, Citizen, User
from tests.api.test_jobcentre_scope import CITIZEN


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _create_integration(client, name: str = "Fagsystem (nat)") -> int:
    page = client.get("/admin/integrationer").get_data(as_text=True)
    response = client.post("/admin/integrationer", data={"name": name, "csrf_token": _csrf(page)})
    assert response.status_code == 302
    return int(re.search(r"/admin/integrationer/(\d+)$", response.headers["Location"]).group(1))


def _create_key(client, integration_id: int, scope: str = "write") -> str:
    path = f"/admin/integrationer/{integration_id}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="expires_on"' in page
    expires = (clock.today() + timedelta(days=30)).isoformat()
    html = client.post(path, data={"name": "Produktion", "scope": scope, "expires_on": expires,
                                   "csrf_token": _csrf(page)}).get_data(as_text=True)
    return re.search(r'data-testid="token-value">([^<]+)<', html).group(1)


def test_an_integrations_key_upserts_citizens_and_is_audited_under_its_name(app, client, auth, admin, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    auth.login(admin.email)
    integration_id = _create_integration(client)
    raw = _create_key(client, integration_id)
    auth.logout()
    headers = {"Authorization": f"Bearer {raw}"}
    created = client.put("/api/v1/citizens/SAG-77", json=dict(CITIZEN, vk="vk@jc.dk"), headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["vk_id"] == vk.id
    assert client.get("/api/v1/openings/", headers=headers).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Citizen.name).where(Citizen.external_id == "SAG-77")) == CITIZEN["name"]
        actors = set(db.session.scalars(sa.select(AuditEvent.user_id).where(AuditEvent.action.like("citizen%"))))
        assert actors == {integration_id}


def test_an_integration_is_not_a_person_and_never_logs_in(app, client, auth, admin):
    auth.login(admin.email)
    integration_id = _create_integration(client, "Datavarehus")
    assert "Datavarehus" in client.get("/admin/integrationer").get_data(as_text=True)
    users = client.get("/admin/users").get_data(as_text=True)
    assert "Datavarehus" not in users and 'href="/admin/integrationer"' in users
    assert 'value="integration"' not in client.get("/admin/users/new").get_data(as_text=True)
    for path in (f"/admin/users/{integration_id}/ret", f"/admin/users/{integration_id}/telefon"):
        assert client.get(path).status_code == 404  # managed on its own page, never given a password link
    with app.app_context():
        user = db.session.get(User, integration_id)
        assert user.role == "integration" and user.password_hash is None
        assert user.email.endswith("@integration.invalid")
        token = user.get_id()
    auth.logout()
    with client.session_transaction() as session:  # even a forged session cookie is refused
        session["_user_id"] = token
        session["_fresh"] = True
    assert client.get("/").status_code == 302
    assert client.get("/kandidater/").status_code in (302, 401)


def test_deactivating_an_integration_revokes_every_key(app, client, auth, admin):
    auth.login(admin.email)
    integration_id = _create_integration(client)
    raw = _create_key(client, integration_id, scope="read")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/openings/", headers=headers).status_code == 200
    page = client.get(f"/admin/integrationer/{integration_id}").get_data(as_text=True)
    confirm = f"/admin/integrationer/{integration_id}/deaktiver"
    assert f'href="{confirm}"' in page  # the page's »Deaktivér …« asks first (review AN 11)
    # A post that did not come from the confirmation is answered with it, and revokes nothing.
    unconfirmed = client.post(f"/admin/integrationer/{integration_id}/aktiv", data={"csrf_token": _csrf(page)})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(confirm)
    assert client.get("/api/v1/openings/", headers=headers).status_code == 200
    page = client.get(confirm).get_data(as_text=True)
    assert "1 adgangsnøgle, der virker nu" in page and "kommer ikke igen, hvis du aktiverer integrationen igen" in page
    client.post(f"/admin/integrationer/{integration_id}/aktiv", data={"csrf_token": _csrf(page), "noegler": "1"})
    assert client.get("/api/v1/openings/", headers=headers).status_code == 401
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken.revoked_at)).all() != [None]
    page = client.get(f"/admin/integrationer/{integration_id}").get_data(as_text=True)
    assert "Deaktiveret" in page and 'data-testid="create-token"' not in page
    assert client.get(confirm).status_code == 302  # nothing left to confirm


def test_an_integration_without_keys_is_deactivated_at_once(app, client, auth, admin):
    auth.login(admin.email)
    integration_id = _create_integration(client)
    page = client.get(f"/admin/integrationer/{integration_id}").get_data(as_text=True)
    assert "/deaktiver" not in page
    client.post(f"/admin/integrationer/{integration_id}/aktiv", data={"csrf_token": _csrf(page)})
    with app.app_context():
        assert db.session.get(User, integration_id).active is False


def test_sending_the_deactivation_again_changes_nothing_and_never_reactivates(app, client, auth, admin):
    """Review AQ 6: a double click or Back and send again on the confirmation keeps the
    integration deactivated, and says so."""
    auth.login(admin.email)
    integration_id = _create_integration(client, "AQ testsystem")
    _create_key(client, integration_id, scope="read")
    confirm = client.get(f"/admin/integrationer/{integration_id}/deaktiver").get_data(as_text=True)
    assert 'name="til" value="inaktiv"' in confirm
    data = {"csrf_token": _csrf(confirm), "noegler": "1", "til": "inaktiv"}
    path = f"/admin/integrationer/{integration_id}/aktiv"
    first = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert "AQ testsystem er deaktiveret. 1 adgangsnøgle er tilbagekaldt." in first
    for repeat in (data, {"csrf_token": _csrf(confirm), "noegler": "1"}):  # also a page from before »til«
        again = client.post(path, data=repeat, follow_redirects=True).get_data(as_text=True)
        assert "AQ testsystem er allerede deaktiveret; intet er ændret." in again
        assert "er aktiveret" not in again
        with app.app_context():
            assert db.session.get(User, integration_id).active is False
    # The page's own buttons say what they ask for: activating twice activates once.
    page = client.get(f"/admin/integrationer/{integration_id}").get_data(as_text=True)
    assert 'name="til" value="aktiv"' in page
    activate = {"csrf_token": _csrf(page), "til": "aktiv"}
    assert "AQ testsystem er aktiveret." in client.post(path, data=activate, follow_redirects=True).get_data(
        as_text=True)
    again = client.post(path, data=activate, follow_redirects=True).get_data(as_text=True)
    assert "AQ testsystem er allerede aktiv; intet er ændret." in again
    page = client.get(f"/admin/integrationer/{integration_id}").get_data(as_text=True)
    assert 'name="til" value="inaktiv"' in page  # no keys now: the page's button deactivates at once
    deactivate = {"csrf_token": _csrf(page), "til": "inaktiv"}
    client.post(path, data=deactivate)
    again = client.post(path, data=deactivate, follow_redirects=True).get_data(as_text=True)
    assert "allerede deaktiveret; intet er ændret" in again
    with app.app_context():
        assert db.session.get(User, integration_id).active is False


def test_a_read_key_cannot_write_and_a_company_cannot_reach_the_pages(app, client, auth, admin, make_user):
    auth.login(admin.email)
    raw = _create_key(client, _create_integration(client), scope="read")
    answer = client.put("/api/v1/citizens/SAG-5", json=CITIZEN, headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 403
    auth.switch_to(make_user("consultant").email)
    assert client.get("/admin/integrationer").status_code == 403


def test_an_empty_name_is_refused_in_danish(client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/integrationer").get_data(as_text=True)
    response = client.post("/admin/integrationer", data={"name": " ", "csrf_token": _csrf(page)})
    assert response.status_code == 400 and "Giv integrationen et navn." in response.get_data(as_text=True)


def test_a_key_is_revoked_on_the_integrations_page_after_a_confirmation(app, client, auth, admin):
    auth.login(admin.email)
    integration_id = _create_integration(client)
    raw = _create_key(client, integration_id)
    page = client.get(f"/admin/integrationer/{integration_id}").get_data(as_text=True)
    confirm = re.search(r'data-testid="revoke-confirm">(.*?)</details>', page, re.DOTALL).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', confirm).group(1)
    assert action.startswith(f"/admin/integrationer/{integration_id}/noegler/") and "systemet får afvist" in confirm
    assert client.post(action, data={"csrf_token": _csrf(page)}).status_code == 302
    assert client.get("/api/v1/openings/", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


# -- Back and send again, and a name twice (review BH 8) -------------------------------------------

def _integrations(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User.name).where(User.role == "integration").order_by(User.id)))


def test_the_same_form_sent_twice_makes_one_integration(app, client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/integrationer").get_data(as_text=True)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    data = {"name": "Økonomisystem", "csrf_token": _csrf(page), "form_id": form_id}
    first = client.post("/admin/integrationer", data=data)
    assert first.status_code == 302
    again = client.post("/admin/integrationer", data=data)  # Back, and send again
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "Integrationen er allerede oprettet." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _integrations(app) == ["Økonomisystem"]
    changed = client.post("/admin/integrationer", data={**data, "name": "Datavarehus"})
    assert changed.status_code == 409 and "er allerede oprettet (se listen)" in changed.get_data(as_text=True)
    assert _integrations(app) == ["Økonomisystem"]


@pytest.mark.parametrize("again", ["Økonomisystem", "økonomisystem", " ØKONOMISYSTEM  "])
def test_an_active_integrations_name_is_refused_whatever_its_case(app, client, auth, admin, again):
    auth.login(admin.email)
    _create_integration(client, "Økonomisystem")
    page = client.get("/admin/integrationer").get_data(as_text=True)
    response = client.post("/admin/integrationer", data={"name": again, "csrf_token": _csrf(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Der findes allerede en aktiv integration med det navn." in html
    assert _integrations(app) == ["Økonomisystem"]


def test_a_deactivated_integrations_name_can_be_used_again(app, client, auth, admin):
    auth.login(admin.email)
    old = _create_integration(client, "Økonomisystem")
    with app.app_context():
        db.session.get(User, old).active = False
        db.session.commit()
    _create_integration(client, "Økonomisystem")
    assert _integrations(app) == ["Økonomisystem", "Økonomisystem"]


# -- The folded name in the database (migration 0043) ----------------------------------------------

NAME_TAKEN = "Der findes allerede en aktiv integration med det navn."


def _insert_integration(name: str, active: bool = True) -> None:
    """Another administrator's integration, written outside this request's session (a Core
    insert: the model's default folds the name)."""
    with db.engine.begin() as other:
        count = other.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()
        other.execute(sa.insert(User).values(email=f"other{count}@integration.invalid", name=name,
                                             role="integration", active=active))


def test_the_model_folds_an_integrations_name_and_no_persons(app):
    with app.app_context():
        integration = User(name="ØKONOMI  System", role="integration", email="x@integration.invalid")
        assert integration.integration_name_key == "økonomi system"
        assert User(role="integration", name="Straße").integration_name_key == "strasse"  # either order
        person = User(name="Økonomi System", role="consultant", email="p@jc.dk")
        assert person.integration_name_key is None
        db.session.add_all([integration, person])
        db.session.commit()
        integration.name = "Datavarehus"
        db.session.commit()
        assert db.session.scalar(sa.select(User.integration_name_key).where(User.id == integration.id)) == "datavarehus"
        _insert_integration("Fagsystem")
        assert db.session.scalar(sa.select(User.integration_name_key).where(User.name == "Fagsystem")) == "fagsystem"
        with pytest.raises(sa.exc.IntegrityError):  # the database knows the rule now
            _insert_integration("FAGSYSTEM")
        _insert_integration("FAGSYSTEM", active=False)  # only among the active ones


def test_an_integration_created_meanwhile_in_another_case_is_a_field_error_not_a_500(app, client, auth, admin,
                                                                                      monkeypatch):
    from portal.admin import integrations

    auth.login(admin.email)
    check = integrations._refuse_taken

    def check_then_other_admin(name):
        check(name)
        _insert_integration("økonomisystem")

    monkeypatch.setattr(integrations, "_refuse_taken", check_then_other_admin)
    page = client.get("/admin/integrationer").get_data(as_text=True)
    response = client.post("/admin/integrationer", data={"name": "Økonomisystem", "csrf_token": _csrf(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and NAME_TAKEN in html
    assert _integrations(app) == ["økonomisystem"]
    with app.app_context():
        assert not db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action == "integration_created")).all()


def _activate(client, integration_id: int):
    path = f"/admin/integrationer/{integration_id}"
    page = client.get(path).get_data(as_text=True)
    return client.post(f"{path}/aktiv", data={"csrf_token": _csrf(page), "til": "aktiv"}, follow_redirects=True)


def test_an_integration_is_not_activated_while_an_active_one_has_its_name(app, client, auth, admin):
    auth.login(admin.email)
    old = _create_integration(client, "Økonomisystem")
    with app.app_context():
        db.session.get(User, old).active = False
        db.session.commit()
    _create_integration(client, "ØKONOMISYSTEM")
    html = _activate(client, old).get_data(as_text=True)
    assert f"Økonomisystem er ikke aktiveret: {NAME_TAKEN}" in html
    with app.app_context():
        assert db.session.get(User, old).active is False


def test_an_activation_when_the_name_was_taken_meanwhile_is_refused_not_a_500(app, client, auth, admin,
                                                                              monkeypatch):
    from portal.admin import integrations

    auth.login(admin.email)
    old = _create_integration(client, "Økonomisystem")
    with app.app_context():
        db.session.get(User, old).active = False
        db.session.commit()
        _insert_integration("økonomisystem")
    monkeypatch.setattr(integrations, "reactivation_taken", lambda user: "")  # checked before the other came
    response = _activate(client, old)
    assert response.status_code == 200
    assert f"Økonomisystem er ikke aktiveret: {NAME_TAKEN}" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, old).active is False
        assert not db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "user_enabled")).all()
