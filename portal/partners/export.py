"""The partner's yearly report as an XLSX workbook: one sheet per part, suppressed counts as "<3"."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ..exports import text_cells, xlsx_value
from ..i18n import format_date, format_month
from store.models.vocab import ENDING_REASONS
from .report import CANCELLED_NOTE, NO_REASON, SMALL, UNSPLIT, MonthFigures, PartnerReport, shown_share

NOTE = (f"Tal under {SMALL} vises som \"<3\", et tal, der ellers ville kunne regnes ud af en sum, også på tværs af arkene, vises som "
        "\"skjult\" (eller \"–\", når heller ikke det er nok; en opdeling, der ikke kan vises, står også som \"–\"), og en andel vises kun, når ingen af dens tal er 1 eller 2, så ingen enkeltperson kan "
        "genkendes. Rapporten nævner ingen borgere.")


UNSPLIT_NOTE = ("Der er for få afsluttede forløb i {year}{total} til at vise, hvordan de endte, uden at "
                "en enkeltperson kan genkendes.")


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list], first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    # Through the company files' one cell rule: a control character stored in a company's name
    # before the forms refused it must not make the download a 500 (review AO 1).
    sheet.append([xlsx_value(v) for v in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_value(v) for v in row])
    for line in sheet.iter_rows():
        text_cells(line)
    sheet.column_dimensions["A"].width = 44
    for letter in "BCDE":
        sheet.column_dimensions[letter].width = 16
    return sheet


def _month(report: PartnerReport, month: MonthFigures) -> str:
    if month.month == report.current:
        return format_month(month.month) + " (i gang)"
    if month.provisional:
        return f"{format_month(month.month)} (foreløbig: timer kan registreres til og med {format_date(month.open_until)})"
    return format_month(month.month)


def period(report: PartnerReport) -> str:
    """The year as the workbook's "År" cell states it: not over, provisional, or final."""
    if report.partial:
        return f"{report.year} (året er ikke slut)"
    if not report.final:
        return (f"{report.year} (foreløbig: timerne for december {report.year} kan registreres "
                f"til og med {format_date(report.final_after)})")
    return f"{report.year}"


def render_xlsx(report: PartnerReport, company_name: str) -> bytes:
    """Sheets: Oversigt, Forløb pr. måned, Timer pr. måned, Fastholdelse, Udfald."""
    book = Workbook()
    period_cell = period(report)
    fig = report.shown()
    _sheet(book, "Oversigt", ["Code of Care-rapport", company_name], [
        ["År", period_cell],
        ["Forløb startet", fig.total_started],
        ["Afsluttede forløb i alt", fig.total_ended],
        ["Forløb i gang ved periodens slut", fig.running_at_end],
        ["Timer registreret", float(report.hours)],
        [],
        ["Bemærk", NOTE],
        ["Aflyste forløb", CANCELLED_NOTE],
    ], first=True)
    _sheet(book, "Forløb pr. måned", ["Måned", "I gang"],
           [[_month(report, m), fig.running[i]] for i, m in enumerate(report.months)])
    _sheet(book, "Timer pr. måned", ["Måned", "Timer"],
           [[_month(report, m), float(m.hours)] for m in report.months])
    _sheet(book, "Fastholdelse", ["Stadig i job eller uddannelse efter", "Ja", "Kendte svar (n)", "Andel ja (%)", "Ikke oplyst"],
           [[f"{r.months} måneder", yes, known, "" if shown_share(row) is None else round(shown_share(row) * 100, 1),
             row[2]] for r, row in zip(report.retention, fig.retention) for yes, known in [row[:2]]])
    outcome_rows = [[ENDING_REASONS.get(key, "Ikke angivet") if key != NO_REASON else "Ikke angivet", fig.outcomes[key]]
                    for key in report.outcomes]
    if not fig.outcomes_split:
        outcome_rows += [[], [UNSPLIT_NOTE.format(
            year=report.year, total="" if fig.total_ended == UNSPLIT else f" ({fig.total_ended})")]]
    _sheet(book, "Udfald", ["Afsluttet med", "Antal"], outcome_rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
