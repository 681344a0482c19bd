"""Column helpers shared by the model modules."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from store.clock import utcnow

__all__ = ["UTCDateTime", "enum_of", "utcnow"]


class UTCDateTime(sa.types.TypeDecorator):
    """A moment stored in UTC and always loaded as an aware UTC datetime.

    PostgreSQL keeps the zone (``timestamptz``); SQLite stores text and hands back naive
    values. This type is the one place that treats a stored moment as UTC, so no caller has
    to patch ``tzinfo`` after a load. Naive values written are taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # a date is a day, not a moment: say so clearly
            raise TypeError(f"a moment column needs a datetime, not {type(value).__name__} {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


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

