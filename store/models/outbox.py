"""The transactional outbox drained by the indexer, and the embedding cache."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .base import UTCDateTime, utcnow

OUTBOX_ENTITIES = ("citizen", "opening")
OUTBOX_OPS = ("upsert", "delete")


class OutboxEvent(db.Model):
    """A change the matching index must learn about, written in the same
    transaction as the change itself (see ``store.outbox.record_change``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(20))
    entity_id: Mapped[int] = mapped_column(sa.Integer)
    op: Mapped[str] = mapped_column(sa.String(10), default="upsert")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[Optional[str]] = mapped_column(sa.String(500))
    claimed_by: Mapped[Optional[str]] = mapped_column(sa.String(64))
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("entity IN ('citizen', 'opening')", name="entity_known"),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name="op_known"),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name="status_known"),
    )


class EmbeddingCacheEntry(db.Model):
    """A cached embedding keyed by ``matching.cache.cache_key`` (hash of exact text + encoder)."""

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    encoder: Mapped[str] = mapped_column(sa.String(80))
    dimension: Mapped[int]
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IndexerState(db.Model):
    """Small key/value facts the indexer reports (last run, last error)."""

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
