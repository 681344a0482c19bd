"""The index carries its collection's lexical statistics: counted by the worker when missing
or stale, swapped in with a rebuild, kept as they are by ordinary incremental writes."""
from __future__ import annotations

from datetime import timedelta

from indexer.rebuild import rebuild, refresh_lexical_stats
from indexer.worker import OutboxWorker
from matching.backends.snapshot import SnapshotBackend
from matching.index_meta import decode_lexical
from portal.extensions import db
from store.models.base import utcnow


def _stats(backend, kind):
    return decode_lexical(backend.index_meta(kind))


def test_worker_counts_missing_statistics_once_and_keeps_them_for_small_changes(seed, encoder, tmp_path):
    backend = SnapshotBackend(tmp_path / "index.npz")
    ids = [seed.citizen(goal=f"Lagermedarbejder {i}") for i in range(12)]
    seed.opening()
    OutboxWorker(db.session, backend, encoder).drain()
    first = _stats(backend, "citizen")
    assert first is not None and first.documents == 12
    assert _stats(backend, "opening").documents == 1

    seed.edit_citizen(ids[0], hours_available=30.0)  # a small change: same statistics
    OutboxWorker(db.session, backend, encoder).drain()
    assert _stats(backend, "citizen").version == first.version

    for i in range(3):  # 25% more rows: recounted
        seed.citizen(goal=f"Kok {i}")
    OutboxWorker(db.session, backend, encoder).drain()
    assert _stats(backend, "citizen").documents == 15


def test_old_statistics_are_recounted(seed, encoder, tmp_path):
    backend = SnapshotBackend(tmp_path / "index.npz")
    seed.citizen()
    OutboxWorker(db.session, backend, encoder).drain()
    assert not refresh_lexical_stats(db.session, backend, "citizen")
    assert refresh_lexical_stats(db.session, backend, "citizen", now=utcnow() + timedelta(days=8))


def test_rebuild_swaps_statistics_in_with_the_documents(seed, encoder, tmp_path):
    backend = SnapshotBackend(tmp_path / "index.npz")
    seed.citizen()
    seed.citizen(goal="Kok", cv="Madlavning")
    rebuild(db.session, backend, encoder, progress=None)
    meta = backend.index_meta("citizen")
    assert meta["encoder"] == encoder.name
    assert _stats(backend, "citizen").documents == 2
    assert meta["lexical"]["rows"] == 2
