"""The partner's yearly report as an XLSX workbook: one sheet per part, suppressed counts as "<3"."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ..exports import safe_cell
from ..i18n import format_month
from store.models.vocab import END_REASONS
from .report import NO_REASON, SMALL, PartnerReport

NOTE = (f"Tal under {SMALL} vises som \"<3\", et tal, der ellers ville kunne regnes ud af en sum, vises som "
        "\"skjult\" (eller opdelingen som \"–\"), og en andel vises kun, når ingen af dens tal er 1 eller 2, så ingen enkeltperson kan "
        "genkendes. Rapporten nævner ingen borgere.")


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list], first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 44
    for letter in "BCDE":
        sheet.column_dimensions[letter].width = 16
    return sheet


def render_xlsx(report: PartnerReport, company_name: str) -> bytes:
    """Sheets: Oversigt, Forløb pr. måned, Timer pr. måned, Fastholdelse, Udfald."""
    book = Workbook()
    period = f"{report.year}" + (" (året er ikke slut)" if report.partial else "")
    fig = report.shown()
    _sheet(book, "Oversigt", ["Code of Care-rapport", safe_cell(company_name)], [
        ["År", period],
        ["Forløb startet", fig.total_started],
        ["Forløb afsluttet", fig.total_ended],
        ["Forløb i gang ved periodens slut", fig.running_at_end],
        ["Timer registreret", float(report.hours)],
        [],
        ["Bemærk", NOTE],
    ], first=True)
    _sheet(book, "Forløb pr. måned", ["Måned", "Startet", "I gang", "Afsluttet"],
           [[format_month(m.month), fig.started[i], fig.running[i], fig.ended[i]] for i, m in enumerate(report.months)])
    _sheet(book, "Timer pr. måned", ["Måned", "Timer"],
           [[format_month(m.month), float(m.hours)] for m in report.months])
    _sheet(book, "Fastholdelse", ["Stadig i job efter", "Ja", "Kendte svar (n)", "Andel ja (%)", "Ikke oplyst"],
           [[f"{r.months} måneder", yes, known, "" if r.share is None else round(r.share * 100, 1), unknown]
            for r, (yes, known, unknown) in zip(report.retention, fig.retention)])
    _sheet(book, "Udfald", ["Afsluttet med", "Antal"],
           [[END_REASONS.get(key, "Ikke angivet") if key != NO_REASON else "Ikke angivet", fig.outcomes[key]]
            for key in report.outcomes])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
