"""The portal's embedding cache: read in the request's session, written after the request.

A ranking that meets a text no vector is stored for (an opening or a jobmål edited a moment
ago) encodes it and caches the vector. Written in the request's own transaction, that row
stayed locked until the request ended: on SQLite the write lock was held through the rest of
the ranking and the page's rendering, blocking every other writer; on PostgreSQL two requests
caching the same texts in different orders waited for each other and could deadlock (three
503s in a 30-minute soak with edits, docs/performance.md). So the portal keeps the new
vectors in the request (``flask.g``) and writes them in a short transaction of their own when
the request's app context ends, after its session is closed: the request holds no lock for
them, and one sorted statement per batch cannot deadlock with another.

The cache is an optimisation: a failed write is logged and the vectors are encoded again
next time; the request's answer never depends on it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy.orm import Session

from store.embedding_store import DbEmbeddingCache

from .extensions import db

log = logging.getLogger(__name__)

_PENDING = "jobbro_embedding_cache_pending"


class RequestEmbeddingCache(DbEmbeddingCache):
    """:class:`DbEmbeddingCache` whose writes wait for the end of the app context."""

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(keys))
        pending = _pending().get(self.encoder_name, {})
        found = {key: pending[key] for key in wanted if key in pending}
        rest = [key for key in wanted if key not in found]
        if rest:
            found.update(super().get_many(rest))
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        _pending().setdefault(self.encoder_name, {}).update(items)


def _pending() -> dict[str, dict[str, np.ndarray]]:
    return g.setdefault(_PENDING, {})


def write_pending() -> int:
    """Write the vectors this app context cached, in a transaction of their own.

    The request's session is closed first (its connection goes back to the pool with its
    transaction ended), so the write never waits for a lock of the same request.

    Returns:
        The number of vectors written (0 when none were pending or the write failed).
    """
    pending = g.pop(_PENDING, None)
    if not pending:
        return 0
    db.session.remove()
    written = 0
    try:
        with Session(db.engine) as session:
            for encoder_name, items in sorted(pending.items()):
                DbEmbeddingCache(session, encoder_name).put_many(dict(sorted(items.items())))
                written += len(items)
            session.commit()
    except sa.exc.SQLAlchemyError as err:
        log.warning("embedding cache: %d new vectors not stored (%s); they are encoded again "
                    "when next needed", sum(len(i) for i in pending.values()), type(err).__name__)
        return 0
    return written


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _write_pending_vectors(_error: BaseException | None) -> None:
        write_pending()
