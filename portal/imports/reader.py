"""Stream the rows of an uploaded CSV or XLSX file, refusing what cannot be read safely.

:func:`read_table` yields ``(row_number, cells)`` for every data row after the header, as
the spreadsheet numbers them (the header is row 1), and never holds the file in memory:
CSV through :mod:`csv` over a text stream, XLSX through openpyxl's read-only mode. Call it
again for a second pass (the source is rewound).

CSV must be UTF-8, with or without a BOM (Excel's "CSV UTF-8"). Other encodings are
**refused**, not guessed: a file saved as Windows-1252/ANSI or UTF-16 gets a message that
says how to save it as UTF-8, because a wrong guess would silently garble names. The
delimiter (``;`` as Danish Excel writes, ``,`` or tab) is found with :class:`csv.Sniffer`.
XLSX cells keep their types (dates as dates, numbers as numbers); the file is checked for
a zip bomb before openpyxl opens it. Every problem is a :class:`FileProblem` with a Danish
message; nothing here raises anything else for a bad file.

A file that is no spreadsheet at all, such as a CV chosen by mistake, is named by its content
(its magic bytes, never its name): a PDF, a Word or PowerPoint file (.docx/.pptx, old .doc/.ppt
and RTF), an OpenDocument file, a ZIP folder, an image or a compressed archive is told
»Filen er … og ikke et regneark«, not to re-save it as UTF-8 or to fix its headers (review
BG 6). Given the file's name, a ``.xlsx`` whose content is no Excel workbook says so too.
"""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_XLSX_UNPACKED = 400 * 1024 * 1024
MAX_XLSX_ENTRIES = 2_000
MAX_CELL_CHARS = 100_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1024 * 1024
_STRAY_NULS = 8  # more NUL bytes than this in a chunk: the file is binary, not a typo in a cell

# What a file that is no spreadsheet is, by its first bytes (the ZIP and OLE containers are
# looked into: :func:`_zip_document`, :func:`_refuse_ole`).
_MAGIC = (
    (b"%PDF", "en PDF-fil"),
    (b"{\\rtf", "et Word-dokument (RTF)"),
    (b"\x89PNG", "et billede"), (b"\xff\xd8\xff", "et billede"), (b"GIF8", "et billede"),
    (b"II*\x00", "et billede"), (b"MM\x00*", "et billede"),
    (b"\x1f\x8b", "en komprimeret fil (arkiv)"), (b"7z\xbc\xaf\x27\x1c", "en komprimeret fil (arkiv)"),
    (b"Rar!\x1a\x07", "en komprimeret fil (arkiv)"),
)
# OOXML parts that make a ZIP a document other than a workbook.
_ZIP_DOCUMENTS = (("word/document.xml", "et Word-dokument"), ("ppt/presentation.xml", "en PowerPoint-præsentation"))
# OLE stream names (UTF-16LE in the directory) of documents other than an old .xls.
_OLE_DOCUMENTS = (("WordDocument", "et Word-dokument (.doc)"),
                  ("PowerPoint Document", "en PowerPoint-præsentation (.ppt)"),
                  ("__substg1.0_", "en e-mail fra Outlook (.msg)"))
_OLE_ENCRYPTED = "EncryptedPackage"  # an .xlsx saved with a password: Office wraps it in OLE
_OLE_SCAN_BYTES = 64 * 1024 * 1024  # the directory of a file an import would take is well within
# Control bytes that UTF-8 and Windows-1252 text never holds (tab, LF, CR excepted).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])

ENCODING_MESSAGE = ("Filen er ikke gemt med tegnkodningen UTF-8{hint}. Gem den i Excel som "
                    "»CSV UTF-8 (kommasepareret)« eller som Excel-projektmappe (.xlsx), og prøv igen.")


def not_a_spreadsheet(what: str) -> str:
    """The message for a file that is ``what`` (»en PDF-fil«) rather than a spreadsheet."""
    return (f"Filen er {what} og ikke et regneark. Vælg regnearket med dataene, gemt som Excel-projektmappe "
            "(.xlsx) eller som »CSV UTF-8 (kommasepareret)«, og prøv igen.")


class FileProblem(ValueError):
    """The file as a whole cannot be read; ``message_da`` says why (and how to fix it)."""

    def __init__(self, message_da: str) -> None:
        super().__init__(message_da)
        self.message_da = message_da


@dataclass(frozen=True)
class Table:
    """The file's header cells and kind ("csv" or "xlsx")."""

    kind: str
    headers: list[str]


