"""Column helpers shared by the model modules."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa


def utcnow() -> datetime:
    """Timezone-aware current UTC time (the single clock the models use)."""
    return datetime.now(timezone.utc)


def enum_of(vocabulary: dict, name: str) -> sa.Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, keys from a vocabulary."""
    return sa.Enum(
        *vocabulary.keys(),
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(k) for k in vocabulary) + 8,
        validate_strings=True,
    )


def created_column() -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
