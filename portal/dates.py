"""Calendar arithmetic on dates, defined once (placements, dashboard and demo data use it).

Also the one calendar rule both the hours pages and the policy goals follow: companies register
a month's hours until :data:`YOUNG_UNTIL_DAY` of the next month (:func:`hours_due`).
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date

# From this day of a month the hours page defaults to that month (before it, to the month just
# ended, which companies are still registering); the policy goals freeze the month just ended
# from the same day, once its hours are in (portal.placements.monthly, portal.dashboard.snapshots).
YOUNG_UNTIL_DAY = 10


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (negative: back), clamped to the month's length.

    31 March minus one month is 28 or 29 February; the first of a month stays the first.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def hours_due(month: date) -> date:
    """The last day companies are asked to register ``month``'s hours: the day before
    :data:`YOUNG_UNTIL_DAY` of the next month (9 December for November)."""
    return add_months(month_start(month), 1).replace(day=YOUNG_UNTIL_DAY - 1)
