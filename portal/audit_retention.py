"""The access log's retention period (review AU 8): the retention run deletes the ``audit_event``
rows older than ``AUDIT_RETENTION_DAYS`` and logs that it did, with the count only.

The log is append-only in the database (migration 0001's triggers). Migration 0034 lets a delete
through only inside a transaction that opened a window for it, and only for rows older than the
window's cutoff: on PostgreSQL two ``SET LOCAL`` settings (``jobbro.audit_retention`` and
``jobbro.audit_retention_cutoff``), on SQLite the one row of ``audit_retention_window``. This
module opens the window, deletes, and closes it again before the caller commits, so nothing but
this step can delete, and an UPDATE stays refused always.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import audit
from store.models import AuditEvent, AuditRetentionWindow

ACTION = "audit_log_pruned"


def prune(session: Session, *, now: datetime, days: int) -> int:
    """Delete the access-log rows written before ``now - days`` in ``session``'s transaction and
    record ``audit_log_pruned`` there (``rows:<n> before:<date>``) when any went. Returns how
    many went; the caller commits (or rolls back: then nothing is deleted and no window stays)."""
    cutoff = now - timedelta(days=days)
    _open_window(session, cutoff)
    deleted = session.execute(sa.delete(AuditEvent).where(AuditEvent.at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount or 0
    _close_window(session)
    if deleted:
        audit.record_in(session, ACTION, purpose=f"rows:{deleted} before:{cutoff.date().isoformat()}")
    return deleted


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _open_window(session: Session, cutoff: datetime) -> None:
    if _postgresql(session):  # set_config(..., true) is SET LOCAL, with a bound value
        session.execute(sa.text("SELECT set_config('jobbro.audit_retention', 'on', true), "
                                "set_config('jobbro.audit_retention_cutoff', :cutoff, true)"),
                        {"cutoff": cutoff.isoformat()})
    else:
        session.execute(sa.delete(AuditRetentionWindow))
        session.execute(sa.insert(AuditRetentionWindow).values(id=1, cutoff=cutoff))


def _close_window(session: Session) -> None:
    if _postgresql(session):
        session.execute(sa.text("SELECT set_config('jobbro.audit_retention', 'off', true), "
                                "set_config('jobbro.audit_retention_cutoff', '', true)"))
    else:
        session.execute(sa.delete(AuditRetentionWindow))
