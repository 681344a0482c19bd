"""Revocable sessions, one per device; idle and absolute timeouts; fresh logins.

A log-in regenerates the session (:func:`renew_for_login`): nothing of the anonymous session
survives (a new CSRF secret), and the device gets a session row of its own
(:mod:`portal.auth.devices`) whose random key the Flask session carries. A user may be
logged in on several devices at once (phone and desk PC). The user loader reads the row with
the user; a session whose row is gone logs nobody in. "Log ud" deletes this device's row only;
the user's own page ends another device's session, or all others; a password change, disabling
and too many wrong confirmations end every session of the user (:func:`end_all_sessions`), so a
copied cookie stops working (SECURITY.md). A request whose session was ended from elsewhere
says so (:func:`ended_elsewhere`), and a form it posted is kept for after the log-in
(:mod:`portal.auth.relogin`).
Session protection "strong" ends a session whose client (address and browser) changes; for
permanent sessions Flask-Login itself would only mark it non-fresh (:func:`_end_moved_session`).

Every time here is read through :data:`clock`, so tests move it (``monkeypatch.setattr``)
instead of editing timestamps inside the session.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_fresh, logout_user, session_protected
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from .. import audit
from ..notifications import service as notifications
from ..extensions import db, login_manager
from . import devices
from store.models import User, UserSession
from store.clock import utcnow as store_utcnow

login_manager.login_view = "auth.login"
login_manager.login_message = "Log ind for at se siden."
login_manager.login_message_category = "info"
login_manager.refresh_view = "auth.confirm"
login_manager.needs_refresh_message = "Bekræft din adgangskode for at fortsætte."
login_manager.needs_refresh_message_category = "info"
login_manager.session_protection = "strong"
# Said instead of login_message when the session was ended from another device of the user.
ENDED_ELSEWHERE_WHY = ("Du er logget ud, fordi denne enhed er logget ud fra en anden enhed, eller fordi "
                       "adgangskoden er skiftet.")
ENDED_ELSEWHERE = f"{ENDED_ELSEWHERE_WHY} Log ind igen for at fortsætte."
ENDED_BY_LOGIN_ELSEWHERE = ENDED_ELSEWHERE  # the older name, still imported by portal.main.routes


@login_manager.user_loader
def load_user(alternative_id: str) -> User | None:
    """Load by the user's id (before 0022 ``"<id>:<token>"``) and this device's session row, in one statement; a session
    whose row is gone (ended here, elsewhere, or by a password change) loads nobody."""
    user_id = alternative_id.partition(":")[0]
    if not user_id.isdigit():
        return None
    key_hash = devices.current_hash()
    row = db.session.execute(_user_statement(), {"user_id": int(user_id), "key_hash": key_hash}).first()
    if row is None:
        return None
    user, unread, row_id, last_seen = row
    if not user.active or user.role == "integration":  # an integration has API keys, never a session
        return None
    if row_id is None:  # without a key: a cookie from before sessions per device (0021), nothing to say
        g.session_ended_elsewhere = bool(key_hash)  # ended from another device, or the password changed
        return None
    devices.touch(row_id, last_seen, clock())
    notifications.remember_unread(unread)
    return user


def ended_elsewhere() -> bool:
    """True when this request's session was ended from another device of its user, by a
    password change or a lockout (its session row is gone). This browser's own log-out
    clears its session, so it never gets here."""
    current_user._get_current_object()  # the user is loaded (and the session checked) first
    return bool(g.get("session_ended_elsewhere"))


ended_by_login_elsewhere = ended_elsewhere  # the older name, still imported by portal.main.routes


def _login_message(message: str) -> str:
    """Flask-Login's hook for its messages: why the user must log in, when that is known."""
    if message == login_manager.login_message and ended_elsewhere():
        return ENDED_ELSEWHERE
    return message


login_manager.localize_callback = _login_message


@functools.cache
def _user_statement() -> sa.Select:
    """Every page's first read, in one statement: the user, their company (the header names
    it), their unread notifications (the header's badge) and this device's session row (id and
    last seen; NULL when it is gone). Built once per process."""
    return (sa.select(User, notifications.unread_of(User.id), UserSession.id, UserSession.last_seen_at)
            .options(joinedload(User.company))
            .outerjoin(UserSession, sa.and_(UserSession.user_id == User.id,
                                            UserSession.key_hash == sa.bindparam("key_hash")))
            .where(User.id == sa.bindparam("user_id")))


def end_all_sessions(user: User) -> None:
    """End every session of ``user``, on every device, this one included (password change,
    disabling, lockout), in the caller's transaction."""
    devices.end_all(user.id)


def renew_for_login(user: User, login_at: float | None = None) -> None:
    """Regenerate the session before ``user`` is logged in (against session fixation).

    Clears the whole session, the CSRF secret included, and makes this device's session row
    (in the caller's transaction): the user's sessions on other devices go on. ``login_at``:
    when the log-in this session continues was made (a password change), else now. The
    caller commits, then calls ``login_user`` and :func:`start_session`.
    """
    session.clear()
    now = clock()
    started = datetime.fromtimestamp(login_at, now.tzinfo) if login_at is not None else None
    devices.open_row(user.id, now, created_at=started)


@session_protected.connect
def _end_moved_session(app, **_extra) -> None:
    """Make "strong" session protection hold for permanent sessions too.

    Flask-Login sends this signal when the session's client identifier (address and user
    agent) no longer matches; for a permanent session it only marks it non-fresh and goes on
    loading the user. Clearing the session here leaves nobody to load: the request is
    anonymous and ``login_required`` sends it to log in.
    """
    mode = app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    # Non-permanent sessions Flask-Login ends itself; anonymous ones hold nothing to end.
    if mode != "strong" or not session.permanent or "_user_id" not in session:
        return
    user = load_user(session.get("_user_id") or "")
    session.clear()
    if user is not None:  # a form it posted is kept for this user's log-in (portal.auth.relogin)
        g.ended_user_id = user.id
    audit.record_now("session_protection", user=user, result="denied")


