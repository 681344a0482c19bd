"""Sandboxed PDF and DOCX text extraction, run as a child process by :mod:`cvtext.extract`.

Protocol: ``python -I _worker.py KIND MAX_PARTS MAX_CHARS MEMORY_MB CPU_S`` with the file's
bytes on stdin. KIND is ``pdf`` or ``docx``; MAX_PARTS is the page limit of a PDF or the
paragraph limit of a DOCX. The file is opened, checked (encryption, size) and its text
extracted. Exactly one JSON object is written to stdout:
``{"ok": true, "text": str, "parts": int}`` or ``{"ok": false, "code": str, "detail": str}``.

The parser (pypdf, or lxml for DOCX) is imported first (trusted code), then the resource
limits are set, then the file is read: a hostile file meets the limits from its first byte,
and a broken installation shows up as code ``worker_error`` (a server fault) rather than as
a bad file. This file imports only the standard library and the parser (it runs in isolated
mode, without our packages on ``sys.path``) so the child starts in ~0.1 s.

DOCX is read with plain lxml, not python-docx: python-docx builds a Python proxy for every
element it walks, which made a 59 KB file of 585,968 empty paragraphs cost 6.5 s of a web
worker. Here the same file is refused after parsing (paragraph limit), and whatever else is
slow meets the time limit. Both WordprocessingML namespaces are read: the usual
(transitional) one and ISO Strict (Word's »Strict Open XML-dokument«). Besides the document
part, the headers and footers (``word/header*.xml``, ``word/footer*.xml``) are read: a CV
whose name and contact line sit in the header is common; their text comes first (headers)
and last (footers), each distinct part once, and their paragraphs count towards the limit.
"""

from __future__ import annotations

import json
import resource
import sys

# WordprocessingML: transitional (what Word saves by default) and ISO Strict.
_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
               "http://purl.oclc.org/ooxml/wordprocessingml/main")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADER_FOOTER = ("word/header", "word/footer")


def _tags(element) -> tuple[str, str, str, tuple[str, str]]:
    """The paragraph, text, tab and break tags in ``element``'s own namespace."""
    w = "{" + element.tag[1:].split("}", 1)[0] + "}"
    return f"{w}p", f"{w}t", f"{w}tab", (f"{w}br", f"{w}cr")


def _limit_resources(memory_mb: int, cpu_s: int) -> None:
    """Cap address space and CPU time of this process (Linux rlimits)."""
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # CPU cap backs up the parent's wall-clock timeout in case the parent dies.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _fail(code: str, detail: str) -> dict[str, object]:
    return {"ok": False, "code": code, "detail": detail[:200]}


def _open_pdf(data: bytes):  # -> PdfReader | dict
    import io

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except PdfReadError as exc:
        code = "truncated" if "EOF" in str(exc) else "corrupt"
        return _fail(code, f"{type(exc).__name__}: {exc}")
    except DependencyError as exc:  # AES without the cryptography package
        return _fail("encrypted", f"cannot decrypt: {exc}")
    # An empty user password (owner-only restrictions, common in exported CVs) is fine.
    try:
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return _fail("encrypted", "password protected")
    except DependencyError as exc:  # AES without the cryptography package
        return _fail("encrypted", f"cannot decrypt: {exc}")
    return reader


def _pdf(data: bytes, max_pages: int, max_chars: int) -> dict[str, object]:
    reader = _open_pdf(data)
    if isinstance(reader, dict):
        return reader
    pages = len(reader.pages)
    if pages > max_pages:
        return _fail("too_many_pages", f"{pages} pages > {max_pages}")
    parts: list[str] = []
    total = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        total += len(text)
        if total >= max_chars:  # stop early: the parent truncates anyway
            break
    return {"ok": True, "text": "\n\n".join(parts), "parts": pages}


def _docx(data: bytes, max_paragraphs: int, _max_chars: int) -> dict[str, object]:
    body = docx_body(data)
    if isinstance(body, dict):
        return body
    headers, footers = docx_headers_footers(data)
    if isinstance(headers, dict):
        return headers
    paragraphs = 0
    for part in (*headers, body, *footers):
        for _ in part.iter(_tags(part)[0]):
            paragraphs += 1
            if paragraphs > max_paragraphs:
                return _fail("too_many_paragraphs", f"more than {max_paragraphs} paragraphs")
    texts = [docx_text(part) for part in (*headers, body, *footers)]
    return {"ok": True, "text": "\n".join(dict.fromkeys(t for t in texts if t.strip())),
            "parts": paragraphs}


