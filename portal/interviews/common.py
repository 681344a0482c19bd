"""What every interview step shares: the refusal, the two sides, the lock, and times in words.

Each step (:mod:`.booking`, :mod:`.answers`, :mod:`.keeping`) checks its rules first and raises
:class:`InterviewError` (a Danish message for the page) without writing anything; otherwise it
changes the rows, adds the audit event (:func:`audit_step`) and the notifications and commits,
all in one transaction.

Two people may act on the same pair's times at once (two company users choosing different
times, the company choosing a time while the consultant withdraws it). Every step that changes
a time therefore first holds the proposal's row (:func:`lock`) and checks the rows as they are
then, not as the request read them: the second step waits for the first, sees what it did and
is refused with what happened (no invitation or cancellation goes out for it), so at most one
time is ever booked and the calendars get what matches the final state (review AF 1, 2).
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from babel import dates as babel_dates

from .. import audit
from ..extensions import db
from store import clock
from store.models import Interview, Proposal, User

SIDES = ("company", "jobcenter")


class InterviewError(ValueError):
    """The step is not allowed (Danish message); nothing was written."""


def side_of(user: User) -> str:
    """The booking side a user acts for: a company user is "company", staff "jobcenter"."""
    return "company" if user.role == "company" else "jobcenter"


def other_side(side: str) -> str:
    return "jobcenter" if side == "company" else "company"


def lock(proposal: Proposal) -> None:
    """Hold ``proposal``'s row until the commit, then read it and its interview rows again.

    A step on the pair's times checks their status and then writes it. Read at the start of
    the request, two steps at once both passed: two »Vælg« on different times booked both, and
    »Vælg« and »Træk tiden tilbage« on one time both said they worked (review AF 1, 2). Every
    step that changes a time takes this lock first and checks the rows as they are once it
    holds it, so the second waits for the first and sees what it did. A no-op write rather than
    SELECT ... FOR UPDATE, which SQLite ignores: PostgreSQL takes the row lock, SQLite the
    database's write lock (as :func:`portal.placements.lifecycle._lock_opening` does). Taking it
    again in the same transaction only reads the rows again.

    The lock orders the portal's own steps; the partial unique index
    :data:`store.models.handoff.ONE_BOOKED_INDEX` (``UNIQUE (proposal_id) WHERE status =
    'booked'``, migration 0028) refuses a second booked time from anyone else
    (:func:`portal.interviews.booking.book`).
    """
    table = Proposal.__table__
    db.session.execute(sa.update(table).where(table.c.id == proposal.id)
                       .values(status=table.c.status, updated_at=table.c.updated_at))
    # populate_existing: the objects the request already holds get the committed values (the
    # select flushes the caller's pending changes first, so none are lost).
    db.session.scalars(sa.select(Proposal).where(Proposal.id == proposal.id)
                       .execution_options(populate_existing=True)).all()
    db.session.scalars(sa.select(Interview).where(Interview.proposal_id == proposal.id)
                       .execution_options(populate_existing=True)).all()


def audit_step(proposal: Proposal, user: User, action: str, purpose: str) -> None:
    """Record ``user``'s step on the pair's interviews in the audit log."""
    audit.record(action, citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                 purpose=purpose, user=user)


def spoken_time(moment: datetime) -> str:
    """An interview time as people say it, in Danish local time: "søndag 6. december 2026 kl. 10.00"
    (the weekday shows at once a time that falls on a weekend)."""
    return babel_dates.format_datetime(as_utc(moment), "EEEE d. MMMM y 'kl.' HH.mm",
                                       tzinfo=clock.LOCAL, locale="da_DK")


def when(interview: Interview) -> str:
    """The interview's start as people say it (:func:`spoken_time`)."""
    return spoken_time(interview.starts_at)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware datetime: SQLite hands datetimes back naive; the models store UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
