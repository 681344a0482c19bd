"""The job centre's working days, defined once: the hotline's service targets
(:mod:`portal.hotline.sla`) and the companies' hours deadline (:func:`portal.dates.hours_due`)
count with the same calendar.

Working days are Monday–Friday except the days in :func:`holidays`: the Danish public
holidays from the ``holidays`` package (its "public" category: Store Bededag abolished from
2024, Easter-based days for any year) plus the days municipal offices are closed by
agreement, not by law (:data:`CLOSED_BY_AGREEMENT`: Grundlovsdag 5 June, juleaften and
nytårsaften). 1 May, which the package lists as "optional", stays a working day.

A neutral module (no portal imports), so any area may read it without an import cycle.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from holidays import country_holidays

# (month, day): closed by agreement, not public holidays, by the name the pages give them.
CLOSED_BY_AGREEMENT = {(6, 5): "grundlovsdag", (12, 24): "juleaftensdag", (12, 31): "nytårsaftensdag"}


@lru_cache(maxsize=32)
def holidays(year: int) -> frozenset[date]:
    """Days off in ``year`` besides weekends (see the module docstring)."""
    public = country_holidays("DK", years=year)
    return frozenset(public) | {date(year, month, day) for month, day in CLOSED_BY_AGREEMENT}


def is_working_day(day: date) -> bool:
    """Monday–Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_from(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    return day if is_working_day(day) else next_working_day(day)
