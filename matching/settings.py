"""Matching settings from a Flask-style configuration mapping, and the backend/encoder factories.

Shared by the portal (ranking) and the indexer (writing), so both processes open the same
index. The keys are the portal's (``DATABASE_URL``, ``MATCHING_BACKEND``, ``ELASTICSEARCH_URL``,
``MATCHING_ENCODER``, ``MATCHING_ADAPTER``, ``MATCHING_CONCEPTS``, ``ELASTICSEARCH_INDEX_PREFIX``,
``ELASTICSEARCH_TIMEOUT``) plus
``MATCHING_INDEX_PATH`` (the memory backend's snapshot file, default
``<instance>/matching-index.npz``). Imports only :mod:`matching`: the portal builds its
search backend with :func:`make_configured_backend` too, so both processes share one index.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.adapter import DEFAULT_ADAPTER
from matching.backends import MatchBackend, make_backend
from matching.backends.snapshot import SnapshotBackend
from matching.concept_channel import CONCEPT_WEIGHT, DEFAULT_CONCEPTS, ConceptChannel, load_channel
from matching.encoders import Encoder, make_encoder

SNAPSHOT_NAME = "matching-index.npz"


@dataclass(frozen=True)
class MatchingSettings:
    """What the indexer needs to know, read from a Flask-style config mapping.

    Attributes:
        backend: "memory" or "elasticsearch".
        encoder: encoder spec for ``matching.encoders.make_encoder``; a ``MATCHING_ADAPTER``
            other than the default is appended as "+<adapter>" (e.g. "e5+none"), so every
            process that builds the encoder from this spec adapts its vectors alike.
        concepts: the concept channel's table (``MATCHING_CONCEPTS``: a shipped version such
            as "concepts-v1", a .npz path, or "none"); ``concept_weight`` its lift
            (``MATCHING_CONCEPT_WEIGHT``).
        elasticsearch_url, index_prefix, timeout: Elasticsearch connection.
        snapshot_path: file of the memory backend's shared index.
        upload_folder: where uploaded CV files are stored (generated names).
    """

    backend: str = "memory"
    encoder: str = "e5"
    concepts: str = DEFAULT_CONCEPTS
    concept_weight: float = CONCEPT_WEIGHT
    elasticsearch_url: str = "http://127.0.0.1:9200"
    index_prefix: str = "jobbro"
    timeout: float = 2.0
    snapshot_path: Path = Path("instance") / SNAPSHOT_NAME
    upload_folder: Path = Path("instance") / "uploads"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str | Path) -> "MatchingSettings":
        """Settings from ``app.config`` and ``app.instance_path``."""
        instance = Path(instance_path)
        return cls(
            backend=str(config.get("MATCHING_BACKEND", "memory")).strip().lower(),
            encoder=encoder_spec(config),
            concepts=str(config.get("MATCHING_CONCEPTS") or DEFAULT_CONCEPTS).strip(),
            concept_weight=float(config.get("MATCHING_CONCEPT_WEIGHT", CONCEPT_WEIGHT)),
            elasticsearch_url=str(config.get("ELASTICSEARCH_URL", cls.elasticsearch_url)),
            index_prefix=str(config.get("ELASTICSEARCH_INDEX_PREFIX", "jobbro")),
            timeout=float(config.get("ELASTICSEARCH_TIMEOUT", 2.0)),
            snapshot_path=Path(config.get("MATCHING_INDEX_PATH") or instance / SNAPSHOT_NAME),
            upload_folder=Path(config.get("UPLOAD_FOLDER") or instance / "uploads"),
        )


def encoder_spec(config: Mapping[str, Any]) -> str:
    """``MATCHING_ENCODER`` with a non-default ``MATCHING_ADAPTER`` appended ("e5+none")."""
    encoder = str(config.get("MATCHING_ENCODER", "e5")).strip()
    adapter = str(config.get("MATCHING_ADAPTER") or DEFAULT_ADAPTER).strip()
    if "+" in encoder or adapter == DEFAULT_ADAPTER:
        return encoder
    return f"{encoder}+{adapter}"


BACKEND_NAMES = ("memory", "elasticsearch")


def check(settings: MatchingSettings) -> None:
    """Refuse settings the first ranking would fail on, without loading a model or opening an
    index: an unknown backend, an unknown encoder spec, an adapter that cannot be read.

    Raises:
        ValueError: what is wrong (``matching.adapter.AdapterError`` for the adapter).
        matching.encoders.EncoderUnavailable: an encoder whose package is not installed.
    """
    if settings.backend not in BACKEND_NAMES:
        raise ValueError(f"unknown matching backend {settings.backend!r}; expected "
                         f"{' or '.join(repr(n) for n in BACKEND_NAMES)}")
    make_encoder(settings.encoder)  # models load on first use; an adapter file is read (once per process)


def make_configured_backend(settings: MatchingSettings, dims: int | None = None) -> MatchBackend:
    """The configured backend: the shared snapshot for "memory", else ``make_backend``.

    Args:
        settings: from :meth:`MatchingSettings.from_config`.
        dims: vector dimension (required for Elasticsearch: it is fixed in the mapping).

    Raises:
        ValueError: unknown backend name, or Elasticsearch without ``dims``.
    """
    if settings.backend == "memory":
        return SnapshotBackend(settings.snapshot_path)
    if settings.backend == "elasticsearch" and not dims:
        raise ValueError("the Elasticsearch backend needs the encoder's dimension")
    return make_backend(settings.backend, url=settings.elasticsearch_url, dims=dims,
                        prefix=settings.index_prefix, request_timeout=settings.timeout)


def make_configured_encoder(settings: MatchingSettings) -> Encoder:
    """The configured encoder (its model loads on first use).

    Raises:
        ValueError: unknown encoder spec.
    """
    return make_encoder(settings.encoder)


def make_configured_concepts(settings: MatchingSettings, encoder_name: str) -> ConceptChannel | None:
    """The configured concept channel for the encoder named ``encoder_name`` (None: off, or
    the table does not fit that encoder; see ``matching.concept_channel.load_channel``).

    Raises:
        matching.concepts.ConceptTableError: the table file is missing or invalid.
    """
    return load_channel(settings.concepts, encoder_name, settings.concept_weight)
