"""Ordinary wage hours the case system knows of, per citizen and month (migration 0044).

The focus goal counts a citizen as met with 100 ordinary wage hours (småjob, ordinært job,
fleksjob) in the last 12 calendar months. Jobbro knows the hours of the placements registered in
it (``HoursLog``); the hours a citizen worked before Jobbro was taken into use, or in a job Jobbro
never registered, are known to the case system (eIndkomst). They come in by the import's
»Løntimer fra fagsystemet« (:mod:`portal.imports.wage_hours`), one figure per citizen and month, a
re-import replacing the month's figure. The focus figure reads them beside Jobbro's own hours
without ever counting a month twice (:meth:`portal.dashboard.facts.Facts.hundredths_per_citizen`).

They go with the citizen (``ON DELETE CASCADE`` and the relationship's cascade on
``Citizen.prior_wage_hours``), so an erasure deletes them; anonymisation deletes them too
(:mod:`portal.privacy.retention`).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow

# The portal's most hours in one month (the hours form's, portal.placements.forms.MAX_HOURS; HoursLog's check).
MAX_MONTH_HOURS = 400


class PriorWageHours(db.Model):
    """Ordinary wage hours of one citizen in one calendar month, as the case system told them."""

    __tablename__ = "prior_wage_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]  # first day of the month
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    # Where the figure came from ("import": the import page or command) and when it was last written.
    source: Mapped[str] = mapped_column(sa.String(20), default="import")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("citizen_id", "month", name="uq_prior_wage_hours_month"),
        sa.CheckConstraint(f"hours >= 0 AND hours <= {MAX_MONTH_HOURS}", name="hours_range"),
    )
