"""Review AN 1, 4, 5 and 9: a new e-mail kills the link sent to the old one; an administrator changes
a staff user's role (with the rules a serious product needs) and frees a deactivated user's e-mail;
creating a user is audited with id and role; »Send nyt link« without a mail server says what holds."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.admin import service
from portal.admin.audit_labels import purpose_label
from portal.auth.routes import LINK_DEAD
from portal.extensions import db
from portal.hotline import duty
from store.models import User
from tests.conftest import PASSWORD
from tests.portal.citizen_fixtures import make_citizen
from tests.portal import test_admin_users as users_tests
from tests.portal.set_password_links import open_link
from tests.portal.test_admin_users import (LINK_SHOWN, NEW_PASSWORD, audit_rows, create, path_of, send_link,
                                           shown_link, user_id)

admin, outbox = users_tests.admin, users_tests.outbox  # shared fixtures


def _edit(client, auth, uid: int, **data):
    path = f"/admin/users/{uid}/ret"
    form = {"name": "Anne Konsulent", "phone": "", "team_id": "0", "csrf_token": auth.csrf_token(path), **data}
    return client.post(path, data=form)


def _set_password(client, auth, path: str):
    return client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                   "csrf_token": open_link(client, path)})


def _row(app, uid: int) -> User:
    with app.app_context():
        user = db.session.get(User, uid)
        db.session.expunge(user)
        return user


# --- AN 1: a new e-mail kills the old link ---------------------------------------------------

def test_a_corrected_email_kills_the_old_link_and_shows_a_fresh_one(app, client, auth, admin):
    created = create(client, auth, email="anne.typo@hedensted.dl", name="Anne Konsulent")
    old = path_of(shown_link(created.get_data(as_text=True)))
    uid = user_id(app, "anne.typo@hedensted.dl")

    response = _edit(client, auth, uid, email="anne@hedensted.dk")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="skipped"' in html
    assert "sendt til den gamle e-mail, virker ikke længere" in html
    new = path_of(shown_link(html))
    assert new != old

    dead = client.get(old)
    assert dead.status_code == 404 and LINK_DEAD in dead.get_data(as_text=True)
    assert _set_password(client, auth, old).status_code == 404
    assert _row(app, uid).password_hash is None
    assert audit_rows(app, "set_password_link_issued") == [(f"user:{uid} email_changed", "ok")]

    auth.logout()
    assert _set_password(client, auth, new).status_code == 302
    assert auth.login("anne@hedensted.dk", NEW_PASSWORD).status_code == 302


def test_with_a_mail_server_the_fresh_link_goes_to_the_new_address(app, client, auth, admin, outbox):
    create(client, auth, email="anne.typo@hedensted.dl", name="Anne Konsulent")
    uid = user_id(app, "anne.typo@hedensted.dl")
    response = _edit(client, auth, uid, email="anne@hedensted.dk")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Et nyt link er sendt til anne@hedensted.dk." in page
    assert outbox[-1]["To"] == "anne@hedensted.dk" and "Tidligere links virker ikke længere" in outbox[-1].get_content()


def test_a_pending_reset_dies_with_the_old_email_and_is_not_replaced(app, client, auth, admin, make_user, outbox):
    user = make_user("consultant", email="vk@jc.dk")  # has a password
    send_link(client, auth, user.id)  # a reset, mailed to vk@jc.dk
    reset = path_of(outbox.links()[-1])
    response = _edit(client, auth, user.id, email="vk2@jc.dk")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "sendt til den gamle e-mail, virker ikke længere" in page and "Et nyt link er" not in page
    assert _row(app, user.id).set_password_token_hash is None
    assert client.get(reset).status_code == 404


def test_the_edit_page_says_a_new_email_kills_the_old_link(client, auth, admin, make_user):
    html = client.get(f"/admin/users/{make_user('consultant').id}/ret").get_data(as_text=True)
    assert "op med at virke" in html


# --- AN 5: creating a user is audited with id and role ----------------------------------------

def test_creating_an_administrator_is_audited_with_id_and_role_not_email(app, client, auth, admin):
    create(client, auth, email="ny.admin@jc.dk", role="admin")
    uid = user_id(app, "ny.admin@jc.dk")
    assert audit_rows(app, "user_created") == [(f"user:{uid} role:admin", "ok")]
    assert purpose_label("user_created", f"user:{uid} role:admin") == f"bruger {uid} rolle »Administrator«"


# --- AN 4: role changes --------------------------------------------------------------------------

def test_a_consultant_becomes_administrator_and_back_audited_with_old_and_new(app, client, auth, admin, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    assert 'name="role"' in client.get(f"/admin/users/{vk.id}/ret").get_data(as_text=True)
    response = _edit(client, auth, vk.id, email="vk@jc.dk", role="admin")
    assert response.status_code == 302
    assert "Rollen er nu administrator." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _row(app, vk.id).role == "admin"
    _edit(client, auth, vk.id, email="vk@jc.dk", role="consultant")
    assert _row(app, vk.id).role == "consultant"
    assert audit_rows(app, "user_role_changed") == [(f"user:{vk.id} role:consultant->admin", "ok"),
                                                     (f"user:{vk.id} role:admin->consultant", "ok")]
    assert purpose_label("user_role_changed", f"user:{vk.id} role:consultant->admin") == \
        f"bruger {vk.id} rolle fra »konsulent« til »administrator«"


def test_an_administrator_cannot_drop_their_own_role(app, client, auth, admin):
    response = _edit(client, auth, admin.id, email="admin@jc.dk", role="consultant")
    assert response.status_code == 400
    assert "Du kan ikke fjerne din egen administratorrolle" in response.get_data(as_text=True)
    assert _row(app, admin.id).role == "admin"


def test_the_last_active_administrator_keeps_the_role(app, make_user):
    only = make_user("admin", email="eneste@jc.dk")
    other = make_user("admin", email="anden@jc.dk")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == other.id).values(active=False))
        db.session.commit()
        refusal = service.role_problem(db.session.get(User, only.id), "consultant", db.session.get(User, other.id))
    assert refusal is not None and "sidste aktive administrator" in str(refusal)


def test_a_consultant_with_cases_hands_them_over_before_becoming_administrator(app, client, auth, admin, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    make_citizen(app, vk_id=vk.id)
    response = _edit(client, auth, vk.id, email="vk@jc.dk", role="admin")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Overdrag dem først" in html
    assert _row(app, vk.id).role == "consultant"


def test_a_company_user_stays_one_and_the_page_says_why(app, client, auth, admin, make_user):
    company_user = make_user("company", email="bager@firma.dk")
    html = client.get(f"/admin/users/{company_user.id}/ret").get_data(as_text=True)
    assert 'name="role"' not in html and "forbliver virksomhedsbruger" in html
    _edit(client, auth, company_user.id, email="bager@firma.dk", role="admin",
          company_id=str(_row(app, company_user.id).company_id))
    assert _row(app, company_user.id).role == "company"


def test_a_deactivated_users_email_gives_a_way_forward_and_can_be_freed(app, client, auth, admin, make_user):
    old = make_user("company", email="line@firma.dk")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == old.id).values(active=False))
        db.session.commit()
    refused = create(client, auth, email="line@firma.dk")
    html = refused.get_data(as_text=True)
    assert "som er deaktiveret" in html and "Frigør e-mailen" in html
    assert "Frigør e-mailen line@firma.dk" in client.get(f"/admin/users/{old.id}/ret").get_data(as_text=True)

    path = f"/admin/users/{old.id}/frigoer-email"
    response = client.post(path, data={"csrf_token": auth.csrf_token(f"/admin/users/{old.id}/ret")})
    assert response.status_code == 302
    assert "E-mailen line@firma.dk er frigjort" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _row(app, old.id).email == f"frigjort-{old.id}@jobbro.invalid"
    assert audit_rows(app, "user_email_freed") == [(f"user:{old.id}", "ok")]
    # Freed already: the edit page offers no second freeing (review AQ 3's follow-up).
    assert 'data-testid="free-email"' not in client.get(f"/admin/users/{old.id}/ret").get_data(as_text=True)
    assert create(client, auth, email="line@firma.dk").status_code == 200  # the confirmation page
    assert user_id(app, "line@firma.dk") not in (None, old.id)


def test_an_active_users_email_is_not_freed(app, client, auth, admin, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    client.post(f"/admin/users/{vk.id}/frigoer-email", data={"csrf_token": auth.csrf_token("/admin/users")})
    assert _row(app, vk.id).email == "vk@jc.dk"


# --- AN 9: »Send nyt link« without a mail server --------------------------------------------------

@pytest.mark.parametrize("env", ["development", "production"])
def test_a_reset_without_a_mail_server_gives_advice_that_holds(app, client, auth, admin, make_user, env):
    app.config["JOBBRO_ENV"] = env
    user = make_user("consultant")  # has a password
    html = send_link(client, auth, user.id).get_data(as_text=True)
    assert LINK_SHOWN not in html and "heller ikke med »Glemt adgangskode?«" in html
    assert "bed brugeren selv bruge" not in html
    if env == "production":
        assert "MAIL_SERVER, MAIL_PORT, MAIL_SENDER og PORTAL_URL" in html and "serverens log" not in html
    else:
        assert "serverens log (portal.mail)" in html


def test_the_password_still_works_after_the_unsent_reset(app, client, auth, admin, make_user):
    user = make_user("consultant", email="vk@jc.dk")
    send_link(client, auth, user.id)
    auth.logout()
    assert auth.login("vk@jc.dk", PASSWORD).status_code == 302


def test_promoting_the_duty_consultant_says_the_duty_is_vacant(app, client, auth, admin, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        duty.set_duty(db.session.get(User, admin.id), vk.id)
    response = _edit(client, auth, vk.id, email="vk@jc.dk", role="admin")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "var vagthavende for hotlinen og er det ikke længere" in page


# --- AQ 3: a freed e-mail blocks neither »Ret bruger« nor says nothing on reactivation ------------

def _freed(app, client, auth, make_user, **kwargs) -> User:
    """A deactivated consultant whose e-mail was freed with »Frigør e-mailen«."""
    user = make_user("consultant", email="gammel@jc.dk", **kwargs)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    client.post(f"/admin/users/{user.id}/frigoer-email",
                data={"csrf_token": auth.csrf_token(f"/admin/users/{user.id}/ret")})
    assert _row(app, user.id).email == f"frigjort-{user.id}@jobbro.invalid"
    return _row(app, user.id)


def _toggle(client, auth, uid: int):
    return client.post(f"/admin/users/{uid}/toggle", data={"til": "aktiv", "csrf_token": auth.csrf_token("/admin/users")},
                       follow_redirects=True)


def test_a_freed_users_other_details_save_with_the_reserved_address_unchanged(app, client, auth, admin, make_user):
    user = _freed(app, client, auth, make_user)
    page = client.get(f"/admin/users/{user.id}/ret").get_data(as_text=True)
    assert "Reserveret adresse: e-mailen er frigjort" in page and "før brugeren kan aktiveres" in page

    response = _edit(client, auth, user.id, email=user.email, name="Nyt Navn", role="consultant")
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = _row(app, user.id)
    assert (saved.name, saved.email, saved.active) == ("Nyt Navn", f"frigjort-{user.id}@jobbro.invalid", False)


def test_a_reserved_address_is_given_by_nobody_by_hand(app, client, auth, admin, make_user):
    freed = _freed(app, client, auth, make_user)
    other = make_user("consultant", email="anden@jc.dk")
    for email in (freed.email, f"frigjort-{other.id}@jobbro.invalid"):  # another's, or its own pattern
        response = _edit(client, auth, other.id, email=email, role="consultant")
        assert response.status_code == 400 and service.RESERVED_GIVEN in response.get_data(as_text=True)
        assert _row(app, other.id).email == "anden@jc.dk"
    unused = f"frigjort-{other.id + 1}@jobbro.invalid"
    assert service.RESERVED_GIVEN in create(client, auth, email=unused).get_data(as_text=True)
    assert user_id(app, unused) is None
    again = client.post(f"/admin/users/{freed.id}/frigoer-email",
                        data={"csrf_token": auth.csrf_token(f"/admin/users/{freed.id}/ret")}, follow_redirects=True)
    assert "er allerede frigjort" in again.get_data(as_text=True)
    assert audit_rows(app, "user_email_freed") == [(f"user:{freed.id}", "ok")]  # once


def test_a_freed_user_is_activated_only_with_a_real_email(app, client, auth, admin, make_user):
    user = _freed(app, client, auth, make_user)
    html = _toggle(client, auth, user.id).get_data(as_text=True)
    assert f"{user.name} er ikke aktiveret: e-mailen er frigjort (frigjort-{user.id}@jobbro.invalid)" in html
    assert "Skriv en rigtig e-mail under »Ret bruger«" in html
    assert not _row(app, user.id).active

    assert _edit(client, auth, user.id, email="ny@jc.dk", name=user.name, role="consultant").status_code == 302
    assert "er aktiveret" in _toggle(client, auth, user.id).get_data(as_text=True)
    assert _row(app, user.id).active and _row(app, user.id).email == "ny@jc.dk"


def test_reactivating_a_freed_user_without_a_password_names_the_link_to_send(app, make_user):
    user = make_user("consultant", email="uden@jc.dk")
    acting = make_user("admin", email="chef@jc.dk")
    with app.app_context():
        row = db.session.get(User, user.id)
        row.active, row.password_hash, row.email = False, None, service.reserved_email(user.id)
        db.session.commit()
        with pytest.raises(service.AccountRuleError, match="Send nyt link"):
            service.toggle_active(row, db.session.get(User, acting.id))
