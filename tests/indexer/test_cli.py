"""``python -m indexer``: the command-line contracts, run as real subprocesses."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from store.models import OutboxEvent

ROOT = Path(__file__).resolve().parents[2]


def indexer(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def status(env: dict[str, str]) -> dict:
    done = indexer(env, "status")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_status_drain_status(seed, cli_env):
    seed.citizen()
    seed.opening()
    before = status(cli_env)
    # Nothing built yet: no index to count (null), not an empty one (review V 1).
    assert before == {"pending": 2, "failed": 0, "indexed_citizens": None, "indexed_openings": None,
                      "backend": "memory", "encoder": "hashing-256"}

    drained = indexer(cli_env, "drain")

    assert drained.returncode == 0, drained.stderr
    # The first drain builds the index that does not exist yet (covering the pending events),
    # with a progress bar for a new user.
    assert "index does not exist (never built, or lost): building it" in drained.stderr
    assert "Genopbygger borgere" in drained.stderr and "1/1" in drained.stderr
    after = status(cli_env)
    assert after["pending"] == 0
    assert (after["indexed_citizens"], after["indexed_openings"]) == (1, 1)

    seed.citizen(goal="Pædagogmedhjælper")
    drained = indexer(cli_env, "drain")
    assert drained.returncode == 0, drained.stderr
    assert "Indekserer" in drained.stderr and "1/1" in drained.stderr  # a change: no rebuild
    assert status(cli_env)["indexed_citizens"] == 2


def test_drain_with_backend_down_exits_non_zero_and_keeps_rows(seed, cli_env):
    seed.citizen()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = cli_env | {"MATCHING_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": dead}

    drained = indexer(env, "drain")

    assert drained.returncode == 1
    assert "1 outbox events are still pending" in drained.stderr
    assert "unreachable" in drained.stderr
    assert db.session.scalars(sa.select(OutboxEvent.status)).all() == ["pending"]


def test_rebuild_shows_progress_on_stderr(seed, cli_env):
    seed.citizen()
    done = indexer(cli_env, "rebuild")
    assert done.returncode == 0, done.stderr
    assert "Genopbygger borgere" in done.stderr and "1/1" in done.stderr
    assert done.stdout == ""  # stdout stays clean for scripts
    assert status(cli_env)["indexed_citizens"] == 1


def test_rebuild_with_backend_down_is_one_line_and_exit_2(seed, cli_env):
    """The first-install step with Elasticsearch down: a reason, not a traceback (review I 10)."""
    seed.citizen()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done = indexer(cli_env | {"MATCHING_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": dead}, "rebuild")
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]  # (the Elasticsearch client logs its own retries above)
    assert last.startswith("rebuild: the index cannot be written") and "run the rebuild again" in last


def test_unknown_encoder_is_a_clear_configuration_error(cli_env):
    done = indexer(cli_env | {"MATCHING_ENCODER": "word2vec"}, "status")
    assert done.returncode == 2
    assert "configuration problem" in done.stderr and "word2vec" in done.stderr


def test_run_stops_cleanly_on_sigterm(seed, cli_env):
    seed.citizen()
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "run", "--idle", "0.2"],
                            env=cli_env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while db.session.scalars(sa.select(OutboxEvent.status)).all() != ["done"]:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the worker never processed the outbox"
            db.session.rollback()  # a fresh snapshot of the database on the next poll
            time.sleep(0.1)  # polling another process's observable effect
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopping after the current batch" in err and "indexer stopped" in err


def test_an_index_built_with_another_encoder_is_rebuilt_not_failed_event_by_event(seed, cli_env):
    # The first-run failure: an index left by one encoder (a test run's 256-dimension
    # hashing) met by another (e5's 384). Here: hashing:64, then hashing (256 dims).
    seed.citizen()
    seed.opening()
    first = indexer(cli_env | {"MATCHING_ENCODER": "hashing:64"}, "drain")
    assert first.returncode == 0, first.stderr
    citizen_id = seed.citizen(goal="Pædagogmedhjælper")  # pending when the encoder changes

    second = indexer(cli_env, "drain")

    assert second.returncode == 0, second.stderr
    assert "dims" not in second.stderr.replace("(64 dims)", "").replace("(256 dims)", "")
    lines = [line for line in second.stderr.splitlines() if "built with hashing-64 (64 dims)" in line]
    assert len(lines) == 2, second.stderr  # one line per kind, not one per event
    assert "the configured encoder is hashing-256 (256 dims)" in lines[0]
    after = status(cli_env)
    assert after["pending"] == 0 and after["failed"] == 0
    assert (after["indexed_citizens"], after["indexed_openings"]) == (2, 1)
    # Started again with the same encoder: nothing to rebuild.
    seed.edit_citizen(citizen_id, hours_available=12.0)
    third = indexer(cli_env, "drain")
    assert third.returncode == 0 and "built with" not in third.stderr


def test_an_unreadable_index_file_is_rebuilt_from_the_database(seed, cli_env, tmp_path):
    # An index file of an older format (or a torn copy) must not keep matching reduced forever.
    seed.citizen()
    seed.opening()
    index = tmp_path / "inst" / "matching-index.npz"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_bytes(b"not an index at all")

    drained = indexer(cli_env, "drain")

    assert drained.returncode == 0, drained.stderr
    assert "unreadable" in drained.stderr and "rebuilding the whole index" in drained.stderr
    after = status(cli_env)
    assert (after["pending"], after["indexed_citizens"], after["indexed_openings"]) == (0, 1, 1)


def _kill_mid_batch(env: dict[str, str]) -> bool:
    """Start ``indexer run``, SIGKILL it while it holds a claimed, unfinished batch.

    Returns:
        True if the kill came mid-batch (rows claimed and not done), False if the worker
        finished everything before a claim was seen.
    """
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "run", "--batch-size", "8", "--idle", "0.2"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    mid_batch = False
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            db.session.rollback()  # a fresh snapshot of the database on each poll
            claimed = db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(
                OutboxEvent.status == "pending", OutboxEvent.claimed_by.is_not(None)))
            done = db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(OutboxEvent.status == "done"))
            if claimed and done:
                mid_batch = True
                break
            if not db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(
                    OutboxEvent.status == "pending")):
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.005)  # polling another process's observable effect
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)  # reaps it and closes the pipe
    return mid_batch


def test_a_worker_killed_mid_batch_twice_leaves_an_index_equal_to_the_database(seed, cli_env):
    from matching.backends.snapshot import SnapshotBackend
    from store.models import Citizen, Opening

    citizens = [seed.citizen(goal=f"Lagermedarbejder {i}") for i in range(300)]
    seed.opening()
    kills = [_kill_mid_batch(cli_env)]
    for citizen_id in citizens[::7]:  # edits keep flowing between the crashes
        seed.edit_citizen(citizen_id, hours_available=11.0)
    kills.append(_kill_mid_batch(cli_env))
    assert any(kills), "the worker was never caught holding a batch"
    # The crashed workers' leases run out (5 minutes in production); then a worker starts.
    db.session.execute(sa.update(OutboxEvent).where(OutboxEvent.status == "pending")
                       .values(claimed_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()

    drained = indexer(cli_env, "drain")

    assert drained.returncode == 0, drained.stderr
    assert status(cli_env)["pending"] == 0 and status(cli_env)["failed"] == 0
    index = SnapshotBackend(Path(cli_env["JOBBRO_INSTANCE_PATH"]) / "matching-index.npz")
    index._refresh()
    db.session.rollback()
    for kind, model in (("citizen", Citizen), ("opening", Opening)):
        expected = {str(row.id): row.version for row in db.session.scalars(sa.select(model))}
        indexed = {doc_id: doc.version for doc_id, doc in index._docs[kind].items()}
        assert indexed == expected, kind
