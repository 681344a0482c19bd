"""Two requests at the same moment, interleaved deterministically: an app on SQLite or PostgreSQL
(the models' schema) and :class:`Meanwhile`, which runs a second request's step while the first
one is between its check and its write.

No timing decides an outcome: the second step runs in a thread of its own, and the first one
goes on only once that step has either finished or waits for a lock the first one holds (seen
in PostgreSQL's ``pg_stat_activity``, not guessed from time). The deadline only turns a hang
into a failure.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db

DEADLINE_SECONDS = 60.0  # a step that neither finishes nor waits for a lock by then hangs: fail
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def fresh_app(request, tmp_path, name: str):
    """An app on a fresh database (``request.param``: sqlite or postgresql) with the models'
    schema (``create_all``, as the ``app`` fixture: the migrations have tests of their own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    else:
        from tests.postgres_server import fresh_database

        url = fresh_database(request.getfixturevalue("postgres_url"), f"t_{name}_{abs(hash(request.node.name)) % 10**8}")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "MATCHING_ENCODER": "hashing",
                      "MATCHING_BACKEND": "memory"})
    with app.app_context():
        db.create_all()
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Meanwhile:
    """``step()`` run as another request that comes in now (its own app context and session).

    :meth:`start` returns once the step has finished, or, on PostgreSQL, waits for a lock (the
    caller's transaction holds it: the caller goes on and commits, and the step then goes on).
    :meth:`result` waits for the step's end and gives what it returned, or raises what it raised.
    """

    def __init__(self, app, step: Callable[[], object]) -> None:
        self.app = app
        self.step = step
        self.pid: int | None = None
        self.blocked = False
        self.outcome: list = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.app.app_context():
                if db.engine.dialect.name == "postgresql":
                    # The step's own connection: the one its session keeps for its transaction.
                    self.pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
                self.outcome.append(("ok", self.step()))
        except BaseException as exc:  # noqa: BLE001 - handed to result()
            self.outcome.append(("error", exc))

    def start(self) -> Meanwhile:
        self.thread.start()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while self.thread.is_alive() and not self.waits_for_a_lock():
            assert time.monotonic() < deadline, "the other request neither finished nor waited for a lock"
            time.sleep(0.005)
        # Still running: it waits for the caller's lock (it cannot finish before the caller commits).
        self.blocked = self.thread.is_alive()
        return self

    def waits_for_a_lock(self) -> bool:
        if self.pid is None:
            return False
        with self.app.app_context():
            engine = db.engine
        with engine.connect() as connection:
            waiting = connection.execute(sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": self.pid}).scalar()
            connection.rollback()
        return waiting == "Lock"

    def result(self):
        self.thread.join(DEADLINE_SECONDS)
        assert not self.thread.is_alive(), "the other request never finished"
        kind, value = self.outcome[0]
        if kind == "error":
            raise value
        return value
