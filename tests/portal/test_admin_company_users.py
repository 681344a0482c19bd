"""A company's first user can be found from the company (review BG 4): its page lists its users
and leads to »Opret bruger til virksomheden« (the user form preset with the role and the
company), the flash after creating a company links there too, and /admin/companies counts and
filters the companies without an active user."""
from __future__ import annotations

import re

from portal.extensions import db
from store.models import Company

CVR = "12345674"


def _company(app, name: str = "Tømrerfirmaet Løvgren ApS", cvr: str = CVR) -> int:
    with app.app_context():
        company = Company(name=name, cvr=cvr, postcode="8722")
        db.session.add(company)
        db.session.commit()
        return company.id


def test_creating_a_company_flashes_the_link_to_give_it_a_user(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    response = client.post("/admin/companies/new", data={
        "name": "Tømrerfirmaet Løvgren ApS", "cvr": CVR, "postcode": "8722",
        "csrf_token": auth.csrf_token("/admin/companies/new")}, follow_redirects=True)
    html = response.get_data(as_text=True)
    with app.app_context():
        company_id = db.session.query(Company).one().id
    assert "Tømrerfirmaet Løvgren ApS er gemt. Giv virksomheden en bruger, så den kan slå opslag op:" in html
    assert f'href="/admin/users/new?virksomhed={company_id}" data-testid="new-company-user-link">' in html


def test_the_company_page_lists_its_users_and_leads_to_a_new_one(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    company_id = _company(app)
    with app.app_context():
        company = db.session.get(Company, company_id)
        db.session.expunge(company)
    page = client.get(f"/admin/companies/{company_id}").get_data(as_text=True)
    assert 'data-testid="company-no-users"' in page
    assert f'href="/admin/users/new?virksomhed={company_id}" data-testid="new-company-user"' in page
    lars = make_user("company", email="lars@loevgren.dk", company=company)
    make_user("company", email="other@firma.dk")  # another company's user is not listed
    page = client.get(f"/admin/companies/{company_id}").get_data(as_text=True)
    assert 'data-testid="company-users"' in page and 'data-testid="company-no-users"' not in page
    assert f'href="/admin/users/{lars.id}/ret">Company Testesen</a>' in page and "lars@loevgren.dk" in page
    assert "other@firma.dk" not in page
    assert client.get("/admin/companies/new").get_data(as_text=True).count("Opret bruger til virksomheden") == 0


def test_the_user_form_is_preset_with_the_company_and_role(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    company_id = _company(app)
    page = client.get(f"/admin/users/new?virksomhed={company_id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{company_id}">Tømrerfirmaet Løvgren ApS</option>', page)
    assert '<option selected value="company">' in page
    for odd in ("999999", "99999999999999999999999", "x"):  # an unknown or huge id presets nothing
        page = client.get(f"/admin/users/new?virksomhed={odd}")
        assert page.status_code == 200 and f'<option selected value="{company_id}">' not in page.get_data(as_text=True)


def test_the_list_counts_and_filters_the_companies_without_an_active_user(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    with_user = make_user("company", email="lars@loevgren.dk")  # its own company, »Firma 0«
    without = _company(app, "Tømrerfirmaet Løvgren ApS")
    gone = _company(app, "Lukket ApS", cvr="29403473")
    with app.app_context():
        closed = db.session.get(Company, gone)
        db.session.expunge(closed)
    make_user("company", email="gone@lukket.dk", company=closed, active=False)  # only a deactivated user
    page = client.get("/admin/companies").get_data(as_text=True)
    assert ('<a href="/admin/companies?uden_brugere=1" data-testid="without-users-link">'
            "Virksomheder uden brugere: 2</a>") in page
    assert f'href="/admin/users/new?virksomhed={without}">Ingen bruger: opret en</a>' in page
    assert f'href="/admin/users/new?virksomhed={with_user.company_id}"' not in page
    # Review BK 3: a company whose only user is deactivated has a user, just not an active one:
    # its page (where the user is listed and can be made active again), not a duplicate account.
    assert f'href="/admin/companies/{gone}">Ingen aktiv bruger: 1 deaktiveret</a>' in page
    assert f'href="/admin/users/new?virksomhed={gone}"' not in page
    only = client.get("/admin/companies?uden_brugere=1").get_data(as_text=True)
    assert "<h1>Virksomheder uden brugere</h1>" in only
    assert "Viser 2 virksomheder uden en aktiv bruger." in only and 'data-testid="without-users-note"' in only
    assert "Tømrerfirmaet Løvgren ApS" in only and "Lukket ApS" in only and ">Firma 0<" not in only


def test_when_every_company_has_a_user_the_list_says_so(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    make_user("company", email="lars@loevgren.dk")
    page = client.get("/admin/companies").get_data(as_text=True)
    assert "Alle har en bruger." in page and 'data-testid="without-users-link"' not in page
