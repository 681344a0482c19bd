"""Formula-safe spreadsheet cells for every CSV/XLSX the portal writes.

SECURITY.md: an export must never let a cell run as a formula in Excel or LibreOffice
(CSV/formula injection, OWASP). In a CSV, text that begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is prefixed with an apostrophe, which the spreadsheet shows as text
(:func:`safe_cell`; :func:`safe_row` does that for a whole row). In an XLSX a cell has a type,
and a string cell is never evaluated, so the text is written as it is (review W 10: "'- kan
starte mandag" showed the apostrophe): :func:`text_cells` stores such text as a string (openpyxl
would make a leading ``=`` a formula) with the quote prefix, so editing it in Excel keeps it
text. Numbers and dates are typed values in both.

No stored text makes an XLSX fail: XML cannot hold the control characters openpyxl refuses
(:data:`openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE`: NUL and the other C0 controls but tab, line
feed and carriage return), so :func:`xlsx_value` removes them from every text cell, header
and sheet title included, where a page shows them as nothing anyway. The forms refuse such characters
(:func:`portal.formutil.no_hidden_characters`), but a row stored before a field had the rule
must not turn a company's download into a 500 (review AO 1). The CSV keeps the text as stored.

:func:`render_csv` and :func:`render_xlsx` are the one writer of a company's files (Danish
Excel CSV, typed XLSX), so every file starts with its header and formats alike.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .i18n import format_date, format_month, format_number, format_timestamp

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A decimal in a CSV cell: as many decimals as a float showed before, trailing zeros dropped.
CSV_DECIMALS = 6
# A date cell's number format: the date stays a date (sorts, sums), shown as on every page.
DATE_FORMAT = "DD.MM.YYYY"
# What Excel refuses in a sheet's name (openpyxl raises on them).
SHEET_NAME_REFUSED = re.compile(r"[\\/*?:\[\]]")


def safe_cell(value: object) -> str:
    """Text for a spreadsheet cell; a leading ``= + - @`` (or tab/CR) is neutralised with ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[object]:
    """A row with text neutralised and numbers, dates and empty cells kept as they are."""
    return [v if v is None or isinstance(v, (int, float, Decimal, date)) and not isinstance(v, bool)
            else safe_cell(v) for v in values]


def text_cells(cells: Iterable[Cell]) -> None:
    """Every text cell among ``cells`` as text, never a formula: a string type (openpyxl reads a
    leading ``=`` as a formula) and, for text that begins like one, Excel's quote prefix, which
    shows no apostrophe but keeps the cell text when it is edited."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_value(value: object) -> object:
    """Numbers (a Decimal as a float), dates and empty cells typed; anything else as its text,
    without the control characters an XLSX cannot hold (:data:`ILLEGAL_CHARACTERS_RE`, removed)."""
    if value is None or isinstance(value, (int, float, date)) and not isinstance(value, bool):
        return value
    return float(value) if isinstance(value, Decimal) else ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _csv_value(value: object, as_month: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):  # a time as a spreadsheet reads one, not the pages' »kl. 12.00«
        return format_timestamp(value)
    if isinstance(value, date):
        return format_month(value) if as_month else format_date(value)
    if isinstance(value, (float, Decimal)):
        return format_number(value, CSV_DECIMALS, trim=True)
    return str(value)


def render_csv(header: list[str], rows: Iterable[list], month_columns: Collection[int] = ()) -> str:
    """Semicolon-separated for Danish Excel: the header first (no title line: a plain import
    reads line one as the header), dd.mm.yyyy dates (a time dd.mm.yyyy HH:MM), months as "oktober 2026", numbers as the pages
    show them (:func:`portal.i18n.format_number`: "1.205,5"),
    UTF-8 with BOM. Text passes through :func:`safe_cell`.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v, i in month_columns) for i, v in enumerate(safe_row(row))])
    return "\ufeff" + out.getvalue()


def render_xlsx(title: str, header: list[str], rows: Iterable[list], month_columns: Collection[int] = (),
                widths: Iterable[int] = ()) -> bytes:
    """One sheet: a bold header in row 1, then the rows; dates and numbers stay typed
    (dates as DD.MM.YYYY as on every page, review BI 11; months as MMM YYYY), text is text as
    it is (:func:`text_cells`). The sheet's name drops what Excel refuses in one (``[]:*?/\\``)
    and keeps 31 characters.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME_REFUSED.sub("", ILLEGAL_CHARACTERS_RE.sub("", title))[:31].strip() or "Ark1"
    sheet.append([xlsx_value(v) for v in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_value(v) for v in row])
    for line in sheet.iter_rows():
        text_cells(line)
        for index, cell in enumerate(line):
            if isinstance(cell.value, date):
                cell.number_format = "MMM YYYY" if index in month_columns else DATE_FORMAT
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
