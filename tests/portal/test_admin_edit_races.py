"""Two administrators at once on a company or a user (review BH 6, 7): a save from a page
loaded before someone else's save never changes theirs back unseen, and the same new CVR sent
twice is an error at the field, not a 500. Races are simulated by changing the row between
the page's load and its save, or by inserting the duplicate between the check and the insert."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.admin import service
from portal.extensions import db
from store.models import AuditEvent, Company, Team, User

CVR = "12345674"
OTHER_CVR = "29403473"


def _hidden(html: str) -> dict[str, str]:
    """The form's CSRF token and ``base`` as the page has them."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) in ("csrf_token", "base"):
            found[name.group(1)] = value.group(1)
    return found


def _page(client, path: str) -> tuple[str, dict[str, str]]:
    html = client.get(path).get_data(as_text=True)
    return html, _hidden(html)


def _company(app, **values) -> int:
    with app.app_context():
        company = Company(**{"name": "Tømrer Løvgren ApS", "cvr": CVR, "postcode": "8722", "address": "Vejen 1",
                             **values})
        db.session.add(company)
        db.session.commit()
        return company.id


def _company_form(company: Company, **changes) -> dict[str, str]:
    data = {"name": company.name, "cvr": company.cvr, "address": company.address, "postcode": company.postcode,
            "standing_seats": str(company.standing_seats), "consultant_id": str(company.consultant_id or 0)}
    if company.code_of_care:
        data["code_of_care"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _read(app, model, row_id: int):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def _meanwhile(app, model, row_id: int, **values) -> None:
    """Another administrator's save, committed on its own connection."""
    with app.app_context(), db.engine.begin() as other:
        other.execute(sa.update(model.__table__).where(model.__table__.c.id == row_id).values(**values))


def test_a_stale_company_save_keeps_the_other_admins_partner_flag_and_vk(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    company_id = _company(app)
    auth.login(admin.email)
    path = f"/admin/companies/{company_id}"
    html, hidden = _page(client, path)
    assert hidden.get("base")
    loaded = _read(app, Company, company_id)
    _meanwhile(app, Company, company_id, code_of_care=True, consultant_id=vk.id)  # admin B saves first
    # admin A, on the page opened before, changes only the address
    response = client.post(path, data={**hidden, **_company_form(loaded, address="Nyvej 2")})
    page = response.get_data(as_text=True)
    assert response.status_code == 409  # was 302, and B's flag and VK were reverted
    assert "Virksomheden er blevet ændret af en anden, mens du redigerede, så intet er gemt endnu." in page
    assert "Code of Care-partner (»ja«)" in page and "Virksomhedskonsulent (VK) (»Consultant Testesen«)" in page
    saved = _read(app, Company, company_id)
    assert (saved.address, saved.code_of_care, saved.consultant_id) == ("Vejen 1", True, vk.id)
    # the form now holds A's address on top of B's changes; saving again keeps both
    assert 'value="Nyvej 2"' in page and re.search(r'<input checked[^>]*name="code_of_care"', page)
    assert f'<option selected value="{vk.id}">' in page
    again = _hidden(page)
    response = client.post(path, data={**again, **_company_form(saved, address="Nyvej 2")})
    assert response.status_code == 302
    saved = _read(app, Company, company_id)
    assert (saved.address, saved.code_of_care, saved.consultant_id) == ("Nyvej 2", True, vk.id)


def test_a_company_save_after_an_unrelated_identical_change_goes_ahead(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    company_id = _company(app)
    auth.login(admin.email)
    path = f"/admin/companies/{company_id}"
    _html, hidden = _page(client, path)
    loaded = _read(app, Company, company_id)
    _meanwhile(app, Company, company_id, address="Nyvej 2")  # the same change, saved by the other one
    response = client.post(path, data={**hidden, **_company_form(loaded, address="Nyvej 2", name="Løvgren A/S")})
    assert response.status_code == 302
    saved = _read(app, Company, company_id)
    assert (saved.name, saved.address) == ("Løvgren A/S", "Nyvej 2")


def test_the_same_new_cvr_saved_meanwhile_is_an_error_at_the_cvr_not_a_500(app, client, auth, make_user,
                                                                             monkeypatch):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    token = auth.csrf_token("/admin/companies/new")
    real_scalar = db.session.scalar

    def check_then_other_admin_saves(statement, *args, **kwargs):
        found = real_scalar(statement, *args, **kwargs)
        if "company.cvr" in str(statement):  # the CVR check has run: the other POST commits now
            with db.engine.begin() as other:
                other.execute(sa.insert(Company).values(name="Dobbelt ApS", cvr=OTHER_CVR, postcode="8722",
                                                        address="", code_of_care=False, standing_seats=0,
                                                        active=True))
        return found

    monkeypatch.setattr(service.db.session, "scalar", check_then_other_admin_saves)
    response = client.post("/admin/companies/new", data={"name": "Dobbelt ApS", "cvr": OTHER_CVR,
                                                         "postcode": "8722", "csrf_token": token})
    monkeypatch.undo()
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # was a 500 (IntegrityError)
    assert service.CVR_TAKEN in page and f'value="{OTHER_CVR}"' in page and 'value="Dobbelt ApS"' in page
    assert "<h1>Ny virksomhed</h1>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 1
        assert not db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "company_saved"))


def _user_form(user: User, **changes) -> dict[str, str]:
    data = {"name": user.name, "email": user.email, "phone": user.phone or "",
            "team_id": str(user.team_id or 0), "role": user.role}
    data.update(changes)
    return data


def test_a_stale_user_save_keeps_the_other_admins_phone(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    auth.login(admin.email)
    path = f"/admin/users/{vk.id}/ret"
    _html, hidden = _page(client, path)
    assert hidden.get("base")
    loaded = _read(app, User, vk.id)
    _meanwhile(app, User, vk.id, phone="76 31 20 00")  # admin B saves a phone number first
    response = client.post(path, data={**hidden, **_user_form(loaded, name="Vera Kjær")})
    page = response.get_data(as_text=True)
    assert response.status_code == 409  # was 302, and B's phone was reverted to none
    assert "Brugeren er blevet ændret af en anden, mens du redigerede, så intet er gemt endnu." in page
    assert "Den anden ændrede Telefon (»76 31 20 00«)" in page and 'value="Vera Kjær"' in page and 'value="76 31 20 00"' in page
    saved = _read(app, User, vk.id)
    assert (saved.name, saved.phone) == ("Consultant Testesen", "76 31 20 00")
    again = _hidden(page)
    response = client.post(path, data={**again, **_user_form(saved, name="Vera Kjær")})
    assert response.status_code == 302
    saved = _read(app, User, vk.id)
    assert (saved.name, saved.phone) == ("Vera Kjær", "76 31 20 00")


def test_a_stale_user_save_that_changed_the_same_field_names_the_other_value(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        team = Team(name="Team Østjylland")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    auth.login(admin.email)
    path = f"/admin/users/{vk.id}/ret"
    _html, hidden = _page(client, path)
    loaded = _read(app, User, vk.id)
    _meanwhile(app, User, vk.id, team_id=team_id)
    response = client.post(path, data={**hidden, **_user_form(loaded, team_id="0")})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "I har begge ændret Team (den anden: »Team Østjylland«)" in page
    assert _read(app, User, vk.id).team_id == team_id
