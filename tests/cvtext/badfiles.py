"""Generators for good and hostile upload files, built in code at test time.

No binary fixtures are committed: every file here is made from pypdf, python-docx and
zipfile so a reader can see exactly what each bad file contains.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping

from docx import Document
from pypdf import PdfReader, PdfWriter

CV_HEADLINE = "Lagermedarbejder med truckcertifikat"
CV_LINES = (CV_HEADLINE, "Kørekort B, erfaring fra Århus Havn", "Sprog: dansk, engelsk")
MIB = 1024 * 1024


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")  # matches /WinAnsiEncoding below, so æøå survive
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content_stream(lines: Iterable[str]) -> bytes:
    shown = b" ".join(_pdf_string(line) + b" Tj T*" for line in lines)
    return b"BT /F1 11 Tf 14 TL 72 780 Td " + shown + b" ET"


def make_pdf(pages: Iterable[Iterable[str]], *, extra_stream: bytes | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica text page per item of ``pages``.

    ``extra_stream``, if given, is a raw FlateDecode stream appended as a second content
    stream of the first page (used for the decompression bomb).
    """
    pages = [list(lines) for lines in pages]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # page tree, filled in below once page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for index, lines in enumerate(pages):
        content = _content_stream(lines)
        page_no, content_no = len(objects) + 1, len(objects) + 2
        contents = f"{content_no} 0 R"
        if extra_stream is not None and index == 0:
            contents = f"[{content_no} 0 R {content_no + 2} 0 R]"
        kids.append(f"{page_no} 0 R")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents " + contents.encode() + b" >>"
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        if extra_stream is not None and index == 0:
            objects.append(b"<< >>")  # placeholder keeps numbering simple
            objects.append(
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
                % (len(extra_stream), extra_stream)
            )
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return _serialise_pdf(objects)


def _serialise_pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref,
    )
    return bytes(out)


def cv_pdf() -> bytes:
    return make_pdf([CV_LINES])


def encrypted_pdf(user_password: str = "hemmelig", owner_password: str | None = None) -> bytes:
    """RC4-128: pypdf encrypts and decrypts it without the cryptography package."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(cv_pdf())))
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated_pdf() -> bytes:
    data = make_pdf([CV_LINES] * 3)
    return data[: len(data) // 2]


def deflate_bomb_pdf(unpacked_mb: int = 100) -> bytes:
    """A page whose second content stream inflates to ``unpacked_mb`` MiB of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * MIB
    stream = b"".join(compressor.compress(chunk) for _ in range(unpacked_mb))
    return make_pdf([CV_LINES], extra_stream=stream + compressor.flush())


def random_bytes(size: int = 4096) -> bytes:
    return random.Random(20261123).randbytes(size)


