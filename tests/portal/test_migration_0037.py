"""Migration 0037: ``ix_citizen_name_danish``, an index on the citizen list's Danish sort key
(``danish_order.order_by``), then the name and the id, on SQLite and PostgreSQL; the downgrade
drops it. The index is the key's rule as of its migration, so a change of ``REPLACEMENTS`` (or of
how ``order_by`` writes the key) without a migration that recreates the index fails here."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.citizens import danish_order
from portal.extensions import db
from store import danish_key
from store.models import Citizen
from tests.portal.migration_helpers import DATABASES, database_url, migrated, migrated_app_fixture

INDEX = "ix_citizen_name_danish"

migrated_app = migrated_app_fixture("0037_head")


@pytest.fixture(params=DATABASES)
def at_0036(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0037"), revision="0036") as app:
        yield app


def _insert(name: str) -> int:
    with db.engine.begin() as connection:
        return connection.execute(sa.insert(Citizen).values(
            name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
            readiness_group="paa_vej", case_start=date(2026, 1, 1)).returning(Citizen.id)).scalar_one()


def _definition(name: str) -> str | None:
    """The index ``name`` as the database keeps it (SQLite: its CREATE statement as written;
    PostgreSQL: ``pg_get_indexdef``, the expression as the server parsed it)."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            return connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
                                      {"n": name}).scalar()
        return connection.execute(sa.text("SELECT pg_get_indexdef(to_regclass(:n))"), {"n": name}).scalar()


def _ordered_by_index() -> list[str]:
    """The names in the Danish order, read along the index (the plan says so: no sort of its
    own; PostgreSQL told to avoid a scan of the table and a sort where it can)."""
    key = danish_order.order_by(Citizen.name, db.engine.dialect.name)
    sql = str(sa.select(Citizen.name).order_by(key, Citizen.name, Citizen.id)
              .compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert f"INDEX {INDEX}" in plan and "TEMP B-TREE" not in plan, plan
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_sort = off")
            plan = " ".join(connection.exec_driver_sql("EXPLAIN " + sql).scalars())
            assert f"Scan using {INDEX}" in plan and "Sort" not in plan, plan
        return connection.exec_driver_sql(sql).scalars().all()


def test_0037_indexes_the_danish_key_and_goes_back(at_0036):
    names = ["Åse Ørsted", "Zahra Hosseini", "Ærlige Åberg", "anna Berg", "Øjvind Holm", "Émile Dupont"]
    for name in names:
        _insert(name)
    assert _definition(INDEX) is None
    upgrade(revision="0037")
    assert _definition(INDEX) is not None
    assert _ordered_by_index() == sorted(names, key=lambda n: (danish_order.sort_key(n), n))
    db.session.remove()
    downgrade(revision="0036")
    assert _definition(INDEX) is None
    upgrade(revision="0037")
    assert _definition(INDEX) is not None


def test_the_index_is_the_key_order_by_writes(migrated_app):
    """At the newest revision the index's expression is exactly what order_by emits for the
    database: the same index built from order_by now reads the same as the one the migrations
    built. A change of the rule without a new migration (dropping and recreating the index with
    the new key) fails here."""
    key = danish_order.order_by(Citizen.name, db.engine.dialect.name)
    expression = str(key.compile(db.engine, compile_kwargs={"literal_binds": True})).replace("citizen.name", "name")
    assert "?" not in expression and "%(" not in expression  # the letters are literals, not parameters
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE INDEX ix_check_danish ON citizen ({expression}, name, id)")
    try:
        made_now = _definition("ix_check_danish")
        assert made_now is not None
        assert _definition(INDEX) == made_now.replace("ix_check_danish", INDEX)
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_check_danish")


def test_a_changed_rule_would_not_match_the_index(migrated_app, monkeypatch):
    """The check above can fail: with one more letter in the rule the index no longer is the key."""
    monkeypatch.setattr(danish_key, "REPLACEMENTS", (*danish_key.REPLACEMENTS, ("ñ", "n")))
    key = danish_order.order_by(Citizen.name, db.engine.dialect.name)
    expression = str(key.compile(db.engine, compile_kwargs={"literal_binds": True})).replace("citizen.name", "name")
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE INDEX ix_check_danish ON citizen ({expression}, name, id)")
    try:
        assert _definition(INDEX) != _definition("ix_check_danish").replace("ix_check_danish", INDEX)
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_check_danish")
