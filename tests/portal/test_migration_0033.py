"""Migration 0033: the eligibility table's save counter (``eligibility_version``), on SQLite and
PostgreSQL: empty until the first save writes its one row; the downgrade drops it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app, eligibility
from portal.extensions import db
from tests.postgres_server import fresh_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0032(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_url"), f"t_0033_{abs(hash(request.node.name)) % 10**8}")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p"})
    with app.app_context():
        upgrade(revision="0032")
        yield app
        db.session.remove()
        db.engine.dispose()


def _rows() -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text("SELECT id, version FROM eligibility_version"))]


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_0033_adds_the_empty_counter_and_goes_back(at_0032):
    assert "eligibility_version" not in _tables()
    upgrade(revision="0033")
    assert _rows() == []
    assert eligibility.version(db.session) == 0  # no row reads as 0
    db.session.remove()
    downgrade(revision="0032")
    assert "eligibility_version" not in _tables()
    upgrade(revision="0033")
    assert _rows() == []


def test_the_first_save_writes_the_row_and_the_next_bumps_it(at_0032):
    upgrade(revision="0033")
    for allowed, expected in (({("sygedagpenge", "smaajob")}, [(1, 1)]), (set(), [(1, 2)])):
        assert eligibility.save_table(db.session, allowed, eligibility.version(db.session))
        db.session.commit()
        assert _rows() == expected


def test_0033_keeps_the_counter_to_one_row(at_0032):
    upgrade(revision="0033")
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO eligibility_version (id, version) VALUES (2, 0)"))
    assert _rows() == []
