"""Webhook endpoints and the outbox of their deliveries.

:func:`emit` adds one :class:`~store.models.api.WebhookDelivery` per active endpoint that
subscribed to the event — the company's own endpoints and the job centre's (``company_id``
NULL) — to the caller's session and never commits: the delivery is written in the same
transaction as the change it reports, like :func:`portal.notifications.service.notify`.
The webhook worker (:mod:`.sender`) sends the rows afterwards.

Each delivery's body is fixed when it is queued (``{"id", "type", "created_at", "data",
"links"}``) and its ``id`` is the delivery's ``event_id``, sent as ``Webhook-Id`` on every
try, so a receiver can drop repeats.

Payloads carry ids and what the recipient may see, nothing more: a company endpoint never
gets a citizen's name or id (see :mod:`.events`).
"""
from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import Session

from store import clock
from store.models import User
from store.models.api import JOBCENTER_ONLY_EVENTS, WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint

from ..extensions import db

PING = "ping"
LOG_SIZE = 50
SECRET_BYTES = 32


class UnknownEvent(ValueError):
    """An event that is not in WEBHOOK_EVENTS (a programming error)."""


def new_secret() -> str:
    """A fresh signing secret (``whsec_`` and 43 URL-safe characters)."""
    return "whsec_" + secrets.token_urlsafe(SECRET_BYTES)


def owner_company_id(user: User) -> int | None:
    """The company whose endpoints ``user`` manages; None for an administrator (the job centre)."""
    return user.company_id if user.role == "company" else None


def endpoints_of(user: User) -> list[WebhookEndpoint]:
    """The endpoints ``user`` manages, newest first."""
    return list(db.session.scalars(
        sa.select(WebhookEndpoint).where(_owned_by(user)).order_by(WebhookEndpoint.id.desc())))


def get_endpoint_or_404(user: User, endpoint_id: int) -> WebhookEndpoint:
    """Load an endpoint by id *and* owner.

    :raise 404: unknown id, or an endpoint of another company (or of the job centre for a
        company user, of a company for an administrator).
    """
    endpoint = db.session.scalar(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, _owned_by(user)))
    if endpoint is None:
        abort(404)
    return endpoint


def _owned_by(user: User) -> sa.ColumnElement[bool]:
    if user.role == "company" and user.company_id is not None:
        return WebhookEndpoint.company_id == user.company_id
    if user.role == "admin":
        return WebhookEndpoint.company_id.is_(None)
    return sa.false()


def create_endpoint(user: User, *, url: str, description: str, events: Iterable[str]) -> WebhookEndpoint:
    """Register an endpoint for ``user``'s company (or the job centre); the caller commits."""
    endpoint = WebhookEndpoint(company_id=owner_company_id(user), created_by_id=user.id, url=url,
                               description=description, secret=new_secret(),
                               events=_known(events, owner_company_id(user)), active=True,
                               created_at=clock.utcnow())
    db.session.add(endpoint)
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, *, url: str, description: str, events: Iterable[str],
                    active: bool) -> None:
    """Change an endpoint's address, description, events and state; the caller commits."""
    endpoint.url, endpoint.description = url, description
    endpoint.events, endpoint.active = _known(events, endpoint.company_id), active


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """Give the endpoint a new secret (deliveries from now on are signed with it)."""
    endpoint.secret = new_secret()
    return endpoint.secret


def events_for(company_id: int | None) -> dict[str, str]:
    """The events an endpoint may subscribe to: a company's never those of
    :data:`JOBCENTER_ONLY_EVENTS` (what the company did itself); the job centre's all."""
    return {key: label for key, label in WEBHOOK_EVENTS.items()
            if company_id is None or key not in JOBCENTER_ONLY_EVENTS}


def _known(events: Iterable[str], company_id: int | None) -> list[str]:
    chosen = set(events)
    return [key for key in events_for(company_id) if key in chosen]


def deliveries(endpoint: WebhookEndpoint, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    """The endpoint's last ``limit`` deliveries, newest first."""
    return list(db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def get_delivery_or_404(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """:raise 404: a delivery that is not the endpoint's."""
    delivery = db.session.scalar(sa.select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id))
    if delivery is None:
        abort(404)
    return delivery


def resend(delivery: WebhookDelivery) -> bool:
    """Queue a failed delivery again (same ``Webhook-Id``, attempts from zero); the caller commits.

    Returns:
        False if the delivery was not failed (pending ones are still being tried, sent ones
        were received).
    """
    if delivery.status != "failed":
        return False
    delivery.status, delivery.attempts = "pending", 0
    delivery.available_at, delivery.claimed_until = clock.utcnow(), None
    return True


def queue_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``ping`` event for the endpoint (whatever its events); the caller commits."""
    payload = {"data": {"message": "Testhændelse fra Jobbro", "endpoint_id": endpoint.id},
               "links": {}}
    return _add(db.session, endpoint, PING, payload)


def emit(session: Session, event: str, *, company_id: int | None, payload: dict,
         jobcenter_payload: dict | None = None) -> list[WebhookDelivery]:
    """Queue ``event`` for every active, subscribed endpoint of the company and of the job centre.

    Args:
        session: the caller's session; the caller commits.
        event: a key of :data:`WEBHOOK_EVENTS`.
        company_id: the company the event concerns (None: only the job centre's endpoints).
        payload: ``{"data": ..., "links": ...}`` for the company's endpoints: only what the
            company may see.
        jobcenter_payload: the same for the job centre's endpoints (defaults to ``payload``).

    Returns:
        The queued deliveries (none when nobody subscribed).

    Raises:
        UnknownEvent: if ``event`` is not a known event.
    """
    if event not in WEBHOOK_EVENTS:
        raise UnknownEvent(event)
    owners = WebhookEndpoint.company_id.is_(None)
    if company_id is not None:
        owners = sa.or_(owners, WebhookEndpoint.company_id == company_id)
    endpoints = session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.active.is_(True), owners).order_by(WebhookEndpoint.id))
    return [_add(session, endpoint, event,
                 payload if endpoint.company_id is not None else (jobcenter_payload or payload))
            for endpoint in endpoints if event in (endpoint.events or [])]


def _add(session: Session, endpoint: WebhookEndpoint, event: str, payload: dict) -> WebhookDelivery:
    now = clock.utcnow()
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {"id": event_id, "type": event, "created_at": now.isoformat().replace("+00:00", "Z"),
            **payload}
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event=event, event_id=event_id,
                               payload=json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                                  default=str),
                               status="pending", attempts=0, available_at=now, created_at=now)
    session.add(delivery)
    return delivery