def detect_kind(source: BinaryIO, filename: str | None = None) -> str:
    """"xlsx" or "csv" by content (the name, when given, only words a refusal).

    Raises:
        FileProblem: an empty file, an old .xls workbook, UTF-16 text, a file that is no
            spreadsheet (a PDF, a Word file, an image …, :data:`_MAGIC`, an OLE file other
            than a workbook), or a file named .xlsx/.xlsm whose content is no workbook.
    """
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if not head:
        raise FileProblem("Filen er tom.")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        _refuse_ole(source)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise FileProblem(not_a_spreadsheet(what))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(ENCODING_MESSAGE.format(hint=" (den er gemt som UTF-16/Unicode-tekst)"))
    if filename and filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem("Filens navn slutter på .xlsx, men den er ikke en Excel-projektmappe: den indeholder tekst. "
                          "Vælg regnearket med dataene, gemt som Excel-projektmappe (.xlsx) eller som »CSV UTF-8 "
                          "(kommasepareret)«, og prøv igen.")
    return "csv"


def _refuse_ole(source: BinaryIO) -> None:
    """An OLE file (old Office formats): always a refusal, naming what it is. Its directory
    names its streams in UTF-16LE, so a Word document, a PowerPoint, an Outlook e-mail and a
    password-protected .xlsx are told apart from an old .xls workbook."""
    needles = [(name.encode("utf-16-le"), what) for name, what in _OLE_DOCUMENTS]
    encrypted = _OLE_ENCRYPTED.encode("utf-16-le")
    overlap = max(len(n) for n, _ in [*needles, (encrypted, "")])
    source.seek(0)
    tail, read = b"", 0
    try:
        while read < _OLE_SCAN_BYTES and (chunk := source.read(_CHUNK)):
            read += len(chunk)
            window = tail + chunk
            if encrypted in window:
                raise FileProblem("Excel-filen er beskyttet med adgangskode og kan ikke læses. Fjern adgangskoden "
                                  "(Filer › Oplysninger › Beskyt projektmappe), gem filen, og prøv igen.")
            for needle, what in needles:
                if needle in window:
                    raise FileProblem(not_a_spreadsheet(what))
            tail = window[-overlap:]
    finally:
        source.seek(0)
    raise FileProblem("Gamle Excel-filer (.xls) kan ikke læses. Gem filen som .xlsx eller CSV UTF-8.")


def read_table(source: BinaryIO, filename: str | None = None) -> tuple[Table, Iterator[tuple[int, list]]]:
    """The header and an iterator over the data rows (blank rows skipped, numbering kept).

    Args:
        source: the uploaded file, read from the start (rewound).
        filename: its name as uploaded, if known: only to say that a ``.xlsx`` holding text
            is no Excel workbook (the content decides the kind either way).

    Raises:
        FileProblem: the file cannot be read; raised at once for the header, and while
            iterating for a fault further down (a bad byte in row 90,000).
    """
    kind = detect_kind(source, filename)
    rows = _xlsx_rows(source) if kind == "xlsx" else _csv_rows(source)
    try:
        number, header = next(rows)
    except StopIteration:
        raise FileProblem("Filen er tom.") from None
    headers = ["" if cell is None else str(cell).strip() for cell in header]
    if number != 1 or not any(headers):
        raise FileProblem("Første række skal være kolonneoverskrifterne.")
    return Table(kind, headers), rows


def _csv_rows(source: BinaryIO) -> Iterator[tuple[int, list]]:
    _check_utf8(source)
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        dialect = _dialect(_sample(text))
        text.seek(0)
        reader = csv.reader(text, dialect, strict=True)  # a stray quote is an error, not a merged row
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                if "".join(cells).strip():
                    yield number, cells
        except csv.Error as exc:
            raise FileProblem(f"Række {number + 1} kan ikke læses som CSV ({_csv_reason(exc)}).") from None
    finally:
        text.detach()  # leave the caller's file open for the next pass


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger" in message:
        return "en celle er for lang"
    if "NUL" in message or "nul" in message:
        return "den indeholder binære data"
    return "ugyldige anførselstegn eller linjeskift"


def _check_utf8(source: BinaryIO) -> None:
    """Decode the whole file once (streaming); refuse anything that is not UTF-8 text."""
    source.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    while chunk := source.read(_CHUNK):
        if b"\x00" in chunk:
            raise FileProblem(_nul_message(chunk, lines))
        lines += chunk.count(b"\n")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            if sum(chunk.count(byte) for byte in _CONTROL_BYTES) > _STRAY_NULS:
                # Not text in another encoding (no Windows-1252 text holds control bytes): binary.
                raise FileProblem("Filen indeholder binære data og er hverken en CSV-fil eller en Excel-fil "
                                  "(.xlsx). Vælg regnearket med dataene, og prøv igen.") from None
            raise FileProblem(ENCODING_MESSAGE.format(hint=_hint(chunk, exc.start, offset))) from None
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileProblem(ENCODING_MESSAGE.format(hint=" (filen slutter midt i et tegn)")) from None
    source.seek(0)


