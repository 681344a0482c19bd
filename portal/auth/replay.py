"""Carry out the action a consultant clicked once they have confirmed their password.

A sensitive POST on a stale login cannot be repeated by the browser after /auth/confirm, so
:func:`hold` keeps it in the session instead: the endpoint, its URL arguments, the submitted
fields (never the CSRF token), the user's id, the page to return to and an expiry. The POST
that is held has already passed the app-wide CSRF check (``CSRFProtect``), so only requests
the portal's own pages sent can be held. After a right password, :func:`run_pending` (called
by the confirm view, itself a CSRF-checked POST) takes the entry out of the session and runs
the endpoint's registered performer with the held fields: once, for the same user, within
:data:`HOLD_SECONDS`, and only when the confirmation was for the page the action came from.

Performers are registered per endpoint with :func:`replayable`; they rebuild their form from
the held fields (CSRF off: the fields were checked when held) and flash what happened.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user, login_fresh
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import sessions

KEY = "pending_action"
HOLD_SECONDS = 10 * 60
# The session is a signed cookie (~4 KB): a held form is small, a bigger one is not kept.
MAX_FIELDS = 20
MAX_HELD_CHARS = 2000

Performer = Callable[[dict[str, Any], MultiDict], None]
_PERFORMERS: dict[str, tuple[Performer, str]] = {}


def replayable(endpoint: str, label: str) -> Callable[[Performer], Performer]:
    """Register ``performer(view_args, formdata)`` as what carries out ``endpoint`` after confirm.

    ``label`` names the action in Danish on the confirm page ("Del borgerens navn ...").
    """

    def register(performer: Performer) -> Performer:
        _PERFORMERS[endpoint] = (performer, label)
        return performer

    return register


def hold(before: str, next_url: str) -> Response | None:
    """None when the login is fresh; else keep this POST and send the user to confirm.

    ``before`` ends the Danish message "Bekræft din adgangskode, …"; ``next_url`` is the page
    the action started from (where the user lands after confirming). The current endpoint
    must be registered with :func:`replayable`.
    """
    if login_fresh():
        return None
    try:  # CSRFProtect checked it already; a held action must never come from another site
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400)
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
    if len(fields) > MAX_FIELDS or sum(len(k) + len(v) for k, v in fields) > MAX_HELD_CHARS:
        # Too big for the session cookie: confirm, then the user submits again (said so).
        session.pop(KEY, None)
        flash(f"Bekræft din adgangskode, {before}. Send derefter formularen igen.", "info")
        return redirect(url_for("auth.confirm", next=next_url))
    session[KEY] = {"endpoint": request.endpoint, "args": dict(request.view_args or {}),
                    "form": fields, "user": current_user.id, "next": next_url,
                    "until": sessions.clock().timestamp() + HOLD_SECONDS,
                    "nonce": secrets.token_hex(8)}
    flash(f"Bekræft din adgangskode, {before}. Handlingen bliver udført, når du har bekræftet.", "info")
    return redirect(url_for("auth.confirm", next=next_url))


def pending_label(next_url: str | None) -> str | None:
    """The Danish name of the action waiting for this confirmation, if any (for the page)."""
    entry = _valid(session.get(KEY), next_url)
    return _PERFORMERS[entry["endpoint"]][1] if entry else None


def run_pending(next_url: str | None) -> bool:
    """Carry out the held action, if one is waiting for this confirmation; True if one ran.

    The entry leaves the session first, so it runs at most once. A performer's 404 (the
    proposal is gone) becomes a flashed message, never an error page after a right password.
    """
    entry = _valid(session.pop(KEY, None), next_url)
    if entry is None:
        return False
    performer = _PERFORMERS[entry["endpoint"]][0]
    try:
        performer(entry["args"], MultiDict(entry["form"]))
    except HTTPException:
        flash("Handlingen kunne ikke udføres: det, den gjaldt, findes ikke længere.", "error")
    return True


def _valid(entry: Any, next_url: str | None) -> dict | None:
    if not isinstance(entry, dict) or entry.get("endpoint") not in _PERFORMERS:
        return None
    if entry.get("user") != getattr(current_user, "id", None) or entry.get("next") != next_url:
        return None
    if sessions.clock().timestamp() > float(entry.get("until") or 0):
        return None
    return entry
