"""A user's sessions, one per device (``store.models.UserSession``).

A log-in makes a row (:func:`open_row`) and puts its random key into the Flask session
(:data:`KEY`); the table keeps only the key's SHA-256. The user loader
(:mod:`portal.auth.sessions`) reads the row with the user, in the same statement, and a session
without its row logs nobody in. Deleting rows is how sessions end: this device's at "Log ud"
(:func:`end_this`), one other device's (:func:`end_one`) or all others (:func:`end_others`) from
the user's own page, all of them at a password change, deactivation or lockout
(:func:`end_all`). A cookie copied before then is worthless: its row is gone.

``last_seen_at`` is written at most every :data:`TOUCH_SECONDS` (:func:`touch`, in a short
transaction of its own), not on every request. A row is live while it is younger than
SESSION_ABSOLUTE_LIFETIME and was seen within the idle limit (PERMANENT_SESSION_LIFETIME plus
the touch interval, since ``last_seen_at`` lags by up to that); Flask refuses an idle cookie by
itself, and the 12-hour limit is enforced from the cookie (``sessions.enforce_absolute_timeout``),
so a dead row only waits for :func:`purge_expired` (the daily retention run) and is not listed.

Every function takes the time as ``now`` (the caller reads ``sessions.clock``), so this module
needs nothing of :mod:`.sessions`, which imports it.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import ua_parser
from flask import current_app, request, session
from sqlalchemy.orm import Session

from ..extensions import db
from store.models import UserSession

KEY = "device_key"  # in the Flask session: the row's random key, never stored in the database
TOUCH_SECONDS = 5 * 60
# A user has at most this many session rows (the least recently seen go at a log-in beyond it),
# so repeated log-ins, e.g. a script with the password, cannot fill the table in 12 hours.
MAX_PER_USER = 30
_UNSYNCED = {"synchronize_session": False}  # plain DELETEs: no loaded rows to update


def key_hash(key: Any) -> str:
    """The stored form of a session key; "" (matching no row) for a missing or odd one."""
    if not isinstance(key, str) or not key:
        return ""
    return hashlib.sha256(key.encode()).hexdigest()


def current_hash() -> str:
    """The hash of this request's session key ("" when it has none)."""
    return key_hash(session.get(KEY))


# ua-parser's family names, shortened to what a user knows a device by: the mobile builds of a
# browser are that browser ("Chrome Mobile iOS" is Chrome), an iPhone or iPad is named as such.
_BROWSER_WORDS = re.compile(r"\s*\b(Mobile|iOS|UI/WKWebView|WebView)\b")
_SYSTEMS = {"Mac OS X": "Mac", "Chrome OS": "ChromeOS"}


def device_label(user_agent: str | None) -> str:
    """A short Danish label for a User-Agent, e.g. "Chrome på Windows", for the user to know a
    device by; what the parser (ua-parser) does not know the label says it does not."""
    parsed = ua_parser.parse((user_agent or "")[:512])
    browser = _BROWSER_WORDS.sub("", parsed.user_agent.family).strip() if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    if system == "iOS" and parsed.device and parsed.device.family in ("iPhone", "iPad"):
        system = parsed.device.family
    system = _SYSTEMS.get(system, system)
    browser, system = (name if name and name != "Other" else None for name in (browser, system))
    if browser and system:
        return f"{browser} på {system}"
    if browser:
        return f"{browser} på ukendt system"
    return f"Ukendt browser på {system}" if system else "Ukendt browser"


