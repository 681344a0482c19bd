"""Service targets for hotline requests: pure functions over times, no Flask, no database.

The rules (all in Danish local time, Europe/Copenhagen, daylight saving included):

* ``akut``: the same working day by 16:00 when the request arrives on a working day
  before 14:00; otherwise by 12:00 on the next working day.
* ``hoej``: within 1 working day; ``normal``: within 3 working days. The clock starts
  when the office is open (08:00–16:00 on a working day): a request made before 08:00
  starts at 08:00, one made after 16:00 or on a day off starts at 08:00 on the next
  working day. The target is the same wall-clock time that many working days later.

Working days are Monday–Friday except the days in :func:`holidays`: the Danish public
holidays from the ``holidays`` package (its "public" category: Store Bededag abolished from
2024, Easter-based days for any year) plus the days municipal offices are closed by
agreement, not by law (:data:`CLOSED_BY_AGREEMENT`: Grundlovsdag 5 June, juleaften and
nytårsaften), as the rules were before the package. 1 May, which the package lists as
"optional", stays a working day. 2026–2027 are spelled out in the tests.

Every function that needs "now" takes it as an argument (``now`` or a ``clock``), so
tests use hand-made times.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from store import clock

from ..i18n import plural
from ..workdays import CLOSED_BY_AGREEMENT, holidays, is_working_day, next_working_day  # noqa: F401 (one calendar)

LOCAL = clock.LOCAL
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(16, 0)
AKUT_CUTOFF = time(14, 0)
AKUT_NEXT_DAY = time(12, 0)
WORKING_DAYS = {"hoej": 1, "normal": 3}

Clock = Callable[[], datetime]


def office_hours_text() -> str:
    """When written requests are handled, from the constants the targets are counted with: the
    hotline's phone hours (``HOTLINE_HOURS``) may be shorter, and the targets do not follow them."""
    *days, last = ["helligdage", *CLOSED_BY_AGREEMENT.values()]  # every day the targets skip (review AL 7)
    return (f"Skriftlige henvendelser behandles på arbejdsdage (mandag–fredag, ikke {', '.join(days)} og "
            f"{last}) kl. {OFFICE_OPENS.hour}–{OFFICE_CLOSES.hour}, og svarfristen regnes i den tid")


def urgency_hint() -> str:
    """The service targets as the request form explains them, from the same constants."""
    return (f"Akut: sendt på en arbejdsdag før kl. {AKUT_CUTOFF.hour}, svar samme dag inden kl. "
            f"{OFFICE_CLOSES.hour}, ellers inden kl. {AKUT_NEXT_DAY.hour} næste arbejdsdag. Høj: inden for "
            f"{WORKING_DAYS['hoej']} arbejdsdag. Normal: inden for {WORKING_DAYS['normal']} arbejdsdage. "
            f"{office_hours_text()}.")


def utc_now() -> datetime:
    """The default clock: timezone-aware UTC now."""
    return clock.utcnow()


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; naive values (SQLite returns them) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    """``moment`` in Danish local time."""
    return as_utc(moment).astimezone(LOCAL)


def _local_moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL)


def clock_start(created: datetime) -> datetime:
    """When the service clock starts for a request made at ``created`` (local time)."""
    local = to_local(created)
    if is_working_day(local.date()):
        if local.time() < OFFICE_OPENS:
            return _local_moment(local.date(), OFFICE_OPENS)
        if local.time() < OFFICE_CLOSES:
            return local
    return _local_moment(next_working_day(local.date()), OFFICE_OPENS)


def due_at(created: datetime, urgency: str) -> datetime:
    """The service target for a request of ``urgency`` made at ``created``.

    Args:
        created: when the request was made (aware, or naive meaning UTC).
        urgency: a key of ``HOTLINE_URGENCIES``.

    Returns:
        The target as aware UTC.

    Raises:
        ValueError: for an unknown urgency.
    """
    local = to_local(created)
    if urgency == "akut":
        if is_working_day(local.date()) and local.time() < AKUT_CUTOFF:
            target = _local_moment(local.date(), OFFICE_CLOSES)
        else:
            target = _local_moment(next_working_day(local.date()), AKUT_NEXT_DAY)
        return target.astimezone(timezone.utc)
    if urgency not in WORKING_DAYS:
        raise ValueError(f"unknown urgency: {urgency!r}")
    start = clock_start(created)
    day = start.date()
    for _ in range(WORKING_DAYS[urgency]):
        day = next_working_day(day)
    return _local_moment(day, start.time().replace(tzinfo=None)).astimezone(timezone.utc)


