"""The outbox worker: claim a batch, read the rows' current state, encode, write, mark done.

Guarantees (SECURITY.md "Reliability and data safety"):

* Claims select at most a batch of pending rows that are unclaimed (or whose lease expired)
  and mark them in the same transaction,
  so two workers never hold the same row; on PostgreSQL the candidates are picked with
  ``FOR UPDATE SKIP LOCKED``. A crashed worker's rows come back when the lease ends.
* Several events for one entity in a batch are coalesced; what is written is the row's
  state *now* (``op`` is advisory), with the row's version, so repeats are no-ops.
* After writing, the versions are checked against the database once more: a row that
  changed or vanished meanwhile (a slower worker's stale write after an erasure) is
  removed or queued again, so a stale document never outlives the change.
* Backend or encoder unavailable: the rows stay pending (attempts + 1, last_error) and
  the caller backs off. A row that cannot be indexed (unreadable CV) becomes ``failed``
  with a Danish reason the admin page shows; the worker carries on.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cvtext.extract import ExtractLimits
from matching.backends import BackendError, BackendUnavailable, MatchBackend
from matching.cache import CachedEncoder
from matching.encoders import Encoder, EncoderUnavailable
from store.database import upsert
from store.embedding_store import DbEmbeddingCache, sweep
from store.models import Citizen, IndexerState, Opening, OutboxEvent
from store.models.base import utcnow
from store.outbox import record_change
from store.profiles import load_citizens, load_openings

from .documents import REASON_LEN, Built, build_citizens, build_openings, live_cache_keys
from .progress import WORKER_EVERY, note_worker
from .rebuild import refresh_lexical_stats
from .outcome import MAX_ATTEMPTS, BatchResult, backoff_seconds, failure_reason

__all__ = ["MAX_ATTEMPTS", "BatchResult", "OutboxWorker", "backoff_seconds"]
log = logging.getLogger("indexer")


@dataclass(frozen=True)
class _Event:
    id: int
    entity: str
    entity_id: int


class OutboxWorker:
    """Drains ``outbox_event`` into a backend.

    Args:
        session: A session of its own (not shared with another worker or thread).
        backend: Where documents go.
        encoder: The encoder; wrapped in a CachedEncoder on the database cache when
            ``cache`` is True, so reranking and rebuilds reuse the vectors.
        upload_folder: Where uploaded CV files are (generated names).
        worker_id: Shown in ``claimed_by``; default host:pid:random.
        batch_size: Events claimed at once.
        lease: How long a claim holds before another worker may take the rows.
        clock: Current UTC time (injectable for tests).
        concept_version: The concept table (``MATCHING_CONCEPTS``) whose profiles of live
            jobmål and titles a sweep keeps; None keeps none.
    """

    def __init__(self, session: Session, backend: MatchBackend, encoder: Encoder, *,
                 upload_folder: Path | None = None, worker_id: str | None = None,
                 batch_size: int = 64, lease: timedelta = timedelta(minutes=5),
                 cache: bool = True, clock: Callable[[], datetime] = utcnow,
                 limits: ExtractLimits = ExtractLimits(), concept_version: str | None = None) -> None:
        self.session, self.backend = session, backend
        self.concept_version = concept_version  # the concept table whose profiles a sweep keeps
        self.cache = DbEmbeddingCache(session, encoder.name) if cache else None
        self.encoder: Encoder = CachedEncoder(encoder, self.cache) if cache else encoder
        self.upload_folder, self.batch_size, self.lease = upload_folder, batch_size, lease
        self.clock, self.limits = clock, limits
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{random.randrange(16**6):06x}"
        self._claims = itertools.count(1)
        self._seen_at: datetime | None = None  # when this worker last wrote worker_seen

    # -- claiming ----------------------------------------------------------------------
    def _claimable(self, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(OutboxEvent.status == "pending", OutboxEvent.available_at <= now,
                       sa.or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now))

    def claim(self) -> list[_Event]:
        """Claim up to ``batch_size`` pending events (committed), oldest first."""
        now = self.clock()
        token = f"{self.worker_id[:40]}:{next(self._claims)}"  # unique per claim, fits 64
        candidates = (sa.select(OutboxEvent.id).where(self._claimable(now))
                      .order_by(OutboxEvent.id).limit(self.batch_size))
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        # Two statements in one transaction, not UPDATE ... WHERE id IN (subquery): PostgreSQL
        # may rescan a LIMIT ... SKIP LOCKED subquery and so claim more than the limit,
        # including rows another worker is about to claim.
        ids = list(self.session.scalars(candidates))
        if ids:
            self.session.execute(
                sa.update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids), self._claimable(now))
                .values(claimed_by=token, claimed_until=now + self.lease)
                .execution_options(synchronize_session=False))
        self.session.commit()
        if not ids:
            return []
        rows = self.session.execute(
            sa.select(OutboxEvent.id, OutboxEvent.entity, OutboxEvent.entity_id)
            .where(OutboxEvent.claimed_by == token, OutboxEvent.status == "pending")
            .order_by(OutboxEvent.id))
        return [_Event(*row) for row in rows]

    # -- one batch ---------------------------------------------------------------------
    def process_batch(self) -> BatchResult:
        """Claim and process one batch; never raises for backend, encoder or file trouble.

        If the batch fails for another reason (a request the backend rejects, a bug
        tripped by one row), its entities are retried one by one, so only the culprit is
        delayed and, after MAX_ATTEMPTS, marked failed: one bad row never blocks the rest.

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the database itself failed (claims then
                expire and another run picks the rows up).
        """
        self._note_seen()
        events = self.claim()
        result = BatchResult(claimed=len(events))
        if not events:
            return result
        try:
            self._process(events, result)
        except (BackendUnavailable, EncoderUnavailable) as err:
            self._unavailable(events, result, err)
        except Exception as err:  # noqa: BLE001 - isolate the culprit, see docstring
            self.session.rollback()
            if len({(e.entity, e.entity_id) for e in events}) == 1:
                log.warning("indexing %s %s failed: %r", events[0].entity, events[0].entity_id, err)
                result.retried = self._release(events, failure_reason(err), delay=True)
            else:
                self._one_by_one(events, result)
        return result

    def _process(self, events: list[_Event], result: BatchResult) -> None:
        with self.session.no_autoflush:
            failed = self._apply(events, result)
        result.failed += self._finish(events, failed)
        self._note_run(result)
        self.session.commit()
        self._refresh_stats({e.entity for e in events})

    def _refresh_stats(self, kinds: set[str]) -> None:
        """Count the lexical statistics of a kind that has none, or stale ones (rebuild.py).

        The batch is done either way: a backend hiccup here only postpones the recount.
        """
        for kind in sorted(kinds & {"citizen", "opening"}):
            try:
                if refresh_lexical_stats(self.session, self.backend, kind):
                    log.info("lexical statistics of the %s index recounted", kind)
            except BackendError as err:
                log.warning("lexical statistics of the %s index not recounted: %s", kind, err)
            finally:
                self.session.commit()

    def _unavailable(self, events: list[_Event], result: BatchResult, err: Exception) -> None:
        self.session.rollback()
        result.unavailable = str(err)[:REASON_LEN]
        result.retried += self._release(events, result.unavailable, delay=False)

    def _one_by_one(self, events: list[_Event], result: BatchResult) -> None:
        groups: dict[tuple[str, int], list[_Event]] = {}
        for event in events:
            groups.setdefault((event.entity, event.entity_id), []).append(event)
        pending = list(groups.values())
        while pending:
            group = pending.pop(0)
            try:
                self._process(group, result)
            except (BackendUnavailable, EncoderUnavailable) as err:
                self._unavailable([e for g in [group, *pending] for e in g], result, err)
                return
            except Exception as err:  # noqa: BLE001 - this entity is the culprit
                self.session.rollback()
                log.warning("indexing %s %s failed: %r", group[0].entity, group[0].entity_id, err)
                result.retried += self._release(group, failure_reason(err), delay=True)

    def _apply(self, events: list[_Event], result: BatchResult) -> dict[tuple[str, int], str]:
        citizen_ids = sorted({e.entity_id for e in events if e.entity == "citizen"})
        opening_ids = sorted({e.entity_id for e in events if e.entity == "opening"})
        # Extracted CV text and new cache entries are valid whatever happens next; commit
        # after each build so no SQLite write lock is held while encoding or writing.
        citizens = build_citizens(self.session, list(load_citizens(self.session, citizen_ids).values()),
                                  citizen_ids, self.encoder, self.upload_folder, self.limits)
        self.session.commit()
        openings = build_openings(list(load_openings(self.session, opening_ids).values()),
                                  opening_ids, self.encoder)
        self.session.commit()
        removed_citizens = 0
        for kind, built in (("citizen", citizens), ("opening", openings)):
            result.written += self.backend.index(built.docs)
            removed = self.backend.remove(kind, built.remove) if built.remove else 0
            removed_citizens += removed if kind == "citizen" else 0
            result.removed += removed
            result.written_ids += [(kind, d.id) for d in built.docs]
            self._verify(kind, built)
        erased = len(citizen_ids) > len(citizens.seen)  # rows gone from the database
        # Sweeping reads every live text, so only when a citizen left the index or the database.
        if (removed_citizens or erased) and self.cache is not None:
            sweep(self.session, live_cache_keys(self.session, self.encoder.name, self.concept_version))
        return {**{("citizen", i): r for i, r in citizens.failed.items()},
                **{("opening", i): r for i, r in openings.failed.items()}}

    def _verify(self, kind: str, built: Built) -> None:
        """Remove or re-queue what changed or vanished while we worked.

        A row deleted meanwhile must not keep the document we just wrote; a row whose
        version moved on may have been decided (written or removed) from an old state
        by us after another worker handled the newer one, so it is queued again.
        """
        if not built.seen:
            return
        model = Citizen if kind == "citizen" else Opening
        ids = [int(i) for i in built.seen]
        current = dict(self.session.execute(
            sa.select(model.id, model.version).where(model.id.in_(ids))).all())
        gone = [d.id for d in built.docs if int(d.id) not in current]
        if gone:
            self.backend.remove(kind, gone)
        for doc_id, version in built.seen.items():
            if int(doc_id) in current and current[int(doc_id)] != version:
                record_change(self.session, kind, int(doc_id))

    def _finish(self, events: list[_Event], failed: dict[tuple[str, int], str]) -> int:
        now = self.clock()
        bad = [e for e in events if (e.entity, e.entity_id) in failed]
        good = [e.id for e in events if (e.entity, e.entity_id) not in failed]
        if good:
            self.session.execute(
                sa.update(OutboxEvent).where(OutboxEvent.id.in_(good))
                .values(status="done", processed_at=now, claimed_until=None, last_error=None)
                .execution_options(synchronize_session=False))
        for event in bad:
            self.session.execute(
                sa.update(OutboxEvent).where(OutboxEvent.id == event.id)
                .values(status="failed", processed_at=now, claimed_until=None,
                        attempts=OutboxEvent.attempts + 1,
                        last_error=failed[(event.entity, event.entity_id)][:REASON_LEN])
                .execution_options(synchronize_session=False))
        return len(bad)

    def _release(self, events: list[_Event], reason: str, *, delay: bool) -> int:
        """Hand claimed rows back as pending (attempts + 1); optionally delay or fail them."""
        now = self.clock()
        for event in events:
            attempts = (self.session.scalar(sa.select(OutboxEvent.attempts)
                                            .where(OutboxEvent.id == event.id)) or 0) + 1
            values: dict = {"attempts": attempts, "last_error": reason[:REASON_LEN],
                            "claimed_until": None}
            if delay:
                values["available_at"] = now + timedelta(seconds=backoff_seconds(attempts, cap=300))
                if attempts >= MAX_ATTEMPTS:
                    values |= {"status": "failed", "processed_at": now}
            self.session.execute(sa.update(OutboxEvent).where(OutboxEvent.id == event.id)
                                 .values(**values).execution_options(synchronize_session=False))
        self.session.commit()
        return len(events)

    def _note_seen(self) -> None:
        """Note the poll in ``worker_seen`` (at most every ``WORKER_EVERY``): the admin page says
        when the worker last looked, and a worker that polls is not "not running"."""
        now = self.clock()
        if self._seen_at is not None and now - self._seen_at < WORKER_EVERY:
            return
        note_worker(self.session, self.worker_id, now)
        self._seen_at = now

    def _note_run(self, result: BatchResult) -> None:
        summary = {"at": self.clock().isoformat(timespec="seconds"), "worker": self.worker_id,
                   "claimed": result.claimed, "written": result.written,
                   "removed": result.removed, "failed": result.failed}
        self.session.execute(upsert(self.session, IndexerState,
                                    [{"key": "last_run", "value": json.dumps(summary)}],
                                    key=["key"], update=["value"]))

    # -- loops -------------------------------------------------------------------------
    def drain(self, *, max_wait: float = 0.0, sleep: Callable[[float], None] = time.sleep,
              should_stop: Callable[[], bool] = lambda: False,
              on_batch: Callable[[BatchResult], None] = lambda result: None) -> BatchResult:
        """Process batches until nothing is claimable.

        While the backend is unavailable, back off (exponential, jittered) for at most
        ``max_wait`` seconds in total, then return with ``unavailable`` set. ``on_batch``
        sees every batch's result (progress reporting).
        """
        total, outages = BatchResult(), 0
        deadline = time.monotonic() + max_wait
        while not should_stop():
            result = self.process_batch()
            total.add(result)
            on_batch(result)
            if result.unavailable:
                outages += 1
                pause = backoff_seconds(outages)
                if time.monotonic() + pause > deadline:
                    break
                sleep(pause)
                continue
            outages = 0
            if result.claimed == 0:
                break
        return total

    def run(self, should_stop: Callable[[], bool], wait: Callable[[float], None],
            idle_seconds: float = 2.0, periodic: Callable[[], None] = lambda: None) -> None:
        """Work until ``should_stop()``; ``wait`` sleeps but returns early on a stop signal.

        A stop request is honoured between batches: the current batch always finishes.
        A database error (locked, connection lost) is logged and retried after a back-off:
        the worker outlives a database restart; its claims expire and are taken again.

        ``periodic`` runs when a poll found nothing to do and after a batch the backend could
        not take (the empty-index check, which rebuilds an unreadable index, starting and
        polling the re-ranking training). It must return quickly, as the outbox waits
        meanwhile: the training runs in a process of its own (``indexer.training``).
        """
        outages = 0
        while not should_stop():
            try:
                result = self.process_batch()
            except SQLAlchemyError as err:
                self.session.rollback()
                outages += 1
                log.warning("database error, retrying: %s", err)
                wait(backoff_seconds(outages))
                continue
            if result.unavailable:
                outages += 1
                # The periodic jobs run in an outage too: an unreadable index makes every batch
                # "unavailable" and only the index check's rebuild ends it (review Y 2).
                self._periodic(periodic)
                wait(backoff_seconds(outages))
            elif result.claimed == 0:
                outages = 0
                self._periodic(periodic)
                wait(idle_seconds)
            else:
                outages = 0

    def _periodic(self, periodic: Callable[[], None]) -> None:
        """Run the idle-time jobs; a database error there is logged, and the loop goes on."""
        try:
            periodic()
        except SQLAlchemyError as err:
            self.session.rollback()
            log.warning("database error in a scheduled job, trying again later: %s", err)
