"""A form held on the server across a log-in or a password confirmation (portal.auth.held),
and the one-time form ids that keep a form sent twice from creating twice (portal.once).

The fields a user typed (health details among them, on the skånehensyn form) never go into
the session cookie, which is signed but readable: the cookie carries only this row's random
id. A held row belongs to its user (deleted with the user), is deleted when it is used, when
the user logs out, and once it has expired. A claim (kind :data:`CLAIM_KIND`) holds no form
content, only where the object made is and a hash of what was sent; it lives until it expires
(24 hours) or its user is deleted, so a log-out, a citizen's erasure or many held forms do not
make a repeated form create again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow

CLAIM_KIND = "once"  # a one-time form id (portal.once), not a held form


class HeldForm(db.Model):
    """One held POST: ``payload`` is JSON (``form``: the fields as [name, value] pairs, never the
    CSRF token; plus where it was posted and where to return, which the kind decides)."""

    __tablename__ = "held_form"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # secrets.token_urlsafe(32)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))  # "relogin", "replay" or CLAIM_KIND: which module reads it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
