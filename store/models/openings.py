"""Openings that companies post, and the eligibility rules table."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import Company, User
from .base import UTCDateTime, enum_of, utcnow
from .vocab import BENEFIT_GROUPS, OPENING_KINDS, OPENING_STATUSES


class Opening(db.Model):
    """A småjob, virksomhedspraktik, løntilskud, ordinary job or fleksjob.

    ``capacity`` > 1 models a virksomhedscenter's standing seats.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    # An id from the job centre's own campaign file or an API client (unique per company).
    external_id: Mapped[Optional[str]] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(enum_of(OPENING_KINDS, "opening_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    requirements: Mapped[str] = mapped_column(sa.Text, default="")
    hours_min: Mapped[float] = mapped_column(default=0.0)
    hours_max: Mapped[float] = mapped_column(default=37.0)
    postcode: Mapped[str] = mapped_column(sa.String(4))
    start_date: Mapped[Optional[date]]
    duration_weeks: Mapped[Optional[int]]
    # Any one of these driving licence categories will do; [] = "kørekort ikke nødvendigt".
    required_licences: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    required_languages: Mapped[str] = mapped_column(sa.String(200), default="")
    accommodations: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(enum_of(OPENING_STATUSES, "opening_status"), default="draft")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped[Company] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("hours_min >= 0 AND hours_max >= hours_min AND hours_max <= 80",
                           name="hours_range"),
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("duration_weeks IS NULL OR duration_weeks > 0", name="duration_positive"),
        sa.UniqueConstraint("company_id", "external_id", name="uq_opening_company_external_id"),
    )


class EligibilityRule(db.Model):
    """May a citizen in ``benefit_group`` take an opening of ``opening_kind``?

    Data, not code: an administrator edits it; defaults are seeded from
    ``portal.eligibility.DEFAULT_ELIGIBILITY``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_group: Mapped[str] = mapped_column(enum_of(BENEFIT_GROUPS, "benefit_group"))
    opening_kind: Mapped[str] = mapped_column(enum_of(OPENING_KINDS, "opening_kind"))
    allowed: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.UniqueConstraint("benefit_group", "opening_kind", name="uq_eligibility_pair"),)


class EligibilityVersion(db.Model):
    """How many times the eligibility table has been saved: one row (id 1).

    A save reads the counter before it reads the table and, in the transaction that writes
    the table, bumps it with ``UPDATE ... WHERE version = <the one read>`` (compare-and-set,
    ``portal.eligibility.save_table``): of two administrators saving at the same moment
    exactly one gets the row, the other is refused as a stale page (review AN 8). The row is
    written by the first save (a missing row reads as version 0).
    """

    __tablename__ = "eligibility_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)


# The longest reason a consultant gives for »Ingen egnede kandidater lige nu«.
NONE_SUITABLE_REASON_LENGTH = 300


class OpeningNoneSuitable(db.Model):
    """A consultant's mark »Ingen egnede kandidater lige nu« on an open opening (review BK 6):
    who, when and why, and the opening's ``version`` then. It takes the opening off the
    unassessed list of the start page while it holds (``portal.candidates.none_suitable``): not
    undone, the opening not edited since (same version), and younger than the hold period.

    Job-centre only: never shown to the company, nor in the API, nor does it touch the opening.
    Rows are never deleted by the portal (the history of marks is the record); an undo fills in
    ``undone_at`` and ``undone_by_id``. They go with the opening (``ON DELETE CASCADE``).
    ``reason`` is the consultant's free text (checked for CPR numbers on entry); it may name a
    citizen, so the retention run blanks it 90 days after the mark ended
    (``portal.candidates.none_suitable.blank_old_reasons``), and erasing or anonymising a citizen
    blanks at once every reason that names them (``portal.privacy.scrubbing.naming_marks``).
    """

    __tablename__ = "opening_none_suitable"

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("opening.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(NONE_SUITABLE_REASON_LENGTH))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opening_version: Mapped[int]
    undone_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    undone_by: Mapped[Optional[User]] = relationship(foreign_keys=[undone_by_id])
