"""SQLite writers queue for the write lock instead of polling for it.

SQLite lets one connection write at a time. A writer that finds the lock taken is put to
sleep by SQLite's busy handler and tries again after 1, 2, 5, 10, 15, 20, 25, 25, 25, 50,
50, 100, 100 ... ms: under steady writes (the ranking's audit event, logged hours, answers)
it misses the short moments the lock is free, and a write request that costs 6 ms of CPU
waited half a second at the 95th percentile of the load test (docs/performance.md).

:class:`QueuedWriterConnection` (a ``sqlite3.Connection`` given to ``sqlite3.connect`` as its
``factory``) makes a connection take a *writer gate* before the statement that begins its
write transaction, and give it back when the transaction ends (commit, rollback, close).
The gate is a lock per database file: threads of one process wait on a
``threading.Lock`` (woken the moment it is released), and the one thread of each process
that holds it takes an ``fcntl.flock`` on ``<database>-writer.lock`` shared with the other
processes (the portal's gunicorn workers, the indexer worker). The gate is held exactly
while SQLite's own write lock is (from the first INSERT/UPDATE/DELETE/REPLACE, where the
``sqlite3`` module begins the transaction, or an explicit BEGIN, to its end), so it adds no
wait that was not there; it only makes the wait end as soon as the lock is free.

The gate only orders writers; SQLite's lock still guards the data. So the gate can never
make a write fail: a writer that has not passed it within ``GATE_WAIT_S`` (or the
connection's ``timeout``, if shorter) logs who holds it and goes on without it, to wait on
SQLite's lock as before; past the connection's ``timeout`` SQLite answers ``database is
locked``, which the portal turns into its "prøv igen" page (``portal.errors``). Writers that
do not go through the gate (another program, a migration's DDL) are waited for by SQLite's
busy handler. In-memory databases and ``file:`` URIs are not gated.
"""
from __future__ import annotations

import fcntl
import logging
import os
import re
import sqlite3
import threading
import time

log = logging.getLogger(__name__)

# The statements that open a transaction which writes: those before which the sqlite3 module
# (Python 3.11, its default isolation level) begins one (INSERT, UPDATE, DELETE, REPLACE),
# and an explicit BEGIN or an outermost SAVEPOINT (the bulk import opens its batch so).
_WRITE = re.compile(r"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(insert|update|delete|replace|begin|savepoint)\b",
                    re.IGNORECASE | re.DOTALL)
# The longest a writer queues at the gate before it goes on to wait on SQLite's lock alone.
GATE_WAIT_S = 2.0
# Between tries for another process's flock: short, doubling to a small cap.
_FIRST_POLL_S = 0.0005
_MAX_POLL_S = 0.004


def is_write(sql: str) -> bool:
    """True when ``sql`` is a statement that begins a write transaction."""
    return bool(_WRITE.match(sql))


class _Gate:
    """The writer gate of one database file in this process."""

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        self.threads = threading.Lock()
        self._fd: int | None = None
        # Who holds the gate in this process, for the log when a writer gives up on it.
        self.holder: tuple[str, str, float] | None = None

    def acquire(self, timeout: float, sql: str = "") -> bool:
        deadline = time.monotonic() + max(timeout, 0.0)
        if not self.threads.acquire(timeout=max(timeout, 0.0)):
            holder = self.holder
            if holder is not None:
                log.warning("SQLite writer gate of %s not free after %.1f s: held by thread %s "
                            "for %.1f s since %r; waiting on SQLite's lock instead", self.lock_path,
                            timeout, holder[0], time.monotonic() - holder[2], holder[1][:60])
            return False
        try:
            if self._fd is None:
                self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            pause = _FIRST_POLL_S
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self.holder = (threading.current_thread().name, sql, time.monotonic())
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(pause)
                    pause = min(pause * 2, _MAX_POLL_S)
        except BaseException:
            self.threads.release()
            raise
        self.threads.release()
        return False

    def release(self) -> None:
        self.holder = None
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()

    def forget(self) -> None:
        """In a forked child: the parent's descriptor shares the parent's flock."""
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = None
        self.threads = threading.Lock()


_gates: dict[str, _Gate] = {}
_gates_lock = threading.Lock()


def _gate_for(database: str) -> _Gate:
    path = os.path.realpath(database)
    with _gates_lock:
        gate = _gates.get(path)
        if gate is None:
            gate = _gates[path] = _Gate(path + "-writer.lock")
        return gate


def _after_fork_in_child() -> None:
    global _gates_lock
    _gates_lock = threading.Lock()
    for gate in _gates.values():
        gate.forget()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _gated_database(database: object, uri: bool) -> str | None:
    """The file path to gate writers of, or None (in memory, a URI, not a path)."""
    if uri or not isinstance(database, (str, os.PathLike)):
        return None
    path = os.fspath(database)
    if isinstance(path, bytes) or path in ("", ":memory:"):
        return None
    return path


class QueuedWriterConnection(sqlite3.Connection):
    """A ``sqlite3`` connection whose write transactions pass the database's writer gate."""

    def __init__(self, database, timeout: float = 5.0, *args, **kwargs) -> None:
        super().__init__(database, timeout, *args, **kwargs)
        path = _gated_database(database, bool(kwargs.get("uri")))
        self._gate = _gate_for(path) if path else None
        self._gate_timeout = float(timeout)
        self._holding = False

    def cursor(self, factory=None):  # noqa: D102 - sqlite3.Connection.cursor
        return super().cursor(factory or QueuedWriterCursor)

    def execute(self, sql, parameters=(), /):  # noqa: D102
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):  # noqa: D102
        return self.cursor().executemany(sql, parameters)

    def commit(self) -> None:  # noqa: D102
        try:
            super().commit()
        finally:
            self._leave_if_done()

    def rollback(self) -> None:  # noqa: D102
        try:
            super().rollback()
        finally:
            self._leave_if_done()

    def close(self) -> None:  # noqa: D102
        try:
            super().close()
        finally:
            self._leave()

    def _enter(self, sql: str) -> None:
        if self._gate is None or self._holding or self.in_transaction or not is_write(sql):
            return
        # Not passed in time: go on ungated (SQLite's lock still guards the write).
        self._holding = self._gate.acquire(min(self._gate_timeout, GATE_WAIT_S), sql)

    def _leave_if_done(self) -> None:
        try:
            done = not self.in_transaction
        except sqlite3.ProgrammingError:  # closed
            done = True
        if done:
            self._leave()

    def _leave(self) -> None:
        if self._holding:
            self._holding = False
            self._gate.release()


class QueuedWriterCursor(sqlite3.Cursor):
    """A cursor whose first write of a transaction waits for the writer gate."""

    def execute(self, sql, parameters=(), /):  # noqa: D102
        connection: QueuedWriterConnection = self.connection
        connection._enter(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection._leave_if_done()

    def executemany(self, sql, parameters, /):  # noqa: D102
        connection: QueuedWriterConnection = self.connection
        connection._enter(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            connection._leave_if_done()