def open_row(user_id: int, now: datetime, created_at: datetime | None = None) -> None:
    """Make a session row for ``user_id`` in the caller's transaction and put its key into the
    Flask session (cleared by the caller first); beyond :data:`MAX_PER_USER` rows the least
    recently seen end. ``created_at``: when the log-in this session
    continues was made (a password change keeps the 12-hour limit), else ``now``."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key_hash=key_hash(key), user_id=user_id, created_at=created_at or now,
                               last_seen_at=now, device=device_label(request.user_agent.string)[:60]))
    db.session.flush()
    newest = (sa.select(UserSession.id).where(UserSession.user_id == user_id)
              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()).limit(MAX_PER_USER))
    _delete(UserSession.user_id == user_id, UserSession.id.not_in(newest.scalar_subquery()))
    session[KEY] = key


def touch(row_id: int, last_seen: datetime, now: datetime) -> None:
    """Note that the session ``row_id`` was used, when its ``last_seen`` is more than
    :data:`TOUCH_SECONDS` old. Written in a short transaction of its own (the request's may
    only read); a failure only leaves the time older, so it is logged and let pass."""
    if (now - last_seen).total_seconds() < TOUCH_SECONDS:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now))
    except sa.exc.SQLAlchemyError as exc:
        current_app.logger.warning("session last seen not written (%s)", type(exc).__name__)


def _delete(*where: sa.ColumnElement[bool]) -> int:
    result = db.session.execute(sa.delete(UserSession).where(*where), execution_options=_UNSYNCED)
    return result.rowcount or 0


def end_this() -> None:
    """End this request's session (its row), in the caller's transaction."""
    hashed = current_hash()
    if hashed:
        _delete(UserSession.key_hash == hashed)


def end_all(user_id: int) -> int:
    """End every session of ``user_id``, this one included, in the caller's transaction."""
    return _delete(UserSession.user_id == user_id)


def end_others(user_id: int, now: datetime) -> int:
    """End every session of ``user_id`` but this request's, in the caller's transaction; how
    many of them were live (dead rows go too, uncounted: the user would not know them)."""
    others = (UserSession.user_id == user_id, UserSession.key_hash != current_hash())
    made_after, seen_after = _live_since(now)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        *others, UserSession.created_at > made_after, UserSession.last_seen_at > seen_after))
    _delete(*others)
    return count or 0


def end_one(user_id: int, row_id: int) -> bool:
    """End the session ``row_id`` of ``user_id`` if it is theirs and not this request's;
    False when there was none such (another user's, this one, or already ended)."""
    return _delete(UserSession.id == row_id, UserSession.user_id == user_id,
                   UserSession.key_hash != current_hash()) == 1


@dataclass(frozen=True)
class Device:
    """A live session as its user's page lists it."""

    id: int
    device: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def _live_since(now: datetime) -> tuple[datetime, datetime]:
    """(made after, seen after): the bounds of a live row."""
    config = current_app.config
    return (now - config["SESSION_ABSOLUTE_LIFETIME"],
            now - config["PERMANENT_SESSION_LIFETIME"] - timedelta(seconds=TOUCH_SECONDS))


def live(user_id: int, now: datetime) -> list[Device]:
    """The live sessions of ``user_id``: this device first, then the last seen first."""
    made_after, seen_after = _live_since(now)
    this = current_hash()
    rows = db.session.execute(
        sa.select(UserSession.id, UserSession.device, UserSession.created_at, UserSession.last_seen_at,
                  UserSession.key_hash)
        .where(UserSession.user_id == user_id, UserSession.created_at > made_after,
               UserSession.last_seen_at > seen_after)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()
    devices = [Device(id=r.id, device=r.device, created_at=r.created_at, last_seen_at=r.last_seen_at,
                      current=bool(this) and secrets.compare_digest(r.key_hash, this)) for r in rows]
    return sorted(devices, key=lambda d: not d.current)  # stable: the rest stay by last seen


def purge_expired(now: datetime, store: Session | None = None) -> int:
    """Delete every dead row (past the absolute lifetime, or idle past the limit) in the
    caller's transaction (``store``: the request's session by default); how many."""
    made_after, seen_after = _live_since(now)
    result = (store or db.session).execute(
        sa.delete(UserSession).where(sa.or_(UserSession.created_at <= made_after,
                                            UserSession.last_seen_at <= seen_after)),
        execution_options=_UNSYNCED)
    return result.rowcount or 0
