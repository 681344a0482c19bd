"""Database engines and sessions without Flask: SQLite pragmas, a portable upsert, sessions.

The portal binds ``store.db.db`` to its app and calls :func:`install_sqlite_pragmas` on the
engine; the indexer calls :func:`open_engine` with the same URL and makes its own sessions.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import ARRAY
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


def among(session: Session, column: sa.ColumnElement, values: Sequence) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL written ``column = ANY(:values)``, one array parameter.

    A ranking reads its pool of about 200 citizens by id in several statements. As ``IN``,
    each is a statement with one parameter per id: psycopg converts every parameter in
    Python, and each pool size is a new statement text for its cache and the server's
    prepared statements. As ``ANY`` the text is the same for every pool and the ids travel
    as one array (half the client CPU of such a statement, measured in docs/performance.md).
    SQLite's driver binds in C, so there it stays ``IN``.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def open_engine(url: str, synchronous: str = "full") -> Engine:
    """An engine for ``url`` with the same settings the portal uses (``synchronous``: see
    :func:`install_sqlite_pragmas`)."""
    url = normalise_url(url)
    engine = sa.create_engine(url, **engine_options(url))
    install_sqlite_pragmas(engine, synchronous)
    install_prepared_statements(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` that expire loaded rows on commit, like the portal's.

    A long-running worker then reads what other processes committed since, never a copy
    kept from an earlier batch.
    """
    return sessionmaker(bind=engine, expire_on_commit=True)


SYNCHRONOUS_MODES = ("full", "normal")
CHECKPOINT_SECONDS = 1.0

log = logging.getLogger(__name__)


def check_synchronous(value: str) -> str:
    """``value`` (the ``SQLITE_SYNCHRONOUS`` setting) as a sync mode: ``full`` or ``normal``.

    Raises:
        ValueError: any other value.
    """
    mode = value.strip().lower()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}, "
                         f"not {value!r}")
    return mode


def install_sqlite_pragmas(engine: Engine, synchronous: str = "full") -> None:
    """Turn on WAL and foreign keys for every SQLite connection of ``engine``, and set how
    often SQLite syncs to disk (``synchronous``, the shared setting ``SQLITE_SYNCHRONOUS``).

    ``full`` (the default) syncs the WAL at every commit: no committed transaction is lost,
    not even to a power cut. Under load each commit then holds SQLite's one write lock for a
    disk flush, and every other writer waits for it.

    ``normal`` (SQLite's advice for WAL, for whoever accepts the trade): the WAL is synced at
    each checkpoint, not at each commit. A crash of a process still never loses a committed
    transaction; a power cut or a crash of the machine can roll back the commits since the
    last sync, never corrupt the file. A passive checkpoint (which syncs) runs when a
    connection goes back to the pool at least ``CHECKPOINT_SECONDS`` after the previous one,
    so in use that window is about a second. Under load it cut the writers' waits for the
    lock about fourfold, but moved the load test's p95s less than their run-to-run spread
    (docs/performance.md, eighth round).

    The busy timeout (how long a writer waits for another's lock before "database is
    locked") is the driver's ``timeout`` connect argument from :func:`engine_options`, so a
    caller's engine options can change it.

    Raises:
        ValueError: an unknown ``synchronous`` (see :func:`check_synchronous`).
    """
    if not is_sqlite(engine):
        return
    mode = check_synchronous(synchronous)

    def pragmas(dbapi_connection, record) -> None:
        _sqlite_pragmas(dbapi_connection, record, mode)

    event.listen(engine, "connect", pragmas)
    if mode == "normal":
        event.listen(engine, "checkin", WalCheckpoints().on_checkin)


def _sqlite_pragmas(dbapi_connection, record, synchronous: str) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        record.info["wal"] = True
    cursor.close()


