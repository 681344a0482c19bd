"""Migration 0042: ``opening_none_suitable``, the marks »Ingen egnede kandidater lige nu``
(review BK 6), on SQLite and PostgreSQL: an opening's marks go with the opening, a marker's
removal keeps the mark without them, and the downgrade drops the table."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import Company, Opening
from tests.portal.migration_helpers import DATABASES, database_url, insert_user, migrated

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
MARK = sa.table("opening_none_suitable", sa.column("id", sa.Integer), sa.column("opening_id", sa.Integer),
                sa.column("user_id", sa.Integer), sa.column("reason", sa.String),
                sa.column("marked_at", sa.DateTime(timezone=True)), sa.column("opening_version", sa.Integer))


@pytest.fixture(params=DATABASES)
def at_0041(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0042"), revision="0041") as app:
        yield app


def _opening_and_user() -> tuple[int, int]:
    """An opening (the model has not changed since 0041) and a consultant (a Core insert)."""
    company = Company(name="Solbakken", cvr="12345678", postcode="8722")
    opening = Opening(company=company, kind="smaajob", title="Køkkenassistent", postcode="8722", hours_min=5,
                      hours_max=10, status="open")
    db.session.add_all([company, opening])
    db.session.commit()
    ids = opening.id, insert_user("michael@jc.dk", "Michael", "consultant")  # 0043 adds a user column
    db.session.remove()
    return ids


def test_0042_keeps_marks_with_their_opening_and_goes_back(at_0041):
    upgrade(revision="0042")
    opening, user = _opening_and_user()
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "sqlite":
            connection.execute(sa.text("PRAGMA foreign_keys=ON"))
        connection.execute(sa.insert(MARK).values(opening_id=opening, user_id=user, reason="Ingen med kørekort",
                                                  marked_at=T0, opening_version=1))
        connection.execute(sa.text("DELETE FROM \"user\" WHERE id = :u"), {"u": user})
        assert connection.execute(sa.text("SELECT user_id, reason FROM opening_none_suitable")).one() == (
            None, "Ingen med kørekort")
        connection.execute(sa.text("DELETE FROM opening WHERE id = :o"), {"o": opening})
        assert connection.execute(sa.text("SELECT count(*) FROM opening_none_suitable")).scalar_one() == 0
    db.session.remove()
    downgrade(revision="0041")
    assert not sa.inspect(db.engine).has_table("opening_none_suitable")
