"""The scheduled commands (the schedule loop or cron) and their runs: recorded by the commands, shown on the
administrator's start page with a warning when one is overdue (review AN 13).

``retention`` runs daily, ``hotline-reminders`` every 15 minutes and ``hours-reminders`` daily:
run by the schedule loop (``flask --app portal scheduled-jobs --loop``, :mod:`portal.scheduler`,
which ``make run`` starts and docker-compose runs as the ``scheduler`` service, deciding from
these records when each is due) or by cron (README "Drift uden Docker" and "Operations"). The
portal's web process runs none of them, so a loop or a cron line that is missing, or stopped
working, would go unnoticed: no anonymisation after ``RETENTION_DAYS`` (a GDPR problem), no
hotline escalations, no hours reminders. Each command records its run (:func:`recorded`: a
``job_run`` row written when it starts and finished with its outcome and a short Danish
summary); :func:`overview` gives the start page each job's last run and whether it is overdue
(no successful run within ``Job.overdue_after``) or its last run failed.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from store.models import JobRun
from store.models.base import utcnow

from .extensions import db

log = logging.getLogger(__name__)

KEEP = 100  # runs kept per job (the hotline's: a day of quarter hours)
STUCK_AFTER = timedelta(hours=1)  # a run "running" longer than this was killed or hangs


@dataclass(frozen=True)
class Job:
    """A command operators schedule: ``name`` as in ``flask --app portal <name>``."""

    name: str
    label: str  # Danish, for the start page
    schedule: str  # Danish: how often it should run
    cron: str  # the crontab line's time fields the README gives
    overdue_after: timedelta

    @property
    def command(self) -> str:
        return f"flask --app portal {self.name}"

    @property
    def overdue_text(self) -> str:
        """The warning's interval in Danish: »26 timer«, »1 time«."""
        hours = int(self.overdue_after.total_seconds() // 3600)
        return f"{hours} time" if hours == 1 else f"{hours} timer"


JOBS = (
    Job("retention", "Anonymisering af lukkede sager og oprydning", "dagligt", "30 2 * * *",
        timedelta(hours=26)),
    Job("hotline-reminders", "Hotline: påmindelser og eskalering", "hvert kvarter", "*/15 * * * *",
        timedelta(hours=1)),
    Job("hours-reminders", "Påmindelser om manglende timer", "dagligt", "0 7 * * *", timedelta(hours=26)),
)
JOB_NAMES = tuple(job.name for job in JOBS)


class RunNote:
    """What a run sets while it works: ``summary``, the short Danish count the page shows."""

    summary: str = ""


@contextmanager
def recorded(job: str, now: datetime | None = None) -> Iterator[RunNote]:
    """Record one run of ``job``: a row committed at the start, finished when the block ends
    (``ok`` with the note's summary, or ``failed`` with the error's kind; the error is raised
    on). Needs an application context; uses ``db.session`` (the block commits its own work).

    Raises:
        SQLAlchemyError: the run cannot be recorded at the start (the database cannot be used):
            the block does not run. A failure to record the end is only logged.
    """
    if job not in JOB_NAMES:
        raise ValueError(f"unknown scheduled job {job!r}")
    run = JobRun(job=job, started_at=now or utcnow(), outcome="running", summary="")
    db.session.add(run)
    db.session.flush()
    run_id = run.id
    _prune(job, run_id)
    db.session.commit()
    note = RunNote()
    try:
        yield note
    except BaseException as err:
        _end_run(run_id, "failed", note.summary or f"Fejlede: {type(err).__name__}")
        raise
    _end_run(run_id, "ok", note.summary)


def _prune(job: str, newest: int) -> None:
    """Keep the newest ``KEEP`` runs of ``job``."""
    keep = sa.select(JobRun.id).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(KEEP)
    db.session.execute(sa.delete(JobRun).where(JobRun.job == job, JobRun.id < newest,
                                               JobRun.id.not_in(keep.scalar_subquery()))
                       .execution_options(synchronize_session=False))


SUMMARY_LENGTH = JobRun.__table__.c.summary.type.length


def _fit(summary: str) -> str:
    """``summary`` as the column holds it: cut visibly (»…«), never silently."""
    return summary if len(summary) <= SUMMARY_LENGTH else summary[:SUMMARY_LENGTH - 1] + "…"


def _end_run(run_id: int, outcome: str, summary: str) -> None:
    try:
        db.session.rollback()  # what the block left uncommitted is not the run's record
        db.session.execute(sa.update(JobRun).where(JobRun.id == run_id)
                           .values(outcome=outcome, summary=_fit(summary), finished_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except SQLAlchemyError as err:
        db.session.rollback()
        log.warning("the end of scheduled job run %s could not be recorded: %s", run_id, err)


@dataclass(frozen=True)
class JobStatus:
    """A job as the start page shows it.

    ``last``: its newest run (None: never ran). ``last_ok``: when its newest successful run
    finished. ``overdue``: no successful run within ``job.overdue_after``. ``failed``: its
    newest finished run failed. ``stuck``: its newest run is still "running" after ``STUCK_AFTER``.
    """

    job: Job
    last: JobRun | None
    last_ok: datetime | None
    overdue: bool
    failed: bool
    stuck: bool

    @property
    def warn(self) -> bool:
        return self.overdue or self.failed or self.stuck


def overview(now: datetime | None = None) -> list[JobStatus]:
    """Every scheduled job's last run and state, in one statement: each job's newest run, its
    newest successful one and its newest finished one."""
    now = now or utcnow()
    known = JobRun.job.in_(JOB_NAMES)
    newest = [sa.select(sa.func.max(JobRun.id)).where(known, *where).group_by(JobRun.job)
              for where in ((), (JobRun.outcome == "ok",), (JobRun.outcome != "running",))]
    rows = list(db.session.scalars(sa.select(JobRun).where(JobRun.id.in_(sa.union(*newest)))
                                   .order_by(JobRun.id.desc())))
    found = []
    for job in JOBS:
        mine = [r for r in rows if r.job == job.name]  # newest first
        last = mine[0] if mine else None
        ok = next((r for r in mine if r.outcome == "ok"), None)
        finished = next((r for r in mine if r.outcome != "running"), None)
        last_ok = (ok.finished_at or ok.started_at) if ok is not None else None
        found.append(JobStatus(
            job=job, last=last, last_ok=last_ok,
            overdue=last_ok is None or last_ok < now - job.overdue_after,
            failed=finished is not None and finished.outcome == "failed",
            stuck=last is not None and last.outcome == "running" and last.started_at < now - STUCK_AFTER))
    return found
