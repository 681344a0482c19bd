"""What a form held when the fresh login ran out: put back into it after /auth/confirm (review AN 14).

:func:`portal.auth.sessions.confirm_first` sends a sensitive POST made on a stale login
(``FRESH_LOGIN_MINUTES`` after the last password) to /auth/confirm and then back to the form's
page: the browser cannot repeat a POST. When the form posted to its own page (create and edit
a user, a phone number, a handover, an erasure, an import), :func:`hold` keeps its fields on the
server first (:mod:`.held`, as :mod:`.relogin` does: never the CSRF token, a password or a file;
the session cookie carries only the row's random id).

After the right password the browser is sent back to that page. Before that request
(:func:`take_for_page`: a GET of the same address, by the same user, with a fresh login) the row
is taken and its fields handed to the forms of the page (``flask.g``, :data:`TYPED_KEY`): the
first :class:`portal.formutil.DanishForm` built there that has a field of them is filled from
them, as if they had just been posted, and says so above the page. Nothing is sent on the user's
behalf: they read it and send the form. A file cannot be held, so the note asks for it again.

A row is forgotten once a form is posted to its page again, at log-out, and after
:data:`HOLD_SECONDS`. Any one session holds one form at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import g, request, session
from flask_login import current_user, login_fresh
from werkzeug.datastructures import MultiDict

from ..formutil import TYPED_KEY
from . import held

KEY = "fresh_form"  # in the session: the id of the held row (portal.auth.held), nothing else
KIND = "fresh"
HOLD_SECONDS = 15 * 60
MAX_FIELDS = 60
MAX_HELD_CHARS = 20_000
# Fields never held: the form's own CSRF token, and anything that looks like a password.
_SECRET_WORDS = ("password", "adgangskode")

RESTORED = ("Det, du skrev, før du bekræftede din adgangskode, er sat ind i formularen igen. Det er ikke sendt "
            "endnu: kontrollér det, og send formularen.")
CHOOSE_FILE_AGAIN = "Vælg filen igen: en fil kan ikke gemmes, mens du bekræfter din adgangskode."


@dataclass(frozen=True)
class Kept:
    """A held form, as :func:`hold` reports it: whether a file was chosen (it was not kept)."""

    file: bool


def hold(next_url: str) -> Kept | None:
    """Keep this POST's fields for the form's page ``next_url``; None when not kept.

    Only a form that posted to its own page is held (its page builds the same form again); a
    button posted from a list (»Deaktivér« on /admin/users) has nothing typed to keep. Too
    many fields or too much text is not held either (the user is told to do it again).
    """
    if request.method != "POST" or urlsplit(next_url).path != request.path or not current_user.is_authenticated:
        return None
    fields = [[k, v] for k, v in request.form.items(multi=True)
              if k != "csrf_token" and not any(word in k.casefold() for word in _SECRET_WORDS)]
    if len(fields) > MAX_FIELDS or sum(len(k) + len(v) for k, v in fields) > MAX_HELD_CHARS:
        return None
    file = any(upload.filename for upload in request.files.values())
    held.drop(session.pop(KEY, None))
    token = held.put(current_user.id, KIND, {"page": next_url, "form": fields, "file": file}, HOLD_SECONDS)
    if token is None:
        return None
    session[KEY] = token
    return Kept(file=file)


def take_for_page() -> None:
    """Before each request: hand the held form to its page (the GET after the confirmation).

    A POST to the page forgets it (the form was sent again, or done anew). Any other request,
    the confirmation's own pages included, leaves it waiting; so does the page while the login
    is still stale (the user has not confirmed yet).
    """
    if KEY not in session:
        return
    token = session.get(KEY)
    entry = held.get(token, KIND)
    if entry is None:
        session.pop(KEY, None)
        return
    page = str(entry.payload.get("page") or "")
    if request.method == "POST" and request.path == urlsplit(page).path:
        forget()
        return
    if request.method != "GET" or request.full_path.rstrip("?") != page or not login_fresh():
        return
    forget()
    if entry.user_id != getattr(current_user, "id", None):
        return
    note = f"{RESTORED} {CHOOSE_FILE_AGAIN}" if entry.payload.get("file") else RESTORED
    setattr(g, TYPED_KEY, {"fields": MultiDict([tuple(pair) for pair in entry.payload.get("form") or ()]),
                           "note": note})


def forget() -> None:
    """Drop the form held for this session, if any (its id from the session, its row at once)."""
    held.drop(session.pop(KEY, None))
