"""Routes under /partner: the Code of Care partner's report page and its yearly XLSX download.

Company users of a Code of Care company only: other companies get the "only partners" page
(403, logged as a denied authorisation, like the stories); staff get 403. The figures are
always the current company's (never from the request) and aggregates only (:mod:`.report`).
"""
from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import company_required
from ..auth.sessions import confirm_first
from ..i18n import format_month
from store import clock
from . import bp, export, report


def _partners_only():
    audit.record_now("authorisation_denied", purpose=f"{request.endpoint}", result="denied")
    return render_template("partners/partners_only.html"), 403


def _year(today: date) -> tuple[int, list[int], str | None]:
    years = report.years_available(current_user.company_id, today)
    raw = (request.args.get("aar") or "").strip()
    if not raw:
        return today.year, years, None
    if raw.isascii() and raw.isdigit() and int(raw[:6]) in years:
        return int(raw), years, None
    return today.year, years, f"Vælg et år fra listen. Viser {today.year}."


def _chart(label: str, unit: str, labels: list[str], values: list) -> dict:
    return {"label": label, "unit": unit, "labels": labels, "values": values, "target": None}


@bp.get("/rapport")
@company_required
def report_page():
    """Placements over time, hours per month, retention and outcomes for ``?aar=YYYY``."""
    if not current_user.is_code_of_care:
        return _partners_only()
    today = clock.today()
    year, years, notice = _year(today)
    figures = report.build(current_user.company_id, year, today)
    fig = figures.shown()
    # The month in progress is left out of the charts: drawn as a low last point, a few days'
    # figures read like a collapse. The table shows it, marked as in progress.
    done = [(m, shown) for m, shown in zip(figures.months, fig.running) if m.month != figures.current]
    labels = [format_month(m.month, abbreviated=True) for m, _ in done]
    charts = [
        ("placements", _chart("Forløb i gang", "antal", labels,
                              [shown if isinstance(shown, int) else None for _, shown in done])),
        ("hours", _chart("Timer", "timer", labels, [float(m.hours) for m, _ in done])),
    ]
    return render_template("partners/report.html", report=figures, years=years, year=year,
                           notice=notice, charts=charts, fig=fig, small=report.SMALL, today=today,
                           cancelled_note=report.CANCELLED_NOTE,
                           shares=[report.shown_share(r) for r in fig.retention])


@bp.get("/rapport/<int:year>.xlsx")
@company_required
def report_xlsx(year: int):
    """The year's report as XLSX (fresh login; audited; aggregates only).

    :raise 404: for a year outside the company's years (its first placement to this year).
    """
    if not current_user.is_code_of_care:
        return _partners_only()
    today = clock.today()
    if year not in report.years_available(current_user.company_id, today):
        abort(404)
    if stale := confirm_first("før du henter rapporten", url_for("partners.report_page", aar=year)):
        return stale
    body = export.render_xlsx(report.build(current_user.company_id, year, today), current_user.company.name)
    audit.record_now("export_partner_report", purpose=f"company:{current_user.company_id} {year}")
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="code-of-care-{year}.xlsx"',
                             "Cache-Control": "no-store"})
