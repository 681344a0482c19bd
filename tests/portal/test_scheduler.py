"""The schedule loop (``flask --app portal scheduled-jobs``, portal/scheduler.py): each scheduled
job runs when it is due, decided from the runs recorded in ``job_run``, each run recorded as a
cron run is; a failing job is recorded as failed and the rest go on; SIGTERM stops the loop.

No test waits: the loop's clock is moved with time_machine and its sleep is injected."""
from __future__ import annotations

import os
import signal
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from portal import job_runs, scheduler
from portal.extensions import db
from store.clock import LOCAL
from store.models import JobRun

def _local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment given in Danish time, as the aware UTC datetime the loop works with."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).astimezone(timezone.utc)


def _run(started: datetime, outcome: str = "ok") -> JobRun:
    return JobRun(job="x", started_at=started, outcome=outcome, summary="")


def _runs(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(r.job, r.outcome, r.summary) for r in db.session.scalars(sa.select(JobRun).order_by(JobRun.id))]


MONDAY = date(2026, 11, 23)  # winter time: Danish 07:00 is 06:00 UTC
SUMMER_MONDAY = date(2026, 6, 15)  # summer time: Danish 07:00 is 05:00 UTC


def test_every_scheduled_job_has_a_rule():
    assert set(scheduler.RULES) == set(job_runs.JOB_NAMES)


# --- when a job is due ---------------------------------------------------------------------------

def test_the_hotline_reminders_are_due_15_minutes_after_their_last_start():
    rule, now = scheduler.RULES["hotline-reminders"], _local(MONDAY, 3)
    assert scheduler.is_due(rule, now, None)  # never ran: at once, also at night
    assert not scheduler.is_due(rule, now, _run(now - timedelta(minutes=14, seconds=59)))
    assert scheduler.is_due(rule, now, _run(now - timedelta(minutes=15)))


def test_retention_is_due_24_hours_after_its_last_start():
    rule, now = scheduler.RULES["retention"], _local(MONDAY, 14)
    assert scheduler.is_due(rule, now, None)
    assert not scheduler.is_due(rule, now, _run(now - timedelta(hours=23, minutes=59)))
    assert scheduler.is_due(rule, now, _run(now - timedelta(hours=24)))


@pytest.mark.parametrize("day", [MONDAY, SUMMER_MONDAY])
def test_the_hours_reminders_run_once_a_day_at_or_after_seven_danish_time(day):
    rule = scheduler.RULES["hours-reminders"]
    assert not scheduler.is_due(rule, _local(day, 6, 59), None)  # not before 07:00, not even the first time
    assert scheduler.is_due(rule, _local(day, 7), None)
    assert scheduler.is_due(rule, _local(day, 16), None)  # a loop started later in the day
    yesterday = _run(_local(day - timedelta(days=1), 7))
    assert not scheduler.is_due(rule, _local(day, 6, 59), yesterday)
    assert scheduler.is_due(rule, _local(day, 7), yesterday)
    today = _run(_local(day, 7, 0) + timedelta(seconds=20))
    assert not scheduler.is_due(rule, _local(day, 7, 1), today)
    assert not scheduler.is_due(rule, _local(day, 23, 59), today)
    # A run by hand (or an old cron line) before 07:00 is not today's run.
    assert scheduler.is_due(rule, _local(day, 7, 5), _run(_local(day, 6, 30)))


def test_a_failed_run_is_tried_again_after_15_minutes():
    for name in ("retention", "hotline-reminders"):
        rule, now = scheduler.RULES[name], _local(MONDAY, 12)
        assert not scheduler.is_due(rule, now, _run(now - timedelta(minutes=14), "failed")), name
        assert scheduler.is_due(rule, now, _run(now - timedelta(minutes=15), "failed")), name
    hours = scheduler.RULES["hours-reminders"]
    failed = _run(_local(MONDAY, 7), "failed")
    assert not scheduler.is_due(hours, _local(MONDAY, 7, 10), failed)
    assert scheduler.is_due(hours, _local(MONDAY, 7, 15), failed)


