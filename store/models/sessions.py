"""One row per logged-in device of a user (portal.auth.sessions).

The session cookie carries a random id; the table keeps only its SHA-256 (``key_hash``), so a
copy of the database logs nobody in. A row is the session: deleting it ends that device's
session at its next request (its own log-out, »Log ud« on another device, a password change,
deactivation, a lockout). Rows past the absolute session lifetime, or idle longer than the
idle limit, are dead and purged by the retention run. No address is kept: the device label
(e.g. "Chrome på Windows", from the User-Agent) and two times are enough for the user to
recognise a device, and they go with the row after at most 12 hours.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow


class UserSession(db.Model):
    """A device's log-in: ``id`` names it in the user's own forms, ``key_hash`` finds it from
    the cookie (``sha256(key).hexdigest()``, the key never stored)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Written at most every few minutes (portal.auth.sessions.TOUCH_SECONDS), not per request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    device: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
