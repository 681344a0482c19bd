"""Build import files in memory for the tests (CSV text, XLSX workbooks, CV zips)."""
from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook

HEADER = ["Eksternt id", "Navn", "Ydelsesgruppe", "Timer pr. uge", "Postnummer", "Kørekort", "Sprog",
          "Parathedsgruppe", "Virksomhedskonsulent", "Sagsstart", "Jobmål"]


def citizen_row(external_id: str, name: str = "Anna Hansen", **overrides) -> list:
    row = {"Eksternt id": external_id, "Navn": name, "Ydelsesgruppe": "Kontanthjælp", "Timer pr. uge": "7,5",
           "Postnummer": "8722", "Kørekort": "B", "Sprog": "dansk, engelsk", "Parathedsgruppe": "På vej",
           "Virksomhedskonsulent": "", "Sagsstart": "01.03.2025", "Jobmål": "Lagermedarbejder; Chauffør"}
    row.update(overrides)
    return [row[h] for h in HEADER]


def csv_bytes(rows: list[list], header: list[str] = HEADER, delimiter: str = ";", bom: bool = True,
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()
