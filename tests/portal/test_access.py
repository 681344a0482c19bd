"""Role enforcement on the areas that exist (the full matrix grows with each area)."""
from __future__ import annotations

import pytest

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/companies", "/admin/companies/new"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["company", "consultant"])
def test_non_admins_get_403_on_admin_pages(client, auth, make_user, role, path):
    auth.login(make_user(role).email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES + ["/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_start_page_per_role(client, auth, make_user):
    expectations = {
        "company": 'data-role="company"',
        "consultant": 'data-role="consultant"',
        "admin": 'data-role="admin"',
    }
    for role, marker in expectations.items():
        user = make_user(role)
        auth.login(user.email)
        assert marker in client.get("/").get_data(as_text=True)
        auth.logout()
    partner = make_user("company", code_of_care=True)
    auth.login(partner.email)
    assert 'data-role="partner"' in client.get("/").get_data(as_text=True)


def test_company_creation_validates_cvr(client, auth, make_user):
    auth.login(make_user("admin").email)
    token = auth.csrf_token("/admin/companies/new")
    response = client.post("/admin/companies/new", data={
        "name": "Test ApS", "cvr": "12ab", "postcode": "8722", "standing_seats": "0", "csrf_token": token})
    assert "CVR-nummeret skal være 8 cifre" in response.get_data(as_text=True)
    ok = client.post("/admin/companies/new", data={
        "name": "Test ApS", "cvr": "12345674", "postcode": "8722", "standing_seats": "2",
        "code_of_care": "y", "csrf_token": token})
    assert ok.status_code == 302
    assert "Test ApS" in client.get("/admin/companies").get_data(as_text=True)


def test_admin_edits_the_eligibility_table(app, client, auth, make_user):
    from portal.extensions import db
    from store.models import AuditEvent
    from store.profiles import load_rules

    auth.login(make_user("admin").email)
    page = client.get("/admin/regler").get_data(as_text=True)
    assert 'name="allow-kontanthjaelp-smaajob" value="1" checked' in page  # documented default
    token = auth.csrf_token("/admin/regler")
    base = page.split('name="base" value="')[1].split('"')[0]  # the values shown (review AN 8)
    posted = {"csrf_token": token, "base": base,  # unticking every other pair: asked first (review AN 8)
              "allow-dagpenge-smaajob": "1", "allow-../../etc-x": "1", "role": "admin"}
    asked = client.post("/admin/regler", data=posted).get_data(as_text=True)
    confirmed = asked.split('name="bekraeftet" value="')[1].split('"')[0]  # the removals it named (review AQ 1)
    response = client.post("/admin/regler", data={**posted, "bekraeft": "ja", "bekraeftet": confirmed})
    assert response.status_code == 302
    with app.app_context():
        rules = load_rules(db.session)
        assert rules.allows("dagpenge", "smaajob")
        assert not rules.allows("kontanthjaelp", "smaajob")
        assert db.session.query(AuditEvent).filter_by(action="eligibility_changed").count() > 1


def test_non_admin_cannot_edit_rules(client, auth, make_user):
    auth.login(make_user("consultant").email)
    assert client.get("/admin/regler").status_code == 403
