"""Full rebuild: every row into a fresh index, an atomic swap, then a reconcile pass.

Live reads keep using the old index until ``commit`` swaps it in (an alias swap on
Elasticsearch, a whole-kind replacement for the memory snapshot). Rows that change while
the rebuild runs are caught by the reconcile pass, which compares the versions seen with
the database afterwards; documents whose rows are gone are removed. Outbox events that
were pending when the rebuild started are covered by it and marked done.

While it runs, the rebuild reports its progress in ``indexer_state`` (``indexer.progress``):
the admin page shows it, and a second rebuild refuses to start (``RebuildRunning``) unless
forced.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from cvtext.extract import ExtractLimits
from matching.backends import MatchBackend
from matching.cache import CachedEncoder
from matching.encoders import Encoder
from matching.index_meta import LEXICAL_KEY, encoder_meta, lexical_meta
from store.database import upsert
from store.embedding_store import DbEmbeddingCache, sweep
from store.models import Citizen, IndexerState, Opening, OutboxEvent
from store.models.base import utcnow
from store.profiles import (
    load_citizens, load_openings,
)

from .documents import Built, build_citizens, build_openings, collection_texts, live_cache_keys
from .progress import RebuildHeartbeat, count_indexable

# The lexical statistics (document frequencies) are refreshed when the kind's row count has
# moved by more than this share since they were counted, or they are older than STATS_MAX_AGE.
STATS_STALE_SHARE = 0.10
STATS_MAX_AGE = timedelta(days=7)


@dataclass
class RebuildResult:
    """Counts per kind, failures (id -> reason) and the reconcile corrections."""

    citizens: int = 0
    openings: int = 0
    reconciled: int = 0
    events_covered: int = 0
    failures: dict[tuple[str, int], str] = field(default_factory=dict)


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def _build(session: Session, kind: str, ids: list[int], encoder: Encoder,
           upload_folder: Path | None, limits: ExtractLimits) -> Built:
    if kind == "citizen":
        rows = list(load_citizens(session, ids).values())
        return build_citizens(session, rows, ids, encoder, upload_folder, limits)
    return build_openings(list(load_openings(session, ids).values()), ids, encoder)


def _versions(session: Session, kind: str) -> dict[int, int]:
    model = Citizen if kind == "citizen" else Opening
    return dict(session.execute(sa.select(model.id, model.version)).all())


def rebuild(session: Session, backend: MatchBackend, encoder: Encoder, *,
            upload_folder: Path | None = None, chunk_size: int = 64, cache: bool = True,
            progress: IO[str] | None = sys.stderr, limits: ExtractLimits = ExtractLimits(),
            kinds: Sequence[str] = ("opening", "citizen"), concept_version: str | None = None,
            force: bool = False) -> RebuildResult:
    """Rebuild the index of ``kinds`` from the database.

    Args:
        progress: where the tqdm bar goes (items, rate, ETA); None for no bar.
        concept_version: the concept table whose profiles of live jobmål and titles the
            sweep keeps (``OutboxWorker``'s).
        force: start even while another rebuild reports progress (one that hangs).

    Raises:
        RebuildRunning: another rebuild is running (nothing was done).
        BackendUnavailable, EncoderUnavailable: the rebuild is aborted and the live index
            left as it was.
    """
    heartbeat = RebuildHeartbeat(session, count_indexable(session, kinds), force=force)
    heartbeat.claim()
    try:
        return _rebuild(session, backend, encoder, heartbeat, upload_folder=upload_folder,
                        chunk_size=chunk_size, cache=cache, progress=progress, limits=limits,
                        kinds=kinds, concept_version=concept_version)
    finally:
        heartbeat.release()


def _rebuild(session: Session, backend: MatchBackend, encoder: Encoder, heartbeat: RebuildHeartbeat, *,
             upload_folder: Path | None, chunk_size: int, cache: bool, progress: IO[str] | None,
             limits: ExtractLimits, kinds: Sequence[str], concept_version: str | None) -> RebuildResult:
    meta = encoder_meta(encoder)  # recorded with each kind's new index, swapped in with it
    if cache:
        encoder = CachedEncoder(encoder, DbEmbeddingCache(session, encoder.name))
    covered = list(session.scalars(sa.select(OutboxEvent.id).where(OutboxEvent.status == "pending")))
    result = RebuildResult()
    for kind in kinds:
        seen = _versions(session, kind)
        heartbeat.start(kind, count_indexable(session, [kind])[kind])  # what gets written, not every row
        # The collection's lexical statistics go into the new index's metadata, swapped in
        # with its documents: from then on every score uses them.
        writer = backend.begin_rebuild(kind, meta={**meta, **collection_stats(session, kind)})
        try:
            written = _fill(session, kind, sorted(seen), writer, encoder, upload_folder,
                            chunk_size, progress, limits, result.failures, heartbeat)
        except BaseException:
            writer.abort()
            raise
        writer.commit()
        setattr(result, f"{kind}s", written)
        heartbeat.finishing()
        result.reconciled += _reconcile(session, backend, kind, seen, encoder, upload_folder, limits)
    result.events_covered = _cover_events(session, covered, result.failures)
    if cache:
        sweep(session, live_cache_keys(session, encoder.name, concept_version))
    summary = {"at": utcnow().isoformat(timespec="seconds"), "citizens": result.citizens,
               "openings": result.openings, "failed": len(result.failures),
               "reconciled": result.reconciled}
    session.execute(upsert(session, IndexerState, [{"key": "last_rebuild", "value": json.dumps(summary)}],
                           key=["key"], update=["value"]))
    session.commit()
    return result


def _fill(session: Session, kind: str, ids: list[int], writer, encoder: Encoder,
          upload_folder: Path | None, chunk_size: int, progress: IO[str] | None,
          limits: ExtractLimits, failures: dict[tuple[str, int], str], heartbeat: RebuildHeartbeat) -> int:
    written = 0
    label = {"citizen": "borgere", "opening": "opslag"}[kind]
    with tqdm(total=len(ids), desc=f"Genopbygger {label}", unit=" rækker", file=progress,
              disable=progress is None, mininterval=0.5) as bar:
        for ids_chunk in _chunks(ids, chunk_size):
            with session.no_autoflush:
                built = _build(session, kind, ids_chunk, encoder, upload_folder, limits)
            session.commit()  # CV text and cache entries; no lock held while writing below
            docs = writer.index(built.docs)
            written += docs
            failures.update(((kind, i), reason) for i, reason in built.failed.items())
            bar.update(len(ids_chunk))
            heartbeat.advance(kind, docs)
    return written


def _reconcile(session: Session, backend: MatchBackend, kind: str, seen: dict[int, int],
               encoder: Encoder, upload_folder: Path | None, limits: ExtractLimits) -> int:
    """Fix what changed during the rebuild; remove documents whose rows are gone."""
    now = _versions(session, kind)
    changed = sorted(i for i, v in now.items() if seen.get(i) != v)
    gone = [i for i in backend.ids(kind) if not i.isdigit() or int(i) not in now]
    if gone:
        backend.remove(kind, gone)
    for ids_chunk in _chunks(changed, 256):
        with session.no_autoflush:
            built = _build(session, kind, ids_chunk, encoder, upload_folder, limits)
        session.commit()
        backend.index(built.docs)
        if built.remove:
            backend.remove(kind, built.remove)
    return len(changed) + len(gone)


def _cover_events(session: Session, event_ids: list[int],
                  failures: dict[tuple[str, int], str]) -> int:
    """Settle the events that were pending before the rebuild read the rows.

    They are done; each row that failed gets one failed event with the reason (unless
    an identical one exists), so the admin page lists every row the index lacks.
    """
    now, done = utcnow(), 0
    for ids_chunk in _chunks(event_ids, 500):
        res = session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids_chunk), OutboxEvent.status == "pending")
            .values(status="done", processed_at=now, claimed_until=None, last_error=None)
            .execution_options(synchronize_session=False))
        done += res.rowcount or 0
    for (kind, entity_id), reason in failures.items():
        known = session.scalar(sa.select(OutboxEvent.id).where(
            OutboxEvent.entity == kind, OutboxEvent.entity_id == entity_id,
            OutboxEvent.status == "failed", OutboxEvent.last_error == reason))
        if known is None:
            session.add(OutboxEvent(entity=kind, entity_id=entity_id, op="upsert", status="failed",
                                    attempts=1, last_error=reason, processed_at=now))
    return done


def collection_stats(session: Session, kind: str) -> dict:
    """``{"lexical": ...}`` for the whole collection of ``kind``, with the row count and time."""
    model = Citizen if kind == "citizen" else Opening
    rows = session.scalar(sa.select(sa.func.count(model.id))) or 0
    meta = lexical_meta(collection_texts(session, kind))
    meta[LEXICAL_KEY] |= {"rows": int(rows), "computed_at": utcnow().isoformat(timespec="seconds")}
    return meta


def refresh_lexical_stats(session: Session, backend: MatchBackend, kind: str, *,
                          now: datetime | None = None) -> bool:
    """Recount ``kind``'s lexical statistics when missing or stale; True when they changed.

    Incremental writes keep the recorded statistics (so scores stay put between refreshes);
    they are recounted from the database when the row count has moved by more than
    ``STATS_STALE_SHARE`` or they are older than ``STATS_MAX_AGE``. Each recount is a new
    statistics version: every score may move a little, once.
    """
    meta = backend.index_meta(kind)
    recorded = meta.get(LEXICAL_KEY) if isinstance(meta.get(LEXICAL_KEY), dict) else None
    if recorded is not None:
        model = Citizen if kind == "citizen" else Opening
        rows = session.scalar(sa.select(sa.func.count(model.id))) or 0
        before = int(recorded.get("rows", -1))
        try:
            at = datetime.fromisoformat(recorded.get("computed_at", ""))
        except ValueError:
            at = None
        fresh = (abs(rows - before) <= STATS_STALE_SHARE * max(before, 1)
                 and at is not None and (now or utcnow()) - at <= STATS_MAX_AGE)
        if fresh:
            return False
    backend.set_index_meta(kind, {**meta, **collection_stats(session, kind)})
    return True
