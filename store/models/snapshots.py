"""Frozen figures of a finished month (Mål og opfølgning), so that a reported month stays true.

A month's figures are worked out from the data as it is when they are computed; records entered
later with earlier dates, or a jobmål added today, would otherwise move a month already reported.
The first computation after the month ended is kept here, per scope, and shown from then on; an
administrator may recompute a month explicitly (audited). The month in progress is never kept.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow


class FigureSnapshot(db.Model):
    """One month's figure cards for one scope ("all", "team:<id>", "mine:<user id>"), as JSON."""

    __tablename__ = "figure_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)  # first day of the month
    scope: Mapped[str] = mapped_column(sa.String(40))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    metrics: Mapped[str] = mapped_column(sa.Text)  # JSON: a list of the month's metrics

    __table_args__ = (sa.UniqueConstraint("month", "scope", name="uq_figure_snapshot_month_scope"),)
