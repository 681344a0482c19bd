"""The worker rebuilds an index that is empty while the database has rows to match (review V 1):
a lost index volume, or an install before its first rebuild, is not left empty for good."""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from indexer import index_check
from indexer.index_check import EmptyIndexCheck
from indexer.rebuild import RebuildResult
from indexer.worker import OutboxWorker
from matching.backends import MemoryBackend
from portal.extensions import db


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_an_emptied_index_is_rebuilt_from_the_database(seed, encoder, caplog):
    backend = MemoryBackend()
    citizen_id, opening_id = seed.citizen(), seed.opening()
    OutboxWorker(db.session, backend, encoder).drain()
    backend.clear()  # the index volume is lost; the outbox has nothing pending
    assert (backend.count("citizen"), backend.count("opening")) == (0, 0)

    with caplog.at_level(logging.INFO, logger="indexer"):
        rebuilt = EmptyIndexCheck(db.session, backend, encoder)()

    assert sorted(rebuilt) == ["citizen", "opening"]
    assert backend.ids("citizen") == {str(citizen_id)} and backend.ids("opening") == {str(opening_id)}
    messages = [r.getMessage() for r in caplog.records]
    assert any("the citizen index is missing or empty but the database has citizens to match" in m for m in messages)
    assert any("rebuild of the empty citizen index done: 1 documents" in m for m in messages)


def test_an_empty_index_stays_empty_when_nothing_is_to_be_matched(seed, encoder, monkeypatch):
    backend = MemoryBackend()
    seed.citizen(case_closed=date(2026, 1, 2))  # closed case: not indexable
    seed.opening(status="draft")
    calls = []
    monkeypatch.setattr(index_check, "rebuild", lambda *a, **k: calls.append(k) or RebuildResult())

    assert EmptyIndexCheck(db.session, backend, encoder)() == []
    assert calls == []


def test_the_check_runs_at_start_then_every_five_minutes(seed, encoder):
    backend, clock = MemoryBackend(), Clock()
    seed.citizen()
    OutboxWorker(db.session, backend, encoder).drain()
    check = EmptyIndexCheck(db.session, backend, encoder, clock=clock)
    assert check() == []  # at start: the index is built
    backend.clear()
    clock.now += timedelta(minutes=4)
    assert check() == [] and backend.count("citizen") == 0  # not checked yet
    clock.now += timedelta(minutes=1)
    assert check() == ["citizen"] and backend.count("citizen") == 1


def test_a_rebuild_that_leaves_the_index_empty_is_not_repeated_every_check(seed, encoder, monkeypatch, caplog):
    backend, clock = MemoryBackend(), Clock()
    seed.citizen()
    calls = []
    monkeypatch.setattr(index_check, "rebuild", lambda *a, **k: calls.append(k["kinds"]) or RebuildResult())
    check = EmptyIndexCheck(db.session, backend, encoder, clock=clock)

    with caplog.at_level(logging.WARNING, logger="indexer"):
        assert check() == ["citizen"]  # every row failed to index: still empty
        clock.now += timedelta(minutes=5)
        assert check() == []
        clock.now += timedelta(days=1)
        assert check() == ["citizen"]
    assert calls == [("citizen",), ("citizen",)]
    assert any("still empty after its rebuild" in r.getMessage() for r in caplog.records)


def test_an_unreachable_backend_is_one_log_line_and_no_rebuild(seed, encoder, caplog):
    from matching.backends import BackendUnavailable

    class Down(MemoryBackend):
        def count(self, kind: str) -> int:
            raise BackendUnavailable("elasticsearch unreachable")

    seed.citizen()
    with caplog.at_level(logging.WARNING, logger="indexer"):
        assert EmptyIndexCheck(db.session, Down(), encoder)() == []
    assert [r.getMessage() for r in caplog.records] == [
        "cannot check or rebuild an empty index now: elasticsearch unreachable"]


def test_a_lost_elasticsearch_index_is_rebuilt(seed, encoder, indexer_es_server):
    from elasticsearch import Elasticsearch

    from matching.backends.elasticsearch import ElasticsearchBackend

    prefix = f"jobbro-test-empty-{threading.get_ident()}-{id(seed)}"
    before = ElasticsearchBackend(indexer_es_server.url, dims=encoder.dimension, prefix=prefix)
    citizen_id = seed.citizen()
    OutboxWorker(db.session, before, encoder).drain()
    assert before.count("citizen") == 1
    client = Elasticsearch(indexer_es_server.url)
    for name in client.indices.get(index=f"{prefix}-*"):  # the esdata volume is lost
        client.indices.delete(index=name)

    after = ElasticsearchBackend(indexer_es_server.url, dims=encoder.dimension, prefix=prefix)  # a restarted worker
    assert "citizen" in EmptyIndexCheck(db.session, after, encoder)()
    assert after.ids("citizen") == {str(citizen_id)}