def current_due(request) -> datetime:
    """The target the request waits on now: a follow-up's own when the company put an answered
    request back to waiting (``waiting_since``), else the first answer's (``due_at``)."""
    if request.waiting_since is not None and request.first_response_at is not None:
        return due_at(request.waiting_since, request.urgency)
    return as_utc(request.due_at)


def is_overdue(due: datetime, first_response: datetime | None, status: str, now: datetime) -> bool:
    """True while an unanswered, not closed request is past its target."""
    return status != "closed" and first_response is None and as_utc(now) > as_utc(due)


def _office_hours(day: date) -> tuple[datetime, datetime]:
    """The office's opening and closing on ``day``, as aware UTC."""
    return (_local_moment(day, OFFICE_OPENS).astimezone(timezone.utc),
            _local_moment(day, OFFICE_CLOSES).astimezone(timezone.utc))


def working_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes of office time (08:00–16:00 on working days) from ``start`` to ``end``;
    0 when ``end`` is not after ``start``. The unit the targets are counted in."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return 0
    total = timedelta()
    day, last = to_local(start).date(), to_local(end).date()
    while day <= last:
        if is_working_day(day):
            opens, closes = _office_hours(day)
            low, high = max(start, opens), min(end, closes)
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)


def remind_at(due: datetime, minutes: int) -> datetime:
    """The moment ``minutes`` of office time before ``due`` (aware UTC): when the reminder
    before a target goes. A target at the office's opening (a request made after hours) is
    reminded on the last working day before it, ``minutes`` before closing, never in the night.
    ``minutes`` <= 0: ``due`` itself."""
    due = as_utc(due)
    if minutes <= 0:
        return due
    left = timedelta(minutes=minutes)
    day = to_local(due).date()
    while True:
        if is_working_day(day):
            opens, closes = _office_hours(day)
            high = min(due, closes)
            if high > opens:
                if high - opens >= left:
                    return high - left
                left -= high - opens
        day -= timedelta(days=1)


def response_text(due: datetime, response: datetime | None) -> str:
    """How a reply stood to its target, in office time, as the lists show it: "2 timer før
    fristen", "1 arbejdsdag 3 timer efter fristen", "ved fristen"; "efter fristen" for a late
    reply outside office hours; "–" before a reply. The same unit the target is counted in, so
    an answer after a weekend does not read as days."""
    if response is None:
        return "–"
    due, response = as_utc(due), as_utc(response)
    if response <= due:
        minutes = working_minutes(response, due)
        if minutes:
            return f"{format_working(minutes)} før fristen"
        return "ved fristen" if response == due else "før fristen"  # e.g. on a Sunday for Monday 08:00
    minutes = working_minutes(due, response)
    return f"{format_working(minutes)} efter fristen" if minutes else "efter fristen"


def format_working(minutes: int) -> str:
    """Office time in Danish: "45 minutter", "2 timer 5 minutter", "1 arbejdsdag 3 timer"
    (a working day is the office's 8 hours)."""
    per_day = (OFFICE_CLOSES.hour - OFFICE_OPENS.hour) * 60
    days, rest = divmod(minutes, per_day)
    if not days:
        return format_minutes(minutes)
    hours = rest // 60
    return " ".join([_counted(days, "arbejdsdag", "arbejdsdage")]
                    + ([_counted(hours, "time", "timer")] if hours else []))


def answered_in_time(due: datetime, first_response: datetime | None) -> bool | None:
    """Whether the first reply met the target (None before a reply)."""
    if first_response is None:
        return None
    return as_utc(first_response) <= as_utc(due)


def format_minutes(minutes: int | None) -> str:
    """A duration in Danish: "45 minutter", "2 timer 5 minutter", "3 dage 4 timer"."""
    if minutes is None:
        return "–"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        parts = [_counted(days, "dag", "dage")] + ([_counted(hours, "time", "timer")] if hours else [])
    elif hours:
        parts = [_counted(hours, "time", "timer")] + ([_counted(mins, "minut", "minutter")] if mins else [])
    else:
        parts = [_counted(mins, "minut", "minutter")]
    return " ".join(parts)


def _counted(count: int, one: str, many: str) -> str:
    """"1 time", "3 timer": the count and its word (:func:`portal.i18n.plural`)."""
    return f"{count} {plural(count, one, many)}"
