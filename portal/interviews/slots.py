"""The times one side offers: 1–3 slots, each ahead, 15–480 minutes within a working day, at a
place. The web's times form (:class:`portal.interviews.forms.OfferForm`) and the API read the
same limits; :func:`check_slots` is what :func:`portal.interviews.booking.offer` holds them to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from store import clock
from .common import InterviewError, as_utc

MAX_SLOTS = 3
MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_LOCATION = 200
# Interviews lie within an ordinary (long) working day, Danish local time: a start at 00:42
# is a typing slip, not an appointment (review finding).
DAY_STARTS, DAY_ENDS = time(6, 0), time(22, 0)
OUTSIDE_DAY = (f"Samtaler holdes mellem kl. {DAY_STARTS:%H.%M} og {DAY_ENDS:%H.%M} (dansk tid). "
               "Vælg et klokkeslæt inden for det tidsrum.")


@dataclass(frozen=True)
class Slot:
    """One offered time: start (aware, any zone; stored as UTC), length and place."""

    starts_at: datetime
    duration_minutes: int
    location: str


def within_day(start: datetime, minutes: int) -> bool:
    """Whether an interview from ``start`` lasting ``minutes`` lies between :data:`DAY_STARTS`
    and :data:`DAY_ENDS` on its day, Danish local time."""
    local = as_utc(start).astimezone(clock.LOCAL)
    begins = datetime.combine(local.date(), DAY_STARTS, tzinfo=clock.LOCAL)
    ends = datetime.combine(local.date(), DAY_ENDS, tzinfo=clock.LOCAL)
    return begins <= local and local + timedelta(minutes=minutes) <= ends


def check_slots(slots: list[Slot], now: datetime | None = None) -> list[Slot]:
    """The slots, checked: 1–3, in the future, 15–480 minutes within 06:00–22:00 Danish time,
    a place of at most 200 characters.

    Raises:
        InterviewError: on the first broken rule (Danish).
    """
    now = now or clock.utcnow()
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise InterviewError(f"Foreslå mellem 1 og {MAX_SLOTS} tider.")
    seen = set()
    for slot in slots:
        if as_utc(slot.starts_at) <= now:
            raise InterviewError("En samtaletid ligger i fortiden. Vælg en dato og et klokkeslæt frem i tiden.")
        if not MIN_MINUTES <= slot.duration_minutes <= MAX_MINUTES:
            raise InterviewError(f"Varigheden skal være mellem {MIN_MINUTES} og {MAX_MINUTES} minutter.")
        if not within_day(slot.starts_at, slot.duration_minutes):
            raise InterviewError(OUTSIDE_DAY)
        location = (slot.location or "").strip()
        if not location or len(location) > MAX_LOCATION:
            raise InterviewError(f"Angiv stedet for samtalen (højst {MAX_LOCATION} tegn).")
        if slot.starts_at in seen:
            raise InterviewError("Den samme tid er foreslået to gange.")
        seen.add(slot.starts_at)
    return slots
