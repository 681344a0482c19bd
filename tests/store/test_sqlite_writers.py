"""The SQLite writer gate: held exactly while a write transaction is open, bounded waits."""
from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from store.database import open_engine
from store.sqlite_writers import QueuedWriterConnection, _gate_for, is_write


def _connect(path, timeout=5.0):
    conn = sqlite3.connect(path, timeout=timeout, factory=QueuedWriterConnection,
                           check_same_thread=False)
    conn.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT)")
    return conn


@pytest.mark.parametrize("sql, writes", [
    ("INSERT INTO note (text) VALUES ('a')", True),
    ("  update note SET text = 'b'", True),
    ("/* audit */ DELETE FROM note", True),
    ("-- upsert\nREPLACE INTO note (id, text) VALUES (1, 'c')", True),
    ("BEGIN", True),
    ("SAVEPOINT sa_savepoint_1", True),
    ("SELECT * FROM note", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False),
    ("PRAGMA foreign_keys=ON", False),
    ("SELECT 'insert into'", False),
])
def test_the_statements_that_begin_a_write_transaction_are_recognised(sql, writes):
    assert is_write(sql) is writes


def test_the_gate_is_held_from_the_first_write_until_commit(tmp_path):
    path = str(tmp_path / "w.sqlite")
    conn = _connect(path)
    gate = _gate_for(path)
    conn.execute("SELECT * FROM note").fetchall()
    assert not gate.threads.locked()  # reading takes nothing
    conn.execute("INSERT INTO note (text) VALUES ('a')")
    assert gate.threads.locked()
    conn.execute("INSERT INTO note (text) VALUES ('b')")  # the same transaction: no second take
    conn.commit()
    assert not gate.threads.locked()
    conn.execute("UPDATE note SET text = 'c'")
    conn.rollback()
    assert not gate.threads.locked()
    conn.execute("DELETE FROM note")
    conn.close()  # closing with an open transaction gives the gate back too
    assert not gate.threads.locked()


def test_an_explicit_begin_takes_the_gate_for_the_whole_batch(tmp_path):
    path = str(tmp_path / "w.sqlite")
    conn = _connect(path)
    conn.execute("BEGIN")
    conn.execute("SAVEPOINT row_1")
    conn.execute("INSERT INTO note (text) VALUES ('a')")
    conn.execute("RELEASE row_1")
    assert _gate_for(path).threads.locked()
    conn.commit()
    assert not _gate_for(path).threads.locked()


def test_a_failed_write_keeps_the_gate_until_the_transaction_ends(tmp_path):
    path = str(tmp_path / "w.sqlite")
    conn = _connect(path)
    conn.execute("INSERT INTO note (id, text) VALUES (1, 'a')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO note (id, text) VALUES (1, 'b')")
    assert _gate_for(path).threads.locked()
    conn.rollback()
    assert not _gate_for(path).threads.locked()
    assert conn.execute("SELECT count(*) FROM note").fetchone() == (0,)


def test_a_second_writer_waits_for_the_first_and_both_rows_are_stored(tmp_path):
    path = str(tmp_path / "w.sqlite")
    first, second = _connect(path), _connect(path)
    first.execute("INSERT INTO note (text) VALUES ('first')")
    done = threading.Event()

    def write_second():
        second.execute("INSERT INTO note (text) VALUES ('second')")
        second.commit()
        done.set()

    writer = threading.Thread(target=write_second)
    writer.start()
    assert not done.wait(0.3)  # queued at the gate while the first transaction is open
    first.commit()
    writer.join(10)
    assert done.is_set()
    assert sorted(r[0] for r in first.execute("SELECT text FROM note")) == ["first", "second"]


def test_past_the_timeout_the_writer_gets_database_is_locked_and_nothing_is_written(tmp_path):
    path = str(tmp_path / "w.sqlite")
    holder, waiter = _connect(path), _connect(path, timeout=0.2)
    holder.execute("INSERT INTO note (text) VALUES ('held')")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        waiter.execute("INSERT INTO note (text) VALUES ('late')")
    waiter.rollback()  # as SQLAlchemy does after an error
    holder.commit()
    waiter.execute("INSERT INTO note (text) VALUES ('later')")  # the gate works again
    waiter.commit()
    assert sorted(r[0] for r in holder.execute("SELECT text FROM note")) == ["held", "later"]


def test_a_writer_that_cannot_pass_the_gate_goes_on_to_sqlites_own_lock(tmp_path, monkeypatch, caplog):
    """A gate held too long (a stuck holder, a bug) never fails a write by itself."""
    import store.sqlite_writers as writers

    monkeypatch.setattr(writers, "GATE_WAIT_S", 0.1)
    path = str(tmp_path / "w.sqlite")
    _connect(path).close()
    gate = _gate_for(path)
    assert gate.acquire(1.0, "INSERT INTO stuck")  # held, but no SQLite lock behind it
    try:
        conn = _connect(path, timeout=5)
        conn.execute("INSERT INTO note (text) VALUES ('written')")
        conn.commit()
        assert not conn._holding
        assert conn.execute("SELECT text FROM note").fetchall() == [("written",)]
    finally:
        gate.release()
    assert "not free after 0.1 s" in caplog.text and "INSERT INTO stuck" in caplog.text


def _hold_in_another_process(path, taken, release):
    conn = _connect(path)
    conn.execute("INSERT INTO note (text) VALUES ('other process')")
    taken.set()
    release.wait(10)
    conn.commit()
    conn.close()


def test_writers_of_another_process_are_queued_for_too(tmp_path):
    path = str(tmp_path / "w.sqlite")
    _connect(path).close()
    context = multiprocessing.get_context("fork")
    taken, release = context.Event(), context.Event()
    other = context.Process(target=_hold_in_another_process, args=(path, taken, release))
    other.start()
    try:
        assert taken.wait(10)
        waiter = _connect(path, timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            waiter.execute("INSERT INTO note (text) VALUES ('here')")
        release.set()
        other.join(10)
        waiter.execute("INSERT INTO note (text) VALUES ('here')")
        waiter.commit()
        assert sorted(r[0] for r in waiter.execute("SELECT text FROM note")) == ["here", "other process"]
    finally:
        release.set()
        other.join(10)
    assert os.path.exists(path + "-writer.lock")


def test_an_in_memory_database_is_not_gated():
    conn = sqlite3.connect(":memory:", factory=QueuedWriterConnection)
    conn.execute("CREATE TABLE note (text TEXT)")
    conn.execute("INSERT INTO note VALUES ('a')")
    assert conn._gate is None and not conn._holding


def test_engines_of_the_store_use_the_gated_connection(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'e.sqlite'}")
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, QueuedWriterConnection)
        connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        assert _gate_for(str(tmp_path / "e.sqlite")).threads.locked()
        connection.commit()
        assert not _gate_for(str(tmp_path / "e.sqlite")).threads.locked()
    engine.dispose()
