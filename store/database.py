"""Database engines and sessions without Flask: SQLite pragmas, a portable upsert, sessions.

The portal binds ``store.db.db`` to its app and calls :func:`install_sqlite_pragmas` on the
engine; the indexer calls :func:`open_engine` with the same URL and makes its own sessions.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL for ``url`` (``postgres://`` from Docker and Heroku names the driver)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str) -> dict:
    """Engine options for ``url``: statements in errors never show their values."""
    options: dict = {"hide_parameters": True, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Wait for a writer instead of failing at once with "database is locked".
        options["connect_args"] = {"timeout": 15}
    return options


def open_engine(url: str) -> Engine:
    """An engine for ``url`` with the same settings the portal uses."""
    url = normalise_url(url)
    engine = sa.create_engine(url, **engine_options(url))
    install_sqlite_pragmas(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` that expire loaded rows on commit, like the portal's.

    A long-running worker then reads what other processes committed since, never a copy
    kept from an earlier batch.
    """
    return sessionmaker(bind=engine, expire_on_commit=True)


def install_sqlite_pragmas(engine: Engine) -> None:
    """Turn on WAL and foreign keys for every SQLite connection of ``engine``.

    The busy timeout (how long a writer waits for another's lock before "database is
    locked") is the driver's ``timeout`` connect argument from :func:`engine_options`, so a
    caller's engine options can change it.
    """
    if is_sqlite(engine):
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
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
