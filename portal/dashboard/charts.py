"""Shape trend points into chart series (for chart.js via data-* attributes) and tables."""
from __future__ import annotations

from dataclasses import dataclass

from ..i18n import format_month
from .metrics import TrendPoint


@dataclass(frozen=True)
class ChartSeries:
    """One metric over the months: labels and values as drawn, plus the target line."""

    key: str
    label: str
    unit: str  # "%", "dage" or "antal"
    labels: list[str]
    values: list[float | None]
    target: float | None

    def as_data(self) -> dict:
        """The JSON the browser script reads from the canvas's ``data-chart`` attribute."""
        return {"label": self.label, "unit": self.unit, "labels": self.labels,
                "values": self.values, "target": self.target}


def _display(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return round(value * 100, 1) if unit == "share" else round(value, 1)


def chart_series(points: list[TrendPoint]) -> list[ChartSeries]:
    """One series per metric, in the order of the figure cards."""
    if not points:
        return []
    labels = [format_month(p.month, abbreviated=True) for p in points]  # "mar. 2026"
    series = []
    for key, metric in points[-1].metrics.items():
        unit = {"share": "%", "days": "dage", "count": "antal"}[metric.unit]
        target = round(metric.target * 100, 1) if metric.target is not None else None
        values = [_display(p.metrics[key].value, metric.unit) for p in points]
        series.append(ChartSeries(key, metric.label, unit, labels, values, target))
    return series
