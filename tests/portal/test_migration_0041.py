"""Migration 0041: ``deployment_fact``, with ``consent_scope_rule_from`` = the time of the upgrade
(the moment this deployment is known to run the rule that the company gets only what the consent's
text covers), on SQLite and PostgreSQL; a fresh install's is its install time; the downgrade drops
the table and upgrading again writes the new upgrade's time."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
import time_machine
from flask_migrate import downgrade, upgrade

from portal.admin import access_export
from portal.extensions import db
from tests.portal.migration_helpers import DATABASES, database_url, migrated

UPGRADED = datetime(2026, 12, 8, 7, 30, 15, 123456, tzinfo=timezone.utc)


@pytest.fixture(params=DATABASES)
def at_0040(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0041"), revision="0040") as app:
        yield app


def _facts() -> list[tuple[str, datetime]]:
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name, at FROM deployment_fact")).all()
    return [(name, at if isinstance(at, datetime) else datetime.fromisoformat(at)) for name, at in rows]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def test_0041_records_the_upgrade_as_when_the_rule_began_and_the_export_reads_it(at_0040):
    with time_machine.travel(UPGRADED, tick=False):
        upgrade(revision="0041")
    [(name, at)] = _facts()
    assert name == "consent_scope_rule_from" and _utc(at) == UPGRADED.replace(microsecond=0)
    with at_0040.test_request_context():
        assert access_export.scope_rule_from() == UPGRADED.replace(microsecond=0)


def test_0041_goes_back_and_up_again(at_0040):
    with time_machine.travel(UPGRADED, tick=False):
        upgrade(revision="0041")
    db.session.remove()
    downgrade(revision="0040")
    assert not sa.inspect(db.engine).has_table("deployment_fact")
    later = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)
    with time_machine.travel(later, tick=False):
        upgrade(revision="0041")
    assert [(name, _utc(at)) for name, at in _facts()] == [("consent_scope_rule_from", later)]
