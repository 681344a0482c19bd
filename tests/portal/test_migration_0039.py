"""Migration 0039: ``citizen.prior_company_placement_end``, the last virksomhedspraktik or
løntilskud known to the case system (review BG 2), on SQLite and PostgreSQL: the citizens kept
(none given a date), the column writable; the downgrade drops it in place and keeps the rows,
the indexes and, on SQLite, the citizen table's AUTOINCREMENT and counter (review BJ 8)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import Citizen
from tests.portal.migration_helpers import DATABASES, database_url, migrated



@pytest.fixture(params=DATABASES)
def at_0038(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0039"), revision="0038") as app:
        yield app


def _insert(name: str) -> int:
    """A citizen as 0038 stores it (a Core insert naming no new column; the model's defaults fill the rest)."""
    with db.engine.begin() as connection:
        return connection.execute(sa.insert(Citizen).values(
            name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
            readiness_group="paa_vej", case_start=date(2025, 1, 6)).returning(Citizen.id)).scalar_one()


def _columns() -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("citizen")}


def test_0039_adds_the_prior_placement_end_empty(at_0038):
    kasper = _insert("Kasper Møller")
    upgrade(revision="0039")
    with db.engine.begin() as connection:
        assert connection.execute(sa.text("SELECT prior_company_placement_end FROM citizen")).scalars().all() == [None]
        connection.execute(sa.text("UPDATE citizen SET prior_company_placement_end = :d WHERE id = :i"),
                           {"d": date(2025, 9, 30), "i": kasper})
        assert connection.execute(sa.text("SELECT prior_company_placement_end FROM citizen")).scalar_one() in (
            date(2025, 9, 30), "2025-09-30")


def _sqlite_counter() -> tuple[str, int | None]:
    """The citizen table's SQL and its ``sqlite_sequence`` counter (SQLite only)."""
    with db.engine.connect() as connection:
        return (connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                           "AND name = 'citizen'")).scalar_one(),
                connection.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'citizen'")).scalar())


def test_0039_goes_back_and_up_again(at_0038):
    kasper = _insert("Kasper Møller")
    erased = _insert("Erased Person")
    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM citizen WHERE id = :i"), {"i": erased})
    upgrade(revision="0039")
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        schema, counter = _sqlite_counter()
        assert "AUTOINCREMENT" in schema and counter == erased
    db.session.remove()
    downgrade(revision="0038")
    assert "prior_company_placement_end" not in _columns() and "case_start" in _columns()
    if sqlite:  # not copied: 0015's AUTOINCREMENT and the counter stay (an erased id is never reused)
        schema, counter = _sqlite_counter()
        assert "AUTOINCREMENT" in schema and counter == erased
    # the indexes kept, also 0037's on an expression, which SQLite's table copy cannot reflect
    indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("citizen")}
    assert {"ix_citizen_vk_id", "ix_citizen_external_id_key"} <= indexes
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            assert connection.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                              "AND name = 'ix_citizen_name_danish'")).scalar_one() == 1
        else:
            assert connection.execute(sa.text("SELECT to_regclass('ix_citizen_name_danish')")).scalar() is not None
    downgrade(revision="0036")  # 0037's downgrade finds its index
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT id, name FROM citizen")).all() == [(kasper, "Kasper Møller")]
    upgrade(revision="0039")
    assert "prior_company_placement_end" in _columns()
    if sqlite:
        schema, counter = _sqlite_counter()
        assert "AUTOINCREMENT" in schema and counter == erased
    assert _insert("Ny Borger") > erased  # the erased person's id is not handed out again
