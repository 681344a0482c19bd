"""The transactional outbox: the portal's side of "nothing is ever lost".

A service that changes something the matching index derives from (a citizen's profile,
jobmål or CV, an opening, an erasure) calls :func:`record_change` with the same session,
before it commits. The change and its outbox row then commit or roll back together; the
indexer (``python -m indexer``) drains the rows later. No ORM events, no request hooks:
the call is visible where the change is made.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .clock import utcnow
from .models.outbox import OUTBOX_ENTITIES, OUTBOX_OPS, OutboxEvent

if TYPE_CHECKING:
    from .models.citizens import Citizen


def record_change(session: Session, entity: str, entity_id: int, op: str = "upsert") -> OutboxEvent:
    """Add an outbox row for ``entity``/``entity_id`` to the caller's transaction.

    The caller commits (or rolls back) as usual; nothing is flushed or committed here.
    The indexer reads the row's current state when it drains, so ``op`` is advisory:
    "delete" for an erasure, "upsert" for everything else.

    Args:
        session: The session holding the change itself.
        entity: "citizen" or "opening".
        entity_id: The row's primary key (must already be known: flush first for new rows).
        op: "upsert" (default) or "delete".

    Returns:
        The pending :class:`OutboxEvent` (added to ``session``).

    Raises:
        ValueError: unknown entity or op, or an id that is not a positive integer.
    """
    if entity not in OUTBOX_ENTITIES:
        raise ValueError(f"unknown outbox entity {entity!r}; expected one of {OUTBOX_ENTITIES}")
    if op not in OUTBOX_OPS:
        raise ValueError(f"unknown outbox op {op!r}; expected one of {OUTBOX_OPS}")
    if isinstance(entity_id, bool) or not isinstance(entity_id, int) or entity_id <= 0:
        raise ValueError("entity_id must be a positive integer (flush new rows first)")
    event = OutboxEvent(entity=entity, entity_id=entity_id, op=op, status="pending", attempts=0)
    session.add(event)
    return event


def citizen_changed(session: Session, citizen: Citizen, *, now: datetime | None = None) -> OutboxEvent:
    """Tell the matching index that ``citizen`` changed: the one »matching changed« step.

    Bumps ``citizen.updated_at`` (to ``now``, default the current moment) and then records the
    change (:func:`record_change`). The bump makes the row dirty even when only a child row
    changed (jobmål, CV, a placement, the VK's account), so the version counter rises with the
    change and the indexer's versioned write of it is not a stale no-op. Use this, not
    :func:`record_change` alone, for every change to an existing citizen (review BN 13).
    """
    citizen.updated_at = now or utcnow()
    return record_change(session, "citizen", citizen.id)