def _utc_now() -> datetime:
    return store_utcnow()


clock: Callable[[], datetime] = _utc_now


def _now() -> float:
    return clock().timestamp()


def start_session() -> None:
    session.permanent = True  # idle timeout = PERMANENT_SESSION_LIFETIME, refreshed per request
    session["login_at"] = _now()
    mark_password_entered()


def mark_password_entered() -> None:
    """Note that the password was just typed (log-in, /auth/confirm): a fresh login starts."""
    session["password_at"] = _now()


def confirm_first(before: str, next_url: str) -> Response | None:
    """None when the login is fresh; else a redirect to /auth/confirm that comes back to ``next_url``.

    For sensitive POSTs (approve, disclose, export, erase, accounts): ``next_url`` is the page
    the action started from, since the browser cannot repeat the POST after confirming. A form
    that posted to its own page is kept meanwhile, and the page shows it filled in again after
    the confirmation (:mod:`portal.auth.fresh_form`).
    ``before`` ends the Danish message "Bekræft din adgangskode, …" (e.g. "før du sletter en borger").
    """
    if login_fresh():
        return None
    from . import fresh_form  # here: fresh_form imports held, which imports this module

    kept = fresh_form.hold(next_url) if request.method == "POST" else None
    flash(f"Bekræft din adgangskode, {before}.", "info")
    _remember_to_repeat(next_url, kept)
    return redirect(url_for("auth.confirm", next=next_url))


# What the user must do again after confirming: confirm_first sends them back to ``next_url``,
# which is not the request that needed the confirmation unless it was that page itself.
_REPEAT_KEY = "confirm_repeat"
REPEAT_DOWNLOAD = "Klik på linket igen for at hente filen."
REPEAT_ACTION = "Handlingen er ikke udført endnu: gør den igen."
# A form kept for its page (portal.auth.fresh_form): the confirm page says so; the form's page
# then says itself that it is filled in again (fresh_form.RESTORED).
REPEAT_TYPED = ("Handlingen er ikke udført endnu, men det, du skrev, er gemt: det sættes ind i formularen igen, "
                "så du kan sende den.")
REPEAT_FILE = "Filen skal du vælge igen."
CONFIRMED = "Din adgangskode er bekræftet."


def _remember_to_repeat(next_url: str, kept=None) -> None:
    """Note what the user must repeat after confirming, for the confirm page and the page after.

    A GET that is not the page itself is a download link (``next_url`` is the page the link
    is on): the browser cannot be sent to a file after confirming without leaving the user
    on the confirm page, so they are told to click it again. A POST is not repeated either;
    a form ``kept`` for its page (:func:`portal.auth.fresh_form.hold`) is put back into it.
    """
    if request.method == "GET" and request.full_path.rstrip("?") == next_url:
        session.pop(_REPEAT_KEY, None)
        return
    if kept is not None:
        session[_REPEAT_KEY] = {"next": next_url, "what": f"{REPEAT_TYPED} {REPEAT_FILE}" if kept.file else REPEAT_TYPED,
                                "after": ""}
        return
    session[_REPEAT_KEY] = {"next": next_url,
                            "what": REPEAT_DOWNLOAD if request.method == "GET" else REPEAT_ACTION}


def to_repeat(next_url: str | None) -> str | None:
    """What the user must do again after confirming for ``next_url`` (Danish), if anything."""
    return _what_of(session.get(_REPEAT_KEY), next_url)


def _what_of(entry, next_url: str | None) -> str | None:
    if not isinstance(entry, dict) or next_url is None or entry.get("next") != next_url:
        return None
    return entry.get("what")


def tell_what_to_repeat(next_url: str | None) -> None:
    """After a right password: flash what to do again on the page the user returns to."""
    entry = session.pop(_REPEAT_KEY, None)
    if _what_of(entry, next_url):  # a kept form's page says itself that it is filled in again
        flash(f"{CONFIRMED} {entry.get('after', entry['what'])}".strip(), "info")


def expire_fresh_login() -> None:
    """Mark the session non-fresh FRESH_LOGIN_MINUTES after the last password entry.

    Flask-Login sets ``_fresh`` at log-in and on confirm but never clears it, so without this
    one password would approve, disclose and export for a whole 12-hour session. A session
    without ``password_at`` (made before this rule) counts as stale.
    """
    if not session.get("_fresh"):
        return
    entered = session.get("password_at")
    limit = current_app.config["FRESH_LOGIN_MINUTES"] * 60
    if entered is None or _now() - entered > limit:
        session["_fresh"] = False


def seconds_left() -> dict[str, int]:
    """Seconds until this session's idle and absolute limits, for the timeout warning
    (``static/js/session.js``, configured on its script tag in base.html). The idle limit
    starts over with this very response."""
    idle = int(current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
    started = session.get("login_at")
    absolute = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    left = absolute - (_now() - started) if isinstance(started, (int, float)) else idle
    return {"idle": idle, "absolute": max(int(left), 0)}


def enforce_absolute_timeout() -> None:
    """Log out sessions older than SESSION_ABSOLUTE_LIFETIME, however active."""
    if not current_user.is_authenticated:
        return
    started = session.get("login_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    if started is None or _now() - started > limit:
        g.ended_user_id, g.ended_absolute = current_user.id, True  # for portal.auth.relogin
        devices.end_this()
        db.session.commit()
        logout_user()
        session.clear()
