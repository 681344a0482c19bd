"""Every list of names the portal shows is in Danish order (A–Z, then Æ, Ø, Å), not the
database's byte order (Å before Æ before Ø on SQLite, upper case before lower case): companies,
users, teams and citizens outside the citizen list, by :mod:`portal.name_order`; short lists
sorted in Python by the same rule."""
from __future__ import annotations

import sqlalchemy as sa

from portal import name_order
from portal.admin import service as admin_service
from portal.admin import team_service
from portal.citizens import danish_order, queries
from portal.extensions import db
from portal.stories import service as stories
from store.models import Citizen, Company, Team, User

NAMES = ["anker ApS", "Bager Olsen", "Zeta I/S", "Æblehaven", "Ølstykke Tømrer", "Åby Vognmand"]


def _companies(app) -> None:
    with app.app_context():
        for n, name in enumerate(reversed(NAMES)):
            db.session.add(Company(name=name, cvr=f"{30000000 + n}", postcode="8722", code_of_care=True))
        db.session.commit()


def test_the_byte_order_is_not_danish():
    """Why the rule exists: sorted as bytes (the databases' plain ORDER BY), Å, Æ, Ø come out in
    the wrong order and lower case last."""
    assert sorted(NAMES) != NAMES
    assert sorted(NAMES, key=name_order.sort_key) == NAMES


def test_company_lists_are_in_danish_order(app):
    _companies(app)
    with app.app_context():
        companies, _ = admin_service.company_list()
        assert [c.name for c in companies] == NAMES
        assert [c.name for c in stories.partner_companies()] == NAMES


def test_user_and_team_lists_are_in_danish_order(app, make_user):
    with app.app_context():
        team = Team(name="Team Ø")
        db.session.add_all([team, Team(name="Team Å"), Team(name="Team Æ"), Team(name="team a")])
        db.session.flush()
        for n, name in enumerate(["Åse Berg", "Øjvind Holm", "Ærø Jensen", "zenia Lund", "Anna Kruse"]):
            db.session.add(User(email=f"k{n}@example.dk", name=name, role="consultant", team_id=team.id,
                                active=True))
        db.session.commit()
        assert [u.name for u in team_service.members(team.id)] == [
            "Anna Kruse", "zenia Lund", "Ærø Jensen", "Øjvind Holm", "Åse Berg"]
        assert [u.name for u in queries.consultants()] == [
            "Anna Kruse", "zenia Lund", "Ærø Jensen", "Øjvind Holm", "Åse Berg"]
        teams = db.session.scalars(sa.select(Team).order_by(*name_order.order_by(Team.name, Team.id))).all()
        assert [t.name for t in teams] == ["team a", "Team Æ", "Team Ø", "Team Å"]


def test_the_citizen_list_keeps_its_indexed_order(app):
    """The citizen list's ORDER BY is the shared rule on citizen.name (the expression the index
    ix_citizen_name_danish is on)."""
    with app.app_context():
        ours = danish_order.citizen_name_order()
        shared = name_order.order_by(Citizen.name, Citizen.id)
        dialect = db.engine.dialect
        assert [str(c.compile(dialect=dialect)) for c in ours] == [str(c.compile(dialect=dialect)) for c in shared]
