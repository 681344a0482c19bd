"""The consultant's trail of a placement: start, follow-ups, end and corrections.

Lives with the placements area rather than in :mod:`portal.models` only because that
package belongs to the lead; it is imported by the blueprint package, so it is part of
``db.metadata`` in every app (and in ``migrations/versions/0002_placement_event.py``).
Rows are never updated or deleted by the portal: a correction is a new row. They go with
the placement (``ON DELETE CASCADE``), so erasing a citizen erases the notes too.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Placement, User
from ..models.base import enum_of, utcnow

EVENT_KINDS = {
    "started": "Forløb startet",
    "followup": "Opfølgning",
    "ended": "Forløb afsluttet",
    "corrected": "Afslutning rettet",
}
MAX_NOTE_LENGTH = 1000


class PlacementEvent(db.Model):
    """One consultant action on a placement; the newest one is the last follow-up.

    ``note`` is the consultant's free text (may be personal data): shown to staff on the
    placement page only, never to the company and never copied into the audit log.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(enum_of(EVENT_KINDS, "placement_event_kind"))
    note: Mapped[str] = mapped_column(sa.String(MAX_NOTE_LENGTH), default="")
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    placement: Mapped[Placement] = relationship()
    user: Mapped[Optional[User]] = relationship()
