"""What the migration tests share: an app on a fresh database, SQLite or a real PostgreSQL,
migrated (to the newest revision unless told), inside its app context, the engine disposed
afterwards, so each test only says what it upgrades, downgrades and checks.

Use in a test module::

    migrated_app = migrated_app_fixture("duty")   # the fixture, once on SQLite, once on PostgreSQL

or, for one database, ``with migrated(sqlite_url(tmp_path)) as app: ...``.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def sqlite_url(tmp_path: Path, name: str = "m.sqlite") -> str:
    return f"sqlite:///{tmp_path / name}"


@contextmanager
def migrated(url: str, revision: str | None = "head") -> Iterator[Flask]:
    """An app on the database at ``url``, upgraded to ``revision`` (None: not at all), inside
    its app context for the block; the session removed and the engine disposed after it."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p"})
    with app.app_context():
        try:
            if revision is not None:
                upgrade(revision=revision)
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def database_url(request: pytest.FixtureRequest, tmp_path: Path, prefix: str) -> str:
    """A fresh database for the test: SQLite in ``tmp_path`` or, for the ``postgresql`` param, a
    database of its own (named after the test) on the session's embedded PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    from tests.postgres_server import fresh_database

    return fresh_database(request.getfixturevalue("postgres_url"),
                          f"t_{prefix}_{zlib.crc32(request.node.nodeid.encode()) % 10**8}")


def migrated_app_fixture(prefix: str):
    """The ``migrated_app`` fixture: each test once on SQLite and once on PostgreSQL
    (``-m postgres``), on an app migrated to the newest revision, in its app context."""

    @pytest.fixture(name="migrated_app", params=DATABASES)
    def migrated_app(request, tmp_path):
        with migrated(database_url(request, tmp_path, prefix)) as app:
            yield app

    return migrated_app


def insert_user(email: str, name: str, role: str, company_id: int | None = None) -> int:
    """A user as every revision since 0001 stores one: a Core insert of the columns they all have
    (the ``User`` model gains columns, e.g. 0043's ``integration_name_key``, which a database
    at an older revision lacks), for tests that start below the newest revision."""
    from datetime import datetime, timezone

    import sqlalchemy as sa

    from portal.extensions import db
    from store.models import User

    user = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String),
                    sa.column("name", sa.String), sa.column("role", User.__table__.c.role.type),
                    sa.column("company_id", sa.Integer), sa.column("active", sa.Boolean),
                    sa.column("created_at", User.__table__.c.created_at.type))
    with db.engine.begin() as connection:
        return connection.execute(sa.insert(user).values(
            email=email, name=name, role=role, company_id=company_id, active=True,
            created_at=datetime.now(timezone.utc)).returning(user.c.id)).scalar_one()
