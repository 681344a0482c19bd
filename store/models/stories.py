"""Success stories (gode historier) that Code of Care partners share with each other."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import Company, User
from .base import UTCDateTime, enum_of, utcnow
from .placements import Placement
from .vocab import ENDING_REASONS, OPENING_KINDS

STORY_TITLE_LENGTH = 120
STORY_TEXT_LENGTH = 4000

STORY_STATUSES = {
    "draft": "Kladde",
    "published": "Offentliggjort",
    "withdrawn": "Trukket tilbage",
}


class SuccessStory(db.Model):
    """A consultant's anonymous story of a placement that went well.

    The story never names the citizen (checked on publish, see :mod:`portal.stories.service`).
    ``consent_confirmed`` records that the citizen agreed to the story being shared; the
    database refuses a published story without it. ``placement_id`` is optional and becomes
    NULL when the placement goes; erasing the citizen also withdraws the story (the consent
    it was published on ends, see :mod:`portal.privacy`).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(STORY_TITLE_LENGTH))
    text: Mapped[str] = mapped_column(sa.String(STORY_TEXT_LENGTH))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    placement_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("placement.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(enum_of(OPENING_KINDS, "opening_kind"))
    # How a started placement ended: never "aflyst" (a placement cancelled before its start has
    # no outcome), which the database's CHECK has never allowed here either.
    outcome: Mapped[Optional[str]] = mapped_column(enum_of(ENDING_REASONS, "end_reason"))
    status: Mapped[str] = mapped_column(enum_of(STORY_STATUSES, "story_status"), default="draft", index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    consent_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship()
    placement: Mapped[Optional[Placement]] = relationship()
    author: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status <> 'published' OR consent_confirmed", name="published_needs_consent"),
    )
