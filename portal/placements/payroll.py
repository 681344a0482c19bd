"""One month of a company's placements for payroll, as XLSX (openpyxl) or CSV (Danish Excel).

Columns: the placement number (a stable reference the company can key its payroll on),
name (or the neutral label), kind, paid or not (virksomhedspraktik is unpaid: the citizen
keeps the benefit, so its hours are attendance, not pay), start, end, weekly hours, hours
in the month.
Nothing else about the citizen: no CPR, no benefit group, no limitations. A name appears
only where the company may see it (:func:`.service.disclosed_names`, identity released
with a live consent), and each name exported is audited first ("identity_viewed", fail
closed), like every other read of a name by a company. Text cells are formula-safe.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .. import audit
from ..exports import safe_cell
from ..i18n import format_date, format_month
from store.models.vocab import OPENING_KINDS
from . import monthly, service
from .kinds import pay_label

HEADER = ["Forløb nr.", "Navn / forløb", "Type", "Løn", "Start", "Slut", "Timer pr. uge", "Timer i måneden"]


@dataclass(frozen=True)
class PayrollLine:
    """One exported row."""

    placement_id: int
    name: str
    kind: str
    pay: str
    start: date
    end: date | None
    weekly_hours: Decimal
    hours: Decimal | None


def export_lines(company_id: int, month: date, today: date) -> list[PayrollLine]:
    """The month's placements of ``company_id``, with the name only where it is released."""
    placements = monthly.placements_in(company_id, month)
    names = service.disclosed_names(placements, today)
    lines = []
    for placement in placements:
        name = names.get(placement.id)
        if name:
            audit.record_now("identity_viewed", citizen_id=placement.citizen_id, opening_id=placement.opening_id,
                             purpose=f"company: hours export forloeb:{placement.id}")
        hours = next((h.hours for h in placement.hours if h.month == month), None)
        lines.append(PayrollLine(placement.id, name or service.neutral_label(placement),
                                 OPENING_KINDS.get(placement.kind, ""), pay_label(placement.kind),
                                 placement.start_date, placement.end_date,
                                 Decimal(str(placement.weekly_hours)), hours))
    return lines


def _decimal_comma(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def render_csv(lines: list[PayrollLine], month: date) -> str:
    """Semicolon-separated, decimal comma, dd.mm.yyyy, UTF-8 with BOM (Danish Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Måned", format_month(month)])
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow([line.placement_id, safe_cell(line.name), safe_cell(line.kind), line.pay,
                         format_date(line.start),
                         format_date(line.end) if line.end else "", _decimal_comma(line.weekly_hours),
                         _decimal_comma(line.hours)])
    return "\ufeff" + out.getvalue()


def render_xlsx(lines: list[PayrollLine], month: date) -> bytes:
    """One sheet: a title row, the header, then one row per placement (dates and numbers typed)."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"Timer {month:%Y-%m}"
    sheet.append(["Måned", format_month(month)])
    sheet.append(HEADER)
    for line in lines:
        sheet.append([line.placement_id, safe_cell(line.name), safe_cell(line.kind), line.pay, line.start, line.end,
                      float(line.weekly_hours), None if line.hours is None else float(line.hours)])
    for row in sheet.iter_rows(min_row=3, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "DD-MM-YYYY"
    for index, width in enumerate((11, 40, 22, 18, 12, 12, 14, 16), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
