"""The open API's records: personal access tokens, idempotent POSTs, webhooks and their deliveries."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import Company, User
from .base import UTCDateTime, enum_of, utcnow

API_SCOPES = {
    "read": "Læse",
    "write": "Læse og skrive",
}

WEBHOOK_EVENTS = {
    "proposal.approved": "Ny kandidat vist for virksomheden",
    "proposal.shared": "Navn og profil delt med virksomheden",
    "proposal.answered": "Virksomheden har svaret om en kandidat",
    "proposal.ended": "Kandidat ikke længere aktuel",
    "proposal.withdrawn": "Kandidatens oplysninger skal slettes eller må ikke bruges",
    "proposal.rectified": "Kandidatens navn eller kontaktoplysninger er rettet",
    "interview.offered": "Samtaletider foreslået",
    "interview.booked": "Samtale aftalt",
    "interview.cancelled": "Samtale aflyst eller flyttet",
    "hotline.created": "Ny hotline-henvendelse",
    "hotline.message": "Virksomheden har skrevet i en hotline-henvendelse",
    "hotline.answered": "Hotline-henvendelse besvaret",
    "hotline.closed": "Hotline-henvendelse lukket",
    "placement.started": "Forløb startet",
    "placement.ended": "Forløb afsluttet",
}
# proposal.rectified's ``fields``: the details a correction (GDPR art. 16) of the citizen concerns.
RECTIFIED_FIELDS = ("name", "phone", "email")
# Events only the job centre's endpoints get (an administrator's): what a company did itself.
JOBCENTER_ONLY_EVENTS = frozenset({"proposal.answered", "hotline.created", "hotline.message"})

DELIVERY_STATUSES = {
    "pending": "Venter",
    "sent": "Leveret",
    "failed": "Opgivet",
}


class ApiToken(db.Model):
    """A personal access token (``Authorization: Bearer <token>``).

    Only the SHA-256 of the token is stored; ``prefix`` (the first characters, shown in
    lists) lets a user tell their tokens apart. A token acts as its user with exactly the
    web's access rules, narrowed by ``scope``; it stops working at ``expires_at`` or when
    revoked (by the user or an administrator).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scope: Mapped[str] = mapped_column(enum_of(API_SCOPES, "api_scope"), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[Optional[User]] = relationship(foreign_keys=[revoked_by_id])


class IdempotencyRecord(db.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key``.

    A repeat of the same key by the same token with the same request gets the stored
    answer; the same key with a different request is refused (422). Kept for 24 hours.

    The record is inserted before the request runs, as its claim on the key (``status_code``
    is then ``portal.api.guard.IN_PROGRESS``, 0), and filled in with the answer afterwards, or
    deleted when the answer is not kept (5xx); a repeat meanwhile gets 409. The unique
    (token, key) is what makes the claim: a second insert of the key fails. The request's first
    committing write also sets ``guard.COMMITTED`` (1) in its own transaction; such a claim is
    never deleted before its 24 hours, even if its answer cannot be stored.

    An answer that is an object about a citizen (a proposal, a hotline request) is not kept:
    only its status and ``object_id``, and a repeat reads the object again as it is now, with
    the same access checks and audit as a GET (``response_body`` stays empty).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(300))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(sa.Text, default="")
    response_headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    object_id: Mapped[Optional[int]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("token_id", "key", name="uq_idempotency_token_key"),)


class WebhookEndpoint(db.Model):
    """An HTTPS endpoint a company (``company_id`` set) or the job centre (NULL) registered.

    Deliveries are signed with ``secret`` (HMAC-SHA256 over "<timestamp>.<body>").
    ``events`` lists the chosen keys of :data:`WEBHOOK_EVENTS`.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    secret: Mapped[str] = mapped_column(sa.String(80))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    company: Mapped[Optional[Company]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()


class WebhookDelivery(db.Model):
    """One event for one endpoint, in the durable queue: written in the same transaction as
    the event, sent (retried with back-off) by the webhook worker.

    ``event_id`` is the delivery's stable id (sent as ``Webhook-Id``), so a receiver can
    drop a repeat. ``payload`` is the JSON body: ids and what the recipient may see.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    event_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(enum_of(DELIVERY_STATUSES, "delivery_status"), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    last_status_code: Mapped[Optional[int]]
    last_response: Mapped[Optional[str]] = mapped_column(sa.String(500))
    last_error: Mapped[Optional[str]] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    endpoint: Mapped[WebhookEndpoint] = relationship()
