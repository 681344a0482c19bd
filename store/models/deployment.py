"""Facts about this deployment that the code cannot know by itself (migration 0041)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime

# When this deployment began to share only what a consent's text covers
# (``portal.consents.CONSENT_SCOPES``): written by migration 0041, read by the access export.
CONSENT_SCOPE_RULE_FROM = "consent_scope_rule_from"


class DeploymentFact(db.Model):
    """A named moment in this deployment's life, written by the migration that brought the
    change it dates (the moment a deployment took a rule into use is the moment it applied
    that migration). Never written by the portal."""

    __tablename__ = "deployment_fact"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