def cv_docx(paragraphs: Iterable[str] = CV_LINES, table: list[list[str]] | None = None) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewrite_zip(
    data: bytes,
    *,
    replace: Mapping[str, bytes] | None = None,
    add: Mapping[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """Copy a zip, replacing some entries' contents and appending new entries."""
    replace, add = dict(replace or {}), dict(add or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, None) or source.read(info))
        for name, content in {**replace, **add}.items():
            target.writestr(name, content)
    return out.getvalue()


def document_xml(base: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        return archive.read("word/document.xml")


def zip_bomb_docx(unpacked_mb: int = 21) -> bytes:
    return rewrite_zip(cv_docx(), add={"word/media/padding.bin": b"\0" * (unpacked_mb * MIB)})


def many_entries_docx(count: int = 201) -> bytes:
    return rewrite_zip(cv_docx(), add={f"word/parts/item{i}.xml": b"<a/>" for i in range(count)})


def zip_slip_docx(name: str = "../../../etc/cron.d/jobbro") -> bytes:
    return rewrite_zip(cv_docx(), add={name: b"* * * * * root true\n"})


def xxe_docx(target_path: str, *, utf16: bool = False) -> bytes:
    """document.xml with an external entity pointing at a local file, used in a w:t."""
    xml = document_xml(cv_docx(["PLACEHOLDER"])).decode("utf-8")
    head, _, rest = xml.partition("?>")
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{target_path}">]>'
    xml = head + "?>" + doctype + rest.replace("PLACEHOLDER", "Navn: &xxe;")
    payload = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16") if utf16 \
        else xml.encode("utf-8")
    return rewrite_zip(cv_docx(["PLACEHOLDER"]), replace={"word/document.xml": payload})


def vba_docx() -> bytes:
    return rewrite_zip(cv_docx(), add={"word/vbaProject.bin": b"\xcc" * 512})


def macro_content_type_docx() -> bytes:
    base = cv_docx()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml")
    macro = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert macro != types, "python-docx changed its content types; update this generator"
    return rewrite_zip(base, replace={"[Content_Types].xml": macro})


def legacy_doc() -> bytes:
    """Starts like an OLE2 compound file (old binary .doc)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le")


def encrypted_docx() -> bytes:
    """Password-protected Office files are OLE2 containers with an EncryptedPackage stream."""
    return legacy_doc() + "EncryptedPackage".encode("utf-16-le") + random_bytes(256)


def xlsx_like_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def docx_with_body_xml(fragment: str) -> bytes:
    """A python-docx document with raw WordprocessingML inserted at the end of the body."""
    base = cv_docx(["Første afsnit"])
    xml = document_xml(base).decode("utf-8")
    head, sep, tail = xml.rpartition("<w:sectPr")
    assert sep, "python-docx changed document.xml; update this generator"
    return rewrite_zip(base, replace={"word/document.xml": (head + fragment + sep + tail).encode()})


def many_paragraphs_docx(count: int) -> bytes:
    """A small zip of ``count`` empty paragraphs (plus the base document's one): cheap to
    store, expensive to walk element by element."""
    return docx_with_body_xml("<w:p/>" * (count - 1))


MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
TEXT_BOX_AND_CONTENT_CONTROLS = f"""
<w:p><w:r><mc:AlternateContent xmlns:mc="{MC_NS}">
  <mc:Choice Requires="wps"><w:drawing><w:txbxContent>
    <w:p><w:r><w:t>Tekstboks: kontaktoplysninger</w:t></w:r></w:p>
  </w:txbxContent></w:drawing></mc:Choice>
  <mc:Fallback><w:pict><w:txbxContent>
    <w:p><w:r><w:t>Tekstboks: kontaktoplysninger</w:t></w:r></w:p>
  </w:txbxContent></w:pict></mc:Fallback>
</mc:AlternateContent></w:r><w:r><w:t>Efter boksen</w:t></w:r></w:p>
<w:sdt><w:sdtContent><w:p><w:r><w:t>Jobmål: truckfører</w:t></w:r></w:p></w:sdtContent></w:sdt>
<w:p><w:sdt><w:sdtContent><w:r><w:t>Felt i indholdskontrol</w:t></w:r></w:sdtContent></w:sdt>
<w:ins w:id="1" w:author="x"><w:r><w:t xml:space="preserve"> med rettelse</w:t></w:r></w:ins></w:p>
"""


def lying_size_docx(unpacked_mb: int = 30) -> bytes:
    """A zip bomb whose central directory understates document.xml's size as 1 KiB."""
    base = cv_docx()
    xml = document_xml(base)
    padded = xml.replace(b"</w:body>", b" " * (unpacked_mb * MIB) + b"</w:body>")
    data = bytearray(rewrite_zip(base, replace={"word/document.xml": padded}))
    name = b"word/document.xml"
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46: at + 46 + name_length]) == name:
            struct.pack_into("<I", data, at + 24, 1024)  # uncompressed size field
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def corrupt_deflate_docx() -> bytes:
    """document.xml's compressed bytes overwritten: inflating it fails with zlib.error."""
    data = bytearray(cv_docx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5: start + info.compress_size - 5] = b"\xff" * (info.compress_size - 10)
    return bytes(data)
