"""The hotline's duty consultant (vagthavende), named by an administrator.

A request without an active assignee is announced, and reminded before its target, to the
duty consultant alone when one is on duty (:func:`on_duty`); with nobody on duty, to the
fallback group as before (:func:`.notify.fallback_recipients`). The setting is a row per change
(``HotlineDuty``: who is on duty, who changed it and when), audited as ``hotline_duty_set``.

Only an active consultant is ever on duty: one who is deactivated or deleted after being named
counts as nobody (the fallback group is told) until an administrator names another. Only one
who has set a password (can log in) can be named (:func:`candidates`). The consultant named,
and the one who was on duty before, are told (``hotline_duty``, review AP 3).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .. import audit, name_order
from ..extensions import db
from ..notifications.service import notify, path_for
from store.models import HotlineDuty, User
from . import sla

DUTY_ROLE = "consultant"
DUTY_KIND = "hotline_duty"  # the notification kind (portal.notifications.service)


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
    """The users who may be named: active consultants who have set a password (a new user who
    has not yet chosen one cannot log in to see the requests), by name."""
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True), User.role == DUTY_ROLE,
                                                         User.password_hash.is_not(None))
                                   .order_by(*name_order.order_by(User.name, User.id))))


def _may_be_named(user: User | None) -> bool:
    return _may_be_on_duty(user) and bool(user.password_hash)


def set_duty(admin: User, user_id: int | None, now: datetime | None = None) -> HotlineDuty:
    """Name ``user_id`` (None: nobody) on duty, by ``admin``; a new row and its audit, committed.

    The consultant named is told (a notice and, unless opted out, a mail), and so is the one on
    duty until now, unless it is the same consultant again.

    Raises:
        LookupError: if ``user_id`` is not an active consultant who has set a password.
    """
    named = db.session.get(User, user_id) if user_id is not None else None
    if user_id is not None and not _may_be_named(named):
        raise LookupError("not an active consultant who can log in")
    before = on_duty()
    row = HotlineDuty(user_id=user_id, changed_by_id=admin.id, changed_at=sla.as_utc(now or sla.utc_now()))
    db.session.add(row)
    audit.record("hotline_duty_set", purpose=f"user:{user_id}" if user_id is not None else "none", user=admin)
    _tell(admin, named, before)
    db.session.commit()
    return row


def _tell(admin: User, named: User | None, before: User | None) -> None:
    """Tell ``named`` they are on duty now and ``before`` that they are not (nothing when the
    same consultant is named again); in the caller's transaction."""
    if before is not None and named is not None and before.id == named.id:
        return
    link = path_for("hotline.index")
    if named is not None:
        text = f"{admin.name} har valgt dig som vagthavende for hotline"
        notify(named, DUTY_KIND, text, link, subject="Du er vagthavende for hotline",
               body=f"{text}. Du får nu besked om nye henvendelser uden en aktiv ansvarlig og en påmindelse "
                    "før deres svarfrist. Den, der svarer først på en henvendelse uden ansvarlig, bliver "
                    "ansvarlig for den.", link_intro="Se henvendelserne her")
    if before is not None:
        after = f"{named.name} har vagten nu" if named is not None else "ingen har vagten nu"
        text = f"Du er ikke længere vagthavende for hotline: {after}"
        notify(before, DUTY_KIND, text, link, subject="Du er ikke længere vagthavende for hotline",
               body=f"{admin.name} har ændret vagten for hotline. {text}.")
