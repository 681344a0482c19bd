"""Calendar arithmetic on dates, defined once (placements, dashboard and demo data use it).

Also the one calendar rule the hours pages, the hours reminder and the policy goals follow:
companies register a month's hours until its deadline, :func:`hours_due` (the 9th of the next
month, moved to the next working day when the 9th is a weekend day or a holiday).
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date

from .workdays import working_day_from

# The day after the deadline's ordinary day (the 9th): from it the hours page defaults to the
# current month and the policy goals freeze the month just ended, once its hours are in
# (portal.placements.monthly, portal.dashboard.snapshots). When the 9th is no working day the
# deadline moves to the next working day (:func:`hours_due`), and both move with it.
YOUNG_UNTIL_DAY = 10

HOURS_DUE_RULE = ("den 9. i den følgende måned, eller den første arbejdsdag derefter, når den 9. er en "
                  "lørdag, søndag eller helligdag")


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
    :data:`YOUNG_UNTIL_DAY` of the next month (9 December for November), or the first working
    day after it when that is a weekend day or a holiday (:mod:`portal.workdays`, the hotline's
    calendar): December 2026's hours are due Monday 11 January 2027, not Saturday the 9th.

    Every page, mail and figure that states or uses the deadline reads this function: the hours
    pages and reminder (:func:`portal.placements.monthly.deadline_note`), the month the hours
    page defaults to (:func:`portal.placements.monthly.default_month`) and the day the policy
    goals freeze the month (:func:`portal.dashboard.snapshots.final_from`)."""
    return working_day_from(add_months(month_start(month), 1).replace(day=YOUNG_UNTIL_DAY - 1))
