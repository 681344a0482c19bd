"""Embedding cache: never encode the same text twice with the same encoder.

Keys are content hashes, so a cache holds no readable citizen text, and erasing a citizen
means deleting the keys of their texts (``delete_many``), which callers can recompute from
the texts with :func:`cache_key`.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from cachetools import LRUCache

from matching.encoders import Encoder

ROLES = ("query", "passage")


def cache_key(encoder_name: str, role: str, text: str) -> str:
    """sha256 hex digest of the exact text, the encoder id and the role.

    Args:
        encoder_name: ``Encoder.name``; a different model never shares entries.
        role: "query" or "passage" (e5 embeds them differently).
        text: The exact text encoded (no normalisation: the encoder sees it as is).

    Raises:
        ValueError: unknown role.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    digest = hashlib.sha256()
    # Length-prefixed fields: ("ab", "c") and ("a", "bc") must not collide.
    for field in (encoder_name, role, text):
        data = field.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@runtime_checkable
class EmbeddingCache(Protocol):
    """Key-value store of embeddings (float32 vectors) by :func:`cache_key`."""

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Return the vectors found; missing keys are simply absent."""
        ...

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors, replacing existing ones."""
        ...

    def delete_many(self, keys: Iterable[str]) -> int:
        """Remove keys; return how many were present."""
        ...


class MemoryEmbeddingCache:
    """Bounded, thread-safe, in-process LRU cache (a lock around one ``cachetools.LRUCache``).

    A ``get_many`` hit or a ``put_many`` makes an entry the most recently used; stored vectors
    are private read-only copies.

    Args:
        max_entries: Least recently used entries are evicted beyond this (384 float32
            values are 1.5 KB, so the default 100,000 is about 150 MB).

    Raises:
        ValueError: ``max_entries`` below 1.
    """

    def __init__(self, max_entries: int = 100_000):
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._items: LRUCache[str, np.ndarray] = LRUCache(max_entries)
        self._lock = threading.Lock()

    @property
    def max_entries(self) -> int:
        return self._items.maxsize

    def __len__(self) -> int:
        return len(self._items)

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        with self._lock:
            # Indexing (not ``in``) marks a hit as used, once per occurrence of its key.
            return {key: self._items[key] for key in keys if key in self._items}

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        with self._lock:
            for key, vector in items.items():
                stored = np.array(vector, dtype=np.float32)  # a private copy, read-only
                stored.flags.writeable = False
                self._items[key] = stored

    def delete_many(self, keys: Iterable[str]) -> int:
        with self._lock:
            return sum(self._items.pop(key, None) is not None for key in keys)


class CachedEncoder:
    """An :class:`Encoder` that looks texts up in a cache and encodes only the misses.

    Misses are de-duplicated and sent to the inner encoder in batches of ``batch_size``.
    Same protocol, name and dimension as the inner encoder.

    Args:
        inner: The encoder doing the work.
        cache: Where vectors are kept.
        batch_size: Misses per call to the inner encoder.
    """

    def __init__(self, inner: Encoder, cache: EmbeddingCache, batch_size: int = 256):
        self.inner = inner
        self.cache = cache
        self.batch_size = batch_size
        self.name = inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query", self.inner.encode_queries)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage", self.inner.encode_passages)

    def keys(self, texts: Sequence[str], role: str) -> list[str]:
        """Cache keys of ``texts`` in ``role``, e.g. to delete a citizen's vectors."""
        return [cache_key(self.name, role, text) for text in texts]

    def _encode(self, texts: Sequence[str], role: str, encode) -> np.ndarray:
        keys = self.keys(texts, role)
        found = self.cache.get_many(keys)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = encode(batch)
            fresh = dict(zip(self.keys(batch, role), vectors))
            self.cache.put_many(fresh)
            found.update(fresh)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[key] for key in keys]).astype(np.float32, copy=False)