def _nul_message(chunk: bytes, lines_before: int) -> str:
    """Where the first NUL byte is: one stray NUL in a cell is fixed in that line, many
    mean a file that is not text at all."""
    line = lines_before + chunk[:chunk.index(b"\x00")].count(b"\n") + 1
    if chunk.count(b"\x00") > _STRAY_NULS:
        return (f"Filen indeholder binære data (første gang i linje {line}) og er hverken en CSV-fil "
                "eller en Excel-fil (.xlsx).")
    return (f"Linje {line} i filen indeholder et NUL-tegn (et usynligt styretegn), som en CSV-fil ikke må "
            "indeholde. Slet tegnet i den linje, eller gem filen igen som »CSV UTF-8« eller .xlsx, og prøv igen.")


def _hint(chunk: bytes, start: int, offset: int) -> str:
    line = chunk[:start].count(b"\n") + 1 if offset == 0 else None
    where = f" (første fejl i linje {line})" if line else ""
    if any(byte in chunk[start:start + 1] for byte in b"\xe6\xf8\xe5\xc6\xd8\xc5"):
        return where + "; den ser ud til at være gemt som Windows-1252/ANSI"
    return where


def _sample(text: io.TextIOWrapper) -> str:
    # A few whole lines: the Sniffer's regular expressions grow slow on long samples.
    lines = []
    for line in text:
        lines.append(line)
        if len(lines) >= 20 or sum(map(len, lines)) > 8192:
            break
    return "".join(lines)[:16384]


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = sample.splitlines()[0] if sample else ""
    try:
        dialect = csv.Sniffer().sniff(sample or ";", delimiters=";,\t")
        if dialect.delimiter in first_line:
            return dialect
    except csv.Error:
        pass
    # The Sniffer gives up on short or irregular files; the header line decides then.
    delimiter = max(";,\t", key=first_line.count)
    return type("Detected", (csv.excel,), {"delimiter": delimiter})


def _xlsx_rows(source: BinaryIO) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    _check_xlsx_zip(source)
    source.seek(0)
    try:
        book = load_workbook(source, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise FileProblem("Excel-filen kan ikke læses. Den er måske beskadiget eller beskyttet med "
                          "adgangskode. Gem den igen som .xlsx, og prøv igen.") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise FileProblem("Excel-filen har intet regneark.")
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                values = list(cells)
                if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    yield number, values
        except FileProblem:
            raise
        except Exception:  # noqa: BLE001 - a damaged sheet part
            raise FileProblem("Excel-filen er beskadiget og kan ikke læses helt. Gem den igen som "
                              ".xlsx, og prøv igen.") from None
    finally:
        book.close()


def _check_xlsx_zip(source: BinaryIO) -> None:
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            refusal = _zip_document(archive, {info.filename for info in infos})
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem("Filen ligner en Excel-fil, men er beskadiget. Gem den igen som .xlsx.") from None
    if refusal:
        raise FileProblem(refusal)
    if len(infos) > MAX_XLSX_ENTRIES or sum(i.file_size for i in infos) > MAX_XLSX_UNPACKED:
        raise FileProblem("Excel-filen er for stor, når den pakkes ud. Del den op i flere filer.")
    if any(i.filename.endswith("vbaProject.bin") for i in infos):
        raise FileProblem("Excel-filer med makroer kan ikke indlæses. Gem filen som almindelig .xlsx.")


def _zip_document(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The refusal for a ZIP that is no Excel workbook (a .docx, a .pptx, an OpenDocument
    file, a plain ZIP folder such as the CV files), or None for a workbook (it has ``xl/``
    parts; a damaged one is openpyxl's to refuse)."""
    for part, what in _ZIP_DOCUMENTS:
        if part in names:
            return not_a_spreadsheet(what)
    if "mimetype" in names:  # OpenDocument: the first entry names the kind, uncompressed
        with archive.open("mimetype") as entry:
            mimetype = entry.read(100)
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return ("Regneark fra LibreOffice/OpenOffice (.ods) kan ikke læses. Gem regnearket som "
                    "Excel-projektmappe (.xlsx) eller som »CSV UTF-8 (kommasepareret)«, og prøv igen.")
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            return not_a_spreadsheet("et OpenDocument-dokument")
    if not any(name.startswith("xl/") for name in names):
        return not_a_spreadsheet("en ZIP-mappe")
    return None
