"""Routes under /partner: the Code of Care partner's report page and its yearly XLSX download.

Company users of a Code of Care company only: other companies get the "only partners" page
(403, logged as a denied authorisation, like the stories); staff get 403 there. The figures are
always the current company's (never from the request) and aggregates only (:mod:`.report`).

Staff (consultants and administrators) have their own pages under /partner/partnere: the list of
partners with key figures (:mod:`.staff`) and each partner's report, the same page and XLSX,
read-only; a company user gets 403 there (it never reaches another company's report).
"""
from __future__ import annotations

import unicodedata
from datetime import date

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import company_required, consultant_required
from ..auth.sessions import confirm_first
from ..dates import add_months, month_start
from ..i18n import format_month
from store import clock
from store.models import Company
from . import bp, export, report, staff


def _partners_only():
    audit.record_now("authorisation_denied", purpose=f"{request.endpoint}", result="denied")
    return render_template("partners/partners_only.html"), 403


def default_year(today: date, years: list[int]) -> int:
    """This year; but while last December's hours are still due (1–9 January), last year: the
    year a partner looks for then, marked as not final yet."""
    last = today.year - 1
    if last in years and today <= report.provisional_until(date(last, 12, 1)):
        return last
    return today.year


def _year(today: date, company_id: int) -> tuple[int, list[int], str | None]:
    years = report.years_available(company_id, today)
    default = default_year(today, years)
    raw = (request.args.get("aar") or "").strip()
    if not raw:
        return default, years, None
    if raw.isascii() and raw.isdigit() and int(raw[:6]) in years:
        return int(raw), years, None
    return default, years, f"Vælg et år fra listen. Viser {default}."


def _chart(label: str, unit: str, labels: list[str], values: list) -> dict:
    return {"label": label, "unit": unit, "labels": labels, "values": values, "target": None}


def _render(company: Company, for_staff: bool):
    """The report page of ``company`` (the partner's own, or read-only for staff)."""
    today = clock.today()
    year, years, notice = _year(today, company.id)
    figures = report.build(company.id, year, today)
    fig = figures.shown()
    # Only finished months are charted: the month in progress (drawn as a low last point, a few
    # days' figures read like a collapse) and a month whose hours are still due (provisional)
    # are left out. The table shows them, marked.
    finished = {m.month for m in figures.finished_months}
    done = [(m, shown) for m, shown in zip(figures.months, fig.running) if m.month in finished]
    labels = [format_month(m.month, abbreviated=True) for m, _ in done]
    charts = [
        ("placements", _chart("Forløb i gang", "antal", labels,
                              [shown if isinstance(shown, int) else None for _, shown in done])),
        ("hours", _chart("Timer", "timer", labels, [float(m.hours) for m, _ in done])),
    ]
    return render_template("partners/report.html", report=figures, years=years, year=year, company=company,
                           for_staff=for_staff, notice=notice, charts=charts, fig=fig, small=report.SMALL, today=today,
                           cancelled_note=report.CANCELLED_NOTE,
                           shares=[report.shown_share(r) for r in fig.retention])


def staff_file_name(company: Company, year: int) -> str:
    """The staff's download name, naming the partner: »code-of-care-toerring-toemrer-aps-2026.xlsx«
    (ASCII: æ ø å spelt ae oe aa, other letters without accents, words joined by »-«, at most
    50 characters); the CVR number when the name leaves nothing (review AP 4)."""
    text = company.name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in text).split()
    name = "-".join(words)[:50].rstrip("-") or f"cvr-{company.cvr}"
    return f"code-of-care-{name}-{year}.xlsx"


def _xlsx(company: Company, year: int, back: str, purpose: str, file_name: str | None = None):
    """The year's XLSX as ``file_name`` (the partner's own: »code-of-care-2026.xlsx«)."""
    today = clock.today()
    if year not in report.years_available(company.id, today):
        abort(404)
    if stale := confirm_first("før du henter rapporten", back):
        return stale
    body = export.render_xlsx(report.build(company.id, year, today), company.name)
    name = file_name or f"code-of-care-{year}.xlsx"
    audit.record_now("export_partner_report", purpose=purpose)
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.get("/rapport")
@company_required
def report_page():
    """Placements over time, hours per month, retention and outcomes for ``?aar=YYYY``."""
    if not current_user.is_code_of_care:
        return _partners_only()
    return _render(current_user.company, for_staff=False)


@bp.get("/rapport/<int:year>.xlsx")
@company_required
def report_xlsx(year: int):
    """The year's report as XLSX (fresh login; audited; aggregates only).

    :raise 404: for a year outside the company's years (its first placement to this year).
    """
    if not current_user.is_code_of_care:
        return _partners_only()
    return _xlsx(current_user.company, year, url_for("partners.report_page", aar=year),
                 f"company:{current_user.company_id} {year}")


@bp.get("/partnere")
@consultant_required
def staff_index():
    """The job centre's list of Code of Care partners with their key figures (staff only)."""
    today = clock.today()
    last_month = add_months(month_start(today), -1)
    return render_template("partners/staff_index.html", rows=staff.partner_rows(today), today=today,
                           last_month=last_month, due=report.provisional_until(last_month))


@bp.get("/partnere/<int:company_id>/rapport")
@consultant_required
def staff_report(company_id: int):
    """A partner's report as the partner sees it, read-only (staff only).

    :raise 404: unknown company, or one that is not a Code of Care partner.
    """
    return _render(staff.partner_or_404(company_id), for_staff=True)


@bp.get("/partnere/<int:company_id>/rapport/<int:year>.xlsx")
@consultant_required
def staff_report_xlsx(company_id: int, year: int):
    """The partner's XLSX for ``year``, the same file the partner gets (fresh login; audited).

    :raise 404: not a partner, or a year outside its years.
    """
    company = staff.partner_or_404(company_id)
    return _xlsx(company, year, url_for("partners.staff_report", company_id=company.id, aar=year),
                 f"staff company:{company.id} {year}", staff_file_name(company, year))
