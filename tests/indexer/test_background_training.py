"""The re-ranking training runs beside the outbox loop in a process of its own (review V 4):
the loop keeps indexing meanwhile, a stop ends the training within seconds and leaves the
stored model, and every outcome is logged in one line and stored for the admin page."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from indexer.training import LAST_TRAINING_KEY, BackgroundTraining
from indexer.worker import OutboxWorker
from matching.backends.snapshot import SnapshotBackend
from matching.rerank import STATE_KEY
from portal.extensions import db
from store.models import IndexerState, OutboxEvent

ROOT = Path(__file__).resolve().parents[2]
SLOW = [sys.executable, "-c", "import time; time.sleep(120)"]
DEAF = [sys.executable, "-c",
        "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', file=sys.stderr, flush=True); time.sleep(120)"]


class Due:
    """A schedule that is due until an attempt postpones it."""

    def __init__(self) -> None:
        self.is_due, self.postponed = True, 0

    def due(self) -> bool:
        return self.is_due

    def postpone(self) -> None:
        self.is_due, self.postponed = False, self.postponed + 1


def stored(key: str) -> dict | None:
    db.session.rollback()
    row = db.session.get(IndexerState, key)
    return None if row is None else json.loads(row.value)


def store_old_model() -> str:
    value = json.dumps({"trained_at": "2026-11-01T02:00:00+00:00", "in_use": True, "model": {"format": 0}})
    db.session.add(IndexerState(key=STATE_KEY, value=value))
    db.session.commit()
    return value


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)  # polling another process's observable effect


def pending_of(citizen_id: int) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxEvent.status).where(
        OutboxEvent.entity == "citizen", OutboxEvent.entity_id == citizen_id)))


def test_the_loop_indexes_a_change_while_a_slow_training_runs(seed, encoder, tmp_path):
    backend = SnapshotBackend(tmp_path / "index.npz")
    training = BackgroundTraining(db.session, Due(), command=SLOW)
    worker = OutboxWorker(db.session, backend, encoder)
    state = {"changed": None, "indexed_at": None}

    def wait(seconds: float) -> None:
        if training.running and state["changed"] is None:
            # the training has started: a consultant adds a jobmål meanwhile
            state["changed"] = (seed.citizen(goal="Pædagogmedhjælper"), time.monotonic())
        elif state["changed"] and pending_of(state["changed"][0]) == ["done"]:
            state["indexed_at"] = time.monotonic()
        time.sleep(min(seconds, 0.05))

    started = time.monotonic()
    try:
        worker.run(should_stop=lambda: state["indexed_at"] is not None or time.monotonic() - started > 30,
                   wait=wait, idle_seconds=0.05, periodic=training)
        assert state["indexed_at"] is not None, "the change was not indexed while the training ran"
        assert training.running and training._proc.poll() is None  # still training
        assert state["indexed_at"] - state["changed"][1] < 5
        assert backend.count("citizen") == 1
    finally:
        training.stop()


def test_at_most_one_training_runs_and_its_outcome_is_logged_and_stored(app, tmp_path, caplog):
    report = {"decisions": 12, "in_use": False, "reason": "For få beslutninger endnu: 12 (mindst 200)."}
    script = tmp_path / "train.py"
    script.write_text(f"import json, sys, time\nprint('training', file=sys.stderr)\ntime.sleep(0.5)\n"
                      f"print(json.dumps({report!r}))\n")
    schedule = Due()
    with app.app_context(), caplog.at_level(logging.INFO, logger="indexer"):
        training = BackgroundTraining(db.session, schedule, command=[sys.executable, str(script)])
        training()
        first = training._proc
        training()  # still running (or not polled yet): no second child
        assert training._proc is first
        wait_for(lambda: first.poll() is not None)
        training()  # polled: the outcome is recorded
        assert not training.running and schedule.postponed == 1
        training()  # not due again (postponed): nothing starts
        assert not training.running
        outcome = stored(LAST_TRAINING_KEY)
    assert outcome["outcome"] == "not_used" and outcome["decisions"] == 12
    assert outcome["reason"].startswith("For få beslutninger endnu")
    lines = [r.getMessage() for r in caplog.records if "re-ranking training" in r.getMessage()
             and "started" not in r.getMessage()]
    assert len(lines) == 1 and "hand-set weights are kept" in lines[0] and "12 decisions" in lines[0]


def test_a_failed_training_is_stored_with_its_reason_and_retried_later(app, caplog):
    failing = [sys.executable, "-c", "import sys; print('RuntimeError: database gone', file=sys.stderr); sys.exit(1)"]
    schedule = Due()
    with app.app_context(), caplog.at_level(logging.INFO, logger="indexer"):
        training = BackgroundTraining(db.session, schedule, command=failing)
        training()
        wait_for(lambda: training._proc.poll() is not None)
        training()
        outcome = stored(LAST_TRAINING_KEY)
    assert outcome["outcome"] == "failed" and "database gone" in outcome["reason"]
    assert schedule.postponed == 1  # tried again after the schedule's retry, not at once
    assert any(r.levelno == logging.WARNING and "failed" in r.getMessage() and "database gone" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("command, grace", [(SLOW, 5.0), (DEAF, 0.5)], ids=["ends-on-sigterm", "killed-after-grace"])
def test_stopping_ends_the_training_within_seconds_and_keeps_the_model(app, command, grace):
    with app.app_context():
        old = store_old_model()
        training = BackgroundTraining(db.session, Due(), command=command, grace=grace)
        training()
        child = training._proc
        time.sleep(0.3)  # the child is up (the deaf one has set its handler: grace covers it)
        started = time.monotonic()
        training.stop()
        took = time.monotonic() - started
        assert child.poll() is not None and not training.running
        assert took < grace + 20  # the grace, not the child's 300 s
        assert db.session.get(IndexerState, STATE_KEY).value == old
        assert stored(LAST_TRAINING_KEY)["outcome"] == "stopped"


def test_the_admin_sees_the_last_training_beside_the_model(app, client, auth, make_user):
    failing = [sys.executable, "-c", "import sys; print('RuntimeError: database gone', file=sys.stderr); sys.exit(1)"]
    make_user("admin", email="admin@jobcenter.dk")
    with app.app_context():
        training = BackgroundTraining(db.session, Due(), command=failing)
        training()
        wait_for(lambda: training._proc.poll() is not None)
        training()
    auth.login("admin@jobcenter.dk")
    page = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert 'data-testid="rerank-last-training"' in page
    assert "mislykkedes" in page and "RuntimeError: database gone" in page
    assert "Den hidtidige model er uændret" in page


SITECUSTOMIZE = '''
import os
import time

if os.environ.get("SLOW_TRAINING_MARK"):
    import indexer.rerank_train as rerank_train

    def slow_train(*args, **kwargs):  # a training that takes minutes, as on a real job centre
        with open(os.environ["SLOW_TRAINING_MARK"], "w") as mark:
            mark.write(str(os.getpid()))
        time.sleep(300)
        raise AssertionError("the training was not stopped")

    rerank_train.train = slow_train
'''


def test_the_worker_indexes_during_training_and_stops_on_sigterm_within_seconds(seed, cli_env, tmp_path):
    """``python -m indexer run`` as compose runs it, with a training that would take minutes."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    mark = tmp_path / "training.pid"
    env = cli_env | {"PYTHONPATH": f"{hooks}{os.pathsep}{cli_env['PYTHONPATH']}",
                     "SLOW_TRAINING_MARK": str(mark)}
    old = store_old_model()  # trained a month ago: due at once
    seed.citizen()
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "run", "--idle", "0.2"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: mark.exists() and mark.read_text(), timeout=90)
        trainer = int(mark.read_text())
        assert trainer != proc.pid  # trained in a process of its own
        citizen_id = seed.citizen(goal="Pædagogmedhjælper")  # a jobmål added during the training
        # indexed within wait_for's 30 s while the training (300 s) still runs: not after it
        wait_for(lambda: pending_of(citizen_id) == ["done"], timeout=30)
        os.kill(trainer, 0)  # still training

        proc.send_signal(signal.SIGTERM)
        # stopped within 30 s: inside compose's 2-minute stop_grace_period, not after the 300 s
        # training; that it was the graceful stop (not a kill) the log lines below prove
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    with pytest.raises(ProcessLookupError):
        os.kill(trainer, 0)
    assert db.session.get(IndexerState, STATE_KEY).value == old  # nothing half-written
    outcome = stored(LAST_TRAINING_KEY)
    assert outcome["outcome"] == "stopped"
    assert "rerank train: stopped by signal 15" in err  # the child ended cleanly, not killed
    assert "re-ranking training stopped" in err and "indexer stopped" in err



def test_the_worker_trains_for_real_and_stores_the_outcome(seed, cli_env):
    """The real child (``python -m indexer rerank train``): its report is stored and its outcome
    read from its JSON line."""
    from tests.portal.rerank_fixtures import seed_decisions

    seed_decisions(seed.vk_id, openings=4, citizens=10)
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "run", "--idle", "0.2"], env=cli_env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: stored(LAST_TRAINING_KEY) is not None, timeout=120)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    outcome, report = stored(LAST_TRAINING_KEY), stored(STATE_KEY)
    assert outcome["outcome"] == "not_used" and outcome["decisions"] == 40 == report["decisions"], err
    assert outcome["reason"] == report["reason"] and "For få beslutninger" in outcome["reason"]
    assert "re-ranking training done, the hand-set weights are kept" in err
