"""Deactivating a user revokes their API keys, so activating the user again revives none."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent
from store.models.api import ApiToken
from tests.api.api_fixtures import bearer, make_token
from tests.portal.citizen_fixtures import make_citizen


def _toggle(client, auth, user_id: int, **data) -> str:
    response = client.post(f"/admin/users/{user_id}/toggle",
                           data={"csrf_token": auth.csrf_token("/admin/users"), **data})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_deactivating_revokes_the_api_keys_and_reactivating_revives_none(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    company_user = make_user("company", email="bager@firma.dk")
    first, second = make_token(app, company_user), make_token(app, company_user, scope="read")
    assert client.get("/api/v1/openings/", headers=bearer(first)).status_code == 200
    auth.switch_to(admin.email)

    page = _toggle(client, auth, company_user.id, noegler="2")
    assert "er deaktiveret. 2 API-nøgler er tilbagekaldt." in page
    page = _toggle(client, auth, company_user.id)
    assert "er aktiveret." in page and "tilbagekaldt" not in page
    for raw in (first, second):
        assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 401
    with app.app_context():
        tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == company_user.id)).all()
        assert all(t.revoked_at is not None and t.revoked_by_id == admin.id for t in tokens)
        purposes = db.session.scalars(sa.select(AuditEvent.purpose)
                                      .where(AuditEvent.action == "api_token_revoked")).all()
        assert sorted(purposes) == sorted(f"token:{t.id} owner:{company_user.id} user_disabled" for t in tokens)


def test_the_user_list_says_deactivating_revokes_api_keys(client, auth, make_user):
    auth.switch_to(make_user("admin", email="admin@jc.dk").email)
    note = client.get("/admin/users").get_data(as_text=True).split('data-testid="users-deactivate-note">')[1]
    assert "tilbagekalder brugerens API-nøgler" in note.split("</p>")[0]


def test_deactivating_a_user_with_keys_asks_first_naming_the_keys(app, client, auth, make_user):
    """Review AN 11: one click on »Deaktivér« revoked a company's keys for good, without a question."""
    admin = make_user("admin", email="admin@jc.dk")
    company_user = make_user("company", email="bager@firma.dk")
    raw = make_token(app, company_user)
    auth.switch_to(admin.email)
    confirm = f"/admin/users/{company_user.id}/deaktiver"
    listing = client.get("/admin/users").get_data(as_text=True)
    assert f'href="{confirm}"' in listing
    assert f'action="/admin/users/{company_user.id}/toggle"' not in listing

    # A post that did not come from the confirmation (an old page, a script) is answered with it.
    unconfirmed = client.post(f"/admin/users/{company_user.id}/toggle",
                              data={"csrf_token": auth.csrf_token("/admin/users"), "til": "inaktiv"})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(confirm)
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 200

    page = client.get(confirm).get_data(as_text=True)
    warning = page.split('data-testid="keys-warning"')[1].split("</div>")[0]
    assert "1 API-nøgle, der virker nu" in warning and "kommer ikke igen, hvis brugeren aktiveres igen" in warning
    assert 'name="noegler" value="1"' in page and "Deaktivér og tilbagekald 1 API-nøgle" in page
    assert 'data-testid="deactivate-and-hand-over"' not in page  # nothing to hand over

    stale = _toggle(client, auth, company_user.id, til="inaktiv", noegler="0")  # a key made meanwhile
    assert "har fået andre API-nøgler" in stale
    page = _toggle(client, auth, company_user.id, til="inaktiv", noegler="1")
    assert "er deaktiveret. 1 API-nøgle er tilbagekaldt." in page
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 401


def test_a_consultant_with_cases_and_keys_is_told_both_and_hand_over_carries_the_count(app, client, auth,
                                                                                      make_user):
    admin = make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant", email="vk@jc.dk"), make_user("consultant", email="ny@jc.dk")
    make_citizen(app, vk_id=leaving.id)
    raw = make_token(app, leaving)
    auth.switch_to(admin.email)
    page = client.get(f"/admin/users/{leaving.id}/deaktiver").get_data(as_text=True)
    assert 'data-testid="handover-warning"' in page and 'data-testid="keys-warning"' in page
    assert page.count('name="noegler" value="1"') == 2  # »Deaktivér og overdrag« and »Deaktivér uden at overdrage«
    done = _toggle(client, auth, leaving.id, til="inaktiv", noegler="1", overdrag="1",
                   successor_id=str(successor.id))
    assert "er deaktiveret. 1 API-nøgle er tilbagekaldt." in done and "er overdraget" in done
    assert client.get("/api/v1/openings/", headers=bearer(raw)).status_code == 401
