"""SQLite's sync mode: ``full`` (the default), or ``normal`` with a checkpoint about once a
second; either way a process that dies after its commit has lost nothing."""
from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing

import pytest
import sqlalchemy as sa

from store import database
from store.database import WalCheckpoints, open_engine


@pytest.mark.parametrize("mode, code", [(None, 2), ("normal", 1), ("full", 2)])
def test_the_sync_mode_is_set_on_every_connection(tmp_path, mode, code):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = open_engine(url) if mode is None else open_engine(url, mode)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == code
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_an_unknown_sync_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        open_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", "off")


class Connection:
    def __init__(self):
        self.statements: list[str] = []

    def execute(self, statement):
        self.statements.append(statement)
        return self

    def fetchall(self):
        return []


class Record:
    def __init__(self, wal: bool = True):
        self.info = {"wal": wal} if wal else {}


def test_a_checkpoint_runs_at_most_once_per_interval():
    now = [100.0]
    checkpoints = WalCheckpoints(every=1.0, clock=lambda: now[0])
    connection = Connection()
    checkpoints.on_checkin(connection, Record())
    assert connection.statements == []  # not yet a second since the last
    now[0] += 1.0
    checkpoints.on_checkin(connection, Record())
    checkpoints.on_checkin(connection, Record())
    assert connection.statements == ["PRAGMA wal_checkpoint(PASSIVE)"]
    now[0] += 0.5
    checkpoints.on_checkin(connection, Record())
    now[0] += 0.6
    checkpoints.on_checkin(connection, Record(wal=False))  # in memory: nothing to sync
    checkpoints.on_checkin(None, Record())  # an invalidated connection
    assert len(connection.statements) == 1  # neither counts as the second's checkpoint
    checkpoints.on_checkin(connection, Record())
    assert len(connection.statements) == 2


def test_a_failed_checkpoint_is_logged_and_the_work_goes_on(caplog):
    now = [0.0]
    checkpoints = WalCheckpoints(every=1.0, clock=lambda: now[0])

    class Broken(Connection):
        def execute(self, statement):
            raise sqlite3.OperationalError("disk I/O error")

    now[0] = 2.0
    checkpoints.on_checkin(Broken(), Record())
    assert "SQLite checkpoint failed" in caplog.text


def test_a_checkpoint_writes_the_commits_into_the_database_file(tmp_path, monkeypatch):
    """The checkpoint is what syncs under ``normal``: after it, the main file alone (without
    its WAL) holds the commits."""
    monkeypatch.setattr(database, "CHECKPOINT_SECONDS", 0.0)
    path = tmp_path / "db.sqlite"
    engine = open_engine(f"sqlite:///{path}", "normal")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1), (2)")
        # back in the pool, checkpointed; the engine stays open, so the WAL is not removed
        shutil.copy(path, tmp_path / "main-only.sqlite")
    finally:
        engine.dispose()
    with closing(sqlite3.connect(tmp_path / "main-only.sqlite")) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert check.execute("SELECT count(*) FROM t").fetchone() == (2,)


@pytest.mark.parametrize("mode", ["normal", "full"])
def test_a_process_killed_after_its_commit_has_lost_nothing(tmp_path, mode):
    path = tmp_path / "db.sqlite"
    script = textwrap.dedent(f"""
        import os, signal
        from store.database import open_engine
        engine = open_engine("sqlite:///{path}", "{mode}")
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        for i in range(50):
            with engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (?)", (i,))
        os.kill(os.getpid(), signal.SIGKILL)  # no checkpoint, no close, no exit handlers
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    engine = open_engine(f"sqlite:///{path}", mode)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM t")).scalar() == 50
    finally:
        engine.dispose()
