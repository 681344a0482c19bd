"""What the indexer is doing, for ``python -m indexer status`` and the admin page.

Here, below both, because the portal's admin page shows it and the portal never imports the
indexer. It only reads: the outbox (pending and failed events), the indexer's run summaries
(``IndexerState``) and the backend's document counts (an unreachable backend is reported,
not raised). :func:`index_state` tells a missing or empty index from a built one by comparing
it with what the database says it should hold (for the admin page, ``/readyz`` and the
ranking page; the indexer may use it to decide on a rebuild).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from matching.backends import BackendError, IndexBroken, IndexMissing, MatchBackend
from store.models import Citizen, CvDocument, IndexerState, JobGoal, Opening, OutboxEvent, User
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


# The characters Python's str.strip() removes that matter in a CV (is_indexable_citizen).
_WHITESPACE = " \t\n\r\f\v\u00a0"

State = Literal["ok", "missing", "empty", "differs", "unavailable"]


@dataclass(frozen=True)
class IndexState:
    """One kind's index against the database.

    ``status``: "ok"; "missing" (no index: never built or lost); "empty" (no documents while
    the database has ``expected`` rows that belong in it: not built); "differs" (another
    number of documents than rows: changes waiting, or a partial index; ``python -m indexer
    verify`` lists them); "unavailable" (the backend cannot be reached, or the index cannot
    be read: ``broken``; ``detail`` says why).
    """

    kind: str
    status: State
    indexed: int | None
    expected: int
    detail: str | None = None
    broken: bool = False  # "unavailable" because the index exists but cannot be read (IndexBroken)

    @property
    def not_built(self) -> bool:
        """Missing, or empty while the database has rows for it: rankings cannot use it."""
        return self.status in ("missing", "empty")


def expected_count(session: Session, kind: str) -> int:
    """How many documents of ``kind`` the index should hold, by one SQL count.

    The rule of ``store.profiles.is_indexable_citizen`` / ``is_indexable_opening``: an open,
    unrestricted, non-anonymised case with an active VK, a jobmål and a current CV with
    text; an opening that is open.
    """
    if kind == "opening":
        return session.scalar(sa.select(sa.func.count(Opening.id)).where(Opening.status == "open")) or 0
    newer = aliased(CvDocument)
    latest_cv = (sa.select(sa.func.max(newer.id)).where(newer.citizen_id == Citizen.id)
                 .correlate(Citizen).scalar_subquery())
    has_cv = sa.exists(sa.select(CvDocument.id).where(
        CvDocument.citizen_id == Citizen.id, CvDocument.id == latest_cv,
        sa.func.length(sa.func.trim(sa.func.coalesce(CvDocument.text, ""), _WHITESPACE)) > 0)
        .correlate(Citizen))
    query = sa.select(sa.func.count(Citizen.id)).where(
        Citizen.vk_id.in_(sa.select(User.id).where(User.active.is_(True))),
        Citizen.restricted.is_(False), Citizen.anonymised_at.is_(None), Citizen.case_closed.is_(None),
        sa.exists().where(JobGoal.citizen_id == Citizen.id), has_cv)
    return session.scalar(query) or 0


def index_state(session: Session, backend: MatchBackend, kind: str, *,
                compare: bool = True) -> IndexState:
    """``kind``'s index compared with the database (one count each; never raises for the
    backend).

    Args:
        compare: count the database's rows whatever the index holds (False: only when the
            index is empty, so a frequent probe tells "empty" from "ok" without counting
            the database each time; "differs" is then never reported and ``expected`` is
            -1 for a non-empty or unreadable index).
    """
    try:
        indexed = backend.count(kind)
    except IndexMissing as err:
        return IndexState(kind, "missing", None, expected_count(session, kind) if compare else -1, str(err))
    except BackendError as err:  # BackendUnavailable included
        return IndexState(kind, "unavailable", None, expected_count(session, kind) if compare else -1, str(err),
                          broken=isinstance(err, IndexBroken))
    expected = expected_count(session, kind) if compare or indexed == 0 else -1
    if indexed == 0 and expected > 0:
        return IndexState(kind, "empty", 0, expected)
    return IndexState(kind, "ok" if indexed == expected or not compare else "differs", indexed, expected)


def stray_indices(backend: MatchBackend) -> list[str]:
    """Indices the backend keeps outside its aliases (Elasticsearch: a rebuild running, or
    the leftover of one that failed); [] for a backend without such, or unreachable."""
    stray = getattr(backend, "stray_indices", None)
    if stray is None:
        return []
    try:
        return [name for kind in ("citizen", "opening") for name in stray(kind)]
    except BackendError:
        return []


def indexer_status(session: Session, backend: MatchBackend, *, backend_name: str,
                   encoder_name: str) -> dict:
    """The status object of the CLI contract plus details for the admin page.

    Returns:
        {"pending", "failed", "indexed_citizens", "indexed_openings", "backend",
        "encoder"} and, for the page, "retrying" (pending rows with a last error),
        "last_run" (dict or None), "backend_error" (str or None), "index_broken" (the backend
        error is an index that cannot be read, not an outage), "states" (kind ->
        :class:`IndexState`) and "stray" (indices outside the aliases). Index counts are
        None when the backend cannot be reached or the index is missing.
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
    states = {kind: index_state(session, backend, kind) for kind in ("citizen", "opening")}
    indexed = {kind: state.indexed for kind, state in states.items()}
    # Unreachable is the backend's error; a missing index is said by its state.
    backend_error = next((s.detail for s in states.values() if s.status == "unavailable"), None)
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
        "index_broken": any(s.broken for s in states.values()),
        "states": states,
        "stray": stray_indices(backend),
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
