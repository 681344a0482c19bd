"""The heartbeats the indexer leaves in ``indexer_state`` for the admin page and the portal.

A full rebuild claims the row ``rebuild_running`` when it starts, writes its progress there
every few seconds (documents written of each kind, of those that belong in the index) and
removes it when it ends, however it ends. The portal reads it (:func:`store.index_status.rebuild_progress`): /admin/indexer says »Genopbygning
i gang: N af M borgere« instead of »not built« and »not running«, and the citizen pages do not
say that the indexer is not running. A second rebuild refuses while the row is fresh
(:class:`RebuildRunning`), unless forced; a row without word for ``REBUILD_STALE_AFTER`` is a
rebuild that died (killed, the machine restarted) and is taken over.

The worker notes each poll (at most every ``WORKER_EVERY``) in ``worker_seen``.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from store.database import upsert
from store.index_status import REBUILD_KEY, WORKER_KEY, RebuildProgress, expected_count, rebuild_progress
from store.models import IndexerState
from store.models.base import utcnow

log = logging.getLogger("indexer")

BEAT_EVERY = 3.0  # seconds between two progress writes of a rebuild
WORKER_EVERY = timedelta(seconds=30)


class RebuildRunning(RuntimeError):
    """Another rebuild is running (its heartbeat is fresh); ``progress`` says how far it is."""

    def __init__(self, progress: RebuildProgress) -> None:
        self.progress = progress
        done = ", ".join(f"{progress.of(kind)[0]} of {progress.of(kind)[1]} {kind}s"
                         for kind in ("opening", "citizen") if kind in progress.totals)
        super().__init__(
            f"another rebuild is running ({progress.owner}, started {progress.started:%Y-%m-%d %H:%M} UTC, "
            f"{done or 'starting'}; last word {progress.updated:%H:%M:%S} UTC)")


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class RebuildHeartbeat:
    """The ``rebuild_running`` row of one rebuild: claim, beat, release.

    Args:
        session: the rebuild's session (each write commits: the rebuild commits per chunk too).
        totals: documents per kind the rebuild writes (:func:`count_indexable`; refined by :meth:`start`).
        force: take over a fresh row of another rebuild (``python -m indexer rebuild --force``).
        clock: current UTC time; ``every``: seconds between two writes of :meth:`beat`
            (default ``BEAT_EVERY``).
    """

    def __init__(self, session: Session, totals: dict[str, int], *, force: bool = False,
                 clock: Callable[[], datetime] = utcnow, every: float | None = None) -> None:
        self.session, self.force, self.clock = session, force, clock
        self.every = BEAT_EVERY if every is None else every
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.totals, self.done = dict(totals), {kind: 0 for kind in totals}
        self.phase = next(iter(totals), "finishing")
        self.started = clock()
        self._written: str | None = None  # the row's value as we last wrote it
        self._last_beat = float("-inf")
        self.lost = False  # another rebuild took the row over (forced)

    def _value(self) -> str:
        return json.dumps({"owner": self.owner, "started": _time(self.started), "updated": _time(self.clock()),
                           "phase": self.phase, "done": self.done, "totals": self.totals})

    def claim(self) -> None:
        """Take the row (committed).

        Raises:
            RebuildRunning: another rebuild's row is fresh and ``force`` is False.
        """
        for _ in range(3):  # a lost race reads the winner's row and decides again
            current = self.session.scalar(sa.select(IndexerState.value).where(IndexerState.key == REBUILD_KEY))
            value = self._value()
            if current is None:
                try:
                    self.session.execute(sa.insert(IndexerState).values(key=REBUILD_KEY, value=value,
                                                                        updated_at=self.clock()))
                    self.session.commit()
                except IntegrityError:
                    self.session.rollback()
                    continue
                self._written = value
                return
            other = rebuild_progress(self.session, self.clock())
            if other is not None and not other.stale and not self.force:
                self.session.rollback()
                raise RebuildRunning(other)
            if other is not None:
                log.warning("taking over the rebuild row of %s (started %s, last word %s)%s", other.owner,
                            _time(other.started), _time(other.updated), "" if other.stale else " (--force)")
            if self._swap(current, value):
                return
        raise RebuildRunning(rebuild_progress(self.session, self.clock()))  # pragma: no cover - three lost races

    def _swap(self, old: str, new: str) -> bool:
        """Replace the row's value if it is still ``old`` (committed); False if it moved on."""
        changed = self.session.execute(
            sa.update(IndexerState).where(IndexerState.key == REBUILD_KEY, IndexerState.value == old)
            .values(value=new, updated_at=self.clock()).execution_options(synchronize_session=False))
        self.session.commit()
        if changed.rowcount:
            self._written = new
        return bool(changed.rowcount)

    def start(self, kind: str, total: int) -> None:
        """``kind``'s documents are written now, ``total`` of them (written at once)."""
        self.phase, self.totals[kind], self.done[kind] = kind, total, 0
        self.beat(force=True)

    def advance(self, kind: str, docs: int) -> None:
        """``docs`` more documents of ``kind`` written (the row is written when ``every`` has
        passed). A total passed (a row that became indexable since it was counted, say a CV whose
        text the rebuild read from its file) grows with it: the page never says »N af M« with N > M."""
        self.done[kind] = self.done.get(kind, 0) + docs
        self.totals[kind] = max(self.totals.get(kind, 0), self.done[kind])
        self.beat()

    def finishing(self) -> None:
        """The rows are written; the reconcile pass and the clean-up run (written at once)."""
        self.phase = "finishing"
        self.beat(force=True)

    def beat(self, *, force: bool = False) -> None:
        """Write the progress (committed) when ``every`` seconds have passed, or now with ``force``."""
        if self.lost or self._written is None or (not force and time.monotonic() - self._last_beat < self.every):
            return
        self._last_beat = time.monotonic()
        if not self._swap(self._written, self._value()):
            self.lost = True
            log.warning("another rebuild took over the progress row; this one goes on without reporting")

    def release(self) -> None:
        """Remove the row if it is still ours; never raises for the database (the row then
        goes stale and the next rebuild takes it over)."""
        if self._written is None or self.lost:
            return
        try:
            self.session.rollback()
            self.session.execute(sa.delete(IndexerState).where(IndexerState.key == REBUILD_KEY,
                                                               IndexerState.value == self._written)
                                 .execution_options(synchronize_session=False))
            self.session.commit()
        except SQLAlchemyError as err:
            self.session.rollback()
            log.warning("could not clear the rebuild's progress row (it counts as stopped after a while): %s", err)
        self._written = None


def note_worker(session: Session, worker: str, now: datetime) -> None:
    """The worker polled at ``now`` (committed)."""
    session.execute(upsert(session, IndexerState, [{"key": WORKER_KEY, "updated_at": now,
                                                    "value": json.dumps({"at": _time(now), "worker": worker})}],
                           key=["key"], update=["value", "updated_at"]))
    session.commit()


def count_indexable(session: Session, kinds: Iterable[str]) -> dict[str, int]:
    """Documents per kind a rebuild of ``kinds`` writes: the rows that belong in the index (review
    AQ 4), counted as /admin/indexer counts »databasen: N« (:func:`store.index_status.expected_count`,
    the SQL of ``is_indexable_citizen`` / ``is_indexable_opening``, which the rebuild's documents
    apply). Anonymised, restricted or closed cases, citizens without a VK, jobmål or CV, and
    openings that are not open are gone through but not written, so they are not counted: »N af M
    borgere« ends at the »Borgere i indekset« figure."""
    return {kind: expected_count(session, kind) for kind in kinds}
