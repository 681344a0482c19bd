"""The mail worker: sends the queued :class:`~store.models.MailMessage` rows.

Guarantees:

* **One sender per mail.** A worker claims one pending, due row at a time with a
  conditional UPDATE (``claimed_until`` from empty or expired to now + lease) and commits;
  only the worker whose UPDATE changed the row sends it. On PostgreSQL the candidate is
  picked with ``FOR UPDATE SKIP LOCKED``; on SQLite the UPDATE alone decides. A crashed
  worker's row comes back when its lease ends.
* **Sent at most once.** Marking a row sent is conditional on it still being pending and
  still held by this claim; a sent row is never claimed again. (The one window left: a
  worker that dies after the SMTP server accepted the mail and before the commit; its lease
  expires and the mail goes a second time. No SMTP queue can close that window.)
* **Retries with back-off.** A failed try waits ``backoff(attempts)`` (1, 2, 4 ... minutes,
  at most 6 hours); after ``MAX_ATTEMPTS`` tries, or a mail that can never be sent (an
  address with a line break), the row is ``failed``.
* **Nothing kept that need not be.** Once sent or given up, ``body`` and ``ics`` are blanked
  (they can hold a disclosed citizen's name); recipient, kind, subject and times stay.
* **Audited without content.** Every try is a ``mail_sent`` audit event with the row id,
  kind and recipient user id, never the body.

Sending happens off the request path: :func:`kick` (called after a request that queued
mail) drains in :mod:`portal.mail`'s one background thread, or inline with
``MAIL_SEND_INLINE`` (tests). ``flask --app portal mail send [--loop]`` drains from the
command line or as a worker process beside the portal.
"""
from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Mapping

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from store import clock
from store.models import MailMessage

from .. import audit, drain_loop, mail
from ..extensions import db

log = logging.getLogger("portal.mail")

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
NOT_CONFIGURED = "MAIL_SERVER er ikke sat: kun logget"
# A portal path at the start of a line or after white space ("/hotline/7"), not "1/2".
_PATH = re.compile(r"(?m)(^|(?<=\s))(/[A-Za-z0-9][^\s]*)")


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def absolute_links(text: str, base: str) -> str:
    """``text`` with every portal path (``/beskeder/``) made absolute on ``base`` (PORTAL_URL).

    Without a base (development without a mail server) the text is returned unchanged.
    """
    base = (base or "").rstrip("/")
    return _PATH.sub(lambda m: m.group(1) + base + m.group(2), text) if base else text


class DrainResult(drain_loop.DrainResult):
    """What one drain did: mails sent (or logged), put back for a retry, given up."""


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return drain_loop.claimable(MailMessage, now)


def claim(session: Session, now: datetime, lease: timedelta = LEASE) -> MailMessage | None:
    """Claim the oldest due pending mail (committed); None when none is due or all are taken."""
    candidates = (sa.select(MailMessage.id).where(_claimable(now))
                  .order_by(MailMessage.available_at, MailMessage.id).limit(10))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    for mail_id in list(session.scalars(candidates)):
        taken = session.execute(
            sa.update(MailMessage).where(MailMessage.id == mail_id, _claimable(now))
            .values(claimed_until=now + lease).execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            session.commit()
            return session.get(MailMessage, mail_id)
    session.commit()
    return None


def deliver(session: Session, row: MailMessage, now: datetime, config: Mapping, *,
            connect: mail.Connect | None = None) -> str:
    """Send one claimed mail and record the outcome; "sent", "retry" or "failed".

    Never raises for the mail server or the message; database errors propagate.
    """
    held_until = row.claimed_until
    try:
        message = mail.compose(config, row.to_address, row.subject,
                               absolute_links(row.body or "", config.get("PORTAL_URL") or ""), ics=row.ics)
        result, reason = mail.deliver(config, message, connect=connect)
    except (ValueError, TypeError) as exc:  # an address or subject that can never be sent
        result, reason, permanent = mail.FAILED, type(exc).__name__, True
    else:
        permanent = False
    attempts = row.attempts + 1
    if result in (mail.SENT, mail.SKIPPED):
        outcome = "sent"
        values = {"status": "sent", "sent_at": now, "body": "", "ics": None, "claimed_until": None,
                  "attempts": attempts, "last_error": NOT_CONFIGURED if result == mail.SKIPPED else None}
    elif permanent or attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        values = {"status": "failed", "body": "", "ics": None, "claimed_until": None,
                  "attempts": attempts, "last_error": (reason or "")[:300]}
    else:
        outcome = "retry"
        values = {"available_at": now + backoff(attempts), "claimed_until": None,
                  "attempts": attempts, "last_error": (reason or "")[:300]}
    done = session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == row.id, MailMessage.status == "pending",
               MailMessage.claimed_until == held_until)
        .values(**values).execution_options(synchronize_session=False))
    session.commit()
    if done.rowcount != 1:
        log.warning("mail %s: the claim was lost while sending (lease too short?)", row.id)
    _audit(row, "skipped" if result == mail.SKIPPED else "ok" if outcome == "sent" else outcome)
    return outcome


def _audit(row: MailMessage, result: str) -> None:
    try:
        audit.record_now("mail_sent", purpose=f"mail:{row.id} kind:{row.kind} user:{row.user_id}",
                         result=result)
    except audit.AuditWriteError:
        log.error("audit write for mail %s failed", row.id)


def drain(*, now: datetime | None = None, connect: mail.Connect | None = None,
          limit: int = 500) -> DrainResult:
    """Send every mail that is due (at most ``limit``), in its own session; needs an app context.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: if the queue cannot be read or updated.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    config = current_app.config
    with Session(db.engine, expire_on_commit=True) as session:
        for _ in range(limit):
            moment = now or clock.utcnow()
            row = claim(session, moment)
            if row is None:
                break
            counts[deliver(session, row, moment, config, connect=connect)] += 1
    return DrainResult(sent=counts["sent"], retried=counts["retry"], failed=counts["failed"])


_scheduled = threading.Lock()  # held from a kick until its drain starts: kicks coalesce


def kick(app: Flask) -> Future | None:
    """Drain the queue off the request path (inline with ``MAIL_SEND_INLINE``).

    Kicks while a drain is waiting to start add nothing: that drain sends their mails too.
    Errors are logged, never raised: the mails stay queued for the next drain.

    Returns:
        The background drain's future (None if one was already waiting, or inline).
    """
    if app.config.get("MAIL_SEND_INLINE"):
        _run_drain(app, hold=False)
        return None
    if not _scheduled.acquire(blocking=False):
        return None
    try:
        return mail._executor().submit(_run_drain, app, True)
    except RuntimeError:  # interpreter shutting down
        _scheduled.release()
        return None


def _run_drain(app: Flask, hold: bool) -> DrainResult | None:
    if hold:
        _scheduled.release()  # mails queued from now on need another drain
    with app.app_context():
        try:
            return drain()
        except Exception as exc:  # noqa: BLE001 - a worker thread has nobody to raise to
            log.error("mail drain failed: %s (the mails stay queued)", type(exc).__name__)
            return None
