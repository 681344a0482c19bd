"""Full rebuild: equals incremental indexing, reconciles, swaps atomically."""
from __future__ import annotations

import io

import numpy as np
import pytest
import sqlalchemy as sa

from indexer.rebuild import rebuild
from matching.backends.snapshot import SnapshotBackend
from indexer.worker import OutboxWorker
from matching.backends import Document
from portal.extensions import db
from store.models import Citizen, OutboxEvent


def _population(seed) -> dict[str, list[int]]:
    citizens = [seed.citizen(goal=f"Jobmål {n}", cv=f"Erfaring nummer {n}") for n in range(12)]
    openings = [seed.opening(title=f"Opslag {n}") for n in range(4)]
    seed.edit_citizen(citizens[0], hours_available=30.0)
    seed.edit_citizen(citizens[1], restricted=True)
    seed.edit_citizen(citizens[2], vk_id=None)  # not matchable: no VK
    seed.erase_citizen(citizens[3])
    from store.models import Opening

    db.session.get(Opening, openings[0]).status = "closed"
    db.session.commit()
    return {"citizen": citizens, "opening": openings}


def _contents(backend: SnapshotBackend, kind: str) -> dict[str, tuple[int, np.ndarray]]:
    backend._refresh()
    return {i: (d.version, d.vector) for i, d in backend._docs[kind].items()}


def test_rebuild_equals_incremental(seed, encoder, tmp_path):
    _population(seed)
    incremental = SnapshotBackend(tmp_path / "incremental.npz")
    OutboxWorker(db.session, incremental, encoder).drain()
    rebuilt = SnapshotBackend(tmp_path / "rebuilt.npz")

    rebuild(db.session, rebuilt, encoder, progress=None)

    for kind in ("citizen", "opening"):
        a, b = _contents(incremental, kind), _contents(rebuilt, kind)
        assert sorted(a) == sorted(b)
        for doc_id in a:
            assert a[doc_id][0] == b[doc_id][0]
            np.testing.assert_allclose(a[doc_id][1], b[doc_id][1], rtol=1e-6)
    assert rebuilt.count("citizen") == 9 and rebuilt.count("opening") == 3


def test_rebuild_removes_orphans_and_settles_pending_events(seed, encoder, tmp_path):
    citizen_id = seed.citizen()
    backend = SnapshotBackend(tmp_path / "index.npz")
    backend.index([Document("citizen", "999", 1, np.ones(encoder.dimension, np.float32))])

    result = rebuild(db.session, backend, encoder, progress=None)

    assert backend.ids("citizen") == {str(citizen_id)}
    assert result.events_covered == 1
    assert db.session.scalars(sa.select(OutboxEvent.status)).all() == ["done"]


def test_change_during_rebuild_is_reconciled(seed, encoder, tmp_path):
    ids = [seed.citizen(goal=f"Mål {n}") for n in range(3)]
    backend = SnapshotBackend(tmp_path / "index.npz")
    real = backend.begin_rebuild

    class EditWhileRebuilding:
        def __init__(self, writer):
            self.writer = writer

        def index(self, docs):
            written = self.writer.index(docs)
            seed.edit_citizen(ids[0], hours_available=33.0)  # saved mid-rebuild
            seed.erase_citizen(ids[1])
            return written

        def commit(self):
            self.writer.commit()

        def abort(self):
            self.writer.abort()

    backend.begin_rebuild = lambda kind, meta=None: (EditWhileRebuilding(real(kind, meta)) if kind == "citizen"
                                                      else real(kind, meta))
    result = rebuild(db.session, backend, encoder, progress=None, kinds=("citizen",))

    assert result.reconciled == 2
    assert backend.ids("citizen") == {str(ids[0]), str(ids[2])}
    version = db.session.get(Citizen, ids[0]).version
    assert backend.versions("citizen", [str(ids[0])]) == {str(ids[0]): version}


def test_rebuild_reports_progress_on_the_given_stream(seed, encoder, tmp_path):
    seed.citizen()
    stream = io.StringIO()
    rebuild(db.session, SnapshotBackend(tmp_path / "index.npz"), encoder, progress=stream)
    out = stream.getvalue()
    assert "Genopbygger borgere" in out and "1/1" in out and "rækker/s" in out


def test_failed_rebuild_leaves_the_live_index_alone(seed, encoder, tmp_path):
    seed.citizen()
    backend = SnapshotBackend(tmp_path / "index.npz")
    rebuild(db.session, backend, encoder, progress=None)
    seed.citizen(goal="Ny borger")

    class Broken:
        name, dimension = encoder.name, encoder.dimension

        def encode_passages(self, texts):
            raise RuntimeError("model crashed")

        encode_queries = encode_passages

    with pytest.raises(RuntimeError):
        rebuild(db.session, backend, Broken(), progress=None, cache=False)
    assert backend.count("citizen") == 1


def test_snapshot_is_shared_between_processes(tmp_path, encoder):
    """The portal's backend object sees what the indexer wrote, without a restart."""
    path = tmp_path / "index.npz"
    indexer_side, portal_side = SnapshotBackend(path), SnapshotBackend(path)
    vector = encoder.encode_passages(["lager"])[0]
    indexer_side.index([Document("citizen", "1", 1, vector, "tekst",
                                 {"postcode": "8722", "location": (55.77, 9.70)})])
    assert portal_side.ids("citizen") == {"1"}
    indexer_side.index([Document("citizen", "1", 2, vector)])
    indexer_side.index([Document("opening", "5", 1, vector)])
    assert portal_side.versions("citizen", ["1"]) == {"1": 2}
    assert portal_side.count("opening") == 1
    assert path.stat().st_mode & 0o077 == 0  # derived personal data: owner only
    assert b"tekst" not in path.read_bytes()  # no document text on disk
    portal_side.remove("citizen", ["1"])
    assert indexer_side.ids("citizen") == set()


def test_unreadable_snapshot_means_reduced_matching_until_a_rebuild(seed, encoder, tmp_path):
    from matching.backends import BackendUnavailable

    seed.citizen()
    path = tmp_path / "index.npz"
    path.write_bytes(b"PK\x03\x04 torn write")
    backend = SnapshotBackend(path)  # the portal still starts
    with pytest.raises(BackendUnavailable, match="rebuild"):
        backend.search("citizen", np.ones(encoder.dimension, np.float32), 5)
    with pytest.raises(BackendUnavailable):
        backend.index([Document("citizen", "1", 1, np.ones(encoder.dimension, np.float32))])

    rebuild(db.session, backend, encoder, progress=None)

    assert backend.count("citizen") == 1
    assert SnapshotBackend(path).count("citizen") == 1


@pytest.mark.elasticsearch
def test_rebuild_on_elasticsearch_equals_incremental(seed, encoder, indexer_es_server):
    from matching.backends.elasticsearch import ElasticsearchBackend

    _population(seed)
    tag = id(seed) % 10**8
    incremental = ElasticsearchBackend(indexer_es_server.url, dims=encoder.dimension,
                                       prefix=f"inc-{tag}")
    rebuilt = ElasticsearchBackend(indexer_es_server.url, dims=encoder.dimension,
                                   prefix=f"reb-{tag}")
    OutboxWorker(db.session, incremental, encoder).drain()
    rebuilt.index([Document("citizen", "999", 1, np.ones(encoder.dimension, np.float32))])

    rebuild(db.session, rebuilt, encoder, progress=None)

    for kind in ("citizen", "opening"):
        ids = incremental.ids(kind)
        assert rebuilt.ids(kind) == ids  # the orphan 999 went with the old index
        assert rebuilt.versions(kind, ids) == incremental.versions(kind, ids)
