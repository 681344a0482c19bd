"""A form posted on an ended session: never a 405 after logging in again, never silently lost.

When a POST meets a session that no longer logs anybody in (it was logged out from another
device of the user, or the password changed, so its session row is gone; or the 12-hour limit
or a changed client ended it), Flask-Login's unauthorized handler comes here (:func:`unauthorized`).
``next`` is then the page the form was on (the Referer if it is this host, else the start
page), never the POST-only URL, which a GET after the log-in would answer with 405.

Such a POST passed the app-wide CSRF check before the session was found ended, so it came
from the portal's own page. :func:`hold` keeps its fields (never the CSRF token) on the server
(:mod:`.held`, for :data:`HOLD_SECONDS`) for the user the session was for, with the path posted
to and the page it came from; the session cookie, signed but readable, gets only the row's
random id. At log-in, :func:`carry` takes the id out before the session is cleared, and
:func:`restore` puts it into the new one only when the same user logged in in time (else the
row is deleted). The user then lands on /auth/send-igen (:func:`pending`), which says "Din
handling blev ikke gemt" and offers to send the same fields again with a fresh CSRF token: the
user clicks, nothing is sent on their behalf. Another user logging in at the browser never sees
the entry. The row goes once the form is sent (:func:`forget_when_sent`), at log-out, and when
it expires.

The log-in page says which: :data:`HELD`, or :data:`LOST` when nothing was held (no user to
hold it for: the tab's session was logged out in another tab; or too big, below). Each is
marked ``data-jobbro-not-kept``: when the tab kept the text as it was sent, ``session.js`` shows
»Det, du skrev, er ikke tabt« in its place, so the page never says both (:func:`form_note`).

A form longer than :data:`MAX_HELD_CHARS` is not held, and the page after the log-in says
"Din handling blev ikke gemt – gør den igen"; the browser kept it as it was sent
(``static/js/session.js``, this tab only), and that page, the form's own, puts it back into the
form, where the user can read it before sending. The limit holds the longest skånehensyn, whose
form the browser never keeps (``data-jobbro-no-keep``).

An idle-expired session (30 minutes) is gone altogether, CSRF secret included: its POST cannot
be told from a forged one, so it is never held here (``portal.errors`` explains it, and
``static/js/session.js`` warns before it and keeps the typed text in the browser).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import login_url
from werkzeug.wrappers import Response

from ..extensions import login_manager
from ..referrer import form_page, safe_next
from . import bp, held, sessions

KEY = "relogin_form"  # in the session: the id of the held row (portal.auth.held), nothing else
KIND = "relogin"
HOLD_SECONDS = 15 * 60
# Held on the server; a longer form is put back into its own page by the browser's copy instead
# (editable there). 2,200 characters hold the skånehensyn form at its longest (2,000 characters
# of text and every flag), which the browser does not keep.
MAX_FIELDS = 40
MAX_HELD_CHARS = 2200

API_DOCS = "/api/docs"  # the API's one HTML page (portal.api.pages): a log-in like any page
NOT_SAVED = "Din handling blev ikke gemt – gør den igen."
# A form was held for the log-in, but its row is gone: it waited too long (HOLD_SECONDS), or the
# user logged out on another device meanwhile, which drops what is held for a log-in of theirs.
HOLD_GONE = (f"Det, du sendte, før du blev logget ud, blev ikke gemt: det holdes højst {HOLD_SECONDS // 60} minutter, og det "
             "slettes, hvis du logger ud et andet sted imens. Gør det igen.")
NOT_LOGGED_IN = "Du er ikke logget ind."
ENDED_ABSOLUTE = "Du er logget ud, fordi du har været logget ind i 12 timer."
HELD = "Det, du sendte, er ikke gemt endnu: log ind igen, så kan du sende det igen."
LOST = "Det, du sendte, blev ikke gemt: log ind igen, og gør det igen."
# In the session: which of HELD and LOST the log-in page says (:func:`form_note`). Not a flash:
# the page shows it as data-jobbro-not-kept, so that when this tab kept the text as it was sent
# (static/js/session.js: a form the server did not hold, because the tab's session was logged
# out in another tab, or too big) only »Det, du skrev, er ikke tabt« shows (browser review).
NOTE_KEY = "relogin_note"
FORM_NOTES = {"held": HELD, "lost": LOST}


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Flask-Login's "log in first": a GET comes back to its page, a POST to the form's page."""
    if request.path.startswith("/api/") and request.path != API_DOCS:  # JSON: a key, never a log-in page
        abort(401)
    if request.method in ("GET", "HEAD"):
        flash(sessions._login_message(login_manager.login_message), login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))
    page = form_page()
    held = hold(page)
    if sessions.ended_elsewhere():
        why = sessions.ENDED_ELSEWHERE_WHY
    elif g.get("ended_absolute"):
        why = ENDED_ABSOLUTE
    else:
        why = NOT_LOGGED_IN
    flash(why, "warning")
    session[NOTE_KEY] = "held" if held else "lost"
    return redirect(url_for("auth.login", next=page))


