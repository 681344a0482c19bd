"""The hotline's duty consultant (vagthavende), named by an administrator.

A request without an active assignee is announced, and reminded before its target, to the
duty consultant alone when one is on duty (:func:`on_duty`); with nobody on duty, to the
fallback group as before (:func:`.notify.fallback_recipients`). The setting is a row per change
(``HotlineDuty``: who is on duty, who changed it and when), audited as ``hotline_duty_set``.

Only an active consultant is ever on duty: one who is deactivated or deleted after being named
counts as nobody (the fallback group is told) until an administrator names another.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .. import audit
from ..extensions import db
from store.models import HotlineDuty, User
from . import sla

DUTY_ROLE = "consultant"


@dataclass(frozen=True)
class DutyState:
    """What the duty page says: the setting as last changed, and who is on duty now.

    ``named``: the user the setting names (None: nobody named, or the user was deleted);
    ``on_duty``: ``named`` if that user may be on duty now (active consultant), else None;
    ``changed_by`` / ``changed_at``: who changed the setting last and when (None: never set).
    """

    named: User | None
    on_duty: User | None
    changed_by: User | None
    changed_at: datetime | None


def _latest() -> HotlineDuty | None:
    return db.session.scalar(sa.select(HotlineDuty).order_by(HotlineDuty.id.desc()).limit(1))


def _may_be_on_duty(user: User | None) -> bool:
    return user is not None and user.active and user.role == DUTY_ROLE


def on_duty() -> User | None:
    """The consultant on duty now: the one last named, if still an active consultant; else None."""
    latest = _latest()
    user = db.session.get(User, latest.user_id) if latest is not None and latest.user_id else None
    return user if _may_be_on_duty(user) else None


def state() -> DutyState:
    """The setting and who is on duty now (:class:`DutyState`)."""
    latest = _latest()
    if latest is None:
        return DutyState(None, None, None, None)
    named = db.session.get(User, latest.user_id) if latest.user_id else None
    changed_by = db.session.get(User, latest.changed_by_id) if latest.changed_by_id else None
    return DutyState(named, named if _may_be_on_duty(named) else None, changed_by, latest.changed_at)


def candidates() -> list[User]:
    """The users who may be named: active consultants, by name."""
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True), User.role == DUTY_ROLE)
                                   .order_by(User.name, User.id)))


def set_duty(admin: User, user_id: int | None, now: datetime | None = None) -> HotlineDuty:
    """Name ``user_id`` (None: nobody) on duty, by ``admin``; a new row and its audit, committed.

    Raises:
        LookupError: if ``user_id`` is not an active consultant.
    """
    if user_id is not None and not _may_be_on_duty(db.session.get(User, user_id)):
        raise LookupError("not an active consultant")
    row = HotlineDuty(user_id=user_id, changed_by_id=admin.id, changed_at=sla.as_utc(now or sla.utc_now()))
    db.session.add(row)
    audit.record("hotline_duty_set", purpose=f"user:{user_id}" if user_id is not None else "none", user=admin)
    db.session.commit()
    return row
