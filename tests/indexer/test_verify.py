"""``python -m indexer verify``: the read-only comparison of the index with the database."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from indexer.verify import compare
from indexer.worker import OutboxWorker
from matching.backends.snapshot import SnapshotBackend
from portal.extensions import db
from store.models import OutboxEvent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend(tmp_path) -> SnapshotBackend:
    return SnapshotBackend(tmp_path / "inst" / "matching-index.npz")


def outbox() -> list[tuple[int, str]]:
    return list(db.session.execute(sa.select(OutboxEvent.id, OutboxEvent.status).order_by(OutboxEvent.id)))


def test_a_drained_index_equals_the_database(seed, backend, encoder):
    seed.citizen()
    seed.citizen(cv="")  # not matchable without a CV: must not be indexed
    seed.opening()
    seed.opening(status="closed")  # closed openings leave matching
    OutboxWorker(db.session, backend, encoder).drain()

    report = compare(db.session, backend)

    assert report["equal"] is True and report["pending"] == 0
    assert (report["citizen"]["expected"], report["citizen"]["indexed"]) == (1, 1)
    assert (report["opening"]["expected"], report["opening"]["indexed"]) == (1, 1)


def test_each_kind_of_difference_is_found_and_nothing_is_changed(seed, backend, encoder):
    edited, dropped = seed.citizen(), seed.citizen()
    open_id, closing = seed.opening(), seed.opening()
    OutboxWorker(db.session, backend, encoder).drain()
    seed.edit_citizen(edited, hours_available=11.0)  # not drained: the document is stale
    backend.remove("citizen", [str(dropped)])  # a document lost: missing
    stored = backend.versions("opening", [str(closing)])
    db.session.execute(sa.text("UPDATE opening SET status = 'closed', version = version + 1 WHERE id = :i"),
                       {"i": closing})  # closed behind the outbox's back: its document is extra
    db.session.commit()
    before = outbox()

    report = compare(db.session, backend)

    assert report["equal"] is False and report["pending"] == 1
    assert report["citizen"]["stale_ids"] == [str(edited)]
    assert report["citizen"]["missing_ids"] == [str(dropped)]
    assert report["opening"]["extra_ids"] == [str(closing)]
    assert report["opening"]["missing"] == report["opening"]["stale"] == 0
    assert outbox() == before  # read-only: no event claimed or marked
    assert backend.versions("opening", [str(closing), str(open_id)])[str(closing)] == stored[str(closing)]


def verify(env: dict[str, str]) -> tuple[int, dict, str]:
    done = subprocess.run([sys.executable, "-m", "indexer", "verify"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_the_command_prints_json_last_and_exits_1_on_a_difference(seed, cli_env, encoder):
    citizen_id = seed.citizen()

    code, report, stderr = verify(cli_env)

    assert code == 1
    assert report["citizen"]["missing_ids"] == [str(citizen_id)]
    assert "citizen: 1 missing" in stderr and "1 outbox events are still pending" in stderr
    index = SnapshotBackend(Path(cli_env["JOBBRO_INSTANCE_PATH"]) / "matching-index.npz")
    OutboxWorker(db.session, index, encoder).drain()  # in-process: one subprocess less
    code, report, _ = verify(cli_env)
    assert (code, report["equal"], report["citizen"]["indexed"]) == (0, True, 1)


def test_a_missing_index_is_a_difference_not_an_error(seed, backend, encoder):
    """No index at all (never built, or its file lost) is reported per kind (review V 1)."""
    from indexer.verify import differences

    citizen_id = seed.citizen()
    report = compare(db.session, backend)
    assert report["equal"] is False and report["stray"] == []
    assert (report["citizen"]["built"], report["citizen"]["indexed"]) == (False, None)
    assert report["citizen"]["missing_ids"] == [str(citizen_id)]
    lines = list(differences(report))
    assert "citizen: the index has not been built (never, or it was lost): python -m indexer rebuild" in lines
    assert "opening: the index has not been built (never, or it was lost): python -m indexer rebuild" in lines
