"""Database engine settings (SQLite pragmas for safe local use) and a portable upsert."""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .extensions import db


def init_app(app: Flask) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every SQLite connection."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _is_memory(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[2] in ("", ":memory:") for row in rows)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert(session: Session, model: type, rows: Sequence[dict], *, key: Sequence[str],
           update: Sequence[str]) -> sa.Executable:
    """An "insert, or update ``update`` on a ``key`` conflict" statement for ``rows``.

    One statement, so two processes writing the same key never fail on the primary key
    (``session.merge`` reads then inserts, which races). Rows are sorted by key so two
    concurrent upserts of overlapping keys lock them in the same order (no deadlock).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    ordered = sorted(rows, key=lambda row: tuple(row[name] for name in key))
    stmt = insert(model).values(ordered)
    return stmt.on_conflict_do_update(index_elements=list(key),
                                      set_={name: stmt.excluded[name] for name in update})
