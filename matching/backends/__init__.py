"""Search backends behind one port; `make_backend` picks one by configuration name."""

from __future__ import annotations

from typing import Any

from matching.backends.base import (
    FIELD_TYPES,
    KINDS,
    BackendError,
    BackendUnavailable,
    Condition,
    Document,
    ExcludeIds,
    GeoDistance,
    Hit,
    IndexBroken,
    IndexMissing,
    MatchBackend,
    Range,
    RebuildWriter,
    Terms,
)
from matching.backends.memory import MemoryBackend

__all__ = [
    "FIELD_TYPES", "KINDS", "BackendError", "BackendUnavailable", "Condition", "Document",
    "ExcludeIds", "GeoDistance", "Hit", "IndexBroken", "IndexMissing", "MatchBackend", "MemoryBackend", "Range",
    "RebuildWriter", "Terms", "make_backend",
]


def make_backend(name: str, **settings: Any) -> MatchBackend:
    """Build the backend named by config (e.g. MATCHING_BACKEND).

    Args:
        name: "memory" or "elasticsearch".
        settings: passed to the backend, e.g. url=..., dims=384 for Elasticsearch.

    Raises:
        ValueError: for an unknown name.
    """
    key = name.strip().lower()
    if key == "memory":
        return MemoryBackend(**settings)
    if key == "elasticsearch":
        # Imported lazily so the memory backend works without the client installed.
        from matching.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(**settings)
    raise ValueError(f"unknown matching backend {name!r}; expected 'memory' or 'elasticsearch'")
