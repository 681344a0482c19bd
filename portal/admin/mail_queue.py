"""/admin/mail: the mails that did not go out at the first try (review AI 5).

The mail worker (:mod:`portal.notifications.mailer`) retries a failed mail every half hour at
most and gives it up after :data:`~portal.notifications.mailer.GIVE_UP_AFTER`. Every queued
mail has its notice in the recipient's »Beskeder« (:func:`portal.notifications.service.notify`
writes both), so a mail that never goes out loses no information; account mails and the
hotline's reminders and escalations are sent directly, not queued, and the page says so (review
AL 4). A recipient who relies on
mail, e.g. for the hotline, is not told, and the administrator must be: this page lists the
mails waiting for a retry and those given up in the last :data:`RECENT`, newest first, and the
start page counts them (:func:`counts`). A mail's body is never shown (it can name a citizen);
recipient, kind, subject, tries and the mail server's last answer are.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request

from store import clock
from store.models import MailMessage, User

from ..access import admin_required
from ..extensions import db
from ..mail import mail_configured
from ..notifications.mailer import GIVE_UP_AFTER, MAX_DELAY, NOT_CONFIGURED
from ..notifications.service import NOTIFICATION_KINDS
from . import bp
from .service import PER_PAGE, ReadPage

RECENT = timedelta(days=30)  # how far back given-up mails are listed and counted


def _retrying() -> sa.ColumnElement[bool]:
    return sa.and_(MailMessage.status == "pending", MailMessage.attempts > 0)


def _given_up(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(MailMessage.status == "failed", MailMessage.created_at >= now - RECENT)


def _only_logged(now: datetime) -> sa.ColumnElement[bool]:
    # The mailer closes a queued mail it could not send for want of a mail server as done,
    # with NOT_CONFIGURED as its last answer (review AN 3: nothing waits, yet nothing went out).
    return sa.and_(MailMessage.status == "sent", MailMessage.last_error == NOT_CONFIGURED,
                   MailMessage.created_at >= now - RECENT)


def count_clauses(now: datetime) -> tuple[sa.ScalarSelect, sa.ScalarSelect, sa.ScalarSelect]:
    """The start page's three figures as scalar subqueries (read in its one statement): mails
    waiting for a retry, mails given up in the last :data:`RECENT`, and queued mails only
    logged in that time because no mail server is set (``MAIL_SERVER``)."""
    def count(where):
        return sa.select(sa.func.count()).select_from(MailMessage).where(where).scalar_subquery()

    return count(_retrying()), count(_given_up(now)), count(_only_logged(now))


@dataclass(frozen=True)
class MailRow:
    """One mail on the page, without its body."""

    id: int
    created_at: datetime
    recipient: str
    kind: str
    subject: str
    attempts: int
    last_error: str
    given_up: bool
    next_try: datetime | None


def mail_page(page: int, now: datetime) -> ReadPage:
    """One page of the mails waiting for a retry and those given up lately, newest first
    (two statements: the count and the page). A page past the end is the last one."""
    where = sa.or_(_retrying(), _given_up(now))
    total = db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(where)) or 0
    page = min(max(page, 1), max(1, -(-total // PER_PAGE)))
    stmt = (sa.select(MailMessage.id, MailMessage.created_at, User.name, MailMessage.to_address, MailMessage.kind,
                      MailMessage.subject, MailMessage.attempts, MailMessage.last_error, MailMessage.status,
                      MailMessage.available_at)
            .outerjoin(User, User.id == MailMessage.user_id).where(where)
            .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
            .limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    rows = [MailRow(mid, created, f"{name} ({address})" if name else address,
                    NOTIFICATION_KINDS.get(kind, kind), subject, attempts, last_error or "",
                    status == "failed", None if status == "failed" else available)
            for mid, created, name, address, kind, subject, attempts, last_error, status, available
            in db.session.execute(stmt)]
    return ReadPage(page=page, per_page=PER_PAGE, error_out=False, items=rows, total=total)


@bp.get("/mail")
@admin_required
def mail_queue():
    """Mails waiting for a retry and mails given up (``?side=N`` pages).

    :raise 403: for anyone but an administrator.
    """
    now = clock.utcnow()
    page = mail_page(min(request.args.get("side", 1, type=int) or 1, 1_000_000), now)
    only_logged = db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(_only_logged(now))) or 0
    return render_template("admin/mail_queue.html", page=page, mails=page.items,
                           configured=mail_configured(current_app.config), only_logged=only_logged,
                           retry_minutes=int(MAX_DELAY.total_seconds() // 60),
                           give_up_hours=int(GIVE_UP_AFTER.total_seconds() // 3600),
                           recent_days=RECENT.days)
