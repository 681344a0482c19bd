"""/admin/users reads the users in one statement, whatever their number, and shows each one right."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal import name_order
from portal.extensions import db
from store.models import Company, Team, User
from tests.sql_statements import statements


def add_users(app, count: int, tag: str) -> None:
    """``count`` more users of every kind: company users (own company), consultants in a team,
    staff without a team, and some without a password yet or disabled."""
    with app.app_context():
        team = Team(name=f"Team {tag}")
        db.session.add(team)
        for n in range(count):
            company = Company(name=f"Firma {tag}{n}", cvr=f"{40000000 + ord(tag) * 1000 + n}", postcode="8722")
            db.session.add(company)
            db.session.flush()
            for role, fields in (("company", {"company_id": company.id}), ("consultant", {"team_id": team.id}),
                                 ("admin", {})):
                db.session.add(User(email=f"{role}-{tag}{n}@example.dk", name=f"{role.title()} {tag}{n}", role=role,
                                    password_hash=None if n % 2 else "x", active=n % 3 != 2, phone="", **fields))
        db.session.commit()



def page(app, client) -> tuple[str, int]:
    assert client.get("/admin/users").status_code == 200
    with statements(app) as seen:
        response = client.get("/admin/users")
    assert response.status_code == 200
    return response.get_data(as_text=True), len(seen)


def rows(html: str) -> list[list[str]]:
    """The table's cells per row, tags stripped."""
    body = re.search(r"<tbody>(.*)</tbody>", html, re.DOTALL).group(1)
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def test_statements_do_not_grow_with_the_users(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    add_users(app, 2, "a")
    html, few = page(app, client)
    assert len(rows(html)) == 1 + 6
    add_users(app, 10, "b")
    html, many = page(app, client)
    assert len(rows(html)) == 1 + 6 + 30
    assert many == few, f"/admin/users ran {few} statements with 7 users, {many} with 37"
    assert many <= 6, many  # the user, the unread count, the count, the page, what deactivated users and the page's users hold


def test_each_row_shows_the_users_own_organisation_and_state(app, client, auth, make_user):
    me = make_user("admin")
    auth.login(me.email)
    add_users(app, 3, "c")
    html, _ = page(app, client)
    shown = {cells[1]: cells for cells in rows(html)}
    with app.app_context():
        users = db.session.scalars(sa.select(User)).all()
        assert len(shown) == len(users)
        for user in users:
            name, email, role, phone, organisation, state, _actions = shown[user.email][0:7]
            assert (name, role) == (user.name, {"company": "Virksomhed", "consultant": "Konsulent",
                                                "admin": "Administrator"}[user.role])
            assert organisation == (user.company.name if user.company else user.team.name if user.team else "Jobcentret")
            assert state.startswith("Aktiv" if user.active else "Deaktiveret")
            assert state.endswith("venter på adgangskode") is (not user.password_hash)
            assert phone.startswith("–")
    # By role, then name in Danish order: administrators, companies, consultants (the role keys' order).
    order = [cells[1] for cells in rows(html)]
    with app.app_context():
        expected = db.session.scalars(sa.select(User.email).order_by(User.role, *name_order.order_by(User.name, User.id))).all()
    assert order == expected
