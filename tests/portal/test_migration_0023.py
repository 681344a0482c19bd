"""Migration 0023: end reason "aflyst" and event kind "cancelled"; a downgrade keeps every row."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import Placement, PlacementEvent
from tests.portal.migration_helpers import migrated, migrated_app_fixture, sqlite_url
from tests.portal.test_schema import _graph


migrated_app = migrated_app_fixture("m0023")  # each test on SQLite and on PostgreSQL


def _rows(connection) -> tuple[list, list]:
    placements = connection.execute(sa.text("SELECT id, end_reason, end_date FROM placement ORDER BY id")).all()
    events = connection.execute(sa.text("SELECT kind, note FROM placement_event ORDER BY id")).all()
    return [(pid, reason, str(end)) for pid, reason, end in placements], [tuple(r) for r in events]


def _refused(sql: str) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(sa.text(sql))


def test_a_cancelled_placement_becomes_afbrudt_on_downgrade_and_nothing_is_lost(migrated_app):
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.flush()
    placement = objects["placement"]
    placement.hours.clear()
    placement.end_date, placement.end_reason = placement.start_date, "aflyst"  # the head accepts it
    db.session.add(PlacementEvent(placement_id=placement.id, kind="cancelled", note="Mødte ikke op"))
    db.session.commit()
    pid = placement.id
    db.session.remove()

    downgrade(revision="0022")
    with db.engine.connect() as connection:
        assert _rows(connection) == ([(pid, "afbrudt", "2026-01-05")], [("ended", "Mødte ikke op")])
    _refused("UPDATE placement SET end_reason = 'aflyst'")  # 0022's constraints refuse the new keys
    _refused("UPDATE placement_event SET kind = 'cancelled'")

    upgrade()
    _refused("UPDATE placement SET end_reason = 'bogus'")  # the new constraints still refuse unknown keys
    _refused("UPDATE placement_event SET kind = 'bogus'")
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE placement SET end_reason = 'aflyst'"))
        connection.execute(sa.text("UPDATE placement_event SET kind = 'cancelled'"))
    assert db.session.get(Placement, pid).end_reason == "aflyst"


def test_0023_keeps_autoincrement_and_the_placement_id_counter_on_sqlite(tmp_path):
    def state() -> tuple[bool, int | None]:
        with db.engine.connect() as connection:
            table = connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'placement'")).scalar()
            seq = connection.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'placement'")).scalar()
        return "AUTOINCREMENT" in table, seq

    with migrated(sqlite_url(tmp_path, "c.sqlite"), revision="0022"):
        with db.engine.begin() as connection:  # placements up to id 300 existed and were erased
            connection.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'placement'"))
            connection.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('placement', 300)"))
        upgrade()
        assert state() == (True, 300)
        downgrade(revision="0022")
        assert state() == (True, 300)