def test_a_run_still_running_is_not_started_again_until_it_counts_as_stuck():
    rule, now = scheduler.RULES["hotline-reminders"], _local(MONDAY, 12)
    assert not scheduler.is_due(rule, now, _run(now - timedelta(minutes=40), "running"))
    assert scheduler.is_due(rule, now, _run(now - job_runs.STUCK_AFTER, "running"))


def test_due_jobs_reads_the_recorded_runs_so_a_restart_reruns_nothing_recent(app):
    now = _local(MONDAY, 10)
    with app.app_context():
        assert scheduler.due_jobs(now) == ["retention", "hotline-reminders", "hours-reminders"]
        for name, ago in (("retention", timedelta(hours=5)), ("hotline-reminders", timedelta(minutes=3)),
                          ("hours-reminders", timedelta(hours=2, minutes=30))):
            db.session.add(JobRun(job=name, started_at=now - ago, outcome="ok", summary="",
                                  finished_at=now - ago + timedelta(seconds=2)))
        db.session.commit()
        assert scheduler.due_jobs(now) == []
        assert scheduler.due_jobs(now + timedelta(minutes=12)) == ["hotline-reminders"]
        assert scheduler.due_jobs(now + timedelta(hours=19)) == ["retention", "hotline-reminders"]
        assert scheduler.due_jobs(_local(MONDAY + timedelta(days=1), 7)) == [
            "retention", "hotline-reminders", "hours-reminders"]


# --- the command ---------------------------------------------------------------------------------

def test_once_runs_every_job_due_and_records_it_as_cron_does(app, runner, frozen_today):
    result = runner.invoke(args=["scheduled-jobs", "--once"])
    assert result.exit_code == 0, result.output
    assert "scheduled jobs: retention: 0 closed cases anonymised" in result.output
    assert "scheduled jobs: hotline-reminders: reminded 0, escalated 0, failed 0" in result.output
    assert "scheduled jobs: hours-reminders: " in result.output
    runs = _runs(app)
    assert [(job, outcome) for job, outcome, _ in runs] == [
        ("retention", "ok"), ("hotline-reminders", "ok"), ("hours-reminders", "ok")]
    assert runs[1][2] == "0 påmindelser, 0 eskaleringer, 0 mails fejlede"  # the command's own summary
    # Started again (a restart of the loop): nothing ran recently enough to run again.
    again = runner.invoke(args=["scheduled-jobs", "--once"])
    assert again.exit_code == 0 and "nothing due" in again.output
    assert len(_runs(app)) == 3


def test_a_run_from_cron_counts(app, runner, frozen_today):
    assert runner.invoke(args=["hotline-reminders"]).exit_code == 0
    assert runner.invoke(args=["scheduled-jobs", "--once"]).exit_code == 0
    assert [job for job, _, _ in _runs(app)] == ["hotline-reminders", "retention", "hours-reminders"]


def test_a_failing_job_is_recorded_as_failed_and_the_others_still_run(app, runner, frozen_today, monkeypatch):
    from portal.hotline import reminders

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(reminders, "run", broken)
    result = runner.invoke(args=["scheduled-jobs", "--once"])
    assert result.exit_code == 1
    assert "scheduled jobs: hotline-reminders failed: RuntimeError: a bug" in result.output
    assert "hotline-reminders failed (recorded in job_run)" in result.output
    assert [(job, outcome, summary if outcome == "failed" else "") for job, outcome, summary in _runs(app)] == [
        ("retention", "ok", ""), ("hotline-reminders", "failed", "Fejlede: RuntimeError"), ("hours-reminders", "ok", "")]


