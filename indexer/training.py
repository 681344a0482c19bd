"""The daily re-ranking training, run beside the outbox loop in a process of its own.

``python -m indexer run`` calls :class:`BackgroundTraining` from its idle branch. When the
:class:`~indexer.rerank_train.Schedule` says a training is due, it starts
``python -m indexer rerank train`` as a child process and returns at once: the outbox loop
keeps its cadence while the child trains (minutes on a real job centre's decisions). Later
calls only poll the child. Guarantees:

* At most one training at a time per worker: none is started while the child runs.
* The child's log lines go to the worker's stderr as they come.
* When the child ends, its outcome (model used, model not used and why, failed and why, or
  stopped) is logged in one line and stored in ``indexer_state`` under
  :data:`LAST_TRAINING_KEY`, which /admin/indexer/relevans shows beside the model.
* :meth:`BackgroundTraining.stop` (the worker stopping on SIGTERM/SIGINT) sends the child
  SIGTERM, waits at most ``grace`` seconds, then kills it. Nothing is half-written either
  way: the model is one JSON value stored by a single upsert and commit at the end of the
  training (``rerank_train.store_report``), so a training stopped or killed before that
  commit leaves the previous model in use, and the database rolls back what was not
  committed. (The embedding-cache entries it commits on the way are complete vectors.)
"""
from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import IO, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from store.database import upsert
from store.models import IndexerState
from store.models.base import utcnow

log = logging.getLogger("indexer")

# Read by the portal's /admin/indexer/relevans (portal/admin/indexer.py), which may not import
# the indexer: keep the two in step (tests/indexer/test_background_training.py checks).
LAST_TRAINING_KEY = "rerank_last_training"
TRAIN_COMMAND: tuple[str, ...] = (sys.executable, "-m", "indexer", "rerank", "train")
STOP_GRACE = 5.0  # seconds; docker compose kills after 10
REASON_LEN = 300
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Exit codes of a child stopped by SIGTERM/SIGINT: ended by the signal (-N), or its own clean
# stop (128 + N, ``cmd_rerank_train``).
_STOPPED_CODES = {code for s in STOP_SIGNALS for code in (-int(s), 128 + int(s))}


class Due(Protocol):
    """When to train (``rerank_train.Schedule``)."""

    def due(self) -> bool: ...

    def postpone(self) -> None: ...


