"""What the indexer is doing, for ``python -m indexer status`` and the admin page.

Here, below both, because the portal's admin page shows it and the portal never imports the
indexer. It only reads: the outbox (pending and failed events), the indexer's run summaries
(``IndexerState``), the heartbeats a running rebuild and worker leave there
(:func:`rebuild_progress`, :func:`worker_seen`; written by ``indexer.progress``) and the
backend's document counts (an unreachable backend is reported, not raised). :func:`index_state` tells a missing or empty index from a built one by comparing
it with what the database says it should hold (for the admin page, ``/readyz`` and the
ranking page; the indexer may use it to decide on a rebuild).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from matching.backends import BackendError, IndexBroken, IndexMissing, MatchBackend
from store.models import Citizen, CvDocument, IndexerState, JobGoal, Opening, OutboxEvent, User
from store.models.base import utcnow

STALLED_AFTER = timedelta(minutes=5)

# The heartbeats in ``indexer_state``: a rebuild's progress (written every few seconds while it
# runs, removed when it ends) and the worker's last poll.
REBUILD_KEY = "rebuild_running"
WORKER_KEY = "worker_seen"
# A rebuild with no word for this long has died (killed, the machine restarted) or hangs: its
# row no longer says "running", and a new rebuild may take over without --force.
REBUILD_STALE_AFTER = timedelta(minutes=10)


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
        "waiting_since" and "stalled" (:func:`is_stalled`), "rebuild" (a
        :class:`RebuildProgress` or None), "worker_seen" (:func:`worker_seen`),
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
    # longer than STALLED_AFTER means no worker is running (or it is stuck), unless a rebuild
    # or the worker has reported lately (is_stalled).
    now = utcnow()
    waiting, rebuild, seen = untried_since(session), rebuild_progress(session, now), worker_seen(session)
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
        "waiting_since": waiting,
        "stalled": is_stalled(session, now, waiting=waiting, rebuild=rebuild, seen=seen, read=False),
        "rebuild": rebuild,
        "worker_seen": seen,
        "last_run": last_run(session),
        "backend_error": backend_error,
        "index_broken": any(s.broken for s in states.values()),
        "states": states,
        "stray": stray_indices(backend),
    }


@dataclass(frozen=True)
class RebuildProgress:
    """A full rebuild as it last reported itself (``indexer.progress.RebuildHeartbeat``).

    ``phase``: the kind being written ("citizen" or "opening"), or "finishing" (the pass
    that catches the rows changed meanwhile, then the swap's clean-up). ``totals``: documents per
    kind that belong in the index; ``done``: of them written so far. ``stale``: no word for
    ``REBUILD_STALE_AFTER``, so it is not running any more (or hangs).
    """

    started: datetime
    updated: datetime
    phase: str
    done: dict[str, int]
    totals: dict[str, int]
    owner: str
    stale: bool

    def of(self, kind: str) -> tuple[int, int]:
        """(done, total) of ``kind``."""
        return self.done.get(kind, 0), self.totals.get(kind, 0)


def parse_time(text: object) -> datetime | None:
    """An ISO time written by the indexer (UTC), or None."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _state(session: Session, key: str) -> object:
    """``key``'s value in ``indexer_state`` as the database has it now (not a session's
    cached copy: another process writes it), parsed; None when missing or unreadable."""
    text = session.scalar(sa.select(IndexerState.value).where(IndexerState.key == key))
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return None


def rebuild_progress(session: Session, now: datetime | None = None) -> RebuildProgress | None:
    """The rebuild running now (or one that stopped without clearing its row: ``stale``);
    None when no rebuild has left word."""
    value = _state(session, REBUILD_KEY)
    if not isinstance(value, dict):
        return None
    started, updated = parse_time(value.get("started")), parse_time(value.get("updated"))
    if started is None or updated is None:
        return None
    counts = {name: {str(k): int(v) for k, v in (value.get(name) or {}).items() if isinstance(v, int)}
              for name in ("done", "totals")}
    return RebuildProgress(started=started, updated=updated, phase=str(value.get("phase", "")),
                           done=counts["done"], totals=counts["totals"], owner=str(value.get("owner", "")),
                           stale=updated < (now or utcnow()) - REBUILD_STALE_AFTER)


def worker_seen(session: Session) -> dict | None:
    """The worker's last poll: {"at": datetime, "worker": its id}, or None before the first."""
    value = _state(session, WORKER_KEY)
    at = parse_time(value.get("at")) if isinstance(value, dict) else None
    return {"at": at, "worker": str(value.get("worker", ""))} if at is not None else None


def untried_since(session: Session) -> datetime | None:
    """When the oldest change nobody has tried yet was written (None: there is none)."""
    return session.scalar(sa.select(sa.func.min(OutboxEvent.created_at)).where(
        OutboxEvent.status == "pending", OutboxEvent.last_error.is_(None)))


def is_stalled(session: Session, now: datetime | None = None, *, waiting: datetime | None = None,
               rebuild: RebuildProgress | None = None, seen: dict | None = None,
               read: bool = True) -> bool:
    """Whether no indexer is at work: a change has waited, never tried, longer than
    ``STALLED_AFTER`` (a running worker claims one within seconds), and no rebuild has
    reported within ``REBUILD_STALE_AFTER`` nor a worker polled within ``STALLED_AFTER``.

    A rebuild takes minutes and claims nothing meanwhile (the worker's own rebuild of an
    empty or unreadable index blocks its loop), so its heartbeat, not the queue, says it runs.
    ``read=False``: the caller passes what it read (``waiting``, ``rebuild``, ``seen``).
    """
    now = now or utcnow()
    if read:
        waiting = untried_since(session)
    if waiting is None or waiting >= now - STALLED_AFTER:
        return False
    if read:
        rebuild, seen = rebuild_progress(session, now), worker_seen(session)
    if rebuild is not None and not rebuild.stale:
        return False
    return seen is None or seen["at"] < now - STALLED_AFTER


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
