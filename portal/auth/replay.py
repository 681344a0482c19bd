"""Carry out the action a consultant clicked once they have confirmed their password.

A sensitive POST on a stale login cannot be repeated by the browser after /auth/confirm, so
:func:`hold` keeps it on the server instead (:mod:`.held`, for the user, until
:data:`HOLD_SECONDS` have passed): the endpoint, its URL arguments, the submitted fields (never
the CSRF token) and the page to return to. The session cookie, signed but readable, gets only
the row's random id. The POST that is held has already passed the app-wide CSRF check
(``CSRFProtect``), so only requests the portal's own pages sent can be held. After a right
password, :func:`run_pending` (called by the confirm view, itself a CSRF-checked POST) takes
the id out of the session, deletes the row and runs the endpoint's registered performer with
the held fields: once, for the same user, in time, and only when the confirmation was for the
page the action came from. A log-out deletes the user's held rows.

Performers are registered per endpoint with :func:`replayable`; they rebuild their form from
the held fields (CSRF off: the fields were checked when held) and flash what happened.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user, login_fresh
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import held

KEY = "pending_action"  # in the session: the id of the held row (portal.auth.held), nothing else
KIND = "replay"
HOLD_SECONDS = 10 * 60
# Held on the server: generous, but bounded; a bigger form is not kept (the user sends it again).
MAX_FIELDS = 20
MAX_HELD_CHARS = 100_000

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
    fields = [[k, v] for k, v in request.form.items(multi=True) if k != "csrf_token"]
    held.drop(session.pop(KEY, None))
    token = None
    if len(fields) <= MAX_FIELDS and sum(len(k) + len(v) for k, v in fields) <= MAX_HELD_CHARS:
        token = held.put(current_user.id, KIND, {"endpoint": request.endpoint, "args": dict(request.view_args or {}),
                                                 "form": fields, "next": next_url}, HOLD_SECONDS)
    if token is None:  # too big (or the database would not take it): confirm, then send it again
        flash(f"Bekræft din adgangskode, {before}. Send derefter formularen igen.", "info")
        return redirect(url_for("auth.confirm", next=next_url))
    session[KEY] = token
    flash(f"Bekræft din adgangskode, {before}. Handlingen bliver udført, når du har bekræftet.", "info")
    return redirect(url_for("auth.confirm", next=next_url))


def pending_label(next_url: str | None) -> str | None:
    """The Danish name of the action waiting for this confirmation, if any (for the page)."""
    entry = _valid(held.get(session.get(KEY), KIND), next_url)
    return _PERFORMERS[entry.payload["endpoint"]][1] if entry else None


def run_pending(next_url: str | None) -> bool:
    """Carry out the held action, if one is waiting for this confirmation; True if one ran.

    The id leaves the session and the row the database first, so it runs at most once. A
    performer's 404 (the proposal is gone) becomes a flashed message, never an error page after
    a right password.
    """
    entry = _valid(held.take(session.pop(KEY, None), KIND), next_url)
    if entry is None:
        return False
    performer = _PERFORMERS[entry.payload["endpoint"]][0]
    try:
        performer(entry.payload.get("args") or {}, MultiDict([tuple(pair) for pair in entry.payload["form"]]))
    except HTTPException:
        flash("Handlingen kunne ikke udføres: det, den gjaldt, findes ikke længere.", "error")
    return True


def _valid(entry: held.Held | None, next_url: str | None) -> held.Held | None:
    """``entry`` when it is this user's, for this page and a registered action (expiry: held.get)."""
    if entry is None or entry.payload.get("endpoint") not in _PERFORMERS:
        return None
    if entry.user_id != getattr(current_user, "id", None) or entry.payload.get("next") != next_url:
        return None
    return entry
