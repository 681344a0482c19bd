"""Read-only check that the matching index holds exactly what the database says it should.

"What it should hold" is the indexer's own rule (:func:`store.profiles.is_indexable_citizen`,
:func:`store.profiles.is_indexable_opening`): every indexable row, at its current version, and
nothing else. Nothing is written to the database or the index; a difference is reported, not
repaired (``python -m indexer rebuild`` repairs).
"""
from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.backends import IndexMissing, MatchBackend
from store.index_status import stray_indices
from store.models import Citizen, Opening, OutboxEvent
from store.profiles import is_indexable_citizen, is_indexable_opening, load_citizens, load_openings

EXAMPLES = 20  # ids listed per kind of difference; the counts are always complete
CHUNK = 500


def expected_versions(session: Session, kind: str) -> dict[str, int]:
    """Document id -> row version of every row of ``kind`` the index should hold."""
    model = Citizen if kind == "citizen" else Opening
    ids = list(session.scalars(sa.select(model.id).order_by(model.id)))
    expected: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        if kind == "citizen":
            rows = [c for c in load_citizens(session, chunk).values() if is_indexable_citizen(c)]
        else:
            rows = [o for o in load_openings(session, chunk).values() if is_indexable_opening(o)]
        expected.update((str(row.id), int(row.version)) for row in rows)
        session.expunge_all()  # a large table is read in chunks, not held at once
    return expected


def _failed_ids(session: Session, kind: str) -> set[str]:
    """Rows whose latest outbox event failed: the indexer gave up on them (reason in the admin)."""
    latest = (sa.select(OutboxEvent.entity_id, sa.func.max(OutboxEvent.id).label("last"))
              .where(OutboxEvent.entity == kind).group_by(OutboxEvent.entity_id).subquery())
    query = (sa.select(OutboxEvent.entity_id).join(latest, OutboxEvent.id == latest.c.last)
             .where(OutboxEvent.status == "failed"))
    return {str(i) for i in session.scalars(query)}


def _sorted(ids: set[str]) -> list[str]:
    return sorted(ids, key=lambda i: (len(i), i))


def compare_kind(session: Session, backend: MatchBackend, kind: str) -> dict:
    """Counts and example ids of the differences for one kind.

    ``missing``: indexable rows without a document; ``extra``: documents without an
    indexable row (deleted, closed, restricted, no longer matchable); ``stale``: documents
    at another version than their row; ``failed``: the missing rows the indexer gave up on.
    ``built`` is False when the kind has no index at all (never built, or lost): every
    expected row is then missing and ``indexed`` is None.
    """
    expected = expected_versions(session, kind)
    try:
        stored, built = backend.versions(kind, backend.ids(kind)), True
    except IndexMissing:
        stored, built = {}, False
    missing = set(expected) - set(stored)
    extra = set(stored) - set(expected)
    stale = {i for i in set(expected) & set(stored) if stored[i] != expected[i]}
    failed = missing & _failed_ids(session, kind)
    report = {"expected": len(expected), "indexed": len(stored) if built else None, "built": built}
    for name, ids in (("missing", missing), ("extra", extra), ("stale", stale), ("failed", failed)):
        report[name] = len(ids)
        report[f"{name}_ids"] = _sorted(ids)[:EXAMPLES]
    return report


def compare(session: Session, backend: MatchBackend) -> dict:
    """The whole comparison: ``equal`` is True only without any difference in either kind.

    ``pending`` counts outbox events not processed yet: with events pending the index may
    lag behind the database, which then shows as differences. A kind without an index is a
    difference (``built`` False). ``stray`` names the backend's indices outside its aliases
    (Elasticsearch: a rebuild running, or the leftover of one that failed); they are no
    difference.

    Raises:
        BackendUnavailable: the index cannot be read (not IndexMissing: that is reported).
    """
    kinds = {kind: compare_kind(session, backend, kind) for kind in ("citizen", "opening")}
    pending = session.scalar(sa.select(sa.func.count(OutboxEvent.id))
                             .where(OutboxEvent.status == "pending")) or 0
    session.rollback()  # read-only: end the read transaction, change nothing
    equal = not any(k["missing"] or k["extra"] or k["stale"] or not k["built"] for k in kinds.values())
    return {"equal": equal, "pending": int(pending), **kinds, "stray": stray_indices(backend)}


def differences(report: dict) -> Iterator[str]:
    """One English line per kind of difference, for stderr."""
    for kind in ("citizen", "opening"):
        part = report[kind]
        if not part["built"]:
            yield f"{kind}: the index has not been built (never, or it was lost): python -m indexer rebuild"
        for name in ("missing", "extra", "stale"):
            if part[name]:
                yield f"{kind}: {part[name]} {name} (e.g. ids {', '.join(part[f'{name}_ids'][:5])})"
        if part["failed"]:
            yield (f"{kind}: {part['failed']} of the missing failed to index "
                   "(reasons at /admin/indexer)")
    if report.get("stray"):
        yield (f"indices outside the aliases: {', '.join(report['stray'])} (a rebuild running, or left "
               "by one that failed; the next successful rebuild deletes them)")