def test_the_loop_command_stops_on_sigterm_after_the_job_running(app, runner, frozen_today, monkeypatch):
    """SIGTERM while a job runs (docker stop, make run's trap): the job ends and is recorded as
    done, the rest of the tick runs, and the loop ends without waiting for the next tick."""
    from portal.hotline import reminders

    def terminated_meanwhile(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return reminders.Summary()

    monkeypatch.setattr(reminders, "run", terminated_meanwhile)
    previous = signal.getsignal(signal.SIGTERM)
    result = runner.invoke(args=["scheduled-jobs", "--loop"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "scheduled jobs stopped"
    assert [(job, outcome) for job, outcome, _ in _runs(app)] == [
        ("retention", "ok"), ("hotline-reminders", "ok"), ("hours-reminders", "ok")]
    assert signal.getsignal(signal.SIGTERM) is previous


# --- the loop over a day, on a moved clock ----------------------------------------------------------

def test_a_day_of_the_loop_runs_each_job_on_its_schedule(app):
    def run_job(name: str) -> str:
        with job_runs.recorded(name) as run:  # the real recorder, at the moved clock's time
            run.summary = "ok"
        return "done"

    end = _local(MONDAY + timedelta(days=1), 7, 30)
    with time_machine.travel(_local(MONDAY, 6, 50), tick=False) as traveller, app.app_context():
        def sleep(seconds: float) -> None:
            traveller.shift(timedelta(seconds=seconds))
            if scheduler.clock.utcnow() >= end:
                os.kill(os.getpid(), signal.SIGTERM)

        lines: list[str] = []
        scheduler.serve(run_job, interval=300, sleep=sleep, echo=lines.append)
        started = {name: list(db.session.scalars(sa.select(JobRun.started_at).where(JobRun.job == name)
                                                 .order_by(JobRun.id))) for name in job_runs.JOB_NAMES}
    assert lines[-1] == "scheduled jobs stopped"
    assert started["hours-reminders"] == [_local(MONDAY, 7), _local(MONDAY + timedelta(days=1), 7)]
    assert started["retention"] == [_local(MONDAY, 6, 50), _local(MONDAY + timedelta(days=1), 6, 50)]
    hotline = started["hotline-reminders"]
    assert hotline[0] == _local(MONDAY, 6, 50) and hotline[-1] == _local(MONDAY + timedelta(days=1), 7, 20)
    assert {b - a for a, b in zip(hotline, hotline[1:])} == {timedelta(minutes=15)}


def test_the_loop_goes_on_when_the_database_cannot_be_used(app, monkeypatch):
    calls = []

    def down(_now=None):
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT job_run", {}, ConnectionError("connection refused"))
        return []

    monkeypatch.setattr(job_runs, "overview", down)
    lines: list[str] = []
    ticks = []

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    with app.app_context():
        scheduler.serve(lambda name: "", interval=45, sleep=sleep, echo=lines.append)
    assert ticks == [45, 45] and len(calls) == 2
    assert "scheduled jobs: the database cannot be used (OperationalError); trying again in 45 s" in lines
    assert lines[-1] == "scheduled jobs stopped"


def test_the_loop_goes_on_after_a_failing_job(app):
    """A job that raises (its command recorded it as failed) is echoed; the next job still runs."""
    ran = []

    def run_job(name: str) -> str:
        ran.append(name)
        with job_runs.recorded(name):
            if name == "retention":
                raise RuntimeError("disk full")
        return "fine"

    lines: list[str] = []
    with time_machine.travel(_local(MONDAY, 10), tick=False), app.app_context():
        assert scheduler.run_due(run_job, scheduler.clock.utcnow(), lines.append) == {
            "retention": False, "hotline-reminders": True, "hours-reminders": True}
    assert ran == ["retention", "hotline-reminders", "hours-reminders"]
    assert "scheduled jobs: retention failed: RuntimeError: disk full" in lines
    assert [(job, outcome) for job, outcome, _ in _runs(app)] == [
        ("retention", "failed"), ("hotline-reminders", "ok"), ("hours-reminders", "ok")]


def test_a_job_running_elsewhere_is_not_started_again(app, runner, frozen_today):
    """Another loop or cron started the hotline reminders a minute ago and is still at it."""
    with app.app_context():
        db.session.add(JobRun(job="hotline-reminders", started_at=scheduler.clock.utcnow() - timedelta(minutes=1),
                              outcome="running", summary=""))
        db.session.commit()
    result = runner.invoke(args=["scheduled-jobs", "--once"])
    assert result.exit_code == 0, result.output
    assert "hotline-reminders" not in result.output
    assert [(job, outcome) for job, outcome, _ in _runs(app)] == [
        ("hotline-reminders", "running"), ("retention", "ok"), ("hours-reminders", "ok")]
