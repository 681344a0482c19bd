"""The portal's matching wiring: one encoder and one backend per process, a service per request.

The encoder model loads once per process, lazily (first ranking), and is wrapped per
request in a ``CachedEncoder`` over the database embedding cache, so vectors the indexer
already computed are reused. The backend is the one the indexer writes
(``matching.settings.make_configured_backend``): the shared snapshot file for "memory",
Elasticsearch otherwise.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from matching.settings import MatchingSettings, make_configured_backend
from matching.backends import MatchBackend
from matching.cache import CachedEncoder
from matching.domain import RankingWeights
from matching.encoders import Encoder, make_encoder
from matching.service import MatchingService

from store.embedding_store import DbEmbeddingCache
from .extensions import db
from store.models import OutboxEvent
from store.profiles import load_rules

_KEY = "jobbro_matching"
_LOCK = threading.Lock()


@dataclass
class _Runtime:
    settings: MatchingSettings
    encoder: Encoder
    backend: MatchBackend


def _runtime() -> _Runtime:
    runtime = current_app.extensions.get(_KEY)
    if runtime is None:
        with _LOCK:
            runtime = current_app.extensions.get(_KEY)
            if runtime is None:
                settings = MatchingSettings.from_config(current_app.config, current_app.instance_path)
                encoder = make_encoder(settings.encoder)
                dims = encoder.dimension if settings.backend != "memory" else None
                runtime = _Runtime(settings, encoder, make_configured_backend(settings, dims=dims))
                current_app.extensions[_KEY] = runtime
    return runtime


def warm_up() -> None:
    """Load the encoder model and the index now, not on some user's first ranking.

    Called once per server process (``portal.wsgi``): a gunicorn worker then answers its
    first ranking page as fast as its hundredth. A failure (e.g. Elasticsearch down) is only
    logged: the ranking page reports it in the portal's own words when it is used.
    """
    try:
        runtime = _runtime()
        runtime.encoder.encode_queries(["opvarmning"])
    except Exception:  # noqa: BLE001 - start-up must go on; the ranking page reports the fault
        current_app.logger.warning("matching warm-up failed; the first ranking will retry",
                                   exc_info=True)


def matching_service(weights: RankingWeights = RankingWeights()) -> MatchingService:
    """A MatchingService for this request (rules read fresh from the database)."""
    runtime = _runtime()
    encoder = CachedEncoder(runtime.encoder, DbEmbeddingCache(db.session, runtime.encoder.name))
    return MatchingService(encoder, runtime.backend, weights, load_rules(db.session))


def pending_changes() -> int:
    """Outbox rows the indexer has not processed yet (shown next to rankings)."""
    return db.session.scalar(
        sa.select(sa.func.count(OutboxEvent.id)).where(OutboxEvent.status == "pending")) or 0
