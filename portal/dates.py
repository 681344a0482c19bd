"""Calendar arithmetic on dates, defined once (placements, dashboard and demo data use it)."""
from __future__ import annotations

from calendar import monthrange
from datetime import date


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
