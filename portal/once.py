"""One-time form ids: a form sent twice creates one object, not two (review Q 5).

A double click, Enter pressed again while the page loads, or Back to the filled form and send
again, posts the same rendered form twice. A form that creates something (an opening, a citizen,
a hotline request or message, a success story) carries a hidden ``form_id``, new each time the form is rendered
(:func:`form_id`; a form refused by validation keeps its id). On a valid POST the route calls
:func:`claim` before it creates anything. The first POST of an id claims it; a later POST of the
same id by the same user (this user's claim: another user's id is just a new id to them, and
tells them nothing) is told where the first one's object is (:attr:`Claim.url`) and redirects
there instead of creating a second.

Where the claims live: the ``held_form`` table (``store.models.HeldForm``, kind ``"once"``),
one row per user, endpoint and form id, its primary key the SHA-256 of the three. No new table
is needed: the API's ``idempotency_record`` belongs to an API token (``token_id`` is required),
and the session is a signed cookie, which two requests sent at once both read before either
writes it. A row holds no form content, only where the object is and a hash of what was sent;
it expires after :data:`TTL`, as the API's records do, and goes with the held forms' purge
(``portal.auth.held.purge_expired``) and with its user; a log-out, a citizen's erasure and
the cap on a user's held forms leave it.

Two POSTs at the same moment: the claim is inserted first, in the transaction that creates the
object (the service's commit commits both), so the second insert waits for the first
transaction and then fails on the primary key; it reads the first one's row once
:func:`done` has filled in the object's address. If the first transaction fails, its claim
goes with it, and the second goes ahead.

A repeat whose fields differ from the first POST (Back, a change, send again) is not thrown
away: :attr:`Claim.changed` is True, the route shows the form again with what was typed and a
new id (:func:`form_id`), and says that the first one was created.

Every creating route asks through :func:`guard`: it claims, and answers a repeat of the same
values with the route's »already« flash and a redirect to the first one's object; a repeat
with other values gets the route's warning, and the route shows its form again (409).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request
from flask_login import current_user
from werkzeug.wrappers import Response

from store.models import HeldForm
from store.models.held import CLAIM_KIND

from .auth import sessions
from .extensions import db

FIELD = "form_id"
KIND = CLAIM_KIND
TTL = timedelta(hours=24)
WAIT_SECONDS = 5.0  # how long a repeat waits for the first POST to name its object
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_NOT_CONTENT = frozenset({FIELD, "csrf_token"})


def new_id() -> str:
    """A fresh random form id."""
    return secrets.token_urlsafe(16)


def _posted() -> str | None:
    value = request.form.get(FIELD, "") if request.method == "POST" else ""
    return value if _ID.fullmatch(value) else None


def form_id() -> str:
    """The id to render in the form: on a POST that is shown again (refused by validation),
    the posted one; otherwise, or when the posted one already made an object, a new one."""
    posted = _posted()
    return posted if posted is not None and not g.get("once_spent") else new_id()


@dataclass(frozen=True)
class Claim:
    """The outcome of :func:`claim`.

    ``url``: where the object made by an earlier POST of this form is (None: this POST is
    the first, or carries no usable id, and goes ahead). ``changed``: that earlier POST sent
    other values than this one.
    """

    key: str | None
    content: str = ""
    url: str | None = None
    changed: bool = False

    @property
    def repeated(self) -> bool:
        return self.url is not None


def _key(user_id: int, form: str) -> str:
    scope = json.dumps([user_id, request.endpoint, request.view_args or {}, form], sort_keys=True)
    return hashlib.sha256(scope.encode()).hexdigest()


def _content() -> str:
    fields = sorted((k, v) for k, v in request.form.items(multi=True) if k not in _NOT_CONTENT)
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def claim(fallback: str) -> Claim:
    """Claim this POST's form id for the current user, in the current transaction.

    Call it after validation, just before the service creates the object; then :func:`done`
    after the service committed, or :func:`release` when it created nothing.

    Args:
        fallback: where to send a repeat whose first POST never named its object (it died
            between its commit and :func:`done`, or did not within :data:`WAIT_SECONDS`):
            the list the object is on.

    Returns:
        A claim that is not :attr:`~Claim.repeated` (go ahead), or one that is.
    """
    posted = _posted()
    if posted is None:  # a form rendered before ids existed, or a hand-made POST: no guard
        return Claim(None)
    user_id = current_user.id
    key, content = _key(user_id, posted), _content()
    db.session.commit()  # a rollback below must not undo anything the request did before
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = db.session.execute(sa.select(HeldForm.kind, HeldForm.payload, HeldForm.expires_at)
                                 .where(HeldForm.id == key)).first()
        now = sessions.clock()
        if row is not None and row.kind != KIND:
            return Claim(None)  # not a claim (a 64-character digest never names a held form)
        if row is not None and row.expires_at > now:
            url = (row.payload or {}).get("url")
            if url or time.monotonic() >= deadline:
                g.once_spent = True
                return Claim(key, content, url or fallback, changed=(row.payload or {}).get("content") != content)
            db.session.rollback()
            time.sleep(0.05)  # the first POST committed and is about to name its object
            continue
        try:
            db.session.execute(sa.delete(HeldForm).where(HeldForm.id == key, HeldForm.expires_at <= now))
            db.session.add(HeldForm(id=key, user_id=user_id, kind=KIND, created_at=now,
                                    expires_at=now + TTL, payload={"url": None, "content": content}))
            db.session.flush()
        except sa.exc.IntegrityError:  # a POST of the same form got there first: read its row
            db.session.rollback()
            if time.monotonic() >= deadline + WAIT_SECONDS:
                raise  # not that (the row never shows): an error, not a loop
            continue
        return Claim(key, content)


def guard(fallback: str, already: str, changed: str | None = None) -> tuple[Claim, Response | None]:
    """:func:`claim`, and the answer to a repeat, with the route's own Danish texts.

    Args:
        fallback: as for :func:`claim`.
        already: flashed (info) to a repeat with the same values, which is sent to the first
            one's object.
        changed: flashed (warning) to a repeat with other values; None when the route says
            it on the page itself.

    Returns:
        The claim, and the redirect for a repeat with the same values (None otherwise). With
        no redirect and :attr:`Claim.repeated`, the route shows its form again (409) and
        creates nothing; with neither, it goes ahead (then :func:`done` or :func:`release`).
    """
    sent = claim(fallback)
    if sent.repeated and not sent.changed:
        flash(already, "info")
        return sent, redirect(sent.url)
    if sent.repeated and changed is not None:
        flash(changed, "warning")
    return sent, None


def done(sent: Claim, url: str) -> None:
    """Record that ``sent``'s POST made the object at ``url`` (after the service's commit)."""
    if sent.key is None or sent.repeated:
        return
    try:
        db.session.execute(sa.update(HeldForm).where(HeldForm.id == sent.key, HeldForm.kind == KIND)
                           .values(payload={"url": url, "content": sent.content}))
        db.session.commit()
    except sa.exc.SQLAlchemyError as exc:  # the object is made; a repeat then goes to the list
        db.session.rollback()
        current_app.logger.warning("form id not recorded (%s)", type(exc).__name__)


def release(sent: Claim) -> None:
    """Give up ``sent``'s claim: the POST created nothing (the caller's changes are rolled back)."""
    if sent.key is not None and not sent.repeated:
        db.session.rollback()
