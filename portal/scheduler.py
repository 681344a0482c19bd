"""The schedule loop: ``flask --app portal scheduled-jobs --loop`` runs the scheduled commands
(:data:`portal.job_runs.JOBS`) when they are due, so neither ``make run`` nor docker-compose
(the ``scheduler`` service) needs host cron. Cron stays an alternative (README "Drift uden
Docker"); the two may even overlap.

When a job is due is decided from ``job_run`` alone, the runs the commands record themselves
(:func:`portal.job_runs.recorded`, read with :func:`portal.job_runs.overview`), never from the
loop's memory: a restarted loop does not run again a job that ran recently, and a run from
cron counts as much as one of the loop's. Each job runs as its own CLI command, so a run is
recorded exactly as a cron run is.

* ``hotline-reminders``: 15 minutes after the last start; ``retention``: 24 hours after it;
* ``hours-reminders``: once a day at or after 07:00 Danish time (a run started before today's
  07:00 does not count for today), never before 07:00, also not on the loop's first start;
* a job whose last run failed is tried again :data:`RETRY_FAILED_AFTER` after that start (at
  most its own interval), so a database that was down for a moment costs no day of retention;
* a job still »running« (here or from cron) is not started again until the run counts as
  stuck (:data:`portal.job_runs.STUCK_AFTER`).

Two loops, or a loop and cron, that start the same job at the same moment send nothing twice:
the hotline reminders claim each request with a conditional UPDATE before mailing
(``portal.hotline.reminders``), the hours reminders' dedupe key is unique per user and month
(``portal.placements.hours_reminder``), and retention tells nothing twice (a citizen anonymised,
or a case whose proposals are deleted with the companies told, by both fails the second on the
citizen's version column, recorded as failed and rolled back with what it queued).

A failing job is recorded as failed (by the command's own record) and the loop goes on with the
next one; SIGTERM (docker stop, ``make run``'s trap) ends the loop after the job that is
running, Ctrl-C at once (a job it cuts short is recorded as failed). The clock and the sleep are arguments, so tests drive the loop without
waiting.
"""
from __future__ import annotations

import contextlib
import io
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from store import clock
from store.models import JobRun

from . import job_runs
from .extensions import db

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0  # how often the loop looks: hours-reminders starts within this of 07:00
RETRY_FAILED_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Rule:
    """When a job is due: ``every`` after its last start, or (``daily_at``, Danish local time)
    once a day at or after that time of day."""

    every: timedelta
    daily_at: time | None = None


RULES: dict[str, Rule] = {
    "retention": Rule(every=timedelta(hours=24)),
    "hotline-reminders": Rule(every=timedelta(minutes=15)),
    "hours-reminders": Rule(every=timedelta(days=1), daily_at=time(7, 0)),
}


def is_due(rule: Rule, now: datetime, last: JobRun | None) -> bool:
    """Whether a job with ``rule`` is due at ``now`` (aware, UTC) after its newest run ``last``
    (None: it never ran)."""
    if rule.daily_at is not None:
        local = now.astimezone(clock.LOCAL)
        slot = datetime.combine(local.date(), rule.daily_at, tzinfo=clock.LOCAL)
        if local < slot:
            return False  # never before the time of day, not even a job that never ran
    if last is None:
        return True
    since = now - last.started_at
    if last.outcome == "running" and since < job_runs.STUCK_AFTER:
        return False  # running now, in this loop's place or from cron
    if last.outcome == "failed" and since >= min(RETRY_FAILED_AFTER, rule.every):
        return True
    if rule.daily_at is not None:
        return last.started_at < slot
    return since >= rule.every


def due_jobs(now: datetime) -> list[str]:
    """The scheduled jobs due at ``now``, in :data:`job_runs.JOBS`' order, from ``job_run``."""
    return [status.job.name for status in job_runs.overview(now)
            if is_due(RULES[status.job.name], now, status.last)]


def run_due(run_job: Callable[[str], str], now: datetime,
            echo: Callable[[str], None] = click.echo) -> dict[str, bool]:
    """Run every job due at ``now`` with ``run_job`` (which returns what the command printed);
    returns each job run and whether it succeeded. A failing job is echoed and the next one runs.

    Raises:
        SQLAlchemyError: which jobs are due cannot be read (the database cannot be used).
    """
    try:
        due = due_jobs(now)
    finally:
        db.session.remove()
    ran = {}
    for name in due:
        try:
            printed = run_job(name)
        except Exception as err:  # noqa: BLE001 - the command recorded the run as failed; go on
            message = err.format_message() if isinstance(err, click.ClickException) else f"{type(err).__name__}: {err}"
            log.warning("scheduled job %s failed: %s", name, message)
            echo(f"scheduled jobs: {name} failed: {message}")
            ran[name] = False
        else:
            for line in printed.splitlines() or [""]:
                echo(f"scheduled jobs: {name}: {line}")
            ran[name] = True
        finally:
            db.session.remove()  # the next job (and the next tick) starts on a fresh session
    return ran


def serve(run_job: Callable[[str], str], *, interval: float = TICK_SECONDS,
          now: Callable[[], datetime] = clock.utcnow, sleep: Callable[[float], object] | None = None,
          echo: Callable[[str], None] = click.echo) -> None:
    """Run the due jobs every ``interval`` seconds until SIGTERM or Ctrl-C.

    ``now`` and ``sleep`` are the clock and the wait between ticks (default: the real clock and
    a wait that SIGTERM cuts short). A database that cannot be used is echoed and tried again
    on the next tick.
    """
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    wait = sleep or stop.wait
    echo(f"scheduled jobs: {', '.join(RULES)} when due, looking every {interval:g} s (Ctrl-C stops)")
    try:
        while not stop.is_set():
            try:
                run_due(run_job, now(), echo)
            except sa.exc.SQLAlchemyError as exc:
                echo(f"scheduled jobs: the database cannot be used ({type(exc).__name__}); "
                     f"trying again in {interval:g} s")
            if not stop.is_set():
                wait(interval)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    echo("scheduled jobs stopped")


def _command_runner(ctx: click.Context) -> Callable[[str], str]:
    """Run a scheduled job as its own CLI command (recorded as from cron); returns its output."""
    def run_job(name: str) -> str:
        command = current_app.cli.commands[name]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            ctx.invoke(command)
        return printed.getvalue()
    return run_job


@click.command("scheduled-jobs")
@click.option("--loop/--once", default=False,
              help="Keep running the jobs when due until SIGTERM or Ctrl-C (a worker process), or "
                   "run the due jobs once (the default).")
@click.option("--interval", type=click.FloatRange(min=1), default=TICK_SECONDS, show_default=True,
              help="Seconds between looks with --loop.")
@with_appcontext
def scheduled_jobs_command(loop: bool, interval: float) -> None:
    """Run retention, hotline-reminders and hours-reminders when due (from job_run), instead of cron.

    --once runs the jobs due now and exits 1 when one failed or the database cannot be used.
    """
    run_job = _command_runner(click.get_current_context())
    if loop:
        serve(run_job, interval=interval)
        return
    try:
        ran = run_due(run_job, clock.utcnow())
    except sa.exc.SQLAlchemyError as exc:
        raise click.ClickException(
            f"scheduled-jobs: the database cannot be used ({type(exc).__name__}); is it reachable and "
            "migrated (flask --app portal setup)?") from None
    if not ran:
        click.echo("scheduled jobs: nothing due")
    failed = [name for name, ok in ran.items() if not ok]
    if failed:
        raise click.ClickException(f"scheduled-jobs: {', '.join(failed)} failed (recorded in job_run)")
