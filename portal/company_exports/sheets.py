"""Rows for the company's downloads, and one writer for CSV (Danish Excel) and XLSX."""
from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font

from ..exports import safe_row
from ..extensions import db
from ..i18n import format_date, format_month
from ..openings.service import shared_candidates
from ..placements import service as placements
from store.models import Opening, Placement
from store.models.vocab import COMPANY_RESPONSES, OPENING_KINDS, PROPOSAL_STATUSES

PLACEMENT_HEADER = ["Navn / forløb", "Type", "Start", "Slut", "Timer pr. uge", "Måned", "Timer i måneden"]
# A candidate whose consultant shared no jobmål: the same neutral words as the opening's page.
NO_SHARED_GOAL = "Foreslået af jobcentret til dette opslag"
CANDIDATE_HEADER = ["Kandidat", "Navn", "Status", "Match", "Jobmål", "Timer til rådighed pr. uge", "Jeres svar",
                    "Jeres note"]


def placement_rows(company_id: int, today: date) -> list[list]:
    """One row per placement and month with hours (a placement without hours: one row, no month)."""
    found = list(db.session.scalars(sa.select(Placement).where(Placement.company_id == company_id)
                                    .order_by(Placement.start_date.desc(), Placement.id)))
    labels = placements.company_labels(found, today)  # audits every released name first
    rows = []
    for placement in found:
        base = [labels[placement.id], OPENING_KINDS.get(placement.kind, ""), placement.start_date,
                placement.end_date, float(placement.weekly_hours)]
        logged = sorted(placement.hours, key=lambda h: h.month)
        rows += [[*base, h.month, float(h.hours)] for h in logged] or [[*base, None, None]]
    return rows


def candidate_rows(opening: Opening) -> list[list]:
    """The opening's shared candidates as the company's page shows them (names audited there)."""
    return [[c.pseudonym, c.name or "",
             "Identitet delt; samtykket er udløbet" if c.consent_lapsed else PROPOSAL_STATUSES.get(c.status, c.status),
             c.similarity_band or "ikke beregnet", c.shared_goal or NO_SHARED_GOAL, float(c.hours_available),
             COMPANY_RESPONSES.get(c.response or "", ""), c.response_note] for c in shared_candidates(opening)]


def render_csv(header: list[str], rows: list[list], month_column: int | None = None) -> str:
    """Semicolon-separated, dates dd.mm.yyyy, decimal comma, UTF-8 with BOM (Danish Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v, i == month_column) for i, v in enumerate(safe_row(row))])
    return "\ufeff" + out.getvalue()


def _csv_value(value: object, is_month: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return format_month(value) if is_month else format_date(value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def render_xlsx(title: str, header: list[str], rows: list[list], month_column: int | None = None) -> bytes:
    """One sheet: bold header, typed dates and numbers, text neutralised."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(safe_row(row))
    for line in sheet.iter_rows(min_row=2):
        for index, cell in enumerate(line):
            if isinstance(cell.value, (date,)):
                cell.number_format = "MMM YYYY" if index == month_column else "DD-MM-YYYY"
    for letter, width in zip("ABCDEFGH", (40, 20, 14, 14, 16, 24, 16, 30)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
