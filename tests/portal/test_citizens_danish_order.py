"""The citizen list in Danish alphabetical order (review AV 10): A–Z, then Æ, Ø, Å, in that order,
upper and lower case together, é as e and ü as y; sorted by the database before it pages, so the
order holds across pages, on SQLite and on PostgreSQL alike."""
from __future__ import annotations

import pytest

from portal.citizens import danish_order, queries
from portal.extensions import db
from store.models import User
from tests.portal.citizen_fixtures import make_citizen

DANISH = ["anna Berg", "Émile Dupont", "Ole Hansen", "Ülla Ring", "Yvonne Vang", "Zahra Hosseini",
          "æble Ib", "Ærlige Øjvind Åberg", "Øjvind Holm", "Åse Ølgaard", "Åse Ørsted-Ærø"]
FILTERS = {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False, "closed": False,
           "vk": None, "raadgiver": None, "begraenset": ""}


def test_the_python_key_sorts_danish():
    assert sorted(reversed(DANISH), key=danish_order.sort_key) == DANISH


def _listed(app, user_id: int, per_page: int) -> list[str]:
    names: list[str] = []
    with app.test_request_context():
        user = db.session.get(User, user_id)
        for page in range(1, len(DANISH) // per_page + 2):
            names += [c.name for c in queries.list_citizens(user, {**FILTERS, "page": page}, per_page).page.items]
    return names


def test_the_list_is_in_danish_order_across_pages(app, make_user):
    user = make_user("consultant")
    for name in reversed(DANISH):
        make_citizen(app, name=name)
    assert _listed(app, user.id, per_page=3) == DANISH


def test_the_list_page_shows_them_in_that_order(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    for name in ("Åse Ørsted", "Zahra Hosseini", "Øjvind Holm", "Ærlige Åberg"):
        make_citizen(app, name=name)
    html = client.get("/borgere/?scope=all").get_data(as_text=True)
    assert [html.index(n) for n in ("Zahra Hosseini", "Ærlige Åberg", "Øjvind Holm", "Åse Ørsted")] == sorted(
        html.index(n) for n in ("Zahra Hosseini", "Ærlige Åberg", "Øjvind Holm", "Åse Ørsted"))


@pytest.mark.postgres
def test_on_postgresql_too(postgres_url):
    from portal import create_app
    from tests.postgres_server import fresh_database

    pg_app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                         "DATABASE_URL": fresh_database(postgres_url, "t_danish_order")})
    with pg_app.app_context():
        db.create_all()
        user = User(email="vk@jc.dk", name="VK", role="consultant", password_hash="x")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    try:
        for name in reversed(DANISH):
            make_citizen(pg_app, name=name)
        assert _listed(pg_app, user_id, per_page=4) == DANISH
    finally:
        with pg_app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()  # no open connection left for the garbage collector (ResourceWarning)
