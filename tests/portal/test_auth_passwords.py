"""Passwords built on the user's own name, e-mail or company are refused (issue 7, finding 4)."""
from __future__ import annotations

import pytest

from portal.auth.passwords import personal_words, policy_errors
from portal.auth.tokens import issue_set_password_token
from portal.extensions import db
from store.models import Company, User
from tests.portal.set_password_links import PAGE, open_link

TOO_EASY = "for let at gætte"
PERSONAL = "må ikke bygge på"


@pytest.mark.parametrize("password", [
    "aadalen2026", "Aadalen2026!", "ådalen-2026", "TOMRER.aadalen", "mette.hansen1", "Hansen2026!",
    "mh-firma-2026",
])
def test_passwords_from_name_e_mail_or_company_are_refused(password):
    words = personal_words(name="Mette Hansen", email="mh@firma.dk", company="Aadalen Tømrer ApS")
    assert policy_errors(password, *words), password


def test_other_strong_passwords_still_pass():
    words = personal_words(name="Mette Hansen", email="mh@firma.dk", company="Aadalen Tømrer ApS")
    assert policy_errors("Korrekt-hest-batteri-9", *words) == []
    assert policy_errors("Blå-kaffekop-på-trappen-7", *words) == []


def _link_for(app, company_name: str, name: str, email: str) -> str:
    with app.app_context():
        company = Company(name=company_name, cvr="31313131", postcode="8722")
        user = User(email=email, name=name, role="company", company=company)
        db.session.add_all([company, user])
        db.session.flush()
        token = issue_set_password_token(user, 1)
        db.session.commit()
    return f"/auth/set-password/{token}"


def _set(client, auth, path: str, password: str):
    return client.post(PAGE, data={"password": password, "confirm": password,
                                   "csrf_token": open_link(client, path)})


@pytest.mark.parametrize("password", ["aadalen2026", "Aadalen2026!"])
def test_the_set_password_page_refuses_the_company_name_plus_a_year(app, client, auth, password):
    path = _link_for(app, "Aadalen Tømrer ApS", "Mette Hansen", "mh@firma.dk")
    response = _set(client, auth, path, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert TOO_EASY in html or PERSONAL in html
    assert _set(client, auth, path, "Korrekt-hest-batteri-9").status_code == 302  # the link still works


def test_a_reset_refuses_the_users_own_name(app, client, auth, make_user):
    user = make_user("consultant", email="jens.kjaer@jobcenter.dk")
    with app.app_context():
        db.session.get(User, user.id).name = "Jens Kjær"
        token = issue_set_password_token(db.session.get(User, user.id), 1)
        db.session.commit()
    response = _set(client, auth, f"/auth/set-password/{token}", "JensKjaer2026")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and (TOO_EASY in html or PERSONAL in html)


def test_an_unknown_e_mail_costs_the_same_scrypt_work_as_a_wrong_password():
    """The dummy hash checked for an unknown e-mail is written out, so it must be made with the
    portal's own parameters (a cheaper one would tell an attacker which e-mails exist)."""
    from werkzeug.security import check_password_hash

    from portal.auth import passwords

    assert not passwords.needs_rehash(passwords._DUMMY_HASH)
    assert check_password_hash(passwords._DUMMY_HASH, "jobbro-timing-equaliser")
    assert passwords.verify_password(None, "jobbro-timing-equaliser") is False
