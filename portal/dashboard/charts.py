"""Shape trend points into chart series (for chart.js via data-* attributes) and tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..i18n import format_date, format_month
from .metrics import DISPLAY_DECIMALS, FINAL, PARTIAL_MONTH, PROVISIONAL, TrendPoint, display_value, redefined


UNITS = {"share": "%", "days": "dage", "count": "antal"}
# The base (n) a figure's trend row shows beside its value, by key: an average of 1 closed case is
# not comparable with one of 94 (review BA 3).
BASES = {"duration": "Sager (n)"}


def status_marker(status: str, open_until: date | None) -> str:
    """A trend month's marker, in the Code of Care report's words (:func:`portal.partners.export._month`,
    the report page's month table): »(i gang)« for the month in progress, »(foreløbig: timer kan
    registreres til og med 09.12.2026)« for one whose hours are not in yet; "" for a final month."""
    if status == PARTIAL_MONTH:
        return "(i gang)"
    if status == PROVISIONAL:
        return f"(foreløbig: timer kan registreres til og med {format_date(open_until)})"
    return ""


def is_go_live_month(day: date, go_live: date | None) -> bool:
    """Whether ``day`` lies in the month Jobbro was taken into use (review BG 1)."""
    return go_live is not None and day.replace(day=1) == go_live.replace(day=1)


def go_live_marker(go_live: date) -> str:
    """The go-live month's marker: its figures count from that day, »(fra 06.12.2026)«."""
    return f"(fra {format_date(go_live)})"


@dataclass(frozen=True)
class ChartSeries:
    """One metric over the months: labels and values as the table shows them, plus the target line.

    ``values`` are already rounded to ``decimals``; the table shows them with as many. Each month
    has its state (``statuses``: final, provisional or partial) and its marker (``markers``); the
    chart draws the final months only (:meth:`as_data`), as the Code of Care report does: a few
    days' figures read like a collapse, and a provisional one like a reached goal (review BA 2).
    """

    key: str
    label: str
    unit: str  # "%", "dage" or "antal"
    labels: list[str]
    values: list[float | int | None]
    target: float | None
    decimals: int = 1
    # Labels of the months whose (frozen) figure was computed under an earlier definition.
    redefined: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # "2026-11": the month's page (?maaned=)
    bases: list[int | None] = field(default_factory=list)  # the n beside each value (:data:`BASES`)
    base_label: str | None = None

    def as_data(self) -> dict:
        """The JSON the browser script reads from the canvas's ``data-chart`` attribute: the
        final months only."""
        final = [i for i, status in enumerate(self.statuses) if status == FINAL]
        return {"label": self.label, "unit": self.unit, "labels": [self.labels[i] for i in final],
                "values": [self.values[i] for i in final], "target": self.target}


def _display(value: float | None, unit: str) -> float | int | None:
    """The value as the card shows it (:func:`.metrics.display_value`), as a JSON number."""
    shown = display_value(value, unit)
    if shown is None:
        return None
    return int(shown) if DISPLAY_DECIMALS[unit] == 0 else float(shown)


def chart_series(points: list[TrendPoint], go_live: date | None = None) -> list[ChartSeries]:
    """One series per metric, in the order of the figure cards; the month Jobbro was taken into
    use (``go_live``'s) is marked with the day it counts from (:func:`go_live_marker`)."""
    if not points:
        return []
    labels = [format_month(p.month, abbreviated=True) for p in points]  # "mar. 2026"
    statuses = [p.status for p in points]
    markers = [" ".join(filter(None, [status_marker(p.status, p.open_until),
                                      go_live_marker(go_live) if is_go_live_month(p.month, go_live) else ""]))
               for p in points]
    months = [f"{p.month:%Y-%m}" for p in points]
    series = []
    for key, metric in points[-1].metrics.items():
        unit = UNITS[metric.unit]
        target = round(metric.target * 100, 1) if metric.target is not None else None
        # A month kept without the figure (an older snapshot) shows none for it.
        kept = [p.metrics.get(key) for p in points]
        values = [_display(m.value, metric.unit) if m else None for m in kept]
        old = [label for label, m in zip(labels, kept) if m and redefined(m)]
        bases = [m.denominator if m else None for m in kept] if key in BASES else []
        series.append(ChartSeries(key, metric.label, unit, labels, values, target, DISPLAY_DECIMALS[metric.unit], old,
                                  statuses, markers, months, bases, BASES.get(key)))
    return series
