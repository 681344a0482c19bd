"""CV upload validation and text extraction (PDF, DOCX, TXT).

Files are recognised by content, never trusted by name: ``%PDF-`` header, a zip holding
``word/document.xml``, or UTF-8 text without NUL. Every rejection is an
:class:`ExtractionError` with a short machine ``code``, a Danish ``message_da`` for the
form, and an English ``str()`` for logs. Neither message ever holds file contents or the
file name (both may be personal data).

PDFs and DOCX files are parsed in a child process (``_worker.py``: pypdf, or lxml for the
DOCX document part) with a wall-clock timeout, an address-space limit and a CPU limit, so a
hostile file can neither hang nor exhaust the web worker (Linux only: uses ``resource``
rlimits). DOCX zips are checked here first (entry count, unpacked size, zip-slip names,
macros, DTDs); the child then refuses more than ``max_docx_paragraphs`` paragraphs. Small
zips can still hold a lot of work (59 KB of 585,968 empty paragraphs took 6.5 s in-process),
so the structural checks alone do not bound the parse.

TXT must be UTF-8 (a BOM is allowed). UTF-16 is refused with an "encoding" error asking
for UTF-8, rather than decoded: SECURITY.md states the upload contract as UTF-8 and a
clear request to re-save is safer than guessing encodings.

Typical use at upload: call :func:`extract_text` once (it validates fully), store the file
and text; on :class:`ExtractionError` show ``message_da`` and log ``str(error)``.
"""

from __future__ import annotations

import io
import math
import os
import re
import signal
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
TYPES_BY_EXTENSION = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}
# Extensions refused with advice of their own rather than the generic "bad_type".
_LEGACY_WORD_EXTENSIONS = {".doc", ".dot"}
# A CV needs at least this much text, page numbers not counted: the same minimum as a typed CV
# (portal.citizens.service.add_cv_text). A scanned PDF with only »Side 1« is no CV.
MIN_TEXT_CHARS = 20
# A line that is only a page number: »Side 1«, »Page 2 of 3«, »1/2«, »- 3 -«, »s. 4«.
_PAGE_MARK = re.compile(
    r"^\W*(?:(?:side|page|sida|seite|s\.)\s*)?\d{1,4}(?:\s*(?:af|of|av|von|/)\s*\d{1,4})?\W*$",
    re.IGNORECASE)