class WalCheckpoints:
    """Passive WAL checkpoints, at most one per ``every`` seconds per engine, run as
    connections go back to the pool (after the pool's rollback: no transaction is open).

    A passive checkpoint never waits for a lock and never blocks a writer; it syncs the WAL,
    which is what makes the commits before it survive a power loss under ``normal``.
    """

    def __init__(self, every: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every = CHECKPOINT_SECONDS if every is None else every
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def on_checkin(self, dbapi_connection, record) -> None:
        if dbapi_connection is None or not record.info.get("wal"):
            return  # invalidated, or an in-memory database
        now = self._clock()
        with self._lock:
            if now - self._last < self.every:
                return
            self._last = now
        try:
            dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the next checkpoint retries; the commits are in the WAL
            log.warning("SQLite checkpoint failed: %s", exc)


# Prepared statements each PostgreSQL connection keeps (psycopg's default is 100). The portal
# runs about 190 distinct statements; at 100 the least recently used ones were dropped and
# prepared again all the time.
PREPARED_MAX = 500
_READ_ONLY = "jobbro_read_only"  # key in a connection's info: its transaction has only read


def install_prepared_statements(engine: Engine) -> None:
    """On PostgreSQL, keep the statements psycopg prepares across requests.

    psycopg prepares a statement on a connection after its fifth run, so the server parses
    and plans it once, not each time. But on every ROLLBACK psycopg forgets them all and
    sends ``DEALLOCATE ALL`` (a rolled-back transaction may have dropped what a statement
    refers to). A request that only reads ends its transaction with a rollback when its
    session closes, so in the portal almost nothing stayed prepared (measured in a load
    test: about 1 execution in 60 used a prepared statement).

    Here a transaction that ran nothing but SELECT statements ends with COMMIT instead:
    for a transaction that wrote nothing, COMMIT and ROLLBACK leave the database exactly
    the same, and psycopg keeps its prepared statements. A transaction that ran any other
    statement (INSERT, UPDATE, DELETE, a savepoint, DDL, anything not starting with SELECT,
    and a SELECT with "into" anywhere in it) rolls back as before, as does one in an error
    state. The portal calls no function that writes from a SELECT. Each connection also
    keeps up to :data:`PREPARED_MAX` prepared statements.
    """
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "connect", _prepared_max)
    event.listen(engine, "begin", _transaction_begins)
    event.listen(engine, "before_cursor_execute", _statement_runs)
    event.listen(engine, "rollback", _commit_if_read_only)


def _prepared_max(dbapi_connection, record) -> None:
    dbapi_connection.prepared_max = PREPARED_MAX


def _transaction_begins(connection: sa.Connection) -> None:
    connection.info[_READ_ONLY] = True


def _statement_runs(connection: sa.Connection, cursor, statement: str, parameters, context,
                    executemany: bool) -> None:
    # The head only (a statement can be kilobytes); more leading space than that counts as a write.
    if statement[:32].lstrip()[:6].upper() != "SELECT" or "INTO" in statement or "into" in statement:
        connection.info[_READ_ONLY] = False  # SELECT ... INTO creates a table


def _commit_if_read_only(connection: sa.Connection) -> None:
    """Called just before SQLAlchemy rolls ``connection``'s transaction back: if that
    transaction only read, commit it instead (the rollback that follows is then a no-op)."""
    if not connection.info.pop(_READ_ONLY, False) or connection.invalidated:
        return
    from psycopg.pq import TransactionStatus

    try:
        dbapi_connection = connection.connection.dbapi_connection
    except sa.exc.SQLAlchemyError:  # closed: nothing to end
        return
    if dbapi_connection is None or dbapi_connection.info.transaction_status != TransactionStatus.INTRANS:
        return  # idle, or failed (a failed transaction can only roll back)
    try:
        dbapi_connection.commit()
    except Exception as exc:  # the rollback that follows deals with the connection
        log.warning("Ending a read-only transaction with COMMIT failed: %s", exc)


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
