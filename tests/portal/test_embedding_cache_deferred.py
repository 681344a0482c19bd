"""The portal writes new cached vectors after the request, in a transaction of their own."""
from __future__ import annotations

import numpy as np
import sqlalchemy as sa

import portal.embedding_cache as embedding_cache
from portal.embedding_cache import RequestEmbeddingCache
from portal.extensions import db
from store.models import Opening
from store.models.outbox import EmbeddingCacheEntry
from tests.portal.test_candidates import world  # noqa: F401 - the fixture


def _stored(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(EmbeddingCacheEntry.key)))


def test_a_vector_is_read_back_at_once_and_stored_when_the_context_ends(app):
    vector = np.arange(8, dtype=np.float32)
    with app.app_context():
        cache = RequestEmbeddingCache(db.session, "hashing-8")
        cache.put_many({"k1": vector})
        assert np.array_equal(cache.get_many(["k1", "k2"])["k1"], vector)
        assert db.session.scalar(sa.select(sa.func.count(EmbeddingCacheEntry.key))) == 0  # not yet
    assert _stored(app) == {"k1"}
    with app.app_context():  # a later request reads it from the table
        assert np.array_equal(RequestEmbeddingCache(db.session, "hashing-8").get_many(["k1"])["k1"], vector)


def test_a_failed_write_loses_only_the_cache_entries(app, monkeypatch, caplog):
    def broken(self, items):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(embedding_cache.DbEmbeddingCache, "put_many", broken)
    with app.app_context():
        RequestEmbeddingCache(db.session, "hashing-8").put_many({"k1": np.ones(8, dtype=np.float32)})
    assert "1 new vectors not stored (OperationalError)" in caplog.text
    monkeypatch.undo()
    assert _stored(app) == set()


def test_the_ranking_request_writes_its_new_vectors_only_after_its_own_work(app, client, auth, world,  # noqa: F811
                                                                          monkeypatch):
    statements: list[str] = []
    with app.app_context():
        opening = db.session.get(Opening, world["opening_id"])
        opening.description = "Plukning og pakning af varer på et nyt lager ved motorvejen."  # never encoded
        db.session.commit()
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
    original = embedding_cache.write_pending

    def marked():
        statements.append("-- the request's app context ends")
        return original()

    monkeypatch.setattr(embedding_cache, "write_pending", marked)
    auth.login(world["consultant"].email)
    before = _stored(app)
    statements.clear()
    assert client.get(f"/kandidater/opslag/{world['opening_id']}").status_code == 200
    end = statements.index("-- the request's app context ends")
    cache_writes = [i for i, s in enumerate(statements) if s.startswith("INSERT INTO embedding_cache_entry")]
    assert cache_writes and min(cache_writes) > end  # nothing cached inside the request's transaction
    assert _stored(app) > before


def test_many_new_vectors_are_written_in_batches_as_they_are_made(app, monkeypatch):
    """A request making many vectors (reduced mode while the index is rebuilt, review BB 1)
    stores them every WRITE_EVERY, so a request cut short does not lose them."""
    monkeypatch.setattr(embedding_cache, "WRITE_EVERY", 3)
    with app.app_context():
        cache = RequestEmbeddingCache(db.session, "hashing-8")
        cache.put_many({f"k{i}": np.ones(8, dtype=np.float32) for i in range(2)})
        assert _stored(app) == set()  # fewer than a batch: kept for the end
        cache.put_many({"k2": np.ones(8, dtype=np.float32)})
        assert _stored(app) == {"k0", "k1", "k2"}  # a batch: written at once
        assert set(cache.get_many(["k0", "k2"])) == {"k0", "k2"}
        cache.put_many({"k3": np.ones(8, dtype=np.float32)})
    assert _stored(app) == {"k0", "k1", "k2", "k3"}


def test_a_batch_waits_for_the_end_when_the_request_has_written_on_sqlite(app, monkeypatch):
    monkeypatch.setattr(embedding_cache, "WRITE_EVERY", 1)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        db.session.execute(sa.text("UPDATE opening SET title = title WHERE 1 = 0"))  # opens a write
        RequestEmbeddingCache(db.session, "hashing-8").put_many({"k1": np.ones(8, dtype=np.float32)})
        assert "k1" in embedding_cache._pending()["hashing-8"]  # not written under the request's lock
        db.session.commit()
    assert _stored(app) == {"k1"}


def test_a_vector_read_once_is_not_read_again_in_the_same_request(app, monkeypatch):
    """A reduced ranking looks its texts up, then the encoder looks the same keys up again."""
    with app.app_context():
        RequestEmbeddingCache(db.session, "hashing-8").put_many({"k1": np.ones(8, dtype=np.float32)})
    reads: list[list[str]] = []
    original = embedding_cache.DbEmbeddingCache.get_many

    def counted(self, keys):
        keys = list(keys)
        reads.append(keys)
        return original(self, keys)

    monkeypatch.setattr(embedding_cache.DbEmbeddingCache, "get_many", counted)
    with app.app_context():
        cache = RequestEmbeddingCache(db.session, "hashing-8")
        assert set(cache.get_many(["k1", "k2"])) == {"k1"}
        assert set(cache.get_many(["k1"])) == {"k1"}
    assert reads == [["k1", "k2"]]
