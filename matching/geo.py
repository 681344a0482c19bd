"""Distances, and the postcode table that turns a postcode into coordinates.

The shipped table (:data:`BUILTIN_POSTCODES`) holds Hedensted municipality and its neighbours,
the demo's municipality (DOMAIN.md "Geography"). A job centre elsewhere supplies its own as a
file (``MATCHING_POSTCODES``, read by :func:`load_postcodes`; the parsing is the pure
:func:`read_postcodes`), and the process installs it once at start-up with
:func:`install_postcodes`, before it serves or indexes anything.

Why the table is installed in place: the portal's forms, the ranking and the indexer's
documents all read :data:`POSTCODES` and :data:`TOWNS`, and many modules import them by name
(``from matching.geo import POSTCODES``). Both are read-only views (``MappingProxyType``) over
private dicts, and installing a table replaces the dicts' *contents*, never the objects, so
every importer sees the installed table without a change and cannot modify it. One process
holds one table: install it at start-up, not while requests run.

An index stores coordinates computed from this table (the documents' ``location``), so what it
was built with is part of its metadata (:func:`table_version`, recorded by
``matching.index_meta.encoder_meta``): a process with another table rebuilds the index.

Errors: :class:`PostcodeTableError` (a file that cannot be used, with its line and the reason);
:class:`UnknownPostcode` (a postcode not in the installed table).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

EARTH_RADIUS_KM = 6371.0088
# Denmark with Bornholm and Christiansø, generously rounded (not Greenland or the Faroe Islands).
DENMARK_LAT = (54.5, 57.8)
DENMARK_LON = (8.0, 15.3)
MAX_TOWN_LENGTH = 60
# Header names a file's columns may have (case-insensitive); DAWA's postcode list calls them
# nr, navn, visueltcenter_y and visueltcenter_x.
COLUMN_NAMES = {
    "postcode": ("postcode", "postnr", "postnummer", "nr"),
    "town": ("town", "bynavn", "by", "navn"),
    "lat": ("lat", "latitude", "breddegrad", "visueltcenter_y"),
    "lon": ("lon", "lng", "longitude", "længdegrad", "visueltcenter_x"),
}
_MAX_PROBLEMS = 10

PostcodeTable = Mapping[str, tuple[str, float, float]]


class UnknownPostcode(LookupError):
    """Raised for a postcode that is not in the table (the caller must supply coordinates)."""


class PostcodeTableError(ValueError):
    """A postcode file that cannot be used; the message names each bad line and why."""


# (town, lat, lon) from DOMAIN.md; Glud and Ølsted share a postcode with a bigger town
# (7130 Juelsminde, 8722 Hedensted) so they are listed by name only in TOWNS.
BUILTIN_POSTCODES: PostcodeTable = MappingProxyType(
    {
        "8722": ("Hedensted", 55.77, 9.70),
        "8723": ("Løsning", 55.80, 9.70),
        "7130": ("Juelsminde", 55.71, 10.02),
        "7160": ("Tørring", 55.85, 9.48),
        "7171": ("Uldum", 55.84, 9.58),
        "8783": ("Hornsyld", 55.76, 9.86),
        "7140": ("Stouby", 55.70, 9.80),
        "8721": ("Daugård", 55.73, 9.71),
        "7150": ("Barrit", 55.71, 9.90),
        "8763": ("Rask Mølle", 55.88, 9.61),
        "8700": ("Horsens", 55.86, 9.85),
        "7100": ("Vejle", 55.71, 9.54),
        "7000": ("Fredericia", 55.57, 9.75),
    }
)
_BUILTIN_EXTRA_TOWNS = {"glud": (55.75, 9.97), "ølsted": (55.84, 9.75)}

_postcodes: dict[str, tuple[str, float, float]] = {}
_towns: dict[str, tuple[float, float]] = {}
_version: list[str | None] = [None]
POSTCODES: PostcodeTable = MappingProxyType(_postcodes)
"""The installed table: postcode → (town, lat, lon). The built-in one until another is installed."""
TOWNS: Mapping[str, tuple[float, float]] = MappingProxyType(_towns)
"""Casefolded town name → (lat, lon) of the installed table."""


def read_postcodes(text: str) -> PostcodeTable:
    """Parse a postcode file's text: one postcode a row with its town, latitude and longitude.

    The format: UTF-8 text (a byte-order mark is ignored); fields separated by ``;``, ``,``
    or a tab (the first line's decides); an optional header row naming the columns (see
    :data:`COLUMN_NAMES`; other columns are ignored), else exactly four columns in the order
    postcode, town, lat, lon. A postcode is four digits; coordinates are decimal degrees
    (WGS84) inside Denmark, with a decimal point or, when fields are not separated by ``,``, a
    decimal comma. Blank lines are skipped; a postcode appears once.

    Returns:
        A read-only mapping postcode → (town, lat, lon), in the file's order.

    Raises:
        PostcodeTableError: an empty file, a header without one of the four columns, or bad
            rows (each named with its line number and the reason, the first ten of them).
    """
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise PostcodeTableError("the file holds no postcodes")
    delimiter = "\t" if "\t" in first else ";" if ";" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    columns = _columns(*rows[0])
    if columns is not None:
        rows = rows[1:]
    table: dict[str, tuple[str, float, float]] = {}
    seen: dict[str, int] = {}
    problems: list[str] = []
    for number, row in rows:
        try:
            code, entry = _row(row, columns, delimiter)
        except ValueError as err:
            problems.append(f"line {number}: {err}")
            continue
        if code in seen:
            problems.append(f"line {number}: postcode {code} is already on line {seen[code]}")
            continue
        seen[code] = number
        table[code] = entry
    if problems:
        more = f" (and {len(problems) - _MAX_PROBLEMS} more)" if len(problems) > _MAX_PROBLEMS else ""
        raise PostcodeTableError("; ".join(problems[:_MAX_PROBLEMS]) + more)
    if not table:
        raise PostcodeTableError("the file holds a header but no postcodes")
    return MappingProxyType(table)


def _columns(number: int, row: list[str]) -> dict[str, int] | None:
    """The header's column positions, or None when ``row`` (line ``number``) is data (its
    first cell a number)."""
    names = [cell.strip().casefold() for cell in row]
    if names and names[0].replace(".", "").replace(",", "").isdigit():
        return None
    found = {key: next((i for i, name in enumerate(names) if name in aliases), None)
             for key, aliases in COLUMN_NAMES.items()}
    missing = [key for key, index in found.items() if index is None]
    if missing:
        raise PostcodeTableError(
            f"line {number}: the header has no column {', '.join(missing)} (columns postcode, town, lat, lon; "
            f"found {', '.join(repr(cell) for cell in row)})")
    return found


def _row(row: list[str], columns: dict[str, int] | None,
         delimiter: str) -> tuple[str, tuple[str, float, float]]:
    """One data row as (postcode, (town, lat, lon)). Raises ValueError saying what is wrong."""
    if columns is None:
        if len(row) != 4:
            raise ValueError(f"{len(row)} fields where 4 are expected (postcode, town, lat, lon)")
        columns = {"postcode": 0, "town": 1, "lat": 2, "lon": 3}
    if len(row) <= max(columns.values()):
        raise ValueError(f"{len(row)} fields, fewer than the header's columns")
    code = row[columns["postcode"]].strip()
    if not (len(code) == 4 and code.isascii() and code.isdigit()):
        raise ValueError(f"postcode {code!r} is not four digits")
    town = " ".join(row[columns["town"]].split())
    if not town:
        raise ValueError(f"postcode {code} has no town")
    if len(town) > MAX_TOWN_LENGTH:
        raise ValueError(f"the town of {code} is longer than {MAX_TOWN_LENGTH} characters")
    lat = _degrees(row[columns["lat"]], "lat", code, delimiter)
    lon = _degrees(row[columns["lon"]], "lon", code, delimiter)
    low, high = DENMARK_LAT
    if not low <= lat <= high:
        raise ValueError(f"lat {lat:g} of {code} is outside Denmark ({low:g} to {high:g}; lat and lon swapped?)")
    low, high = DENMARK_LON
    if not low <= lon <= high:
        raise ValueError(f"lon {lon:g} of {code} is outside Denmark ({low:g} to {high:g}; lat and lon swapped?)")
    return code, (town, lat, lon)


def _degrees(cell: str, name: str, code: str, delimiter: str) -> float:
    raw = cell.strip()
    if delimiter != ",":
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{name} {cell.strip()!r} of {code} is not a number of degrees")
    return value


def load_postcodes(path: str | Path) -> PostcodeTable:
    """Read the postcode file at ``path`` (UTF-8; the format of :func:`read_postcodes`).

    Raises:
        PostcodeTableError: the file cannot be read, is not UTF-8, or does not parse.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise PostcodeTableError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise PostcodeTableError(f"line {line}: the file is not UTF-8 (save it as UTF-8)") from None
    return read_postcodes(text)


