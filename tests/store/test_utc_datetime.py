"""Stored moments come back as aware UTC datetimes on every database (store.models.base.UTCDateTime)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from store.models import AuditEvent
from store.models.base import UTCDateTime

COPENHAGEN_WINTER = timezone(timedelta(hours=1))


def _roundtrip(url: str, value: datetime) -> tuple[datetime, datetime]:
    engine = sa.create_engine(url)
    table = sa.Table("moments", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert().values(id=1, at=value))
        loaded = conn.execute(sa.select(table.c.at)).scalar_one()
        newest = conn.execute(sa.select(sa.func.max(table.c.at))).scalar_one()  # aggregates too
    engine.dispose()
    return loaded, newest


def test_sqlite_gives_back_aware_utc(tmp_path):
    moment = datetime(2026, 12, 2, 9, 30, tzinfo=COPENHAGEN_WINTER)
    loaded, newest = _roundtrip(f"sqlite:///{tmp_path / 'm.sqlite'}", moment)
    for value in (loaded, newest):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
        assert value == moment and value.hour == 8


def test_naive_values_are_taken_as_utc(tmp_path):
    loaded, _ = _roundtrip(f"sqlite:///{tmp_path / 'm.sqlite'}", datetime(2026, 12, 2, 8, 0))
    assert loaded == datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def test_postgres_gives_back_aware_utc(postgres_url):
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    loaded, newest = _roundtrip(postgres_url, moment)
    assert loaded == moment and loaded.utcoffset() == timedelta(0) and newest == moment


def test_every_model_moment_uses_the_utc_type():
    from store.db import db

    naive = [f"{table.name}.{column.name}" for table in db.metadata.tables.values()
             for column in table.columns
             if isinstance(column.type, sa.DateTime) and not isinstance(column.type, UTCDateTime)]
    assert naive == []
    assert isinstance(AuditEvent.__table__.c.at.type, UTCDateTime)
