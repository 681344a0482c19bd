"""A database-backed embedding cache (``matching.cache.EmbeddingCache``).

Keys are ``matching.cache.cache_key`` digests, so the table holds vectors and hashes, never
readable text. The indexer and the portal's reranking share it: a text is encoded once.
Erasure: :func:`sweep` deletes every entry that no live text maps to any more.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from .database import upsert
from .models.base import utcnow
from .models.outbox import EmbeddingCacheEntry

_CHUNK = 500


class DbEmbeddingCache:
    """EmbeddingCache on the ``embedding_cache_entry`` table, in the caller's session.

    Writes are flushed into ``session`` and never committed here: the caller commits
    (the indexer once per batch). Inserts are "insert or replace" in one statement, so two
    workers caching the same text never fail on the primary key.

    Args:
        session: SQLAlchemy session on the portal database.
        encoder_name: ``Encoder.name``, stored with each entry (status and sweeping).
    """

    def __init__(self, session: Session, encoder_name: str) -> None:
        self.session = session
        self.encoder_name = encoder_name

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self.session.execute(
                sa.select(EmbeddingCacheEntry.key, EmbeddingCacheEntry.vector,
                          EmbeddingCacheEntry.dimension)
                .where(EmbeddingCacheEntry.key.in_(wanted[start:start + _CHUNK])))
            for key, blob, dimension in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.size == dimension:  # a torn or foreign row is a miss, not a crash
                    found[key] = vector
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        rows = [
            {"key": key, "encoder": self.encoder_name, "dimension": int(vector.size),
             "vector": np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
             "created_at": utcnow()}
            for key, vector in items.items()
        ]
        for start in range(0, len(rows), _CHUNK):
            self.session.execute(upsert(self.session, EmbeddingCacheEntry, rows[start:start + _CHUNK],
                                        key=["key"], update=["vector", "dimension", "encoder"]))

    def delete_many(self, keys: Iterable[str]) -> int:
        wanted = list(dict.fromkeys(keys))
        deleted = 0
        for start in range(0, len(wanted), _CHUNK):
            result = self.session.execute(
                sa.delete(EmbeddingCacheEntry)
                .where(EmbeddingCacheEntry.key.in_(wanted[start:start + _CHUNK])))
            deleted += result.rowcount or 0
        return deleted

    def __len__(self) -> int:
        return int(self.session.scalar(sa.select(sa.func.count()).select_from(EmbeddingCacheEntry)))


def sweep(session: Session, live_keys: set[str]) -> int:
    """Delete every cached embedding whose key is not in ``live_keys``.

    Used after an erasure (and after a rebuild): the keys of texts no longer in the
    database, including older versions of a CV, disappear with them. The caller commits.

    Returns:
        The number of entries deleted.
    """
    stored = session.scalars(sa.select(EmbeddingCacheEntry.key)).all()
    dead = [key for key in stored if key not in live_keys]
    return DbEmbeddingCache(session, "").delete_many(dead)
