"""The webhook worker: sends the queued :class:`~store.models.api.WebhookDelivery` rows.

Follows the mail worker (:mod:`portal.notifications.mailer`):

* **One sender per delivery.** A worker claims a pending, due row with a conditional UPDATE
  (``claimed_until`` from empty or expired to now + lease) and commits; only the worker
  whose UPDATE changed the row sends it (``FOR UPDATE SKIP LOCKED`` picks candidates on
  PostgreSQL). A crashed worker's row comes back when its lease ends. Recording the outcome
  is conditional on still holding the claim.
* **Signed.** ``Webhook-Signature: v1=<hex>`` is HMAC-SHA256 with the endpoint's secret
  over ``"<Webhook-Timestamp>.<body>"``; ``Webhook-Id`` is the delivery's ``event_id``,
  the same on every try, so receivers can drop repeats.
* **Careful HTTP.** A POST of the stored JSON body, 5 s timeouts, no redirects followed
  (a 3xx is a failed try), the receiver's address checked by :mod:`portal.urlguard` at every send
  and the connection made to exactly that checked address (TLS still verifies the host name).
  urllib3 is used directly for that pinning, which requests and httpx do not offer.
* **Retries with back-off.** A 2xx is sent; anything else waits :data:`BACKOFF` (1 min,
  5 min, 30 min, 2 h, 12 h) and after :data:`MAX_ATTEMPTS` tries the row is ``failed``
  (the endpoint page can send it again). The status code and the first 500 characters of
  the answer or the error are kept.
* **Nothing kept that need not be.** A sent delivery's body is blanked (the job centre's
  bodies hold a citizen's ids); a failed one keeps it so it can be sent again. Deliveries
  that are no longer pending are deleted :data:`KEEP_FOR` after they were queued.

``flask --app portal webhooks send [--loop]`` drains from the command line or as a worker.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping

import sqlalchemy as sa
import urllib3
from flask import current_app
from sqlalchemy.orm import Session

from store import clock
from store.models.api import WebhookDelivery, WebhookEndpoint

from .. import drain_loop
from ..extensions import db
from ..i18n import format_number
from .. import urlguard

log = logging.getLogger("portal.webhooks")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)
TIMEOUT = 5.0
RESPONSE_CHARS = 500
KEEP_FOR = timedelta(days=30)
USER_AGENT = "Jobbro-Webhooks/1"
INACTIVE = "Modtageren er deaktiveret."
# A first try still waiting this long after it was due means no worker is sending (the page says so).
OVERDUE = timedelta(minutes=5)


@dataclass(frozen=True)
class Answer:
    """What a receiver answered (status code and the start of its body)."""

    status: int
    text: str


Post = Callable[..., Answer]  # (url, body, headers, config, *, internal=False) -> Answer


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try (1 min, 5 min, 30 min, 2 h, then 12 h)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``Webhook-Signature`` value: ``v1=`` and the hex HMAC-SHA256 of "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def headers_for(secret: str, event_id: str, timestamp: str, body: bytes) -> dict:
    """The headers of one try."""
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Webhook-Id": event_id,
            "Webhook-Timestamp": timestamp, "Webhook-Signature": sign(secret, timestamp, body)}


def post(url: str, body: bytes, headers: dict, config: Mapping, *, internal: bool = False) -> Answer:
    """POST ``body`` to ``url`` at the address the guard checked; no redirects, short timeouts.
    ``internal``: the job centre's own endpoint, which may use ``WEBHOOKS_INTERNAL_NETWORKS``.

    Raises:
        urlguard.UrlRefused: the URL or one of its addresses is not allowed.
        urllib3.exceptions.HTTPError: connection, TLS or timeout failure.
    """
    target = urlguard.resolve(url, urlguard.allow_loopback(config),
                              urlguard.internal_networks(config) if internal else ())
    timeout = urllib3.Timeout(connect=TIMEOUT, read=TIMEOUT)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(target.address, target.port, server_hostname=target.host,
                                           assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
                                           **options)
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers={**headers, "Host": target.host_header},
                                redirect=False, retries=False, preload_content=False, assert_same_host=False)
        try:
            text = response.read(4 * RESPONSE_CHARS, decode_content=False).decode("utf-8", "replace")
        finally:
            response.release_conn()
        return Answer(response.status, text[:RESPONSE_CHARS])
    finally:
        pool.close()


class DrainResult(drain_loop.DrainResult):
    """What one drain did."""

    LABEL = "webhooks: "


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return drain_loop.claimable(WebhookDelivery, now)


def claim(session: Session, now: datetime, lease: timedelta = LEASE, *,
          delivery_id: int | None = None) -> WebhookDelivery | None:
    """Claim the oldest due pending delivery (or exactly ``delivery_id``), committed.

    Returns:
        The claimed row, or None when none is due or every due one is held by another worker.
    """
    candidates = sa.select(WebhookDelivery.id).where(_claimable(now))
    if delivery_id is not None:
        candidates = candidates.where(WebhookDelivery.id == delivery_id)
    candidates = candidates.order_by(WebhookDelivery.available_at, WebhookDelivery.id).limit(10)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    for row_id in list(session.scalars(candidates)):
        taken = session.execute(
            sa.update(WebhookDelivery).where(WebhookDelivery.id == row_id, _claimable(now))
            .values(claimed_until=now + lease).execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            session.commit()
            return session.get(WebhookDelivery, row_id)
    session.commit()
    return None


def deliver(session: Session, row: WebhookDelivery, now: datetime, config: Mapping, *,
            send: Post = post) -> str:
    """Send one claimed delivery and record the outcome; "sent", "retry" or "failed".

    Never raises for the receiver or the network; database errors propagate.
    """
    held_until = row.claimed_until
    endpoint = session.get(WebhookEndpoint, row.endpoint_id)
    attempts = row.attempts + 1
    status, text, error = None, None, None
    if endpoint is None or not endpoint.active:
        error = INACTIVE
        attempts = max(attempts, MAX_ATTEMPTS)
    else:
        body = row.payload.encode()
        timestamp = str(int(clock.utcnow().timestamp()))
        try:
            answer = send(endpoint.url, body, headers_for(endpoint.secret, row.event_id, timestamp, body),
                          config, internal=endpoint.company_id is None)
            status, text = answer.status, answer.text
        except urlguard.UrlRefused as exc:
            error = str(exc)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("webhook delivery %s: %s: %s", row.id, type(exc).__name__, exc)
            error = describe_failure(exc)
        except Exception as exc:  # noqa: BLE001 - one odd receiver must not stop the worker
            log.warning("webhook delivery %s: unexpected %s", row.id, type(exc).__name__)
            error = describe_failure(exc)
    values = {"attempts": attempts, "claimed_until": None, "last_status_code": status,
              "last_response": (text or "")[:RESPONSE_CHARS] or None,
              "last_error": error or describe_status(status)}
    if values["last_error"]:
        values["last_error"] = values["last_error"][:300]
    if status is not None and 200 <= status < 300:
        outcome = "sent"
        values.update(status="sent", delivered_at=now, payload="")
    elif attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        values.update(status="failed")
    else:
        outcome = "retry"
        values.update(available_at=now + backoff(attempts))
    done = session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == row.id, WebhookDelivery.status == "pending",
               WebhookDelivery.claimed_until == held_until)
        .values(**values).execution_options(synchronize_session=False))
    session.commit()
    if done.rowcount != 1:
        log.warning("webhook delivery %s: the claim was lost while sending (lease too short?)", row.id)
    return outcome


def describe_failure(exc: BaseException) -> str:
    """What went wrong with a try, in Danish for the endpoint page, with the technical name in
    brackets for whoever runs the receiver (the whole error goes to the log)."""
    errors = urllib3.exceptions
    seconds = format_number(TIMEOUT, 2, trim=True)
    # Most specific first: urllib3's NameResolutionError is a NewConnectionError, which is a
    # ConnectTimeoutError.
    if isinstance(exc, errors.NameResolutionError):
        text = "Adressens værtsnavn findes ikke (DNS-opslaget mislykkedes)."
    elif isinstance(exc, (errors.NewConnectionError, ConnectionRefusedError)):
        text = "Modtageren afviste forbindelsen; kører serveren, og er adressen rigtig?"
    elif isinstance(exc, errors.ConnectTimeoutError):
        text = f"Der kunne ikke oprettes forbindelse til modtageren inden for {seconds} sekunder."
    elif isinstance(exc, (errors.ReadTimeoutError, TimeoutError)):
        text = f"Modtageren svarede ikke inden for {seconds} sekunder."
    elif isinstance(exc, errors.SSLError):
        text = "Den sikre forbindelse (TLS) kunne ikke oprettes; er modtagerens certifikat gyldigt for adressen?"
    elif isinstance(exc, (errors.ProtocolError, ConnectionError)):
        text = "Forbindelsen blev afbrudt, før modtageren svarede."
    else:
        text = "Forsøget mislykkedes af en uventet grund."
    return f"{text} [{type(exc).__name__}]"


def describe_status(status: int | None) -> str | None:
    """Why an answer with ``status`` counts as failed (None for no answer or a 2xx)."""
    if status is None or 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return (f"HTTP {status}: modtageren henviser til en anden adresse, og henvisninger følges ikke. "
                f"Ret webhookens adresse til den endelige adresse.")
    if status in (401, 403):
        return f"HTTP {status}: modtageren afviste afsenderen; tjekker den signaturen med den rigtige hemmelighed?"
    if 400 <= status < 500:
        return f"HTTP {status}: modtageren afviste beskeden."
    return f"HTTP {status}: modtageren svarede med en fejl på sin side."


def prune(session: Session, now: datetime) -> int:
    """Delete sent and failed deliveries queued more than :data:`KEEP_FOR` ago; returns how many."""
    done = session.execute(sa.delete(WebhookDelivery).where(
        WebhookDelivery.status != "pending", WebhookDelivery.created_at < now - KEEP_FOR)
        .execution_options(synchronize_session=False))
    session.commit()
    return done.rowcount


def drain(*, now: datetime | None = None, send: Post = post, limit: int = 200,
          delivery_id: int | None = None) -> DrainResult:
    """Send every delivery that is due (at most ``limit``; only ``delivery_id`` if given).

    Uses its own session; needs an app context.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: if the queue cannot be read or updated.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    config = current_app.config
    with Session(db.engine, expire_on_commit=True) as session:
        if delivery_id is None:
            prune(session, now or clock.utcnow())
        for _ in range(limit):
            moment = now or clock.utcnow()
            row = claim(session, moment, delivery_id=delivery_id)
            if row is None:
                break
            counts[deliver(session, row, moment, config, send=send)] += 1
    return DrainResult(sent=counts["sent"], retried=counts["retry"], failed=counts["failed"])