def test_start_up_builds_a_missing_index_instead_of_waiting_for_it(seed, encoder, tmp_path):
    """``run`` and ``drain`` check the index's encoder first; a missing index (IndexMissing, as
    for a lost Elasticsearch volume) is built there, not waited for as an outage."""
    from indexer.encoder_check import ensure_index_encoder
    from matching.backends.snapshot import SnapshotBackend

    backend = SnapshotBackend(tmp_path / "index.npz")  # no file: never built, or deleted
    citizen_id, opening_id = seed.citizen(), seed.opening()

    result = ensure_index_encoder(db.session, backend, encoder, rebuild_unreadable=False, progress=None)

    assert result is not None and (result.citizens, result.openings) == (1, 1)
    assert backend.ids("citizen") == {str(citizen_id)} and backend.ids("opening") == {str(opening_id)}
    assert ensure_index_encoder(db.session, backend, encoder, progress=None) is None  # built with this encoder


def test_an_unreadable_index_file_is_rebuilt_by_the_check(seed, encoder, tmp_path, caplog):
    """A corrupt snapshot file (review Y 2) never becomes readable by waiting: the worker's
    check rebuilds it, as it rebuilds an empty one, instead of reading it as "cannot check now"."""
    from matching.backends import IndexBroken
    from matching.backends.snapshot import SnapshotBackend

    path = tmp_path / "index.npz"
    citizen_id, opening_id = seed.citizen(), seed.opening()
    path.write_bytes(b"PK\x03\x04 torn write")
    backend = SnapshotBackend(path)
    with pytest.raises(IndexBroken):
        backend.count("citizen")

    with caplog.at_level(logging.INFO, logger="indexer"):
        rebuilt = EmptyIndexCheck(db.session, backend, encoder)()

    assert sorted(rebuilt) == ["citizen", "opening"]
    assert backend.ids("citizen") == {str(citizen_id)} and backend.ids("opening") == {str(opening_id)}
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("the citizen index cannot be read (index file index.npz unreadable") for m in messages)
    assert any("rebuild of the unreadable citizen index done: 1 documents" in m for m in messages)
    assert not any("cannot check or rebuild" in m for m in messages)


def test_an_unreadable_index_file_is_rebuilt_even_with_nothing_to_match(seed, encoder, tmp_path):
    """Readable and empty is right for a database with nothing to match; unreadable is not."""
    from matching.backends.snapshot import SnapshotBackend

    path = tmp_path / "index.npz"
    seed.citizen(case_closed=date(2026, 1, 2))  # not indexable
    path.write_bytes(b"not an index")
    backend = SnapshotBackend(path)

    assert sorted(EmptyIndexCheck(db.session, backend, encoder)()) == ["citizen", "opening"]
    assert (backend.count("citizen"), backend.count("opening")) == (0, 0)  # readable again


def test_the_worker_rebuilds_an_unreadable_index_while_changes_wait(seed, encoder, tmp_path):
    """The check ran only when no change was waiting; an unreadable file makes every batch fail
    as "unavailable", so the changes kept waiting and the rebuild never came (review Y 2). The
    loop now runs its periodic jobs after an outage's wait too."""
    from matching.backends.snapshot import SnapshotBackend

    path = tmp_path / "index.npz"
    citizen_id = seed.citizen()  # a change waits in the outbox
    path.write_bytes(b"PK\x03\x04 torn write")
    backend = SnapshotBackend(path)
    check = EmptyIndexCheck(db.session, backend, encoder)
    worker = OutboxWorker(db.session, backend, encoder)
    rounds = []

    def stop() -> bool:
        rounds.append(1)
        return len(rounds) > 20 or str(citizen_id) in _ids(backend)

    worker.run(should_stop=stop, wait=lambda seconds: None, idle_seconds=0, periodic=check)
    assert str(citizen_id) in _ids(backend)


def _ids(backend) -> set[str]:
    try:
        return backend.ids("citizen")
    except Exception:  # noqa: BLE001 - unreadable until rebuilt
        return set()