@bp.app_template_global()
def form_note() -> str | None:
    """For the log-in page, once: what became of the form a POST on an ended session sent
    (:data:`HELD` or :data:`LOST`), None when no such POST led there."""
    return FORM_NOTES.get(session.pop(NOTE_KEY, None))


def hold(page: str) -> bool:
    """Keep this POST's fields for its user's next log-in; False when there is no user to keep
    them for or they are too big (the user is then told to do it again)."""
    user_id = _session_user_id()
    forget()
    if user_id is None:
        return False
    fields = [[k, v] for k, v in request.form.items(multi=True) if k != "csrf_token"]
    small = len(fields) <= MAX_FIELDS and sum(len(k) + len(v) for k, v in fields) <= MAX_HELD_CHARS
    kept = small and not request.files
    action = request.full_path.rstrip("?")  # the query too: /forloeb/timer?maaned=2026-12
    token = held.put(user_id, KIND, {"action": action, "form": fields if kept else None, "next": page},
                     HOLD_SECONDS)
    if token is None:
        return False
    session[KEY] = token
    return kept


def _session_user_id() -> int | None:
    """The id of the user this ended session was for (kept by sessions when it cleared it)."""
    ended = g.get("ended_user_id")
    if isinstance(ended, int):
        return ended
    user_id = str(session.get("_user_id") or "").partition(":")[0]
    return int(user_id) if user_id.isdigit() else None


def carry() -> Any:
    """Take the held form's id out of the session before a log-in clears it."""
    return session.pop(KEY, None)


def restore(token: Any, user) -> str | None:
    """After ``user`` logged in: where to go for a form they sent on their ended session.

    /auth/send-igen when its fields were kept; the form's page (with "gør den igen") when they
    were too big; None when nothing is waiting for this user. Only a form to send again stays
    held; any other row under ``token`` is deleted (another user's too: nobody can reach it now).
    """
    entry = held.get(token, KIND)
    if entry is None:
        if (isinstance(token, str) and token) or g.get("relogin_hold_gone"):  # held, but gone meanwhile
            flash(HOLD_GONE, "warning")
        return None
    payload = entry.payload
    if entry.user_id != user.id or payload.get("form") is None or not safe_next(payload.get("action")):
        held.drop(token)
    if entry.user_id != user.id:
        return None
    page = safe_next(payload.get("next")) or url_for("main.index")
    if payload.get("form") is None or not safe_next(payload.get("action")):
        flash(NOT_SAVED, "warning")
        return page
    session[KEY] = token
    return url_for("auth.resend")


def pending(user) -> dict | None:
    """The held form waiting for ``user`` to send it again, if any (for /auth/send-igen):
    ``action``, ``form`` (name, value pairs) and ``next``."""
    entry = held.get(session.get(KEY), KIND)
    if entry is None:
        session.pop(KEY, None)
        return None
    if entry.user_id != user.id or entry.payload.get("form") is None:
        return None
    return entry.payload


def forget_when_sent() -> None:
    """Before each request: a POST to the held form's path (sent again, or done anew) ends the hold,
    so a reload of /auth/send-igen cannot send it twice."""
    if request.method == "POST" and KEY in session:
        entry = held.get(session.get(KEY), KIND)
        if entry is None:
            g.relogin_hold_gone = True  # the log-in this may be says so (:func:`restore`)
        if entry is None or urlsplit(str(entry.payload.get("action"))).path == request.path:
            forget()


def forget() -> None:
    """Drop the form held for this session, if any: its id from the session, its row at once."""
    held.drop(session.pop(KEY, None))
