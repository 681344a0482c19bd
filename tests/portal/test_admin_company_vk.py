"""A company's virksomhedskonsulent (VK) is set on the admin company form, shown in the
company list (with the companies lacking one), audited, and then does its work: the VK sees
the company's openings, is told of new ones and of hotline requests, and is the company's contact."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Company, HotlineRequest, Notification, Opening, Team, User

VALID_CVR = "12345674"


@pytest.fixture
def world(app, make_user):
    """An admin, a company user (with company "Firma 0"), two active consultants in two teams,
    one without a team, and a deactivated one."""
    admin = make_user("admin", email="admin@jc.dk")
    company_user = make_user("company", email="kontakt@firma.dk")
    vk = make_user("consultant", email="vk@jc.dk")  # Team Syd (the fixture's)
    north = make_user("consultant", email="nord@jc.dk")
    loose = make_user("consultant", email="loes@jc.dk")
    gone = make_user("consultant", email="gone@jc.dk", active=False)
    with app.app_context():
        team = Team(name="Team Nord")
        db.session.add(team)
        db.session.flush()
        db.session.get(User, north.id).team_id = team.id
        db.session.get(User, north.id).name = "Nora Nord"
        db.session.get(User, loose.id).team_id = None
        db.session.get(User, loose.id).name = "Lone Løs"
        db.session.get(User, vk.id).name = "Vera VK"
        db.session.get(User, gone.id).name = "Gorm Gået"
        db.session.commit()
    return {"admin": admin, "company_user": company_user, "company_id": company_user.company_id,
            "vk": vk, "north": north, "loose": loose, "gone": gone}


def save(client, auth, company_id: int | None, consultant: str, **overrides):
    path = f"/admin/companies/{company_id}" if company_id else "/admin/companies/new"
    data = {"name": "Firma 0", "cvr": VALID_CVR, "postcode": "8722", "standing_seats": "0",
            "consultant_id": consultant, "csrf_token": auth.csrf_token(path), **overrides}
    return client.post(path, data=data)


def vk_of(app, company_id: int) -> int | None:
    with app.app_context():
        return db.session.get(Company, company_id).consultant_id


def test_the_form_offers_the_active_consultants_grouped_by_team(client, auth, world):
    auth.login("admin@jc.dk")
    html = client.get(f"/admin/companies/{world['company_id']}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="consultant_id".*?</select>', html, re.S).group(0)
    assert re.search(r'<option selected value="0">Ingen VK endnu</option>', select)
    assert re.search(r'<optgroup label="Team Nord">\s*<option value="%d">Nora Nord' % world["north"].id, select)
    assert re.search(r'<optgroup label="Team Syd">\s*<option value="%d">Vera VK' % world["vk"].id, select)
    assert re.search(r'<optgroup label="Uden team">\s*<option value="%d">Lone Løs' % world["loose"].id, select)
    assert "Gorm Gået" not in select and "Admin" not in select and "kontakt@" not in select
    assert "Uden VK får ingen besked" in html  # the hint says what having none means


def test_choosing_a_vk_saves_it_and_audits_the_change(app, client, auth, world):
    auth.login("admin@jc.dk")
    assert save(client, auth, world["company_id"], str(world["vk"].id)).status_code == 302
    assert vk_of(app, world["company_id"]) == world["vk"].id
    assert save(client, auth, world["company_id"], "0").status_code == 302
    assert vk_of(app, world["company_id"]) is None
    with app.app_context():
        purposes = list(db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "company_saved")
                                           .order_by(AuditEvent.id)))
    assert purposes == [f"company:{VALID_CVR} changed:cvr,consultant_id vk:-->{world['vk'].id}",
                        f"company:{VALID_CVR} changed:consultant_id vk:{world['vk'].id}->-"]


def test_the_form_shows_the_saved_vk_and_a_new_company_can_get_one(app, client, auth, world):
    auth.login("admin@jc.dk")
    assert save(client, auth, None, str(world["north"].id), name="Ny ApS", cvr="10000009").status_code == 302
    with app.app_context():
        company = db.session.scalar(sa.select(Company).where(Company.name == "Ny ApS"))
        assert company.consultant_id == world["north"].id
        company_id = company.id
    html = client.get(f"/admin/companies/{company_id}").get_data(as_text=True)
    assert f'<option selected value="{world["north"].id}">Nora Nord</option>' in html


@pytest.mark.parametrize("who", ["gone", "admin", "company_user", "nobody"])
def test_only_an_active_consultant_can_be_chosen_and_the_typed_values_are_kept(app, client, auth, world, who):
    auth.login("admin@jc.dk")
    value = "999999" if who == "nobody" else str(world[who].id)
    response = save(client, auth, world["company_id"], value, address="Vejen 7")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="consultant_id-error"><span class="sr-only">Fejl:</span> '
                     r'Vælg en aktiv konsulent på listen, eller »Ingen VK endnu«.', html)
    assert 'value="Vejen 7"' in html
    assert vk_of(app, world["company_id"]) is None


def test_a_vk_who_has_left_stays_shown_and_may_be_kept_but_not_chosen_anew(app, client, auth, world):
    with app.app_context():
        db.session.get(Company, world["company_id"]).consultant_id = world["gone"].id
        db.session.commit()
    auth.login("admin@jc.dk")
    html = client.get(f"/admin/companies/{world['company_id']}").get_data(as_text=True)
    assert f'<option selected value="{world["gone"].id}">Gorm Gået (deaktiveret)</option>' in html
    assert save(client, auth, world["company_id"], str(world["gone"].id), address="Ny vej").status_code == 302
    assert vk_of(app, world["company_id"]) == world["gone"].id
    listing = client.get("/admin/companies").get_data(as_text=True)
    assert "Gorm Gået" in listing and "Deaktiveret: vælg en ny VK" in listing


def test_the_service_refuses_an_inactive_vk_even_past_the_form(app, world):
    from portal.admin import service
    with app.test_request_context():
        company = db.session.get(Company, world["company_id"])
        values = {name: getattr(company, name) for name in service.COMPANY_FIELDS}
        with pytest.raises(service.AccountRuleError) as refusal:
            service.save_company(company, {**values, "consultant_id": world["gone"].id})
        assert refusal.value.field == "consultant_id"


def test_the_list_shows_each_vk_and_marks_and_filters_the_companies_without(app, client, auth, world):
    with app.app_context():
        db.session.add(Company(name="Med VK A/S", cvr="22222222", postcode="8722", consultant_id=world["vk"].id))
        db.session.commit()
    auth.login("admin@jc.dk")
    html = client.get("/admin/companies").get_data(as_text=True)
    cells = re.findall(r'data-testid="company-vk">(.*?)</td>', html)
    assert cells == ['<span class="badge badge-warning">Ingen VK</span>', "Vera VK"]  # Firma 0, Med VK
    assert 'href="/admin/companies?uden_vk=1"' in html and "Vis de 1 uden VK" in html
    only = client.get("/admin/companies?uden_vk=1").get_data(as_text=True)
    assert "Firma 0" in only and "Med VK A/S" not in only
    assert "Viser 1 virksomhed uden virksomhedskonsulent" in only


# --- what having a VK makes work ---------------------------------------------------------

@pytest.fixture
def assigned(app, client, auth, world):
    """The admin gives the company its VK through the form; the company has an open opening."""
    auth.login("admin@jc.dk")
    assert save(client, auth, world["company_id"], str(world["vk"].id)).status_code == 302
    with app.app_context():
        db.session.add(Opening(company_id=world["company_id"], kind="smaajob", title="Lagerhjælp ZQX",
                               postcode="8722", hours_min=1, hours_max=5, status="open"))
        db.session.commit()
    auth.switch_to("vk@jc.dk")
    return world


def test_the_vk_finds_the_companys_open_openings_under_own_companies(client, auth, assigned):
    html = client.get("/kandidater/").get_data(as_text=True)
    assert "Lagerhjælp ZQX" in html and "Ingen åbne opslag fra dine virksomheder" not in html
    auth.switch_to("nord@jc.dk")
    assert "Ingen åbne opslag fra dine virksomheder" in client.get("/kandidater/").get_data(as_text=True)


def test_a_hotline_request_is_assigned_to_and_notifies_the_vk(app, client, auth, assigned):
    auth.switch_to("kontakt@firma.dk")
    html = client.get("/hotline/ny").get_data(as_text=True)
    assert "Vera VK" in html and "I har ikke fået en fast virksomhedskonsulent" not in html
    response = client.post("/hotline/ny", data={
        "category": "fravaer", "urgency": "akut", "subject": "Mødte ikke op", "message": "Ingen besked.",
        "placement": "", "csrf_token": auth.csrf_token("/hotline/ny")})
    assert response.status_code == 302
    with app.app_context():
        request = db.session.scalar(sa.select(HotlineRequest))
        assert request.assigned_to_id == assigned["vk"].id
        kinds = set(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == assigned["vk"].id)))
    assert "hotline_new" in kinds


def test_publishing_an_opening_notifies_the_vk(app, client, auth, assigned):
    from tests.portal.test_openings import post_new
    auth.switch_to("kontakt@firma.dk")
    assert post_new(client, auth, title="Pakkemedarbejder ZQX").status_code == 302
    with app.app_context():
        texts = list(db.session.scalars(sa.select(Notification.text).where(
            Notification.user_id == assigned["vk"].id, Notification.kind == "opening_posted")))
    assert any("Pakkemedarbejder ZQX" in text for text in texts)
