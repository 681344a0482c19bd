"""CSV export of one month's figures: aggregates only, never a citizen-level row.

Written by :func:`portal.exports.render_csv` from typed values, so it reads as the company
files do (dd.mm.yyyy dates, decimal comma, formula-safe text), and each figure is the number
the page shows: :attr:`.metrics.Metric.shown`, with the card's decimals (review AA 3).
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..exports import render_csv as write_csv
from ..i18n import format_date, format_number
from .metrics import Metric, redefined
from .savings import SavingsEstimate


PARTS = {"placement": "med forløb i en virksomhed",
         "contact_only": "kun med kontakt fra en virksomhed (navn delt, svar eller jobsamtale)"}
UNITS = {"share": "procent", "days": "dage", "count": "antal"}


def _whole_percent(share: float) -> Decimal:
    """A target as the card shows it: whole per cent, rounded half up (``dknum``)."""
    return Decimal(str(share * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _metric_row(metric: Metric) -> list:
    return [metric.label, metric.shown, UNITS[metric.unit], metric.numerator, metric.denominator,
            None if metric.target is None else _whole_percent(metric.target),
            {True: "ja", False: "nej", None: ""}[metric.met], metric.definition]


def render_csv(metrics: list[Metric], savings: SavingsEstimate, as_of: date, scope_label: str,
               month: str = "") -> str:
    """The month's figures and the savings estimate as semicolon-separated CSV (Danish Excel).

    Savings: gross per benefit group, then the deadweight share and the amount it takes off
    (written positive and named a deduction), then the net figure.
    """
    rows = [["Måned", month], ["Udvalg", scope_label], [],
            ["Nøgletal", "Værdi", "Enhed", "Tæller", "Nævner", "Mål (%)", "Mål nået", "Definition"]]
    rows += [_metric_row(m) for m in metrics]
    rows += [[f"{m.label}: heraf {PARTS.get(part, part)}", n, "antal"]
             for m in metrics for part, n in (m.breakdown or {}).items()]
    rows += [[f"{m.label}: opgjort efter en tidligere definition (se Definition)"] for m in metrics if redefined(m)]
    rows += [[], ["Besparelse (skøn)", "Borgere talt med", "Uger", "Netto pr. uge (kr.)", "Beløb (kr.)",
                  "Ikke talt med (åben sag)"]]
    rows += [[r.label, r.citizens, r.weeks, r.net_week, "ikke beregnet" if r.amount is None else r.amount,
              r.left_out] for r in savings.rows]
    rows += [["I alt, brutto", None, None, None, savings.total],
             ["Fradrag for dødvægt (andel, beløb der trækkes fra)", f"{format_number(savings.deadweight * 100)} %",
              None, None, savings.deadweight_amount],
             ["I alt, netto efter dødvægt", None, None, None, savings.net],
             ["Antagelse", savings.assumption], ["Dødvægt", savings.deadweight_source]]
    # The first line (render_csv's header, written as it is) names the day measured.
    return write_csv(["Opgjort pr.", format_date(as_of)], rows)
