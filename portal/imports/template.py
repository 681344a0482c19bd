"""The example file an administrator downloads: the headers, one example row, and a guide sheet."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook
from openpyxl.styles import Font

from ..exports import text_cells
from . import citizens, openings, wage_hours

EXAMPLES = {
    "citizens": {"external_id": "SAG-10001", "name": "Anna Hansen", "benefit_group": "Kontanthjælp",
                 "hours_available": 10, "postcode": "8722", "driving_licences": "B", "languages": "dansk, engelsk",
                 "readiness_group": "På vej", "vk": "", "case_start": None, "job_goals": "Lagermedarbejder; Chauffør",
                 "phone": "21 34 56 78", "email": "", "max_commute_km": 25,
                 "prior_company_placement_end": None},
    "openings": {"external_id": "KAMPAGNE-1", "cvr": "", "company": "", "kind": "Småjob",
                 "title": "Lagermedarbejder 10 timer om ugen", "description": "Plukning og pakning af ordrer.",
                 "requirements": "", "hours_min": 5, "hours_max": 10, "postcode": "8722", "start_date": None,
                 "duration_weeks": None, "required_licences": "", "required_languages": "dansk",
                 "accommodations": "Fleksibel mødetid", "capacity": 1, "status": "Kladde"},
    # The month is text (»2026-03«), so Excel does not turn it into a date or a number.
    "wage_hours": {"external_id": "SAG-10001", "month": None, "hours": "37,5", "kind": "Småjob"},
}
SHEET_TITLES = {"citizens": "Borgere", "openings": "Opslag", "wage_hours": "Løntimer"}


def columns_for(kind: str):
    return {"citizens": citizens.COLUMNS, "wage_hours": wage_hours.COLUMNS}.get(kind, openings.COLUMNS)


def render_template_xlsx(kind: str, today) -> bytes:
    """The import template for ``kind`` ("citizens" or "openings") as XLSX bytes."""
    columns = columns_for(kind)
    example = dict(EXAMPLES[kind])
    for key in ("case_start", "start_date"):
        if key in example:
            example[key] = today
    if "month" in example:  # last month: a month whose hours are known
        example["month"] = f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}"
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLES[kind]
    sheet.append([c.label for c in columns])
    sheet.append([example.get(c.key) for c in columns])
    text_cells(sheet[2])  # text as it is, never a formula (and no apostrophe shown)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        if hasattr(cell.value, "year"):
            cell.number_format = "DD-MM-YYYY"
    for index, column in enumerate(columns):
        sheet.column_dimensions[sheet.cell(1, index + 1).column_letter].width = max(14, len(column.label) + 4)
    guide = book.create_sheet("Vejledning")
    guide.append(["Kolonne", "Skal udfyldes", "Forklaring"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in columns:
        guide.append([column.label, "ja" if column.required else "nej", column.help])
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["C"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
