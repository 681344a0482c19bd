"""Everything a response tells its reader, as text: pages, calendars, CSV, and XLSX cells.

Privacy crawlers scan every response a user can reach for citizen data; a download is not
exempt. An XLSX workbook is opened and every cell read; other binary bodies are decoded
leniently, so a marker in them is still found.
"""
from __future__ import annotations

import io

from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def response_text(response) -> str:
    body = response.get_data()
    if response.mimetype == XLSX:
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(value) for sheet in workbook.worksheets
                         for row in sheet.iter_rows(values_only=True) for value in row
                         if value is not None)
    return body.decode("utf-8", errors="replace")
