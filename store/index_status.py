"""What the indexer is doing, for ``python -m indexer status`` and the admin page.

Here, below both, because the portal's admin page shows it and the portal never imports the
indexer. It only reads: the outbox (pending and failed events), the indexer's run summaries
(``IndexerState``) and the backend's document counts (an unreachable backend is reported,
not raised).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from matching.backends import BackendError, MatchBackend
from store.models import IndexerState, OutboxEvent
from store.models.base import utcnow

STALLED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Failure:
    """A failed outbox event, with the reason shown to administrators."""

    event_id: int
    entity: str
    entity_id: int
    reason: str
    attempts: int
    at: str


def indexer_status(session: Session, backend: MatchBackend, *, backend_name: str,
                   encoder_name: str) -> dict:
    """The status object of the CLI contract plus details for the admin page.

    Returns:
        {"pending", "failed", "indexed_citizens", "indexed_openings", "backend",
        "encoder"} and, for the page, "retrying" (pending rows with a last error),
        "last_run" (dict or None), "backend_error" (str or None). Index counts are None
        when the backend cannot be reached.
    """
    counts = dict(session.execute(
        sa.select(OutboxEvent.status, sa.func.count()).where(not_superseded())
        .group_by(OutboxEvent.status)).all())
    retrying = session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent).where(
        OutboxEvent.status == "pending", OutboxEvent.last_error.is_not(None)))
    # A running worker claims a fresh change within seconds; one never tried that has waited
    # longer than STALLED_AFTER means no worker is running (or it is stuck).
    untried_since = session.scalar(sa.select(sa.func.min(OutboxEvent.created_at)).where(
        OutboxEvent.status == "pending", OutboxEvent.last_error.is_(None)))
    indexed: dict[str, int | None] = {"citizen": None, "opening": None}
    backend_error = None
    try:
        indexed = {kind: backend.count(kind) for kind in indexed}
    except BackendError as err:  # BackendUnavailable included: show it, don't fail
        backend_error = str(err)
    return {
        "pending": int(counts.get("pending", 0)),
        "failed": int(counts.get("failed", 0)),
        "indexed_citizens": indexed["citizen"],
        "indexed_openings": indexed["opening"],
        "backend": backend_name,
        "encoder": encoder_name,
        "retrying": int(retrying or 0),
        "waiting_since": untried_since,
        "stalled": untried_since is not None and untried_since < utcnow() - STALLED_AFTER,
        "last_run": last_run(session),
        "backend_error": backend_error,
    }


def not_superseded() -> sa.ColumnElement[bool]:
    """A failure counts until a later event for the same row has been indexed."""
    later = aliased(OutboxEvent)
    return sa.or_(OutboxEvent.status != "failed", ~sa.exists().where(
        later.entity == OutboxEvent.entity, later.entity_id == OutboxEvent.entity_id,
        later.id > OutboxEvent.id, later.status == "done"))


CLI_KEYS = ("pending", "failed", "indexed_citizens", "indexed_openings", "backend", "encoder")


def last_run(session: Session) -> dict | None:
    """The newest summary of a worker batch or a rebuild, or None before the first run."""
    found = []
    for key in ("last_run", "last_rebuild"):
        state = session.get(IndexerState, key)
        try:
            summary = json.loads(state.value) if state is not None else None
        except ValueError:
            summary = None
        if isinstance(summary, dict):
            found.append(summary | {"kind": "rebuild" if key == "last_rebuild" else "batch"})
    return max(found, key=lambda s: str(s.get("at", ""))) if found else None


def failures(session: Session, limit: int = 50) -> list[Failure]:
    """The most recent failed events with their reasons, newest first."""
    rows = session.scalars(sa.select(OutboxEvent).where(OutboxEvent.status == "failed", not_superseded())
                           .order_by(OutboxEvent.id.desc()).limit(limit))
    return [Failure(r.id, r.entity, r.entity_id, r.last_error or "", r.attempts,
                    r.processed_at.strftime("%Y-%m-%d %H:%M") if r.processed_at else "")
            for r in rows]
