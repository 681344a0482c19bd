"""The hotline: a company's request for fast help, and the messages on it."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import Company
from .base import UTCDateTime, enum_of, utcnow
from .placements import Placement
from .vocab import HOTLINE_CATEGORIES, HOTLINE_MESSAGE_KINDS, HOTLINE_STATUSES, HOTLINE_URGENCIES


class HotlineRequest(db.Model):
    """A problem reported by a company; ``due_at`` is the service target of the first answer.

    ``reminded_at`` / ``escalated_at``: when the assignee was reminded before the target, and
    when an unanswered request past it was escalated to colleagues or administrators;
    ``escalated_for_id`` (migration 0038): the assignee that escalation asked others to stand in
    for (None: it had none), set in the same claim, so who was asked does not move with a later
    take-over (review BD 1).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    placement_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("placement.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(enum_of(HOTLINE_CATEGORIES, "hotline_category"))
    urgency: Mapped[str] = mapped_column(enum_of(HOTLINE_URGENCIES, "hotline_urgency"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(enum_of(HOTLINE_STATUSES, "hotline_status"), default="open")
    assigned_to_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # Set by the hotline-reminders cron job when it claims the mail (exactly once, see
    # portal/hotline/reminders.py); cleared again only if the mail could not be sent.
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    escalated_for_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # An answered request the company put back to waiting: when that message was written (the
    # new target is counted from it); None while it waits for its first answer, or is answered.
    waiting_since: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # The latest such wait the job centre answered: when, and the target it had (migration 0029),
    # so a follow-up answered late is not hidden behind the first answer's time and target.
    follow_up_answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    follow_up_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # Changed: any column, or a child row (store.models.touch): what the API's updated_since reads.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    placement: Mapped[Optional[Placement]] = relationship()
    messages: Mapped[list["HotlineMessage"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="HotlineMessage.id"
    )


class HotlineMessage(db.Model):
    """A message in a request's thread. ``kind`` (migration 0030): "message", or "closing_note",
    the job centre's note to the company written when closing the request (it stays in the
    thread with its author and time, like any message)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("hotline_request.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(enum_of(HOTLINE_MESSAGE_KINDS, "hotline_message_kind"), default="message",
                                      server_default="message")

    request: Mapped[HotlineRequest] = relationship(back_populates="messages")


class HotlineDuty(db.Model):
    """Who is on duty (vagthavende) for hotline requests without an active assignee, as an
    administrator set it (migration 0030). One row per change, never updated: the latest row
    is the setting, the older ones its history (who named whom, and when). ``user_id`` None:
    nobody on duty (the fallback group is told, :func:`portal.hotline.notify.fallback_recipients`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
