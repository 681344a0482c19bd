"""An administrator sets a user's work phone; a company sees its consultant's phone, else the hotline's."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Citizen, Company, Placement, User
from tests.conftest import AuthActions
from tests.portal import test_mail as mail_fixtures

outbox = mail_fixtures.outbox


@pytest.fixture
def world(app, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    company_user = make_user("company", email="hr@firma.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = vk.id
        citizen = Citizen(name="Borger Et", postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2026, 1, 5), hours_available=20, vk_id=vk.id)
        db.session.add(citizen)
        db.session.flush()
        placement = Placement(citizen_id=citizen.id, company_id=company.id, kind="smaajob",
                              start_date=date(2026, 3, 2), weekly_hours=10)
        db.session.add(placement)
        db.session.commit()
        return {"admin": admin, "vk": vk, "placement": placement.id}


def _phone(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).phone


def _set(client, user_id: int, phone: str):
    token = AuthActions(client).csrf_token(f"/admin/users/{user_id}/telefon")
    return client.post(f"/admin/users/{user_id}/telefon", data={"phone": phone, "csrf_token": token})


def _card(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('data-testid="job-centre-contact"')[1].split("</section>")[0]


def test_admin_sets_and_clears_the_phone_and_it_is_audited(app, client, world):
    AuthActions(client).switch_to("admin@jc.dk")
    form = client.get(f"/admin/users/{world['vk'].id}/telefon").get_data(as_text=True)
    assert 'name="phone"' in form
    response = _set(client, world["vk"].id, "  76  31 20 00 ")
    assert response.status_code == 302
    assert _phone(app, world["vk"].id) == "76 31 20 00"
    users = client.get("/admin/users").get_data(as_text=True)
    assert "76 31 20 00" in users and f'/admin/users/{world["vk"].id}/telefon' in users
    assert _set(client, world["vk"].id, "").status_code == 302
    assert _phone(app, world["vk"].id) == ""
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "user_phone_set")).all()
    assert purposes == [f"user:{world['vk'].id} set", f"user:{world['vk'].id} cleared"]


@pytest.mark.parametrize("phone", ["ring mig", "12", "7631 2000<script>", "+45 " + "1" * 30, "76\x0031 20 00",
                                   "７６３１２０００"])
def test_bad_phone_is_a_danish_error_and_nothing_changes(app, client, world, phone):
    AuthActions(client).switch_to("admin@jc.dk")
    response = _set(client, world["vk"].id, phone)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv telefonnummeret med cifre" in html or "Telefonnummeret er for langt." in html
    assert _phone(app, world["vk"].id) == ""


def test_create_user_with_a_phone(app, client, world, outbox):
    AuthActions(client).switch_to("admin@jc.dk")
    token = AuthActions(client).csrf_token("/admin/users/new")
    response = client.post("/admin/users/new", data={
        "email": "ny@jc.dk", "name": "Ny Konsulent", "role": "consultant", "company_id": "0", "team_id": "0",
        "phone": "+45 76 31 20 01", "csrf_token": token})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(User.phone).where(User.email == "ny@jc.dk")) == "+45 76 31 20 01"
    bad = client.post("/admin/users/new", data={
        "email": "ny2@jc.dk", "name": "Ny", "role": "consultant", "company_id": "0", "team_id": "0",
        "phone": "abc", "csrf_token": token})
    assert "Skriv telefonnummeret med cifre" in bad.get_data(as_text=True)


def test_phone_edit_needs_a_fresh_login_and_an_admin(app, client, world):
    AuthActions(client).switch_to("admin@jc.dk")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.get(f"/admin/users/{world['vk'].id}/telefon")
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    AuthActions(client).switch_to("vk@jc.dk")
    assert client.get(f"/admin/users/{world['vk'].id}/telefon").status_code == 403
    AuthActions(client).switch_to("admin@jc.dk")
    assert client.get("/admin/users/999999/telefon").status_code == 404


def test_contact_card_shows_the_consultants_phone_else_the_hotline(app, client, world):
    AuthActions(client).switch_to("hr@firma.dk")
    for path in ("/forloeb/", f"/forloeb/{world['placement']}", "/hotline/"):
        card = _card(client, path)
        assert "(hotline; spørg efter" in card and 'data-testid="consultant-phone"' not in card
    with app.app_context():
        db.session.get(User, world["vk"].id).phone = "76 31 20 00"
        db.session.commit()
    for path in ("/forloeb/", f"/forloeb/{world['placement']}", "/hotline/"):
        card = _card(client, path)
        assert 'href="tel:76312000" data-testid="consultant-phone">76 31 20 00</a>' in card, path
        assert "(hotline; spørg efter" not in card
        assert 'data-testid="hotline-phone"' in card  # the hotline stays on the card
