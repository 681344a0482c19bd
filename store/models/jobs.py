"""The runs of the scheduled commands (cron), for the administrator's start page (migration 0031)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow

JOB_RUN_OUTCOMES = ("running", "ok", "failed")


class JobRun(db.Model):
    """One run of a scheduled command (``flask --app portal retention``, ``hotline-reminders``,
    ``hours-reminders``): written when it starts (``running``), finished with ``ok`` or
    ``failed`` and a short Danish ``summary`` (»3 borgere anonymiseret«). A run killed midway
    stays ``running``. ``portal.job_runs`` writes and reads them and keeps the latest few."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(sa.String(10), default="running")
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")  # 300 before 0045

    __table_args__ = (
        sa.CheckConstraint("outcome IN ('running', 'ok', 'failed')", name="outcome_known"),
        sa.Index("ix_job_run_job_started_at", "job", "started_at"),
    )
