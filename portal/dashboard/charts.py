"""Shape trend points into chart series (for chart.js via data-* attributes) and tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..i18n import format_month
from .metrics import TrendPoint, redefined


UNITS = {"share": "%", "days": "dage", "count": "antal"}
# Decimals shown per unit, as the figure card shows the value: shares to 0,1 %, days and
# counts whole ("27", never "27,0": a count has no fraction).
DECIMALS = {"share": 1, "days": 0, "count": 0}


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
    """The value as the card shows it: a share in %, rounded half up like ``dknum``."""
    if value is None:
        return None
    shown = Decimal(str(value * 100 if unit == "share" else value)).quantize(
        Decimal(1).scaleb(-DECIMALS[unit]), rounding=ROUND_HALF_UP)
    return int(shown) if DECIMALS[unit] == 0 else float(shown)


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
        series.append(ChartSeries(key, metric.label, unit, labels, values, target, DECIMALS[metric.unit], old))
    return series
