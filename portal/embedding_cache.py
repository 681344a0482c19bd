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

A request that makes many vectors (a reduced ranking while the index is rebuilt, review BB 1)
writes them every ``WRITE_EVERY`` as they are made, in the same short transaction of their own,
when the request's connection holds no write lock (SQLite: no write in its transaction yet;
PostgreSQL: the request never writes these rows itself), so a request cut short (a proxy's
timeout, a restart) does not lose them and the next ranking does not make them again.

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
_MADE = "jobbro_embedding_cache_made"
# Vectors kept in the request before they are written at once (when that cannot wait for a
# lock of the request's own: ``_may_write_now``).
WRITE_EVERY = 32


class RequestEmbeddingCache(DbEmbeddingCache):
    """:class:`DbEmbeddingCache` whose writes wait for the end of the app context."""

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(keys))
        made = _made().setdefault(self.encoder_name, {})
        found = {key: made[key] for key in wanted if key in made}
        rest = [key for key in wanted if key not in found]
        if rest:
            read = super().get_many(rest)
            found.update(read)
            # A reduced ranking looks its texts up before it encodes the missing ones (the
            # same keys twice): the second look-up is answered from the request.
            made.update(read)
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        _pending().setdefault(self.encoder_name, {}).update(items)
        _made().setdefault(self.encoder_name, {}).update(items)
        if sum(len(v) for v in _pending().values()) >= WRITE_EVERY and _may_write_now():
            _write(g.pop(_PENDING))


def _pending() -> dict[str, dict[str, np.ndarray]]:
    return g.setdefault(_PENDING, {})


def _made() -> dict[str, dict[str, np.ndarray]]:
    """Every vector this app context made (written or not) or read: read back without the
    database."""
    return g.setdefault(_MADE, {})


def _may_write_now() -> bool:
    """Whether a write in a transaction of its own cannot wait for a lock the request holds.

    On SQLite only one connection writes at a time: once the request's transaction has
    written, another connection's write would wait for the request's own end. PostgreSQL
    locks rows, and the request never writes cache rows in its own transaction.
    """
    session = db.session()
    if db.engine.dialect.name != "sqlite" or not session.in_transaction():
        return True
    dbapi = session.connection().connection.dbapi_connection
    return dbapi is not None and not dbapi.in_transaction


def write_pending() -> int:
    """Write the vectors this app context cached, in a transaction of their own.

    The request's session is closed first (its connection goes back to the pool with its
    transaction ended), so the write never waits for a lock of the same request.

    Returns:
        The number of vectors written (0 when none were pending or the write failed).
    """
    pending = g.pop(_PENDING, None)
    g.pop(_MADE, None)
    if not pending:
        return 0
    db.session.remove()
    return _write(pending)


def _write(pending: dict[str, dict[str, np.ndarray]]) -> int:
    """Write ``pending`` in a transaction of its own; the number written (0: failed, logged)."""
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
