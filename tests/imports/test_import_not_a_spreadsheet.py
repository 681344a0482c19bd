"""A file that is no spreadsheet, such as a CV chosen by mistake, is named by its content and
refused as »ikke et regneark«, not told to re-save as UTF-8 or to fix its headers (review BG 6)."""
from __future__ import annotations

import io
import zipfile

import pytest

from portal.imports.reader import FileProblem, read_table

from .files import citizen_row, csv_bytes, xlsx_bytes

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A PDF as office software writes it: a binary comment on line 2 (not UTF-8), then objects.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4


def zipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def ole(stream_name: str) -> bytes:
    """An OLE file whose directory names ``stream_name`` (UTF-16LE, as the format stores it)."""
    return OLE + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 64


def refusal(data: bytes, filename: str | None = None) -> str:
    with pytest.raises(FileProblem) as caught:
        _table, rows = read_table(io.BytesIO(data), filename)
        list(rows)
    return caught.value.message_da


@pytest.mark.parametrize("data, what", [
    (PDF, "en PDF-fil"),
    (zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), "et Word-dokument"),
    (ole("WordDocument"), "et Word-dokument (.doc)"),
    (b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Mit CV}", "et Word-dokument (RTF)"),
    (zipped({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}), "en PowerPoint-præsentation"),
    (ole("PowerPoint Document"), "en PowerPoint-præsentation (.ppt)"),
    (ole("__substg1.0_0037001F"), "en e-mail fra Outlook (.msg)"),
    (zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
     "et OpenDocument-dokument"),
    (zipped({"A1.pdf": PDF, "A2.txt": b"CV"}), "en ZIP-mappe"),  # the CV files in the wrong field
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "et billede"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 50, "et billede"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "en komprimeret fil (arkiv)"),
])
def test_a_document_that_is_no_spreadsheet_is_named(data, what):
    message = refusal(data)
    assert message.startswith(f"Filen er {what} og ikke et regneark. Vælg regnearket med dataene")
    assert "UTF-8 (kommasepareret)" in message and "tegnkodningen" not in message


def test_spreadsheets_of_other_kinds_are_told_how_to_save_them():
    ods = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    assert refusal(ods).startswith("Regneark fra LibreOffice/OpenOffice (.ods) kan ikke læses.")
    assert refusal(ole("EncryptedPackage")).startswith("Excel-filen er beskyttet med adgangskode")
    assert refusal(ole("Workbook")).startswith("Gamle Excel-filer (.xls) kan ikke læses.")


def test_other_binary_data_is_binary_not_an_encoding():
    """Control bytes no text holds: binary, even before the first NUL byte."""
    data = b"MZ\x90\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\xff\xfe" + b"\x01\x02" * 20
    assert refusal(data).startswith("Filen indeholder binære data og er hverken en CSV-fil eller en Excel-fil")


def test_text_named_xlsx_is_no_excel_file():
    message = refusal(b"Dette er mit CV.\nJeg hedder Anna.\n", "borgere.xlsx")
    assert message.startswith("Filens navn slutter på .xlsx, men den er ikke en Excel-projektmappe")


def test_real_files_are_still_read():
    """Windows-1252 text keeps its advice; CSV and XLSX read whatever their name."""
    cp1252 = csv_bytes([citizen_row("A1", Navn="Søren Ærø")], encoding="cp1252", bom=False)
    assert "Windows-1252" in refusal(cp1252)
    for data, name in ((csv_bytes([citizen_row("A1")]), "borgere.csv"), (csv_bytes([citizen_row("A1")]), None),
                       (xlsx_bytes([citizen_row("A1")]), "borgere.xlsx"), (xlsx_bytes([citizen_row("A1")]), "b.csv")):
        table, rows = read_table(io.BytesIO(data), name)
        assert table.headers[0] == "Eksternt id" and [number for number, _ in rows] == [2]


def test_the_import_page_names_a_pdf_chosen_by_mistake(app, client, auth, make_user):
    """The reviewer's slip: a PDF named .xlsx on the import page, dry run."""
    auth.login(make_user("admin").email)
    response = client.post("/admin/import/", content_type="multipart/form-data", data={
        "kind": "citizens", "citizens-mode": "dry", "citizens-file": (io.BytesIO(PDF), "pdf.xlsx"),
        "citizens-csrf_token": auth.csrf_token("/admin/import/")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Filen er en PDF-fil og ikke et regneark." in html
    assert "UTF-8 (første fejl" not in html


def test_the_import_page_says_a_text_file_named_xlsx_is_no_workbook(app, client, auth, make_user):
    """The upload's name reaches the reader: text named .xlsx is no Excel workbook."""
    auth.login(make_user("admin").email)
    response = client.post("/admin/import/", content_type="multipart/form-data", data={
        "kind": "citizens", "citizens-mode": "dry",
        "citizens-file": (io.BytesIO(b"Dette er mit CV.\nJeg hedder Anna.\n"), "borgere.xlsx"),
        "citizens-csrf_token": auth.csrf_token("/admin/import/")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Filens navn slutter på .xlsx, men den er ikke en Excel-projektmappe" in html
