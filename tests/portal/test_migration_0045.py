"""Migration 0045: ``job_run.summary`` holds 1,000 characters (300 before), on SQLite and
PostgreSQL; the downgrade cuts longer summaries visibly (»…«) before the column is narrowed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.portal.migration_helpers import DATABASES, database_url, migrated

T0 = datetime(2026, 12, 7, 5, 0, tzinfo=timezone.utc)
RUNS = sa.table("job_run", sa.column("job", sa.String), sa.column("started_at", sa.DateTime(timezone=True)),
                sa.column("outcome", sa.String), sa.column("summary", sa.String))


@pytest.fixture(params=DATABASES)
def at_0044(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0045"), revision="0044") as app:
        yield app


def _summaries() -> list[str]:
    with db.engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT summary FROM job_run ORDER BY id")).scalars())


def test_0045_widens_the_summary_and_goes_back_cutting_visibly(at_0044):
    with db.engine.begin() as connection:
        connection.execute(sa.insert(RUNS).values(job="retention", started_at=T0, outcome="ok", summary="kort"))
    upgrade(revision="0045")
    summary = {c["name"]: c for c in sa.inspect(db.engine).get_columns("job_run")}["summary"]
    assert summary["type"].length == 1000
    with db.engine.begin() as connection:
        connection.execute(sa.insert(RUNS).values(job="retention", started_at=T0, outcome="ok", summary="å" * 1000))
    assert _summaries() == ["kort", "å" * 1000]
    downgrade(revision="0044")
    summary = {c["name"]: c for c in sa.inspect(db.engine).get_columns("job_run")}["summary"]
    assert summary["type"].length == 300
    assert _summaries() == ["kort", "å" * 299 + "…"]
    db.engine.dispose()
