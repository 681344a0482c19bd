"""An index file that cannot be read is its own cause, not an outage (review Y 2).

Trying again never makes a corrupt snapshot readable; only a rebuild does. So the snapshot
raises ``IndexBroken`` (a ``BackendUnavailable``, so everything that falls back still does),
and the service says ``cause == "broken"``, which the page words as "must be rebuilt".
"""
from __future__ import annotations

import numpy as np
import pytest

from matching.backends import BackendUnavailable, IndexBroken
from matching.backends.snapshot import SnapshotBackend
from matching.encoders import HashingEncoder
from matching.index_meta import LastKnownLexical, index_meta_for
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import DEGRADED_CAUSES, MatchingService

from .test_reduced_scores import CITIZENS, OPENINGS, TODAY


@pytest.fixture
def encoder():
    return HashingEncoder(64)


@pytest.fixture
def snapshot(encoder, tmp_path):
    backend = SnapshotBackend(tmp_path / "index.npz")
    for kind, docs in (("citizen", documents_for_citizens(list(CITIZENS.values()), encoder)),
                       ("opening", documents_for_openings(OPENINGS, encoder))):
        writer = backend.begin_rebuild(kind, meta=index_meta_for(encoder, [d.text for d in docs]))
        writer.index(docs)
        writer.commit()
    return backend


def _rank(encoder, backend, memory):
    service = MatchingService(encoder, backend, clock=lambda: TODAY, lexical_memory=memory)
    return service.rank_candidates(OPENINGS[0], k=20, citizens=CITIZENS)


@pytest.mark.parametrize("content", [b"PK\x03\x04 torn write", b"", b"not a zip at all"],
                         ids=["torn", "empty file", "garbage"])
def test_every_read_of_an_unreadable_file_raises_index_broken(snapshot, content):
    snapshot.path.write_bytes(content)
    reader = SnapshotBackend(snapshot.path)  # a process starting now still starts
    for read in (lambda: reader.count("citizen"), lambda: reader.index_meta("opening"),
                 lambda: reader.search("citizen", np.ones(64, np.float32), 3)):
        with pytest.raises(IndexBroken, match="unreadable.*python -m indexer rebuild"):
            read()
    assert issubclass(IndexBroken, BackendUnavailable)


def test_a_ranking_over_an_unreadable_index_is_reduced_with_cause_broken(encoder, snapshot):
    memory = LastKnownLexical()
    normal = _rank(encoder, snapshot, memory)
    assert not normal.degraded
    snapshot.path.write_bytes(b"PK\x03\x04 torn write")
    reduced = _rank(encoder, SnapshotBackend(snapshot.path), memory)
    assert reduced.degraded and reduced.cause == "broken" and "broken" in DEGRADED_CAUSES
    assert not reduced.approximate  # the statistics last read still score it
    assert [(m.citizen_id, m.score) for m in reduced.matches] == [(m.citizen_id, m.score) for m in normal.matches]


def test_an_unreachable_backend_is_still_unavailable_not_broken(encoder, snapshot, monkeypatch):
    def down(*args, **kwargs):
        raise BackendUnavailable("connection refused")

    monkeypatch.setattr(snapshot, "index_meta", down)
    monkeypatch.setattr(snapshot, "search", down)
    assert _rank(encoder, snapshot, LastKnownLexical()).cause == "unavailable"
