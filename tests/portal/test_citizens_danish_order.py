"""The citizen list in Danish alphabetical order (review AV 10): A–Z, then Æ, Ø, Å, in that order,
upper and lower case together, é as e and ü as y; sorted by the database before it pages, so the
order holds across pages, on SQLite and on PostgreSQL alike; one ORDER BY for every list of citizens by
name (danish_order.citizen_name_order), and sort_key the same rule in Python."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from portal.citizens import danish_order, queries
from portal.extensions import db
from portal.main.queue import unmatchable_citizens
from store.models import Citizen, User
from tests.portal.citizen_fixtures import make_citizen

DANISH = ["anna Berg", "Émile Dupont", "Ole Hansen", "Ülla Ring", "Yvonne Vang", "Zahra Hosseini",
          "æble Ib", "Ærlige Øjvind Åberg", "Øjvind Holm", "Åse Ølgaard", "Åse Ørsted-Ærø"]
FILTERS = {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False, "closed": False,
           "vk": None, "raadgiver": None, "begraenset": ""}


# Both cases of the Danish and listed letters, and letters outside the rule (upper and lower case,
# a dotted İ, ß, a Vietnamese ễ): SQLite's lower() folds ASCII only, PostgreSQL's under a UTF-8
# locale every letter, so the rule folds ASCII only everywhere (COLLATE "C" under lower() there).
MIXED = ["Çelik", "çelik", "Ştefan", "şahin", "Ömer", "öster", "Émile", "émile", "ÉRIK", "Ülla", "üllo",
         "Ñuñez", "ñandu", "Aase", "aage", "Zorn", "Ærø", "ærlig", "Åse", "åge", "Øjvind", "øle", "Ångström",
         "İlker", "Ilker", "ılgaz", "Straße", "STRASSE", "Łukasz", "łaba", "Ämma", "änne", "Ève", "ève",
         "Ávila", "ávila", "Mc Donald", "Mc-Donald", "O'Brien", "obrien", "Vinh Nguyễn", "vinh nguyen"]


def test_the_python_key_sorts_danish():
    assert sorted(reversed(DANISH), key=danish_order.sort_key) == DANISH


def _sql_order(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=NullPool)
    names = sa.table("names", sa.column("name"))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE names (name VARCHAR(200))")
            connection.execute(sa.insert(names), [{"name": n} for n in reversed(MIXED)])
            return connection.execute(sa.select(names.c.name).order_by(
                danish_order.order_by(names.c.name, engine.dialect.name), names.c.name)).scalars().all()
    finally:
        engine.dispose()


def test_python_and_sqlite_sort_alike(tmp_path):
    """sort_key is order_by's rule: a list sorted in Python is in the citizen list's order."""
    assert _sql_order(f"sqlite:///{tmp_path / 'n.sqlite'}") == sorted(
        MIXED, key=lambda n: (danish_order.sort_key(n), n))


@pytest.mark.postgres
def test_python_and_postgresql_sort_alike(postgres_url):
    from tests.postgres_server import fresh_database

    assert _sql_order(fresh_database(postgres_url, "t_danish_key")) == sorted(
        MIXED, key=lambda n: (danish_order.sort_key(n), n))


def test_both_lists_take_the_one_citizen_name_order(app, make_user, monkeypatch):
    """The citizen list and the start page's unmatchable citizens sort by
    danish_order.citizen_name_order, not each by an order of its own."""
    user = make_user("consultant")
    for name in ("Anna", "Bent", "Carl"):
        make_citizen(app, name=name, vk_id=user.id, cv_text=None)
    monkeypatch.setattr(danish_order, "citizen_name_order", lambda: (Citizen.id.desc(),))
    with app.test_request_context():
        me = db.session.get(User, user.id)
        listed = [c.name for c in queries.list_citizens(me, {**FILTERS, "page": 1}).page.items]
        assert listed == ["Carl", "Bent", "Anna"]
        assert [c.name for c in unmatchable_citizens(me)] == ["Carl", "Bent", "Anna"]


def test_the_order_follows_the_bound_database(app):
    from sqlalchemy.dialects import postgresql

    with app.app_context():
        key, name, cid = danish_order.citizen_name_order()
        assert (name, cid) == (Citizen.name, Citizen.id)
        assert 'COLLATE "C"' not in str(key.compile(dialect=db.session.get_bind().dialect))
    on_postgresql = str(danish_order.order_by(Citizen.name, "postgresql").compile(dialect=postgresql.dialect()))
    # The key is compared under "C" as the name is lowered under it (the collation carries through
    # lower() and replace(), written once so the index of 0037 is the same expression).
    assert 'lower(citizen.name COLLATE "C")' in on_postgresql and on_postgresql.count("COLLATE") == 1


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
