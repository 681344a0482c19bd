"""Columns of an import file: Danish headers matched tolerantly, cells turned into form values.

A header matches a column when, after case folding and with punctuation and spaces
collapsed, it equals the column's label or one of its aliases ("Postnr." = "postnummer").
Cells become the strings the web forms parse, so a row is validated by the same form
and the same rules as a consultant's or company's input.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from ..i18n import and_list, plural

FORMULA_MESSAGE = "Cellen indeholder en formel. Indsæt værdien i stedet for formlen."


@dataclass(frozen=True)
class Column:
    """One column: ``key`` for the code, ``label`` as the template file writes it."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    help: str = ""


class CellError(ValueError):
    """A cell the import cannot use; ``message_da`` is shown with the row and column."""

    def __init__(self, message_da: str) -> None:
        super().__init__(message_da)
        self.message_da = message_da


def normalise_header(text: str) -> str:
    folded = unicodedata.normalize("NFC", str(text or "")).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).replace("_", " ").split())


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column is (``positions``) and what the header got wrong."""

    positions: dict[str, int]
    missing: list[str]
    duplicated: list[str]
    unknown: list[str]

    @property
    def problems(self) -> list[str]:
        """Danish messages that stop the whole file (missing or doubled columns)."""
        messages = []
        if self.missing:
            messages.append(f"Filen mangler {plural(len(self.missing), 'kolonnen', 'kolonnerne')} "
                            + and_list(f"»{c}«" for c in self.missing)
                            + ". Brug skabelonen, eller ret overskrifterne i første række.")
        if self.duplicated:
            messages.append(f"{plural(len(self.duplicated), 'Kolonnen', 'Kolonnerne')} "
                            + and_list(f"»{c}«" for c in self.duplicated) + " står flere gange.")
        return messages


def match_headers(headers: list[str], columns: tuple[Column, ...]) -> HeaderMap:
    """Map the file's header cells to ``columns``."""
    names = {}
    for column in columns:
        for name in (column.label, column.key, *column.aliases):
            names[normalise_header(name)] = column
    positions: dict[str, int] = {}
    duplicated, unknown = [], []
    for index, header in enumerate(headers):
        column = names.get(normalise_header(header))
        if column is None:
            if header.strip():
                unknown.append(header.strip()[:60])
        elif column.key in positions:
            duplicated.append(column.label)
        else:
            positions[column.key] = index
    missing = [c.label for c in columns if c.required and c.key not in positions]
    return HeaderMap(positions, missing, duplicated, unknown)


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO, formulas refused.

    Raises:
        CellError: a formula (a string starting with "=", as CSV or an XLSX formula cell).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("Cellen indeholder ikke et gyldigt tal.")
        # 15 significant digits, a spreadsheet's own precision: no float noise (37.49999999999999
        # reads 37.5), and no rounding either (»:g« kept 6, so 400.0000001 read 400; review BV 2)
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("="):
        raise CellError(FORMULA_MESSAGE)
    return text


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y")


def cell_date(value: object) -> str:
    """A date cell as ISO text ("" when empty).

    Excel dates arrive as real dates; text may be 2024-03-01, 01.03.2024, 01-03-2024 or
    01/03/2024. A bare number is an Excel date whose cell is not formatted as a date.

    Raises:
        CellError: a number, a formula, or text that is not an existing date.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError("Datoen er et tal, ikke en dato. Formatér cellen som dato i Excel "
                        "(eller skriv den som dd.mm.åååå).")
    if isinstance(value, (datetime, date)):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    text = cell_text(value)
    if not text:
        return ""
    if text.isdigit():
        raise CellError(f"»{text}« er et tal, ikke en dato (et Excel-datonummer, hvis cellen ikke er formateret "
                        "som dato). Skriv datoen som dd.mm.åååå eller åååå-mm-dd, eller formatér cellen som "
                        "dato i Excel.")
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise CellError("Datoen findes ikke. Skriv den som dd.mm.åååå (eller åååå-mm-dd), fx 06.12.2026.")


def split_list(text: str) -> list[str]:
    """"a; b | c" -> ["a", "b", "c"] (jobmål are separated by ; or | or a line break).

    A line break counts because Excel users list values in one cell with Alt+Enter; joined
    into one line, »Kok⏎Tjener« would be the single title »Kok Tjener«.
    """
    return [part.strip() for part in re.split(r"[;|\r\n\u2028\u2029\v\f\x85]", text) if part.strip()]


def vocabulary_key(text: str, vocabulary: dict[str, str]) -> str:
    """The key of a vocabulary entry given by key or Danish label, any case ("" if unknown)."""
    return _lookup(tuple(vocabulary.items())).get(normalise_header(text), "")


@lru_cache(maxsize=32)
def _lookup(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {normalise_header(name): key for key, label in items for name in (key, label)}


# The web forms' messages for a choice point at a list on the page; a file has none.
_CHOICE_MESSAGES = ("Vælg en af mulighederne på listen.", "Ugyldigt valg.")


def file_message(message: str, typed: str, vocabulary: Mapping[str, str] | None = None) -> str:
    """A form's error for a value read from a file: a refused choice names the allowed values
    (the vocabulary's Danish labels) and what was typed, instead of a list the file lacks."""
    if vocabulary is not None and message in _CHOICE_MESSAGES:
        shown = f"»{typed}« kendes ikke" if typed else "Feltet er tomt"
        return f"{shown}. Brug en af: {', '.join(vocabulary.values())}."
    return message.replace(" Vælg et af de viste postnumre.", "")