def _parse_part(archive, name: str):  # -> lxml element | dict
    """One XML part of the zip, parsed without DTDs, entities or network."""
    import zipfile
    import zlib

    from lxml import etree

    try:
        xml = archive.read(name)
    except (zipfile.BadZipFile, KeyError, zlib.error, NotImplementedError, RuntimeError,
            EOFError, OSError) as exc:
        return _fail("corrupt", f"unreadable document part: {type(exc).__name__}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        # libxml2 hitting the address-space cap says so, or reports no message at all.
        if "Memory allocation failed" in str(exc) or str(exc).startswith("unknown error"):
            return _fail("too_complex", f"memory limit reached (libxml2: {exc})")
        return _fail("corrupt", f"XMLSyntaxError: {exc}")


def _open_archive(data: bytes):  # -> ZipFile | dict
    import io
    import zipfile

    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return _fail("corrupt", f"unreadable zip: {type(exc).__name__}")


def docx_body(data: bytes):  # -> lxml element | dict
    """The ``w:body`` of the main document part (transitional or Strict namespace)."""
    archive = _open_archive(data)
    if isinstance(archive, dict):
        return archive
    with archive:
        root = _parse_part(archive, "word/document.xml")
    if isinstance(root, dict):
        return root
    body = next((root.find(f"{{{ns}}}body") for ns in _NAMESPACES
                 if root.find(f"{{{ns}}}body") is not None), None)
    return body if body is not None else _fail("corrupt", "no w:body in the document part")


def docx_headers_footers(data: bytes):  # -> (list, list) | (dict, None)
    """The root elements (``w:hdr``, ``w:ftr``) of the headers and of the footers, in part-name
    order; parts in neither WordprocessingML namespace are skipped."""
    import re

    archive = _open_archive(data)
    if isinstance(archive, dict):
        return archive, None
    found: dict[str, list] = {prefix: [] for prefix in _HEADER_FOOTER}
    with archive:
        names = sorted((n for n in archive.namelist() if re.fullmatch(r"word/(?:header|footer)\d*\.xml", n)),
                       key=lambda n: (len(n), n))
        for name in names:
            root = _parse_part(archive, name)
            if isinstance(root, dict):
                return root, None
            if root.tag[1:].split("}", 1)[0] in _NAMESPACES:
                found[name[:11]].append(root)  # "word/header" or "word/footer"
    return found["word/header"], found["word/footer"]


def docx_text(body) -> str:
    """Text of the body in document order (paragraphs, tables, text boxes), one line per
    paragraph. The parent normalises whitespace and cuts to its character limit."""
    lines: list[str] = []
    for p in body.iter(_tags(body)[0]):
        # Text boxes appear twice (mc:Choice and mc:Fallback); keep one copy.
        if next(p.iterancestors(_FALLBACK), None) is None:
            lines.append(_paragraph_text(p))
    return "\n".join(lines)


def _paragraph_text(p) -> str:
    """Own text of one w:p, including runs inside hyperlinks, content controls and
    insertions, excluding nested text boxes (their paragraphs are visited on their own)."""
    paragraph, text, tab, breaks = _tags(p)
    parts = []
    for element in p.iter(text, tab, *breaks):
        if next(element.iterancestors(paragraph)) is not p:
            continue
        if element.tag == text:
            parts.append(element.text or "")
        else:
            parts.append("\t" if element.tag == tab else "\n")
    return "".join(parts)


_PARSERS = {"pdf": _pdf, "docx": _docx}


def _load_parser(kind: str) -> None:
    """Import the parser before the limits, so they only meet the file."""
    if kind == "pdf":
        import logging

        import pypdf  # noqa: F401

        # pypdf logs recoverable oddities to stderr; the parent ignores stderr anyway.
        logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    else:
        import io  # noqa: F401
        import re  # noqa: F401
        import zipfile  # noqa: F401

        from lxml import etree  # noqa: F401


def _classify(kind: str, exc: Exception) -> dict[str, object]:
    """A parser exception as a bad-file result (never a crash of the worker)."""
    if kind == "pdf":
        from pypdf.errors import DependencyError, LimitReachedError

        if isinstance(exc, LimitReachedError):
            return _fail("too_complex", f"LimitReachedError: {exc}")
        if isinstance(exc, DependencyError):
            return _fail("encrypted", f"cannot decrypt: {exc}")
    return _fail("corrupt", f"{type(exc).__name__}: {exc}")


def main(argv: list[str]) -> int:
    """Run one extraction; always exit 0 after writing a JSON result if at all possible."""
    kind = argv[1]
    max_parts, max_chars, memory_mb, cpu_s = map(int, argv[2:6])
    try:
        _load_parser(kind)
    except ImportError as exc:
        sys.stdout.write(json.dumps(_fail("worker_error", f"{type(exc).__name__}: {exc}")))
        return 0
    _limit_resources(memory_mb, cpu_s)
    data = sys.stdin.buffer.read()
    try:
        result = _PARSERS[kind](data, max_parts, max_chars)
    except (MemoryError, ImportError) as exc:
        # The parser is loaded already; a late (lazy) import failing means mmap hit the cap.
        result = _fail("too_complex", f"memory limit reached ({type(exc).__name__})")
    except RecursionError:
        result = _fail("corrupt", "recursion limit reached")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file, not a crash
        result = _classify(kind, exc)
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
