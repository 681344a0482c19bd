"""The date the tests live on: fixed, injected with time_machine, never read at import time.

A module-level ``date.today()`` is wrong for a suite that runs across midnight (and differs
from the portal's Danish date between 23:00 and 01:00 UTC). Tests that need "today" use the
``frozen_today`` fixture (tests/conftest.py): the whole process, portal included, then lives
on TODAY, with the clock ticking from 10:00 Danish time.
"""
from __future__ import annotations

from datetime import date, datetime, time

import time_machine

from store.clock import LOCAL

TODAY = date(2026, 11, 23)


def travel(day: date = TODAY) -> time_machine.travel:
    """A time_machine travel to 10:00 Danish time on ``day`` (the clock keeps ticking)."""
    return time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=LOCAL), tick=True)