_MACRO_EXTENSIONS = {".docm", ".dotm"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORKER = Path(__file__).with_name("_worker.py")

_MESSAGES_DA = {
    "empty": "Filen er tom.",
    "too_large": "Filen er for stor. Den må højst fylde {max_mb} MB.",
    "bad_type": "Filtypen understøttes ikke. Upload en PDF-fil, en Word-fil (.docx) "
    "eller en tekstfil (.txt).",
    "legacy_doc": "Gamle Word-filer (.doc) understøttes ikke. Gem dokumentet som .docx "
    "og prøv igen.",
    "type_mismatch": "Filens indhold passer ikke til filnavnet (fx en Word-fil, der er "
    "omdøbt til .pdf). Gem filen i det rigtige format og prøv igen.",
    "macro": "Word-filer med makroer (.docm) kan ikke uploades. Gem dokumentet som "
    "almindelig .docx uden makroer.",
    "zip_slip": "Word-filen er ugyldig: den indeholder ulovlige filnavne.",
    "zip_bomb": "Word-filen er for stor, når den pakkes ud, eller består af for mange dele.",
    "xxe": "Word-filen indeholder ulovlige XML-konstruktioner og kan ikke læses.",
    "encrypted": "Filen er beskyttet med adgangskode. Fjern beskyttelsen, og upload "
    "den igen.",
    "truncated": "Filen er ufuldstændig (måske blev den ikke gemt eller hentet helt). "
    "Gem den igen, og prøv en gang til.",
    "corrupt": "Filen er beskadiget og kan ikke læses.",
    "too_many_pages": "PDF-filen har for mange sider. Den må højst have {max_pages} sider.",
    "too_many_paragraphs": "Word-filen har for mange afsnit. Den må højst have "
    "{max_paragraphs} afsnit.",
    "too_complex": "Filen er for kompleks til at blive læst. Prøv at gemme den igen, "
    "eller upload CV'et som Word- eller tekstfil.",
    "timeout": "Det tog for lang tid at læse filen. Prøv at gemme den igen, eller upload "
    "CV'et som Word- eller tekstfil.",
    "encoding": "Tekstfilen skal være gemt med tegnkodningen UTF-8. Gem den igen som "
    "UTF-8, og prøv en gang til.",
    "nul": "Tekstfilen indeholder binære data og kan ikke læses som tekst.",
    "no_text": "Der blev ikke fundet nogen tekst i filen. Upload en fil med tekst, eller "
    "skriv CV'et ind.",
    "no_text.pdf": "Der blev ikke fundet nogen tekst i PDF-filen. Er det en scannet PDF? Upload "
    "en PDF med tekst (gemt fra Word eller lignende), eller skriv CV'et ind.",
    "no_text.docx": "Der blev ikke fundet nogen tekst i Word-filen, hverken i selve dokumentet "
    "eller i sidehoved og sidefod. Er teksten sat ind som billede? Skriv teksten i dokumentet, "
    "eller skriv CV'et ind.",
    "too_little_text": "Der er for lidt tekst i filen: et CV skal have mindst {min_chars} tegn "
    "tekst, sidetal ikke medregnet. Upload en fil med hele CV'et, eller skriv CV'et ind.",
    "too_little_text.pdf": "Der er næsten ingen tekst i PDF-filen (under {min_chars} tegn, "
    "sidetal ikke medregnet). Er det en scannet PDF? Upload en PDF med tekst (gemt fra Word "
    "eller lignende), eller skriv CV'et ind.",
}


class ExtractionError(ValueError):
    """A rejected or unreadable upload.

    Attributes:
        code: Short machine code, a key of the Danish message table (e.g. "too_large",
            "bad_type", "type_mismatch", "macro", "zip_slip", "zip_bomb", "xxe",
            "encrypted", "truncated", "corrupt", "too_many_pages", "too_many_paragraphs",
            "too_complex", "timeout", "encoding", "nul", "empty", "no_text", "too_little_text",
            "legacy_doc").
        message_da: User-facing Danish message for the upload form.
    """

    def __init__(self, code: str, detail: str, *, kind: str = "", **params: object) -> None:
        self.code = code
        # A message of its own for the file's type when there is one ("no_text" of a PDF asks
        # about scanning, of a Word file about text set in as pictures).
        # An unknown code (a bug) still gets a sensible Danish text rather than a 500.
        message = _MESSAGES_DA.get(f"{code}.{kind}") or _MESSAGES_DA.get(code, _MESSAGES_DA["corrupt"])
        self.message_da = message.format(**params)
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class ExtractLimits:
    """Resource limits for one upload; the defaults match SECURITY.md.

    ``parse_timeout_s`` and ``parse_memory_mb`` bound the sandboxed child that parses a PDF
    or a DOCX file.
    """

    max_bytes: int = 5 * MIB
    max_pdf_pages: int = 50
    # A 50-page CV has a few thousand paragraphs (table cells included).
    max_docx_paragraphs: int = 20_000
    parse_timeout_s: float = 10
    parse_memory_mb: int = 512
    max_zip_entries: int = 200
    max_unpacked_bytes: int = 20 * MIB
    max_text_chars: int = 200_000


def detect_type(data: bytes, filename: str) -> str:
    """Return the file type judged by content, checked against the name's extension.

    Args:
        data: The uploaded bytes.
        filename: The client's file name; only its extension is used.

    Returns:
        "pdf", "docx" or "txt".

    Raises:
        ExtractionError: "empty"; "bad_type" (extension not .pdf/.docx/.txt, or content
            not of that type); "legacy_doc" (a .doc name, or legacy Word content named
            .docx); "macro" (.docm, vbaProject.bin, macro
            content types); "type_mismatch" (valid content of another allowed type);
            "corrupt" (broken zip); "encrypted" (password-protected DOCX);
            "encoding"/"nul" for a .txt that is not UTF-8 text.
    """
    extension = _extension(filename)
    if not data:
        raise ExtractionError("empty", "0 bytes")
    expected = TYPES_BY_EXTENSION[extension]
    found = _sniff(data)
    if found == expected:
        return found
    if found in TYPES_BY_EXTENSION.values():
        raise ExtractionError("type_mismatch", f"{found} content named {extension}")
    if expected == "txt":
        _decode_text(data)  # raises the specific encoding/NUL error
    if expected == "docx" and found == "ole":
        raise ExtractionError("legacy_doc", "OLE2 (legacy .doc) content named .docx")
    raise ExtractionError("bad_type", f"content is not {expected}")


def extract_text(data: bytes, filename: str, limits: ExtractLimits = ExtractLimits()) -> str:
    """Validate an upload and return its text, whitespace-normalised.

    PDFs and DOCX files are opened in the sandboxed child (encryption, page or paragraph
    count, parseability) after the structural checks, and their text is read there.

    Returns:
        NFC text without bidi/zero-width controls, at most ``limits.max_text_chars``
        characters (longer text is cut, not refused).

    Raises:
        ExtractionError: see :func:`detect_type`, plus "too_large", "zip_bomb", "zip_slip",
            "xxe", "truncated", "corrupt", "too_many_pages", "too_many_paragraphs",
            "too_complex", "timeout"; and "no_text" when
            the file holds no text (e.g. a scanned PDF), and "too_little_text" when it holds
            less than :data:`MIN_TEXT_CHARS` characters besides page numbers (»x«, »CV«, a
            scan with only »Side 1«). Both messages depend on the file's type.
    """
    kind = _validate_static(data, filename, limits)
    raw = _run_worker(data, limits, kind) if kind in _SANDBOXED else _decode_text(data)
    text = normalise_text(raw, limits.max_text_chars)
    if not text:
        raise ExtractionError("no_text", f"no text found in {kind}", kind=kind)
    if text_length(text) < MIN_TEXT_CHARS:
        raise ExtractionError("too_little_text", f"{text_length(text)} characters of text in {kind}",
                              kind=kind, min_chars=MIN_TEXT_CHARS)
    return text


def text_length(text: str) -> int:
    """How much text a CV holds: its characters (whitespace runs as one), page-number lines
    (:data:`_PAGE_MARK`) not counted."""
    return len(" ".join(" ".join(line.split()) for line in (text or "").split("\n")
                        if line.strip() and not _PAGE_MARK.match(line.strip())))


_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalise_text(text: str, max_chars: int = ExtractLimits.max_text_chars) -> str:
    """NFC-normalise, drop bidi overrides/zero-width/control characters, tidy whitespace.

    Runs of spaces collapse to one, lines are stripped, and more than one blank line
    collapses to one. The result is cut to ``max_chars``.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:max_chars].rstrip()


def _extension(filename: str) -> str:
    # Browsers may send a full client path ("C:\\fakepath\\cv.pdf").
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = os.path.splitext(name)[1].lower()
    if extension in _MACRO_EXTENSIONS:
        raise ExtractionError("macro", f"macro-enabled extension {extension}")
    if extension in _LEGACY_WORD_EXTENSIONS:
        raise ExtractionError("legacy_doc", f"legacy Word extension {extension}")
    if extension not in TYPES_BY_EXTENSION:
        raise ExtractionError("bad_type", f"extension {extension or '(none)'!r} not allowed")
    return extension


def _sniff(data: bytes) -> str | None:
    """Content type: "pdf", "docx", "txt", "ole" (legacy Office) or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        with _open_zip(data) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                return None
            _check_macros(archive, names)
        return "docx"
    if data.startswith(_OLE_MAGIC):
        # Password-protected DOCX files are OLE2 containers with an EncryptedPackage.
        if _OLE_ENCRYPTED_PACKAGE in data:
            raise ExtractionError("encrypted", "OLE2 EncryptedPackage (protected Office file)")
        return "ole"
    try:
        _decode_text(data)
    except ExtractionError:
        return None
    return "txt"


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ExtractionError("corrupt", f"bad zip: {exc}") from exc


def _check_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    lowered = {name.lower() for name in names}
    if any(n.endswith(("vbaproject.bin", "vbadata.xml")) for n in lowered):
        raise ExtractionError("macro", "zip contains a VBA project")
    info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
    if info is not None and info.file_size <= MIB:
        content_types = _read_entry(archive, info).lower()
        if b"macroenabled" in content_types or b"vbaproject" in content_types:
            raise ExtractionError("macro", "macro-enabled content type")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # zipfile never returns more than the declared file_size, so the size checks hold.
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            OSError) as exc:
        code = "encrypted" if info.flag_bits & 0x1 else "corrupt"
        raise ExtractionError(code, f"unreadable zip entry: {exc}") from exc


