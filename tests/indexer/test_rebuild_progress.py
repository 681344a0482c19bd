"""A rebuild reports its progress in ``indexer_state`` while it runs and clears it at the end;
a second rebuild refuses while the first reports (review AN 12); the worker notes its polls."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from indexer import progress as progress_module
from indexer.index_check import EmptyIndexCheck
from indexer.progress import RebuildHeartbeat, RebuildRunning
from indexer.rebuild import rebuild
from indexer.worker import OutboxWorker
from matching.backends.snapshot import SnapshotBackend
from portal.extensions import db
from store.index_status import (
    REBUILD_KEY, REBUILD_STALE_AFTER, STALLED_AFTER, is_stalled, rebuild_progress, worker_seen,
)
from store.models import IndexerState, OutboxEvent
from store.models.base import utcnow
from tests.indexer.test_cli import indexer


@pytest.fixture(autouse=True)
def every_beat(monkeypatch):
    monkeypatch.setattr(progress_module, "BEAT_EVERY", 0.0)  # write each chunk's progress


def _other_rebuild(age: timedelta = timedelta(0), citizens: int = 10) -> RebuildHeartbeat:
    """A rebuild of another process that last reported ``age`` ago."""
    other = RebuildHeartbeat(db.session, {"citizen": citizens}, clock=lambda: utcnow() - age)
    other.claim()
    other.advance("citizen", 3)
    return other


def _watching(backend: SnapshotBackend, seen: list) -> None:
    """Note the reported progress each time the rebuild writes a chunk."""
    real = backend.begin_rebuild

    class Watched:
        def __init__(self, writer):
            self.writer = writer

        def index(self, docs):
            found = rebuild_progress(db.session)
            seen.append((found.phase, found.of("opening"), found.of("citizen"), found.stale))
            return self.writer.index(docs)

        def commit(self):
            self.writer.commit()

        def abort(self):
            self.writer.abort()

    backend.begin_rebuild = lambda kind, meta=None: Watched(real(kind, meta))


def test_a_rebuild_reports_each_kind_as_it_goes_and_clears_its_row(seed, encoder, tmp_path):
    for n in range(5):
        seed.citizen(goal=f"Mål {n}")
    for n in range(2):
        seed.opening(title=f"Opslag {n}")
    backend, seen = SnapshotBackend(tmp_path / "index.npz"), []
    _watching(backend, seen)

    rebuild(db.session, backend, encoder, progress=None, chunk_size=2)

    assert seen == [("opening", (0, 2), (0, 5), False),
                    ("citizen", (2, 2), (0, 5), False), ("citizen", (2, 2), (2, 5), False),
                    ("citizen", (2, 2), (4, 5), False)]
    assert rebuild_progress(db.session) is None  # done: no rebuild runs
    assert db.session.get(IndexerState, REBUILD_KEY) is None


def test_the_totals_are_what_the_rebuild_indexes_not_every_row(seed, encoder, tmp_path, monkeypatch):
    """Review AQ 4: »N af M borgere« ends at the »Borgere i indekset« figure, so the rows the
    rebuild goes through but does not index (closed, anonymised, restricted, without a jobmål or
    CV text; openings not open) count in neither."""
    from datetime import date

    for n in range(4):
        seed.citizen(goal=f"Mål {n}")
    seed.citizen(case_closed=date(2026, 1, 5))
    seed.citizen(anonymised_at=utcnow())
    seed.citizen(restricted=True)
    seed.citizen(cv="   ")
    for n in range(3):
        seed.opening(title=f"Opslag {n}")
    seed.opening(status="closed")
    seed.opening(status="draft")
    backend, seen, ended = SnapshotBackend(tmp_path / "index.npz"), [], []
    _watching(backend, seen)
    release = RebuildHeartbeat.release

    def noting_release(heartbeat):  # the last progress the rebuild reported
        ended.append(rebuild_progress(db.session))
        release(heartbeat)

    monkeypatch.setattr(RebuildHeartbeat, "release", noting_release)

    result = rebuild(db.session, backend, encoder, progress=None, chunk_size=3)

    assert (result.citizens, result.openings) == (4, 3) == (backend.count("citizen"), backend.count("opening"))
    assert {progress[2][1] for progress in seen} == {4} and {progress[1][1] for progress in seen} == {3}
    assert (ended[0].of("opening"), ended[0].of("citizen")) == ((3, 3), (4, 4))


def test_a_total_grows_rather_than_be_passed(app):
    heartbeat = RebuildHeartbeat(db.session, {"citizen": 2})
    heartbeat.advance("citizen", 3)  # a row became indexable after the count
    assert heartbeat.done == heartbeat.totals == {"citizen": 3}


def test_a_failed_rebuild_clears_its_row_too(seed, encoder, tmp_path):
    seed.citizen()

    class Broken:
        name, dimension = encoder.name, encoder.dimension

        def encode_passages(self, texts):
            raise RuntimeError("model crashed")

        encode_queries = encode_passages

    with pytest.raises(RuntimeError):
        rebuild(db.session, SnapshotBackend(tmp_path / "index.npz"), Broken(), progress=None, cache=False)
    assert rebuild_progress(db.session) is None


def test_a_second_rebuild_refuses_while_the_first_reports_and_force_overrides(seed, encoder, tmp_path):
    seed.citizen()
    other = _other_rebuild()
    backend = SnapshotBackend(tmp_path / "index.npz")

    with pytest.raises(RebuildRunning) as refused:
        rebuild(db.session, backend, encoder, progress=None)
    assert "another rebuild is running" in str(refused.value) and "3 of 10 citizens" in str(refused.value)
    assert refused.value.progress.owner == other.owner
    assert rebuild_progress(db.session).of("citizen") == (3, 10)  # the other's row is left alone
    assert not backend.path.exists()  # nothing was built

    rebuild(db.session, backend, encoder, progress=None, force=True)
    assert backend.count("citizen") == 1 and rebuild_progress(db.session) is None
    other.advance("citizen", 3)  # the one overtaken no longer reports, and clears nothing
    other.release()
    assert other.lost and rebuild_progress(db.session) is None


def test_a_rebuild_that_stopped_reporting_is_stale_and_taken_over(seed, encoder, tmp_path):
    seed.citizen()
    _other_rebuild(age=REBUILD_STALE_AFTER + timedelta(minutes=1))
    assert rebuild_progress(db.session).stale
    backend = SnapshotBackend(tmp_path / "index.npz")
    rebuild(db.session, backend, encoder, progress=None)
    assert backend.count("citizen") == 1 and rebuild_progress(db.session) is None


def test_the_workers_empty_index_check_waits_for_a_running_rebuild(seed, encoder, tmp_path, caplog):
    seed.citizen()
    _other_rebuild()
    backend = SnapshotBackend(tmp_path / "index.npz")
    with caplog.at_level(logging.INFO, logger="indexer"):
        assert EmptyIndexCheck(db.session, backend, encoder)() == []
    assert "another rebuild is running" in caplog.text and not backend.path.exists()


def test_the_cli_refuses_a_second_rebuild_with_a_clear_message(seed, cli_env):
    seed.citizen()
    _other_rebuild()
    done = indexer(cli_env, "rebuild")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("rebuild: not started: another rebuild is running") and "/admin/indexer" in last
    assert "--force" in last and "10 minutes" in last
    forced = indexer(cli_env, "rebuild", "--force")
    assert forced.returncode == 0, forced.stderr
    assert rebuild_progress(db.session) is None


def test_the_worker_notes_its_polls_at_most_every_half_minute(seed, encoder, tmp_path):
    now = [utcnow()]
    worker = OutboxWorker(db.session, SnapshotBackend(tmp_path / "index.npz"), encoder, clock=lambda: now[0],
                          worker_id="vært:1")
    worker.process_batch()
    assert worker_seen(db.session) == {"at": now[0].replace(microsecond=0), "worker": "vært:1"}
    first = now[0].replace(microsecond=0)
    now[0] += timedelta(seconds=10)
    worker.process_batch()
    assert worker_seen(db.session)["at"] == first  # not written again so soon
    now[0] += timedelta(seconds=30)
    worker.process_batch()
    assert worker_seen(db.session)["at"] == now[0].replace(microsecond=0)


def _untried(age: timedelta) -> None:
    db.session.add(OutboxEvent(entity="citizen", entity_id=1, status="pending", created_at=utcnow() - age))
    db.session.commit()


def test_a_rebuild_or_a_polling_worker_is_no_stall(seed):
    _untried(STALLED_AFTER + timedelta(minutes=1))
    assert is_stalled(db.session)  # nobody at work
    other = _other_rebuild()
    assert not is_stalled(db.session)  # a fresh rebuild claims nothing for minutes
    other.release()
    _other_rebuild(age=REBUILD_STALE_AFTER + timedelta(seconds=1))
    assert is_stalled(db.session)  # one that stopped reporting is no excuse
    db.session.execute(sa.delete(IndexerState))
    db.session.commit()
    progress_module.note_worker(db.session, "vært:1", utcnow() - timedelta(minutes=1))
    assert not is_stalled(db.session)
    progress_module.note_worker(db.session, "vært:1", utcnow() - STALLED_AFTER - timedelta(seconds=1))
    assert is_stalled(db.session)
