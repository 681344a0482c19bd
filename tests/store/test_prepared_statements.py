"""On PostgreSQL a transaction that only read ends with COMMIT, so psycopg keeps its prepared
statements (store.database.install_prepared_statements); every transaction that wrote still
rolls back, and nothing it wrote is kept."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from store import database
from store.database import PREPARED_MAX, open_engine, session_factory

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_url):
    from tests.postgres_server import fresh_database

    engine = open_engine(fresh_database(postgres_url, "t_prepared"))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (id integer PRIMARY KEY, text text NOT NULL)")
        connection.exec_driver_sql("INSERT INTO note VALUES (1, 'kept')")
    yield engine
    engine.dispose()


def _read_in_own_transactions(engine, times: int) -> None:
    """``times`` sessions that each read and then close: their transactions end by rollback."""
    Session = session_factory(engine)
    for _ in range(times):
        with Session() as session:
            assert session.execute(sa.text("SELECT text FROM note WHERE id = :id"), {"id": 1}).scalar() == "kept"


def _prepared_on_server(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars())


def _notes(engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql("SELECT id, text FROM note ORDER BY id")]


def test_a_statement_read_in_many_requests_stays_prepared(engine):
    _read_in_own_transactions(engine, 8)  # psycopg prepares at the fifth run on a connection
    assert any("FROM note WHERE id" in statement for statement in _prepared_on_server(engine))
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection.prepared_max == PREPARED_MAX


def test_without_it_psycopg_forgets_them_at_every_rollback(postgres_url):
    """The check above can fail: an engine without the listeners keeps nothing prepared."""
    from tests.postgres_server import fresh_database

    plain = sa.create_engine(database.normalise_url(fresh_database(postgres_url, "t_unprepared")))
    try:
        with plain.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE note (id integer PRIMARY KEY, text text NOT NULL)")
            connection.exec_driver_sql("INSERT INTO note VALUES (1, 'kept')")
        _read_in_own_transactions(plain, 8)
        assert not [s for s in _prepared_on_server(plain) if "FROM note WHERE id" in s]
    finally:
        plain.dispose()


@pytest.mark.parametrize("write", [
    "INSERT INTO note VALUES (2, 'not kept')",
    "UPDATE note SET text = 'not kept' WHERE id = 1",
    "DELETE FROM note WHERE id = 1",
    "WITH gone AS (DELETE FROM note WHERE id = 1 RETURNING id) SELECT count(*) FROM gone",
    "  insert into note values (2, 'not kept')",
    "SELECT id, 'copy' AS text INTO note_copy FROM note",
])
def test_a_transaction_that_wrote_is_still_rolled_back(engine, write):
    Session = session_factory(engine)
    with Session() as session:
        session.execute(sa.text("SELECT count(*) FROM note")).scalar()
        session.execute(sa.text(write))
        session.rollback()
    with Session() as session:  # closed without commit: the same rollback path as a request
        session.execute(sa.text(write))
    assert _notes(engine) == [(1, "kept")]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT to_regclass('note_copy')").scalar() is None


def test_a_write_inside_a_savepoint_is_rolled_back_too(engine):
    meta = sa.MetaData()
    note = sa.Table("note", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))
    Session = session_factory(engine)
    with Session() as session:
        with session.begin_nested():
            session.execute(note.insert().values(id=3, text="not kept"))
        session.execute(sa.select(note)).all()
        session.rollback()
    assert _notes(engine) == [(1, "kept")]


def test_a_failed_transaction_rolls_back_and_the_connection_goes_on(engine):
    Session = session_factory(engine)
    with Session() as session:
        with pytest.raises(sa.exc.ProgrammingError):
            session.execute(sa.text("SELECT no_such_column FROM note"))
        session.rollback()
        assert session.execute(sa.text("SELECT text FROM note")).scalar() == "kept"


def test_only_postgresql_gets_the_listeners(tmp_path):
    sqlite = open_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        assert not event.contains(sqlite, "rollback", database._commit_if_read_only)
    finally:
        sqlite.dispose()


def test_the_portal_engine_has_them(postgres_url):
    from portal import create_app
    from portal.extensions import db
    from tests.postgres_server import fresh_database

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                      "DATABASE_URL": fresh_database(postgres_url, "t_prepared_portal")})
    with app.app_context():
        try:
            assert event.contains(db.engine, "rollback", database._commit_if_read_only)
        finally:
            db.session.remove()
            db.engine.dispose()
