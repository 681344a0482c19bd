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


class LoginAttempt(db.Model):
    """A failed login, keyed by account or by client IP; shared by all workers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
