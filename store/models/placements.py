"""Placements (forløb in a company) and the hours logged against them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import Company, User
from .base import UTCDateTime, enum_of, utcnow
from .citizens import Citizen
from .openings import Opening
from .vocab import CANCELLED, END_REASONS, OPENING_KINDS, PLACEMENT_EVENT_KINDS


class Placement(db.Model):
    """A citizen placed in a company: småjob, praktik, løntilskud, job or fleksjob."""

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    opening_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("opening.id"))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    kind: Mapped[str] = mapped_column(enum_of(OPENING_KINDS, "opening_kind"))
    start_date: Mapped[date]
    end_date: Mapped[Optional[date]]
    weekly_hours: Mapped[float] = mapped_column(default=0.0)
    end_reason: Mapped[Optional[str]] = mapped_column(enum_of(END_REASONS, "end_reason"))
    # Retention after a placement that ended in a job: still employed 3 / 6 months after the
    # end date (recorded by the consultant; NULL = not yet known).
    employed_3m: Mapped[Optional[bool]]
    employed_6m: Mapped[Optional[bool]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Changed: any column, or a child row (store.models.touch): what the API's updated_since reads.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    citizen: Mapped[Citizen] = relationship()
    opening: Mapped[Optional[Opening]] = relationship()
    company: Mapped[Company] = relationship()
    hours: Mapped[list["HoursLog"]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="HoursLog.month"
    )
    events: Mapped[list["PlacementEvent"]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="PlacementEvent.at"
    )

    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("weekly_hours >= 0 AND weekly_hours <= 80", name="weekly_hours_range"),
        # Ids are shown outside (API, webhooks, links): never reused after an erasure (migration 0015).
        {"sqlite_autoincrement": True},
    )

    @classmethod
    def not_cancelled(cls) -> sa.ColumnElement[bool]:
        """The placement took place or may: not cancelled before its start (end reason
        :data:`~store.models.vocab.CANCELLED`, "aflyst"), which counts as no placement anywhere."""
        return sa.or_(cls.end_reason.is_(None), cls.end_reason != CANCELLED)


class HoursLog(db.Model):
    """Paid (or attended) hours for one placement in one calendar month."""

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]  # first day of the month
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    logged_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[Placement] = relationship(back_populates="hours")

    __table_args__ = (
        sa.UniqueConstraint("placement_id", "month", name="uq_hours_month"),
        sa.CheckConstraint("hours >= 0 AND hours <= 400", name="hours_range"),
    )


PLACEMENT_NOTE_LENGTH = 1000


class PlacementEvent(db.Model):
    """One consultant action on a placement (start, follow-up, end, correction).

    The newest one is the last follow-up. Rows are never updated or deleted by the portal: a
    correction is a new row; they go with the placement (``ON DELETE CASCADE``), so erasing
    a citizen erases the notes too. ``note`` is the consultant's free text (may be personal
    data): shown to staff on the placement page only, never to the company and never copied
    into the audit log; retention blanks it (:mod:`portal.privacy`).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(enum_of(PLACEMENT_EVENT_KINDS, "placement_event_kind"))
    note: Mapped[str] = mapped_column(sa.String(PLACEMENT_NOTE_LENGTH), default="")
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[Placement] = relationship(back_populates="events")
    user: Mapped[Optional[User]] = relationship()
