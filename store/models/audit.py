"""The append-only audit log and the login-attempt store used for throttling."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Who did what to which citizen/opening, when, why and with which result.

    Append-only: the ORM refuses updates and deletes (see ``portal.audit``), and
    the migration adds database triggers that do the same.
    Never holds passwords, tokens, CPR numbers or health details.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.Integer)  # no FK: the log outlives users
    role: Mapped[str] = mapped_column(sa.String(20), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    citizen_id: Mapped[Optional[int]] = mapped_column(sa.Integer, index=True)
    opening_id: Mapped[Optional[int]] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(60))
    purpose: Mapped[str] = mapped_column(sa.String(200), default="")
    result: Mapped[str] = mapped_column(sa.String(40), default="ok")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")


class AuditRetentionWindow(db.Model):
    """The retention run's leave to delete access-log rows older than ``cutoff``, on SQLite.

    ``audit_event``'s delete trigger (migration 0034) refuses every delete unless this one row
    (id 1) is there and the row deleted is older than its ``cutoff``. The retention step
    (``portal.audit_retention.prune``) writes it, deletes and removes it again inside one
    transaction, so it is never committed: no other writer ever sees it. PostgreSQL has the table
    too (one schema) but its trigger reads ``SET LOCAL`` settings instead, which end with the
    transaction by themselves.
    """

    __tablename__ = "audit_retention_window"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)


class LoginAttempt(db.Model):
    """A failed login, keyed by account or by client IP; shared by all workers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
