"""The one clock: now in UTC, and today's date where the job centre is (Europe/Copenhagen).

A server runs in UTC; between 23:00 and 01:00 Danish time its ``date.today()`` is another
day than the consultant's. Code asks this module, and tests set the time with
``time_machine`` (which moves this clock and everything else), never a module-level
``date.today()``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")


def utcnow() -> datetime:
    """The current moment, timezone-aware in UTC (what the database stores)."""
    return datetime.now(timezone.utc)


def local_now() -> datetime:
    """The current moment in Danish local time."""
    return utcnow().astimezone(LOCAL)


def today() -> date:
    """Today's date in Denmark."""
    return local_now().date()
