"""Migration 0035: ``citizen.external_id_key``, the case-system id folded by the one rule
(``store.models.citizens.external_id_key``), backfilled in Python for the citizens stored before
it and indexed, on SQLite and PostgreSQL; the downgrade drops it and keeps SQLite's id counter."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import Citizen
from store.models.citizens import external_id_key
from tests.portal.migration_helpers import DATABASES, database_url, migrated

IDS = ["AV-9", "ÆØ-1", "SAG/2026/Straße", "ＡＶ-１０", None]


@pytest.fixture(params=DATABASES)
def at_0034(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0035"), revision="0034") as app:
        yield app


def _insert(external_id: str | None) -> int:
    """A citizen as the schema of 0034 stores it (a Core insert: the columns without a default,
    the new one among them, are left out)."""
    with db.engine.begin() as connection:
        return connection.execute(sa.insert(Citizen).values(
            external_id=external_id, name="Borger", postcode="8722", benefit_group="kontanthjaelp",
            hours_available=10, readiness_group="paa_vej", case_start=date(2026, 1, 1)).returning(Citizen.id)
        ).scalar_one()


def _keys() -> dict[int, tuple]:
    with db.engine.connect() as connection:
        return {row.id: (row.external_id_key, row.version) for row in connection.execute(sa.text(
            "SELECT id, external_id_key, version FROM citizen"))}


def test_0035_backfills_the_folded_ids_and_indexes_them(at_0034):
    ids = {_insert(external_id): external_id for external_id in IDS}
    upgrade(revision="0035")
    assert _keys() == {cid: (external_id_key(external_id), 1) for cid, external_id in ids.items()}  # no version bump
    assert sorted(k for k, _ in _keys().values() if k) == ["av-10", "av-9", "sag/2026/strasse", "æø-1"]
    indexes = {index["name"]: index["column_names"] for index in sa.inspect(db.engine).get_indexes("citizen")}
    assert indexes["ix_citizen_external_id_key"] == ["external_id_key"]
    found = db.session.scalars(sa.select(Citizen.id).where(Citizen.external_id_key == external_id_key("æø-1"))).all()
    assert [ids[cid] for cid in found] == ["ÆØ-1"]


def test_0035_goes_back_and_up_again_keeping_the_ids(at_0034):
    first = _insert("AV-9")
    upgrade(revision="0035")
    db.session.remove()
    downgrade(revision="0034")
    assert "external_id_key" not in {c["name"] for c in sa.inspect(db.engine).get_columns("citizen")}
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM citizen"))
        assert _insert("AV-10") > first  # AUTOINCREMENT kept by the copy
    upgrade(revision="0035")
    assert {key for key, _ in _keys().values()} <= {"av-9", "av-10"}
