"""Shape trend points into chart series (for chart.js via data-* attributes) and tables."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import format_month
from .metrics import DISPLAY_DECIMALS, TrendPoint, display_value, redefined


UNITS = {"share": "%", "days": "dage", "count": "antal"}


@dataclass(frozen=True)
class ChartSeries:
    """One metric over the months: labels and values as drawn, plus the target line.

    ``values`` are already rounded to ``decimals``; the table shows them with as many.
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

    def as_data(self) -> dict:
        """The JSON the browser script reads from the canvas's ``data-chart`` attribute."""
        return {"label": self.label, "unit": self.unit, "labels": self.labels,
                "values": self.values, "target": self.target}


def _display(value: float | None, unit: str) -> float | int | None:
    """The value as the card shows it (:func:`.metrics.display_value`), as a JSON number."""
    shown = display_value(value, unit)
    if shown is None:
        return None
    return int(shown) if DISPLAY_DECIMALS[unit] == 0 else float(shown)


def chart_series(points: list[TrendPoint]) -> list[ChartSeries]:
    """One series per metric, in the order of the figure cards."""
    if not points:
        return []
    labels = [format_month(p.month, abbreviated=True) for p in points]  # "mar. 2026"
    series = []
    for key, metric in points[-1].metrics.items():
        unit = UNITS[metric.unit]
        target = round(metric.target * 100, 1) if metric.target is not None else None
        values = [_display(p.metrics[key].value, metric.unit) for p in points]
        old = [label for label, p in zip(labels, points) if redefined(p.metrics[key])]
        series.append(ChartSeries(key, metric.label, unit, labels, values, target, DISPLAY_DECIMALS[metric.unit], old))
    return series
