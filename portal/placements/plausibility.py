"""Is a month's hours figure plausible for the placement? A typo check, not a rule.

The expected hours of a month are the placement's weekly hours times the weeks it ran in
that month (its days in the month / 7). A figure more than :data:`FACTOR` times that plus
:data:`SLACK` hours is probably a typo (300 for a 4 t/uge praktik): the pages then ask
"er det rigtigt?" and save only when the same figure is sent again with the confirmation
token (:func:`confirmation_token`). Nothing is refused: overtime happens. A placement with
0 t/uge has no agreed hours to compare with and is never questioned.

For the month in progress only the days up to today count (120 hours on 5 December cannot
all have been worked yet), and the question says the month is not over.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..dates import month_end
from ..i18n import format_hours, format_hours_count
from store.models import Placement
from store import clock

FACTOR = Decimal("1.5")
SLACK = Decimal(8)  # a few extra hours in a short month or a busy week are normal


def days_in_month(placement: Placement, month: date) -> int:
    """The days of ``month`` (its first day) within the placement's period; 0 if none."""
    first = max(month, placement.start_date)
    last = min(month_end(month), placement.end_date or month_end(month))
    return max((last - first).days + 1, 0)


def days_so_far(placement: Placement, month: date, today: date) -> int:
    """As :func:`days_in_month`, counting only up to ``today`` (inclusive) in the month in progress."""
    days = days_in_month(placement, month)
    if month <= today <= month_end(month):
        days = min(days, max((today - max(month, placement.start_date)).days + 1, 0))
    return days


def expected_hours(placement: Placement, month: date, today: date | None = None) -> Decimal:
    """Weekly hours × the weeks the placement ran in ``month`` (up to ``today`` when given)."""
    days = days_in_month(placement, month) if today is None else days_so_far(placement, month, today)
    return Decimal(str(placement.weekly_hours or 0)) * Decimal(days) / 7


def warning(placement: Placement, month: date, hours: Decimal, month_text: str,
            today: date | None = None) -> str | None:
    """A Danish question when ``hours`` is far above the expected hours, else None.

    ``month_text`` names the month in the question ("november 2026"). ``today`` (default: the
    job centre's today, :func:`store.clock.today`) ends the period for the month in progress.
    """
    if not placement.weekly_hours:
        return None
    today = today or clock.today()
    expected = expected_hours(placement, month, today)
    if hours <= expected * FACTOR + SLACK:
        return None
    about = format_hours_count(Decimal(expected).quantize(Decimal(1), ROUND_HALF_UP), 0)
    period = (f"ca. {about} i {month_text} indtil i dag; måneden er ikke slut"
              if month <= today <= month_end(month) else f"ca. {about} i {month_text}")
    return (f"{format_hours_count(hours)} er langt over {format_hours(placement.weekly_hours)} t/uge "
            f"({period}) – er det rigtigt?")


def confirmation_token(month: date, hours: Decimal) -> str:
    """What the confirm input carries: the month and the exact figure confirmed ("2026-11:300.00").

    A changed figure (or month) no longer matches, so it is checked again.
    """
    return f"{month:%Y-%m}:{hours:.2f}"
