"""CSV export of one month's figures: aggregates only, never a citizen-level row.

Written by :func:`portal.exports.render_csv` from typed values, so it reads as the company
files do (dd.mm.yyyy dates, decimal comma, formula-safe text), and each figure is the number
the page shows: :attr:`.metrics.Metric.shown`, written with the card's decimals as text
("86,0", as the card's 86,0 %; a Decimal cell drops its trailing zeros: review AA 3, BA 5).

Every block of the page is in it (review BA 5): the cards (with the first targets), the
savings by benefit group and by outcome with who is left out, the plan's reference, the budget
table, the hotline block and the 12-month trend, its months marked as on the page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..exports import render_csv as write_csv
from ..i18n import format_date, format_month, format_number
from .charts import ChartSeries
from .hotline_figures import HotlineRow
from .metrics import Metric, TrendPoint, redefined
from .savings import BUDGET_2024, SavingsEstimate, plan_reference_saving
from .snapshots import OFFERED_MONTHS


PARTS = {"placement": "med forløb i en virksomhed",
         "contact_only": "kun med kontakt fra en virksomhed (navn delt, svar eller jobsamtale)"}
UNITS = {"share": "procent", "days": "dage", "count": "antal"}


@dataclass(frozen=True)
class MonthPage:
    """What /maal shows for a month, beyond its cards: the figures by today's definition of a card
    kept under an earlier one, the hotline block, and the 12-month trend (points and series)."""

    now: dict[str, Metric]
    hotline: list[HotlineRow]
    trend: list[TrendPoint]
    charts: list[ChartSeries]
    today: date
    month_label: str  # "november 2026": the hotline's month, which waits for no hours (review AP 5)


def _whole_percent(share: float | None) -> Decimal | None:
    """A target as the card shows it: whole per cent, rounded half up (``dknum``)."""
    if share is None:
        return None
    return Decimal(str(share * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def shown_text(metric: Metric) -> str:
    """The figure as the card writes it, without its unit: "86,0", "725", "" for none."""
    return "" if metric.shown is None else format_number(metric.shown, metric.decimals)


def _metric_row(metric: Metric) -> list:
    return [metric.label, shown_text(metric), UNITS[metric.unit], metric.numerator, metric.denominator,
            _whole_percent(metric.target), _whole_percent(metric.first_target),
            {True: "ja", False: "nej", None: ""}[metric.met], metric.definition]


def _trend_value(series: ChartSeries, index: int) -> str:
    value = series.values[index]
    return "" if value is None else format_number(value, series.decimals)


def render_csv(metrics: list[Metric], savings: SavingsEstimate, as_of: date, scope_label: str,
               month: str = "", page: MonthPage | None = None) -> str:
    """The month's figures and the savings estimate as semicolon-separated CSV (Danish Excel);
    with ``page`` the rest of the page's blocks too (the hotline, the trend).

    Savings: gross per benefit group, then the deadweight share and the amount it takes off
    (written positive and named a deduction), then the net figure.
    """
    rows = [["Måned", month], ["Udvalg", scope_label], [],
            ["Nøgletal", "Værdi", "Enhed", "Tæller", "Nævner", "Mål (%)", "Første trin (%)", "Mål nået",
             "Definition"]]
    rows += [_metric_row(m) for m in metrics]
    rows += [[f"{m.label}: heraf {PARTS.get(part, part)}", n, "antal"]
             for m in metrics for part, n in (m.breakdown or {}).items()]
    for m in metrics:
        if redefined(m):
            rows.append([f"{m.label}: opgjort efter en tidligere definition (se Definition)"])
            if page and m.key in page.now:
                now = page.now[m.key]
                rows.append([f"{m.label}: efter den nuværende definition", shown_text(now), UNITS[now.unit],
                             now.numerator, now.denominator])
    rows += _savings_rows(savings, as_of, page.today if page else None)
    if page:
        rows += _hotline_rows(page.hotline, page.month_label)
        rows += _trend_rows(page.trend, page.charts)
    # The first line (render_csv's header, written as it is) names the day measured.
    return write_csv(["Opgjort pr.", format_date(as_of)], rows)


def _savings_rows(savings: SavingsEstimate, as_of: date, today: date | None) -> list[list]:
    on_day = "nu" if as_of == today else f"pr. {format_date(as_of)}"
    rows = [[], ["Besparelse (skøn)", "Borgere talt med", "Uger", "Netto pr. uge (kr.)", "Beløb (kr.)",
                 "Ikke talt med (åben sag)"]]
    rows += [[r.label, r.citizens, r.weeks, r.net_week, "ikke beregnet" if r.amount is None else r.amount,
              r.left_out] for r in savings.rows]
    rows += [["I alt, brutto", None, None, None, savings.total, savings.left_out],
             ["Fradrag for dødvægt (andel, beløb der trækkes fra)", f"{format_number(savings.deadweight * 100)} %",
              None, None, savings.deadweight_amount],
             ["I alt, netto efter dødvægt", None, None, None, savings.net],
             ["Planens eget regnestykke (kr. om året)", None, None, None, plan_reference_saving()]]
    if savings.left_out:
        rows += [["Ikke talt med i alt", savings.left_out],
                 [f"Ikke talt med: sagen åben {on_day}", savings.left_out - savings.left_out_moved],
                 [f"Ikke talt med: sagen åben {on_day}, heraf i et forløb {on_day}", savings.left_out_placed],
                 ["Ikke talt med: flyttet fra kommunen", savings.left_out_moved]]
    rows += [["Antagelse", savings.assumption], ["Dødvægt", savings.deadweight_source],
             [], ["Bruttobesparelse fordelt på udfald", "Borgere", "Beløb (kr.)"]]
    rows += [[r.label, r.citizens, r.amount] for r in savings.by_outcome]
    rows += [[], ["Budget 2024: nettoudgift pr. helårsperson", "Brutto pr. år (kr.)", "Refusion (%)",
                  "Netto pr. år (kr.)", "Netto pr. uge (kr.)"]]
    rows += [[c.label, c.gross_year, format_number(c.refund_percent, 2), c.net_year, c.net_week]
             for c in BUDGET_2024.values()]
    return rows


def _hotline_rows(hotline: list[HotlineRow], month: str) -> list[list]:
    rows = [[], [f"Hotline: henvendelser lavet i {month} (hele jobcentret, uanset udvalg)"],
            ["Hast", "Modtaget", "Svar inden for fristen", "Fristen overskredet", "Venter på svar (fristen ikke nået)",
             "Lukket uden svar", "Andel inden for fristen (%)"]]
    rows += [[r.label, r.received, r.in_time, r.missed, r.waiting, r.closed_unanswered,
              "" if r.share_in_time is None else format_number(r.share_in_time * 100, 1)]
             for r in hotline]
    return rows


def _trend_rows(points: list[TrendPoint], charts: list[ChartSeries]) -> list[list]:
    """One row per month of the page's trend tables, marked as they are (:func:`.charts.status_marker`)."""
    # As the page's heading: fewer months only when Jobbro was taken into use since (review BG 1).
    header = ["Udvikling de seneste 12 måneder" if len(points) >= OFFERED_MONTHS or not points
              else f"Udvikling siden {format_month(points[0].month)}, da Jobbro blev taget i brug"]
    for c in charts:
        header.append(f"{c.label} ({c.unit})")
        if c.base_label:
            header.append(f"{c.label}: {c.base_label.lower()}")
    rows = [[], header]
    for i, point in enumerate(points):
        marker = charts[0].markers[i] if charts else ""
        row = [format_month(point.month) + (f" {marker}" if marker else "")]
        for c in charts:
            row.append(_trend_value(c, i))
            if c.base_label:
                row.append(c.bases[i])
        rows.append(row)
    return rows
