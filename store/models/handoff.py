"""The company hand-off after disclosure: interview times, in-portal notifications, the mail queue."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import User
from .base import UTCDateTime, enum_of, utcnow
from .proposals import Proposal
from .vocab import INTERVIEW_SIDES, INTERVIEW_STATUSES, MAIL_STATUSES


# The partial unique index behind "one booked interview per proposal" (its name is how a refusal
# is told from any other IntegrityError).
ONE_BOOKED_INDEX = "uq_interview_one_booked"


class Interview(db.Model):
    """One offered interview time for a proposal (job interview / samtale).

    One side offers one or more times (``offered``); the other side books one (``booked``),
    which declines the rest; at most one row of a proposal is ``booked`` (:data:`ONE_BOOKED_INDEX`).
    Moving a booked interview cancels it and offers new times.
    ``uid`` and ``sequence`` are the iCalendar UID and SEQUENCE of the invitation, so a
    moved or cancelled interview updates the same calendar entry.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    offered_by: Mapped[str] = mapped_column(enum_of(INTERVIEW_SIDES, "interview_side"))
    offered_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(enum_of(INTERVIEW_STATUSES, "interview_status"), default="offered")
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    proposal: Mapped[Proposal] = relationship()
    offered_by_user: Mapped[Optional[User]] = relationship(foreign_keys=[offered_by_id])

    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"),
        # At most one booked time per proposal, whoever writes (migration 0028): the service's
        # row lock (portal.interviews.common.lock) orders its own steps; this refuses the rest.
        sa.Index(ONE_BOOKED_INDEX, "proposal_id", unique=True,
                 sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'")),
        # Ids are shown outside (API paths, webhooks): never reused after an erasure (migration 0015).
        {"sqlite_autoincrement": True},
    )


class Notification(db.Model):
    """One item in a user's in-portal list ("Beskeder"); unread while ``read_at`` is NULL.

    ``text`` says no more about a citizen than the recipient may see in the portal, and
    ``link`` is the portal path where the item is handled. ``dedupe_key`` (optional, unique)
    makes a repeated job (e.g. the hours reminder on the 3rd) notify once.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    dedupe_key: Mapped[Optional[str]] = mapped_column(sa.String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)


class MailMessage(db.Model):
    """A mail in the durable queue: written in the same transaction as what it reports,
    sent (and retried with back-off) by the mail worker, sent at most once.

    ``body`` and ``ics`` are blanked once the mail is sent or given up (they can carry a
    disclosed citizen's name); subject, recipient, kind and times stay for the audit trail.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    ics: Mapped[Optional[str]] = mapped_column(sa.Text)  # an iCalendar attachment (text/calendar)
    dedupe_key: Mapped[Optional[str]] = mapped_column(sa.String(160), unique=True)
    status: Mapped[str] = mapped_column(enum_of(MAIL_STATUSES, "mail_status"), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[Optional[str]] = mapped_column(sa.String(300))
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