class BackgroundTraining:
    """Start, poll and stop the training child; record its outcome.

    Args:
        session: The worker's session: reads whether a training is due, stores the outcome.
        schedule: Says when a training is due; postponed after every attempt, so a training
            that fails (or is stopped) is tried again after the schedule's ``retry``.
        command: The child's command line (tests give a stub).
        grace: Seconds a stopped child has to end before it is killed.
        clock: Current UTC time, for the stored outcome.
    """

    def __init__(self, session: Session, schedule: Due, *, command: Sequence[str] = TRAIN_COMMAND,
                 grace: float = STOP_GRACE, clock: Callable[[], datetime] = utcnow) -> None:
        self.session, self.schedule, self.command = session, schedule, list(command)
        self.grace, self.clock = grace, clock
        self._proc: subprocess.Popen[str] | None = None
        self._stdout: IO[str] | None = None
        self._reader: threading.Thread | None = None
        self._last_err: list[str] = []
        self._started: tuple[datetime, float] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        """A training child is running (or has ended and was not polled yet)."""
        return self._proc is not None

    def __call__(self) -> None:
        """Record a finished training, or start one when due; never blocks, never raises."""
        if self._proc is not None:
            if self._proc.poll() is not None:
                self._finish()
            return
        try:
            due = self.schedule.due()
        except SQLAlchemyError as err:
            log.warning("re-ranking: cannot tell whether a training is due: %s", err)
            return
        finally:
            self.session.rollback()  # end the read transaction: the idle worker holds no snapshot
        if due:
            self._start()

    def _start(self) -> None:
        self._stdout = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self._last_err, self._stopping = [], False
        self._started = (self.clock(), time.monotonic())
        try:
            self._proc = subprocess.Popen(self.command, stdout=self._stdout, stderr=subprocess.PIPE,
                                          stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                                          errors="replace")
        except OSError as err:
            self._record("failed", reason=f"the training could not start: {err}")
            return
        self._reader = threading.Thread(target=self._forward, args=(self._proc.stderr,),
                                        name="rerank-train-stderr", daemon=True)
        self._reader.start()
        log.info("re-ranking training started (pid %s); indexing continues meanwhile", self._proc.pid)

    def _forward(self, stream: IO[str]) -> None:
        """Copy the child's stderr to ours line by line, keeping the last line (the reason)."""
        for line in stream:
            sys.stderr.write(line)
            sys.stderr.flush()
            if line.strip():
                self._last_err[:] = [line.strip()]

    def stop(self) -> None:
        """End a running training: SIGTERM, then SIGKILL after ``grace`` seconds; record it."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._stopping = True
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.grace)
            except subprocess.TimeoutExpired:
                log.warning("re-ranking training did not stop within %.0f s; killing it", self.grace)
                proc.kill()
                proc.wait()
        self._finish()

    def _finish(self) -> None:
        proc, self._proc = self._proc, None
        assert proc is not None
        if self._reader is not None:
            self._reader.join(timeout=2)  # the child is gone: its stderr ends
            self._reader = None
        if proc.stderr is not None:
            proc.stderr.close()
        report = self._report()
        code = proc.returncode
        if self._stopping or code in _STOPPED_CODES:
            who = "the worker is stopping" if self._stopping else f"exit code {code}"
            self._record("stopped", reason=f"stopped ({who}); the stored model is unchanged")
        elif code == 0 and report is not None:
            self._record("used" if report.get("in_use") else "not_used",
                         reason=str(report.get("reason") or ""), decisions=report.get("decisions"))
        else:
            last = self._last_err[0] if self._last_err else ""
            self._record("failed", reason=f"exit code {code}" + (f": {last}" if last else ""))
        self.schedule.postpone()

    def _report(self) -> dict | None:
        """The child's JSON report (its last stdout line), or None."""
        if self._stdout is None:
            return None
        try:
            self._stdout.seek(0)
            lines = [line for line in self._stdout.read().splitlines() if line.strip()]
            report = json.loads(lines[-1]) if lines else None
        except (ValueError, OSError):
            report = None
        finally:
            self._stdout.close()
            self._stdout = None
        return report if isinstance(report, dict) else None

    def _record(self, outcome: str, *, reason: str, decisions: int | None = None) -> None:
        """Log the outcome in one line and store it for the admin page."""
        started_at, started = self._started or (self.clock(), time.monotonic())
        seconds = round(time.monotonic() - started, 1)
        reason = reason[:REASON_LEN]
        line = {"used": "done, the learned model is in use",
                "not_used": "done, the hand-set weights are kept",
                "failed": "failed", "stopped": "stopped"}[outcome]
        counted = f"{decisions} decisions; " if decisions is not None else ""
        (log.warning if outcome == "failed" else log.info)(
            "re-ranking training %s (%.0f s): %s%s", line, seconds, counted, reason)
        value = {"outcome": outcome, "reason": reason, "decisions": decisions, "seconds": seconds,
                 "started_at": started_at.isoformat(timespec="seconds"),
                 "at": self.clock().isoformat(timespec="seconds")}
        try:
            self.session.execute(upsert(self.session, IndexerState,
                                        [{"key": LAST_TRAINING_KEY, "value": json.dumps(value),
                                          "updated_at": utcnow()}],
                                        key=["key"], update=["value", "updated_at"]))
            self.session.commit()
        except SQLAlchemyError as err:
            self.session.rollback()
            log.warning("re-ranking: the training's outcome was not stored: %s", err)
