"""Migration 0044: ``prior_wage_hours``, the ordinary wage hours per citizen and month the case
system told of, on SQLite and PostgreSQL: one figure per citizen and month, 0-400 hours, the rows
go with the citizen (``ON DELETE CASCADE``), and the downgrade drops the table."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import Citizen
from tests.portal.migration_helpers import DATABASES, database_url, migrated

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
HOURS = sa.table("prior_wage_hours", sa.column("citizen_id", sa.Integer), sa.column("month", sa.Date),
                 sa.column("hours", sa.Numeric(6, 2)), sa.column("source", sa.String),
                 sa.column("imported_at", sa.DateTime(timezone=True)))


@pytest.fixture(params=DATABASES)
def at_0043(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0044"), revision="0043") as app:
        yield app


def _citizen() -> int:
    """A citizen (the model's columns are 0043's: 0044 adds a table, no column)."""
    citizen = Citizen(name="Anna", postcode="8722", benefit_group="kontanthjaelp", readiness_group="paa_vej",
                      case_start=date(2024, 1, 1))
    db.session.add(citizen)
    db.session.commit()
    citizen_id = citizen.id
    db.session.remove()
    return citizen_id


def _insert(connection, citizen_id: int, month: date, hours: str) -> None:
    connection.execute(sa.insert(HOURS).values(citizen_id=citizen_id, month=month, hours=hours, source="import",
                                               imported_at=T0))


def test_0044_keeps_one_figure_a_month_goes_with_the_citizen_and_goes_back(at_0043):
    upgrade(revision="0044")
    citizen = _citizen()
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "sqlite":
            connection.execute(sa.text("PRAGMA foreign_keys=ON"))
        _insert(connection, citizen, date(2026, 3, 1), "37.50")
        assert connection.execute(sa.text("SELECT hours FROM prior_wage_hours")).scalar_one() == pytest.approx(37.5)
    for month, hours in ((date(2026, 3, 1), "10"), (date(2026, 4, 1), "400.01"), (date(2026, 5, 1), "-1")):
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:  # twice; over 400; negative
            _insert(connection, citizen, month, hours)
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "sqlite":
            connection.execute(sa.text("PRAGMA foreign_keys=ON"))
        connection.execute(sa.text("DELETE FROM citizen WHERE id = :c"), {"c": citizen})
        assert connection.execute(sa.text("SELECT count(*) FROM prior_wage_hours")).scalar_one() == 0
    downgrade(revision="0043")
    assert not sa.inspect(db.engine).has_table("prior_wage_hours")
    upgrade(revision="0044")
    assert sa.inspect(db.engine).has_table("prior_wage_hours")