def install_postcodes(table: PostcodeTable | None) -> None:
    """Make ``table`` the process's postcode table (None: the built-in one).

    Updates :data:`POSTCODES` and :data:`TOWNS` in place, so every module that imported them
    sees the new table. Call it at start-up, before requests or indexing.
    """
    builtin = table is None
    table = BUILTIN_POSTCODES if table is None else table
    towns: dict[str, tuple[float, float]] = {}
    for town, lat, lon in table.values():  # a town with several postcodes: its first
        towns.setdefault(town.casefold(), (lat, lon))
    if builtin:
        towns |= _BUILTIN_EXTRA_TOWNS
    _postcodes.clear()
    _postcodes.update(table)
    _towns.clear()
    _towns.update(towns)
    _version[0] = None if builtin else table_fingerprint(table)


def table_version() -> str | None:
    """The installed table's fingerprint; None for the built-in table (which every index
    made before tables could be chosen was built with)."""
    return _version[0]


def table_fingerprint(table: PostcodeTable) -> str:
    """A short hash of a table's content (postcodes, towns, coordinates), order ignored."""
    content = json.dumps(sorted((code, *entry) for code, entry in table.items()), ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()[:12]


def is_builtin() -> bool:
    """Whether the built-in table (Hedensted and neighbours) is installed."""
    return _version[0] is None


install_postcodes(None)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two (lat, lon) points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def postcode_location(postcode: str) -> tuple[float, float]:
    """Coordinates (lat, lon) of a postcode in the table.

    Raises:
        UnknownPostcode: if the postcode is not in the table.
    """
    try:
        _, lat, lon = POSTCODES[postcode.strip()]
    except KeyError:
        raise UnknownPostcode(
            f"postcode {postcode!r} is not in the matching postcode table; "
            "store coordinates for it or add it to the postcode table (MATCHING_POSTCODES)"
        ) from None
    return lat, lon


def locate(lat: float | None, lon: float | None, postcode: str) -> tuple[float, float]:
    """Explicit coordinates when given, else the postcode's.

    Raises:
        UnknownPostcode: if coordinates are missing and the postcode is unknown.
    """
    if lat is not None and lon is not None:
        return lat, lon
    return postcode_location(postcode)
