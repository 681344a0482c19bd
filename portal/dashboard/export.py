"""CSV export of one month's figures: aggregates only, never a citizen-level row."""
from __future__ import annotations

import csv
import io
from datetime import date

from .metrics import Metric, redefined
from .savings import SavingsEstimate

from ..exports import FORMULA_STARTS, safe_cell  # noqa: E402,F401 - the one shared definition


PARTS = {"placement": "med forløb i en virksomhed",
         "contact_only": "kun med kontakt fra en virksomhed (navn delt, svar eller jobsamtale)"}


def _number(value: float | None, decimals: int = 1) -> str:
    return "" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def _metric_row(metric: Metric) -> list[str]:
    percent = metric.unit == "share"
    return [metric.label,
            _number(metric.value * 100 if percent and metric.value is not None else metric.value,
                    0 if metric.unit == "count" else 1),  # a count is whole: 39, not 39,0
            "procent" if percent else {"days": "dage", "count": "antal"}[metric.unit],
            "" if metric.numerator is None else str(metric.numerator),
            "" if metric.denominator is None else str(metric.denominator),
            _number(metric.target * 100, 0) if metric.target is not None else "",
            {True: "ja", False: "nej", None: ""}[metric.met],
            metric.definition]


def render_csv(metrics: list[Metric], savings: SavingsEstimate, as_of: date, scope_label: str,
               month: str = "") -> str:
    """The month's figures and the savings estimate as semicolon-separated CSV (Danish Excel).

    Savings: gross per benefit group, then the deadweight share and the amount it takes off
    (written positive and named a deduction: a cell starting with "-" is quoted as a possible
    formula, :func:`safe_cell`), then the net figure.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    rows = [["Opgjort pr.", as_of.isoformat()], ["Måned", month], ["Udvalg", scope_label], [],
            ["Nøgletal", "Værdi", "Enhed", "Tæller", "Nævner", "Mål (%)", "Mål nået", "Definition"]]
    rows += [_metric_row(m) for m in metrics]
    rows += [[f"{m.label}: heraf {PARTS.get(part, part)}", str(n), "antal"]
             for m in metrics for part, n in (m.breakdown or {}).items()]
    rows += [[f"{m.label}: opgjort efter en tidligere definition (se Definition)"] for m in metrics if redefined(m)]
    rows += [[], ["Besparelse (skøn)", "Borgere talt med", "Uger", "Netto pr. uge (kr.)", "Beløb (kr.)",
                  "Ikke talt med (åben sag)"]]
    rows += [[r.label, str(r.citizens), str(r.weeks), "" if r.net_week is None else str(r.net_week),
              "ikke beregnet" if r.amount is None else str(r.amount), str(r.left_out)] for r in savings.rows]
    rows += [["I alt, brutto", "", "", "", str(savings.total)],
             ["Fradrag for dødvægt (andel, beløb der trækkes fra)", _number(savings.deadweight * 100, 0) + " %",
              "", "", str(savings.deadweight_amount)],
             ["I alt, netto efter dødvægt", "", "", "", str(savings.net)],
             ["Antagelse", savings.assumption], ["Dødvægt", savings.deadweight_source]]
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()  # BOM: Excel reads the file as UTF-8
