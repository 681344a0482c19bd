"""The mail worker: sends the queued :class:`~store.models.MailMessage` rows.

Guarantees:

* **One sender per mail.** A worker claims up to ``CLAIM_BATCH`` pending, due rows at a
  time with one conditional UPDATE (``claimed_until`` from empty or expired to now + lease)
  and commits; only the worker whose UPDATE changed a row sends it. On PostgreSQL the candidate is
  picked with ``FOR UPDATE SKIP LOCKED``; on SQLite the UPDATE alone decides. A crashed
  worker's row comes back when its lease ends.
* **Sent at most once.** Marking a row sent is conditional on it still being pending and
  still held by this claim; a sent row is never claimed again. (The one window left: a
  worker that dies after the SMTP server accepted the mail and before the commit; its lease
  expires and the mail goes a second time. No SMTP queue can close that window.)
* **Retries with back-off, for two days.** A failed try waits ``backoff(attempts)`` (1, 2, 4
  ... minutes, at most half an hour, so a mail server back after an outage gets the queue
  within 30 minutes); a mail is given up (``failed``) only once it has waited
  :data:`GIVE_UP_AFTER` since it was queued (a mail server down for an afternoon loses
  nothing: review AI 5), or at once when it can never be sent (an address with a line break).
  Administrators see mails waiting for a retry and those given up at ``/admin/mail``
  (:mod:`portal.admin.mail_queue`), counted on their start page.
* **Nothing kept that need not be.** Once sent or given up, ``body`` and ``ics`` are blanked
  (they can hold a disclosed citizen's name); recipient, kind, subject and times stay.
* **Audited without content.** Every try is a ``mail_sent`` audit event with the row id,
  kind and recipient user id, never the body, written in the same transaction as the try's
  outcome. So a mail costs two write transactions at most (its share of a claim, and its
  outcome): on SQLite each one waits for the database's single write lock.

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
from ..config import portal_url
from ..extensions import db

log = logging.getLogger("portal.mail")

LEASE = timedelta(minutes=5)
CLAIM_BATCH = 10  # mails claimed per transaction; each still sends and is marked on its own
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(hours=48)  # from the mail's queueing; the tries until then are kept
NOT_CONFIGURED = "MAIL_SERVER er ikke sat: kun logget"
# A portal path at the start of a line or after white space ("/hotline/7"), not "1/2".
_PATH = re.compile(r"(?m)(^|(?<=\s))(/[A-Za-z0-9][^\s]*)")


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4, 8 ... minutes, at most 30 minutes."""
    return min(BASE_DELAY * 2 ** min(max(attempts - 1, 0), 20), MAX_DELAY)  # 2**20 min > MAX_DELAY


def absolute_links(text: str, config: Mapping) -> str:
    """``text`` with every portal path (``/beskeder/``) made absolute on ``config``'s
    ``PORTAL_URL`` (:func:`portal.config.portal_url`).

    Without it (development without a mail server) the text is returned unchanged.
    """
    base = portal_url(config)
    return _PATH.sub(lambda m: m.group(1) + base + m.group(2), text) if base else text


class DrainResult(drain_loop.DrainResult):
    """What one drain did: mails sent (or logged), put back for a retry, given up."""


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return drain_loop.claimable(MailMessage, now)


def claim_many(session: Session, now: datetime, lease: timedelta = LEASE,
               limit: int = CLAIM_BATCH) -> list[MailMessage]:
    """Claim up to ``limit`` of the oldest due pending mails in one transaction (committed).

    One write transaction for the batch: on SQLite every transaction takes the database's
    one write lock, and a drain that claimed mails one by one wrote three times per mail.

    Returns:
        The claimed rows, oldest first; empty when none is due or all are taken.
    """
    candidates = (sa.select(MailMessage.id).where(_claimable(now))
                  .order_by(MailMessage.available_at, MailMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    taken = list(session.scalars(
        sa.update(MailMessage).where(MailMessage.id.in_(ids), _claimable(now))
        .values(claimed_until=now + lease).returning(MailMessage.id)
        .execution_options(synchronize_session=False))) if ids else []
    session.commit()
    if not taken:
        return []
    return list(session.scalars(sa.select(MailMessage).where(MailMessage.id.in_(taken))
                                .order_by(MailMessage.available_at, MailMessage.id)))


def deliver(session: Session, row: MailMessage, now: datetime, config: Mapping, *,
            connect: mail.Connect | None = None) -> str:
    """Send one claimed mail and record the outcome with its audit event; "sent", "retry"
    or "failed".

    Never raises for the mail server or the message; database errors propagate (then
    neither the outcome nor the audit event is written, and the row comes back when its
    lease ends).
    """
    held_until = row.claimed_until
    try:
        message = mail.compose(config, row.to_address, row.subject,
                               absolute_links(row.body or "", config), ics=row.ics)
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
    elif permanent or now - row.created_at >= GIVE_UP_AFTER:
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
    # The try's audit event is written with its outcome: both or neither.
    audit.record_in(session, "mail_sent", purpose=f"mail:{row.id} kind:{row.kind} user:{row.user_id}",
                    result="skipped" if result == mail.SKIPPED else "ok" if outcome == "sent" else outcome)
    session.commit()
    if done.rowcount != 1:
        log.warning("mail %s: the claim was lost while sending (lease too short?)", row.id)
    return outcome


def drain(*, now: datetime | None = None, connect: mail.Connect | None = None,
          limit: int = 500) -> DrainResult:
    """Send every mail that is due (at most ``limit``), in its own session; needs an app context.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: if the queue cannot be read or updated.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    config = current_app.config
    handled = 0
    with Session(db.engine, expire_on_commit=False) as session:
        while handled < limit:
            rows = claim_many(session, now or clock.utcnow(), limit=min(CLAIM_BATCH, limit - handled))
            if not rows:
                break
            for row in rows:
                counts[deliver(session, row, now or clock.utcnow(), config, connect=connect)] += 1
                handled += 1
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
