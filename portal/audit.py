"""The append-only audit log (SECURITY.md "Audit")."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from store.models import AuditEvent
from store.models.base import utcnow


class AuditWriteError(RuntimeError):
    """The audit log could not be written; callers reading special-category data must stop."""


def record(action: str, *, citizen_id: int | None = None, opening_id: int | None = None,
           purpose: str = "", result: str = "ok", user=None) -> None:
    """Add an audit event to the current transaction (committed with the caller's work)."""
    db.session.add(AuditEvent(**_values(action, citizen_id, opening_id, purpose, result, user)))


def record_now(action: str, *, citizen_id: int | None = None, opening_id: int | None = None,
               purpose: str = "", result: str = "ok", user=None) -> None:
    """Write an audit event in its own transaction, at once.

    Used for events whose request fails or rolls back (failed logins, denials),
    and, fail-closed, before special-category data is shown.

    Raises:
        AuditWriteError: if the write fails.
    """
    record_many_now([{"action": action, "citizen_id": citizen_id, "opening_id": opening_id,
                      "purpose": purpose, "result": result, "user": user}])


def record_many_now(events: Sequence[Mapping]) -> None:
    """Write several audit events in one transaction, at once: all of them or none.

    ``events``: keyword arguments of :func:`record_now`, one mapping per event. One commit
    (one disk sync) for a page that shows many names, instead of one per name.

    Raises:
        AuditWriteError: if the write fails (then none is written).
    """
    if not events:
        return
    rows = [_values(e["action"], e.get("citizen_id"), e.get("opening_id"), e.get("purpose", ""),
                    e.get("result", "ok"), e.get("user")) for e in events]
    try:
        with db.engine.begin() as connection:
            connection.execute(AuditEvent.__table__.insert(), rows)
    except Exception as exc:  # noqa: BLE001 - any storage failure means "not logged"
        raise AuditWriteError(f"audit log write failed: {type(exc).__name__}") from exc


def record_in(session: Session, action: str, *, citizen_id: int | None = None,
              opening_id: int | None = None, purpose: str = "", result: str = "ok",
              user=None) -> None:
    """Write an audit event in ``session``'s transaction (a worker's own session, not the
    request's): committed, or rolled back, with the work it records.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: as any statement of that transaction.
    """
    session.execute(AuditEvent.__table__.insert(),
                    [_values(action, citizen_id, opening_id, purpose, result, user)])


def _values(action, citizen_id, opening_id, purpose, result, user) -> dict:
    user = user if user is not None else _current_user()
    return {
        "user_id": getattr(user, "id", None),
        "role": getattr(user, "role", "") or "",
        "organisation": _organisation(user),
        "citizen_id": citizen_id,
        "opening_id": opening_id,
        "action": action[:60],
        "purpose": purpose[:200],
        "result": result[:40],
        "ip": (request.remote_addr or "")[:45] if has_request_context() else "",
        "at": utcnow(),
    }


def _current_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _organisation(user) -> str:
    if user is None:
        return ""
    if getattr(user, "company_id", None) is not None:  # the id, not the row: no query
        return f"company:{user.company_id}"
    if getattr(user, "team_id", None):
        return f"team:{user.team_id}"
    return "jobcenter"


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:
    """Append-only: updating or deleting an audit row through the ORM is a bug."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit log is append-only")