def _validate_static(data: bytes, filename: str, limits: ExtractLimits) -> str:
    """All checks that need no PDF parsing; returns the type."""
    _extension(filename)
    if not data:
        raise ExtractionError("empty", "0 bytes")
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            "too_large", f"{len(data)} bytes > {limits.max_bytes}",
            max_mb=f"{limits.max_bytes / MIB:g}",
        )
    kind = detect_type(data, filename)
    if kind == "docx":
        with _open_zip(data) as archive:
            _check_zip_structure(archive, limits)
            _check_no_dtd(archive)
    elif kind == "pdf" and b"%%EOF" not in data[-1024:]:
        # Readers look for %%EOF in the last 1 KiB; without it the file was cut short.
        raise ExtractionError("truncated", "no %%EOF marker at end of PDF")
    return kind


def _check_zip_structure(archive: zipfile.ZipFile, limits: ExtractLimits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        raise ExtractionError("zip_bomb", f"{len(infos)} entries > {limits.max_zip_entries}")
    unpacked = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
            raise ExtractionError("zip_slip", "absolute or parent-relative entry name")
        if info.flag_bits & 0x1:
            raise ExtractionError("encrypted", "encrypted zip entry")
        unpacked += info.file_size
        if unpacked > limits.max_unpacked_bytes:
            raise ExtractionError(
                "zip_bomb", f"unpacked size > {limits.max_unpacked_bytes} bytes"
            )


def _check_no_dtd(archive: zipfile.ZipFile) -> None:
    """Refuse XML parts with a DTD: Word never writes one, XXE payloads need one.

    The sandboxed parser (``_worker.py``) already loads no DTD and resolves no entities;
    this is defence in depth and gives the user a clear message. SVG images are skipped:
    they often carry a harmless DOCTYPE and nothing parses them.
    """
    for info in archive.infolist():
        if info.is_dir() or info.filename.lower().endswith(".svg"):
            continue
        # Dropping NULs also catches UTF-16 encoded XML.
        content = _read_entry(archive, info).replace(b"\x00", b"").lower()
        if content.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").startswith(b"<") and (
            b"<!doctype" in content or b"<!entity" in content
        ):
            raise ExtractionError("xxe", "XML part declares a DTD")


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (b"\x00" in data and _looks_utf16(data)):
        raise ExtractionError("encoding", "UTF-16 text; UTF-8 required")
    if b"\x00" in data:
        raise ExtractionError("nul", "NUL byte in text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionError("encoding", f"not UTF-8 at byte {exc.start}") from exc


def _looks_utf16(data: bytes) -> bool:
    # BOM-less UTF-16 of mostly Latin text: NUL in every other byte.
    sample = data[:2048]
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4


_SANDBOXED = ("pdf", "docx")


def _worker_command(kind: str, limits: ExtractLimits) -> list[str]:
    cpu_s = math.ceil(limits.parse_timeout_s) + 1
    max_parts = limits.max_pdf_pages if kind == "pdf" else limits.max_docx_paragraphs
    return [
        sys.executable, "-I", str(_WORKER), kind, str(max_parts),
        str(limits.max_text_chars), str(limits.parse_memory_mb), str(cpu_s),
    ]


def _run_worker(data: bytes, limits: ExtractLimits, kind: str) -> str:
    """Run the sandboxed parser child for ``kind``; return its text or raise its error code.

    Raises:
        ExtractionError: the file was refused or could not be parsed in time/memory.
        RuntimeError: the worker itself cannot run (deployment fault, not a bad file).
    """
    import json

    label = kind.upper()
    # New session, so a timeout kills the whole process group and leaves no orphans.
    process = subprocess.Popen(
        _worker_command(kind, limits), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        out, _ = process.communicate(data, timeout=limits.parse_timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise ExtractionError("timeout", f"{label} parsing exceeded {limits.parse_timeout_s} s") from None
    if process.returncode == -signal.SIGXCPU:
        raise ExtractionError("timeout", f"{label} parsing exceeded its CPU limit")
    try:
        result = json.loads(out)
    except ValueError:
        raise ExtractionError(
            "too_complex", f"{label} worker died (exit {process.returncode})"
        ) from None
    if not result["ok"]:
        code = result["code"]
        if code == "worker_error":  # our fault (e.g. the parser missing), not the user's file
            raise RuntimeError(f"{label} worker cannot run: {result['detail']}")
        raise ExtractionError(code, result["detail"], max_pages=limits.max_pdf_pages,
                              max_paragraphs=limits.max_docx_paragraphs)
    return result["text"]


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()
    # A communicate() that timed out while still writing the file leaves stdin open, and the
    # second call (no input) does not close it: one leaked descriptor per timeout.
    if process.stdin is not None and not process.stdin.closed:
        try:
            process.stdin.close()
        except BrokenPipeError:
            pass
