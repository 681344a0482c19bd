"""/forloeb/eksport.<fmt> and /opslag/<id>/kandidater.<fmt> for company users.

:raise 403: not a company user.  :raise 404: another company's opening.
"""
from __future__ import annotations

from flask import Response, url_for
from flask_login import current_user

from .. import audit
from ..access import company_required, get_owned_or_404
from ..auth.sessions import confirm_first
from ..exports import render_csv, render_xlsx
from ..placements import payroll
from store.models import Opening
from store import clock
from . import bp, sheets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body, fmt: str, name: str) -> Response:
    mimetype = "text/csv" if fmt == "csv" else XLSX
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"',
                                                      "Cache-Control": "no-store"})


@bp.get("/forloeb/eksport.<any(xlsx, csv):fmt>")
@company_required
def placements_export(fmt: str):
    """All the company's placements with the hours of every month (fresh login, audited)."""
    if stale := confirm_first("før du henter forløbene", url_for("placements.index")):
        return stale
    rows = sheets.placement_rows(current_user.company_id, clock.today())
    audit.record_now("export_placements", purpose=f"company:{current_user.company_id} {fmt} rows:{len(rows)}")
    return _download(payroll.render(fmt, "Forløb og timer", rows), fmt, "forloeb-og-timer")


@bp.get("/opslag/<int:opening_id>/kandidater.<any(xlsx, csv):fmt>")
@company_required
def candidates_export(opening_id: int, fmt: str):
    """The candidates the job centre shared for the company's opening (fresh login, audited)."""
    opening = get_owned_or_404(Opening, opening_id)
    if stale := confirm_first("før du henter kandidaterne", url_for("openings.detail", opening_id=opening.id)):
        return stale
    rows = sheets.candidate_rows(opening)
    audit.record_now("export_candidates", opening_id=opening.id, purpose=f"{fmt} rows:{len(rows)}")
    body = (render_csv(sheets.CANDIDATE_HEADER, rows) if fmt == "csv"
            else render_xlsx("Kandidater", sheets.CANDIDATE_HEADER, rows, widths=sheets.CANDIDATE_WIDTHS))
    return _download(body, fmt, f"kandidater-opslag-{opening.id}")
