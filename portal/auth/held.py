"""Forms held on the server for one user, by a random id (``store.models.HeldForm``).

:mod:`.relogin` (a POST on an ended session) and :mod:`.replay` (a POST on a stale login) keep
what the user sent until they log in or confirm their password. The session cookie is signed
but readable, so it carries only the row's id (``secrets.token_urlsafe(32)``), never what was
typed, health details included (review M 3).

A row is read only for its kind and until it expires (an expired row that is read is deleted);
it is deleted when it is used, when its user logs out (:func:`drop_user`) and with its user.
:func:`purge_expired` deletes every expired row: on each :func:`put`, and in the retention run;
:func:`drop_all` every row, for the erasure of a citizen.
A user has at most :data:`MAX_PER_USER` rows (the oldest go), so a replayed cookie cannot
fill the table. Times are read through ``sessions.clock``, as the session's own are.
The table also holds :mod:`portal.once`'s claims (kind ``CLAIM_KIND``): they hold no form
content, and only expiry (:func:`purge_expired`) or their user's deletion removes them.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..extensions import db
from store.models import HeldForm
from store.models.held import CLAIM_KIND
from . import sessions

MAX_PER_USER = 10
_UNSYNCED = {"synchronize_session": False}  # plain DELETEs: no loaded HeldForm objects to update


@dataclass(frozen=True)
class Held:
    """A held form as read: whose it is and what was kept (the row may be gone already)."""

    user_id: int
    payload: dict[str, Any]


def put(user_id: int, kind: str, payload: dict[str, Any], seconds: float) -> str | None:
    """Keep ``payload`` for ``user_id`` for ``seconds``; the new row's id, committed at once.

    None when the database cannot take it (the caller then says "gør det igen").
    """
    now = sessions.clock()
    token = secrets.token_urlsafe(32)
    try:
        purge_expired()
        db.session.add(HeldForm(id=token, user_id=user_id, kind=kind, created_at=now,
                                expires_at=now + timedelta(seconds=seconds), payload=payload))
        db.session.flush()
        held = (HeldForm.user_id == user_id, HeldForm.kind != CLAIM_KIND)
        newest = (sa.select(HeldForm.id).where(*held)
                  .order_by(HeldForm.created_at.desc(), HeldForm.id).limit(MAX_PER_USER))
        db.session.execute(sa.delete(HeldForm).where(*held, HeldForm.id.not_in(newest.scalar_subquery())),
                           execution_options=_UNSYNCED)
        db.session.commit()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("held form not kept (%s)", type(exc).__name__)
        return None
    return token


def get(token: Any, kind: str) -> Held | None:
    """The row ``token`` of ``kind`` while it has not expired (an expired one is deleted)."""
    if not isinstance(token, str) or not token:
        return None
    row = db.session.execute(sa.select(HeldForm.user_id, HeldForm.kind, HeldForm.expires_at, HeldForm.payload)
                             .where(HeldForm.id == token)).first()
    if row is None or row.kind != kind:
        return None
    if row.expires_at <= sessions.clock():
        drop(token)
        return None
    return Held(user_id=row.user_id, payload=dict(row.payload or {}))


def take(token: Any, kind: str) -> Held | None:
    """:func:`get`, and the row is deleted (committed): it is used at most once."""
    entry = get(token, kind)
    if entry is not None:
        drop(token)
    return entry


def drop(token: Any) -> None:
    """Delete the row ``token``, if any, at once."""
    if isinstance(token, str) and token:
        db.session.execute(sa.delete(HeldForm).where(HeldForm.id == token), execution_options=_UNSYNCED)
        db.session.commit()


def drop_user(user_id: int, kind: str | None = None) -> None:
    """Delete every held form of ``user_id`` (of ``kind`` only, if given) in the caller's
    transaction (log-out: the caller commits); the user's one-time form claims stay."""
    where = [HeldForm.user_id == user_id, HeldForm.kind == kind if kind else HeldForm.kind != CLAIM_KIND]
    db.session.execute(sa.delete(HeldForm).where(*where), execution_options=_UNSYNCED)


def purge_expired(session: Session | None = None) -> int:
    """Delete every expired row in the caller's transaction (``session``: the request's by
    default); how many there were. The retention run calls it too."""
    result = (session or db.session).execute(sa.delete(HeldForm).where(HeldForm.expires_at <= sessions.clock()),
                                             execution_options=_UNSYNCED)
    return result.rowcount or 0


def drop_all(session: Session | None = None) -> int:
    """Delete every held form, anyone's, in the caller's transaction; how many there were
    (the one-time form claims stay: they hold nothing typed).

    For the erasure of a citizen: a held form may carry anything typed about them, and which
    form is about whom cannot be told from its fields. Rows live minutes, and a form lost this
    way is in its browser tab too (all but skånehensyn and erasure), put back on its page.
    """
    result = (session or db.session).execute(sa.delete(HeldForm).where(HeldForm.kind != CLAIM_KIND),
                                             execution_options=_UNSYNCED)
    return result.rowcount or 0
