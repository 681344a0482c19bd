"""Formula-safe spreadsheet cells for every CSV/XLSX the portal writes.

SECURITY.md: an export must never let a cell run as a formula in Excel or LibreOffice
(CSV/formula injection, OWASP). Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with an apostrophe, which the spreadsheet shows as text. Numbers
and dates are written as typed values (an XLSX number is never a formula), so only text
passes through :func:`safe_cell`; :func:`safe_row` does that for a whole row.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a spreadsheet cell; a leading ``= + - @`` (or tab/CR) is neutralised with ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[object]:
    """A row with text neutralised and numbers, dates and empty cells kept as they are."""
    return [v if v is None or isinstance(v, (int, float, Decimal, date)) and not isinstance(v, bool)
            else safe_cell(v) for v in values]
