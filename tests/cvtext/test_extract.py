"""Upload validation and CV text extraction: hostile files are refused clearly, good ones read."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cvtext import _worker, extract
from cvtext.extract import (
    ExtractionError,
    ExtractLimits,
    detect_type,
    extract_text,
    normalise_text,
)
from tests.cvtext import badfiles

MIB = 1024 * 1024

# (maker, filename, expected code, a word the Danish message must contain)
BAD_FILES = [
    pytest.param(lambda: b"", "cv.pdf", "empty", "tom", id="0-bytes"),
    pytest.param(lambda: b"a" * (5 * MIB + 1), "cv.txt", "too_large", "5 MB", id="limit+1"),
    pytest.param(badfiles.cv_docx, "cv.pdf", "type_mismatch", "filnavnet", id="docx-named-pdf"),
    pytest.param(badfiles.cv_pdf, "cv.docx", "type_mismatch", "filnavnet", id="pdf-named-docx"),
    pytest.param(badfiles.cv_pdf, "cv.txt", "type_mismatch", "filnavnet", id="pdf-named-txt"),
    pytest.param(badfiles.zip_bomb_docx, "cv.docx", "zip_bomb", "pakkes ud", id="zip-bomb"),
    pytest.param(badfiles.lying_size_docx, "cv.docx", "corrupt", "beskadiget",
                 id="zip-bomb-lying-size-header"),
    pytest.param(badfiles.corrupt_deflate_docx, "cv.docx", "corrupt", "beskadiget",
                 id="docx-corrupt-deflate"),
    pytest.param(badfiles.many_entries_docx, "cv.docx", "zip_bomb", "dele", id="zip-201-entries"),
    pytest.param(badfiles.zip_slip_docx, "cv.docx", "zip_slip", "filnavne", id="zip-slip-dotdot"),
    pytest.param(lambda: badfiles.zip_slip_docx("/etc/passwd"), "cv.docx", "zip_slip",
                 "filnavne", id="zip-slip-absolute"),
    pytest.param(lambda: badfiles.zip_slip_docx("C:\\Windows\\evil.dll"), "cv.docx",
                 "zip_slip", "filnavne", id="zip-slip-drive"),
    pytest.param(lambda: badfiles.xxe_docx("/etc/hostname"), "cv.docx", "xxe", "XML", id="xxe"),
    pytest.param(badfiles.cv_docx, "cv.docm", "macro", "makroer", id="docm-name"),
    pytest.param(badfiles.vba_docx, "cv.docx", "macro", "makroer", id="vbaProject.bin"),
    pytest.param(badfiles.macro_content_type_docx, "cv.docx", "macro", "makroer",
                 id="macro-content-type"),
    pytest.param(badfiles.encrypted_pdf, "cv.pdf", "encrypted", "adgangskode", id="encrypted-pdf"),
    pytest.param(badfiles.encrypted_docx, "cv.docx", "encrypted", "adgangskode",
                 id="encrypted-docx"),
    pytest.param(badfiles.truncated_pdf, "cv.pdf", "truncated", "ufuldstændig", id="truncated-pdf"),
    pytest.param(lambda: "Lagermedarbejder æøå".encode("utf-16"), "cv.txt", "encoding", "UTF-8",
                 id="utf16-bom"),
    pytest.param(lambda: "Lagermedarbejder".encode("utf-16-le"), "cv.txt", "encoding", "UTF-8",
                 id="utf16-no-bom"),
    pytest.param(lambda: "Lagermedarbejder æøå".encode("cp1252"), "cv.txt", "encoding", "UTF-8",
                 id="windows-1252"),
    pytest.param(lambda: b"Lagermedarbejder\x00med truck", "cv.txt", "nul", "binære", id="nul"),
    pytest.param(badfiles.random_bytes, "cv.pdf", "bad_type", "PDF", id="random-bytes-pdf"),
    pytest.param(badfiles.xlsx_like_zip, "cv.docx", "bad_type", ".docx", id="zip-not-word"),
    pytest.param(badfiles.legacy_doc, "cv.docx", "legacy_doc", ".doc", id="legacy-doc"),
    pytest.param(badfiles.cv_pdf, "cv.exe", "bad_type", "Filtypen", id="exe-extension"),
    pytest.param(badfiles.cv_pdf, "cv", "bad_type", "Filtypen", id="no-extension"),
    pytest.param(lambda: badfiles.many_paragraphs_docx(20_001), "cv.docx", "too_many_paragraphs",
                 "højst have 20000 afsnit", id="docx-paragraph-limit+1"),
    pytest.param(lambda: badfiles.docx_with_body_xml("<w:p>"), "cv.docx", "corrupt", "beskadiget",
                 id="docx-malformed-xml"),
    pytest.param(lambda: b"PK\x03\x04" + badfiles.random_bytes(200), "cv.docx", "corrupt",
                 "beskadiget", id="broken-zip"),
    pytest.param(lambda: badfiles.make_pdf([[]]), "cv.pdf", "no_text", "scannet",
                 id="pdf-without-text"),
    pytest.param(lambda: " \n\t\u200b\n".encode(), "cv.txt", "no_text", "tekst",
                 id="only-whitespace"),
]


@pytest.mark.parametrize(("make", "filename", "code", "danish"), BAD_FILES)
def test_bad_upload_is_refused_with_code_and_danish_message(make, filename, code, danish):
    data = make()
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, filename)
    assert caught.value.code == code
    assert danish in caught.value.message_da
    assert str(caught.value).startswith(f"{code}: ")
    assert isinstance(caught.value, ValueError)


def test_exactly_max_bytes_is_accepted_and_text_is_cut_to_max_chars():
    data = ("Truckfører " * (5 * MIB // 11 + 1)).encode()[: 5 * MIB]
    assert len(data) == 5 * MIB
    text = extract_text(data, "cv.txt", ExtractLimits(max_text_chars=1000))
    assert len(text) <= 1000
    assert text.startswith("Truckfører Truckfører")


def test_errors_never_echo_file_name_or_contents():
    marker = "Jensen-2903851234"
    cases = [
        (f"{marker}\x00".encode(), f"{marker}.txt"),
        (f"%PDF-1.4 {marker}".encode(), f"{marker}.pdf"),
        (badfiles.cv_docx([marker]), f"{marker}.pdf"),
    ]
    for data, filename in cases:
        with pytest.raises(ExtractionError) as caught:
            extract_text(data, filename)
        assert marker not in str(caught.value)
        assert marker not in caught.value.message_da


@pytest.mark.parametrize("utf16", [False, True], ids=["utf8-xml", "utf16-xml"])
def test_xxe_is_refused_without_reading_the_target(tmp_path: Path, utf16: bool):
    secret = tmp_path / "secret.txt"
    secret.write_text("HEMMELIG-MARKOR-7731")
    with pytest.raises(ExtractionError) as caught:
        extract_text(badfiles.xxe_docx(str(secret), utf16=utf16), "cv.docx")
    assert caught.value.code == "xxe"
    assert "HEMMELIG-MARKOR-7731" not in str(caught.value) + caught.value.message_da


def test_docx_parser_itself_does_not_resolve_external_entities(tmp_path: Path):
    # Defence in depth: even past the DTD check, the XML parser must not fetch the file.
    secret = tmp_path / "secret.txt"
    secret.write_text("HEMMELIG-MARKOR-7731")
    text = _worker.docx_text(_worker.docx_body(badfiles.xxe_docx(str(secret))))
    assert "Navn:" in text
    assert "HEMMELIG-MARKOR-7731" not in text


@pytest.mark.parametrize(("make", "filename"), [(badfiles.cv_pdf, "cv.pdf"), (badfiles.cv_docx, "cv.docx")],
                         ids=["pdf", "docx"])
def test_timeout_kills_a_hanging_parser(hanging_worker: Path, make, filename):
    # DOCX included: a DOCX parsed in the web worker itself would never meet this stand-in.
    started = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        extract_text(make(), filename, ExtractLimits(parse_timeout_s=2))
    # The stand-in would hang for 60 s; returning well before means it was killed.
    assert time.monotonic() - started < 30
    assert caught.value.code == "timeout"
    assert "lang tid" in caught.value.message_da
    pid = int(hanging_worker.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped: no orphan left behind
        os.kill(pid, 0)


@pytest.mark.parametrize(("make", "filename"), [(badfiles.cv_pdf, "cv.pdf"), (badfiles.cv_docx, "cv.docx")],
                         ids=["pdf", "docx"])
def test_timeout_applies_to_the_real_worker(make, filename):
    with pytest.raises(ExtractionError) as caught:
        extract_text(make(), filename, ExtractLimits(parse_timeout_s=0.001))
    assert caught.value.code == "timeout"


def test_a_timeout_while_the_file_is_still_being_sent_leaves_no_pipe_open():
    """4 MB and a 1 ms limit: the child is killed before it has read the file."""
    import gc
    import warnings

    data = b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024)
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(ExtractionError) as caught:
            extract._run_worker(data, ExtractLimits(parse_timeout_s=0.001), "pdf")
        gc.collect()
    assert caught.value.code == "timeout"
    assert [w for w in caught_warnings if issubclass(w.category, ResourceWarning)] == []


def test_docx_of_half_a_million_empty_paragraphs_is_refused_quickly():
    # The security finding: 59 KB, 585,968 paragraphs, 6.5 s of a web worker when python-docx
    # walked it in-process. Now the sandbox refuses it by count right after parsing.
    data = badfiles.many_paragraphs_docx(585_968)
    assert len(data) < 64 * 1024
    started = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, "cv.docx")
    assert time.monotonic() - started < 8  # typically 0.5 s; the 6.5 s walk plus the parse would be far longer
    assert caught.value.code == "too_many_paragraphs"
    assert "for mange afsnit" in caught.value.message_da


def test_docx_without_a_paragraph_limit_still_meets_the_time_and_memory_limits():
    data = badfiles.many_paragraphs_docx(585_968)
    with pytest.raises(ExtractionError) as caught:  # the walk takes seconds without the limit
        extract_text(data, "cv.docx", ExtractLimits(max_docx_paragraphs=10**7, parse_timeout_s=0.5))
    assert caught.value.code == "timeout"
    # The same 64 MB cap still reads a normal CV, so the refusal is the cap at work.
    small = ExtractLimits(max_docx_paragraphs=10**7, parse_memory_mb=64)
    assert badfiles.CV_HEADLINE in extract_text(badfiles.cv_docx(), "cv.docx", small)
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, "cv.docx", small)
    assert caught.value.code == "too_complex"


def test_docx_at_the_paragraph_limit_is_read():
    data = badfiles.docx_with_body_xml("<w:p><w:r><w:t>Afsnit</w:t></w:r></w:p>" * 9)
    limits = ExtractLimits(max_docx_paragraphs=10)  # 9 + the base document's one paragraph
    assert extract_text(data, "cv.docx", limits).count("Afsnit") == 9
    with pytest.raises(ExtractionError) as caught:
        extract_text(badfiles.docx_with_body_xml("<w:p/>" * 10), "cv.docx", limits)
    assert caught.value.code == "too_many_paragraphs"


def test_pdf_memory_limit_is_enforced_in_the_child(deflate_bomb_pdf: bytes):
    # pypdf's own cap on inflated streams is 75 MB; a 64 MB address space runs out first.
    # The same limit still reads a normal CV, so the refusal is the cap at work.
    limits = ExtractLimits(parse_memory_mb=64)
    assert badfiles.CV_HEADLINE in extract_text(badfiles.cv_pdf(), "cv.pdf", limits)
    with pytest.raises(ExtractionError) as caught:
        extract_text(deflate_bomb_pdf, "cv.pdf", limits)
    assert caught.value.code == "too_complex"
    assert "memory limit" in str(caught.value)


def test_pdf_decompression_bomb_is_refused_under_default_limits(deflate_bomb_pdf: bytes):
    with pytest.raises(ExtractionError) as caught:
        extract_text(deflate_bomb_pdf, "cv.pdf")
    assert caught.value.code == "too_complex"


@pytest.mark.parametrize(("make", "filename", "label"),
                         [(badfiles.cv_pdf, "cv.pdf", "PDF"), (badfiles.cv_docx, "cv.docx", "DOCX")],
                         ids=["pdf", "docx"])
def test_broken_worker_install_is_a_server_error_not_a_bad_file(monkeypatch, make, filename, label):
    real_command = extract._worker_command

    def without_site_packages(kind: str, limits: ExtractLimits) -> list[str]:
        command = real_command(kind, limits)
        return [command[0], "-S", *command[1:]]  # -S: neither pypdf nor lxml is importable

    monkeypatch.setattr(extract, "_worker_command", without_site_packages)
    with pytest.raises(RuntimeError, match=f"{label} worker cannot run") as caught:
        extract_text(make(), filename)
    assert not isinstance(caught.value, ExtractionError)


def test_pdf_page_limit():
    limits = ExtractLimits(max_pdf_pages=3)
    page = ["Lagermedarbejder med truckcertifikat"]
    assert extract_text(badfiles.make_pdf([page] * 3), "cv.pdf", limits).count("Lagermedarbejder") == 3
    with pytest.raises(ExtractionError) as caught:
        extract_text(badfiles.make_pdf([page] * 4), "cv.pdf", limits)
    assert caught.value.code == "too_many_pages"
    assert "højst have 3 sider" in caught.value.message_da


def test_pdf_with_danish_text_is_read():
    text = extract_text(badfiles.cv_pdf(), "CV Jens.PDF")
    assert badfiles.CV_HEADLINE in text
    assert "Kørekort B, erfaring fra Århus Havn" in text


def test_multi_page_pdf_keeps_page_order():
    text = extract_text(badfiles.make_pdf([["Side én"], ["Side to"], ["Side tre"]]), "cv.pdf")
    assert text.index("Side én") < text.index("Side to") < text.index("Side tre")


def test_pdf_restricted_only_by_owner_password_is_read():
    data = badfiles.encrypted_pdf(user_password="", owner_password="ejer")
    assert badfiles.CV_HEADLINE in extract_text(data, "cv.pdf")


def test_docx_paragraphs_and_tables_are_read():
    data = badfiles.cv_docx(table=[["Truckcertifikat", "2019"], ["Førstehjælp", "2021"]])
    text = extract_text(data, "cv.docx")
    assert text.splitlines()[:2] == [badfiles.CV_HEADLINE, "Kørekort B, erfaring fra Århus Havn"]
    assert "Truckcertifikat" in text and "Førstehjælp" in text


def test_docx_text_boxes_once_and_content_controls_included():
    data = badfiles.docx_with_body_xml(badfiles.TEXT_BOX_AND_CONTENT_CONTROLS)
    text = extract_text(data, "cv.docx")
    assert text.count("Tekstboks: kontaktoplysninger") == 1
    assert "Efter boksen" in text
    assert "Jobmål: truckfører" in text
    assert "Felt i indholdskontrol med rettelse" in text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"], ids=["no-bom", "bom"])
def test_utf8_text_is_read(encoding: str):
    data = "Lagermedarbejder med truckcertifikat\r\nÆrø, Søby, Åbenrå\r\n".encode(encoding)
    assert extract_text(data, "cv.txt") == "Lagermedarbejder med truckcertifikat\nÆrø, Søby, Åbenrå"


def test_bidi_zero_width_and_control_characters_are_stripped():
    hostile = "Lager\u200bmedarbejder \u202egninrot\u202c\u2066x\u2069 bla\u030ab\u0007 \ufeffend"
    assert extract_text(hostile.encode(), "cv.txt") == "Lagermedarbejder gninrotx blåb end"


def test_normalise_text_collapses_whitespace_and_keeps_paragraphs():
    raw = "  Jobmål:\t truckfører \u00a0 \n\n\n\n  Erfaring:  lager  \n"
    assert normalise_text(raw) == "Jobmål: truckfører\n\nErfaring: lager"


def test_normalise_text_handles_a_million_characters():
    assert len(normalise_text("ø" * 1_000_000, max_chars=200_000)) == 200_000


@pytest.mark.parametrize(("make", "filename", "kind"), [
    (badfiles.cv_pdf, "cv.pdf", "pdf"),
    (badfiles.cv_pdf, "C:\\fakepath\\CV.PDF", "pdf"),
    (badfiles.cv_docx, "mit cv.docx", "docx"),
    (lambda: "Lagermedarbejder".encode(), "cv.txt", "txt"),
])
def test_type_is_detected_by_content(make, filename, kind):
    assert detect_type(make(), filename) == kind


# Review AJ 4 and 9: too little text, Strict OOXML, headers and footers, .doc, messages by type.
TRANSITIONAL = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT = b"http://purl.oclc.org/ooxml/wordprocessingml/main"


def _docx_with_header_and_footer(body: list[str], header: str = "", footer: str = "") -> bytes:
    import io

    from docx import Document

    document = Document()
    for text in body:
        document.add_paragraph(text)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _as_strict(data: bytes) -> bytes:
    """``data`` with every WordprocessingML part in the ISO Strict namespace (as Word's
    »Strict Open XML-dokument« saves it)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()
                 if name.endswith(".xml") and TRANSITIONAL in archive.read(name)}
    return badfiles.rewrite_zip(data, replace={name: xml.replace(TRANSITIONAL, STRICT)
                                               for name, xml in parts.items()})


def test_strict_ooxml_docx_is_read():
    data = _as_strict(_docx_with_header_and_footer(list(badfiles.CV_LINES), header="Anna Hansen, CV"))
    assert STRICT in badfiles.document_xml(data) and TRANSITIONAL not in badfiles.document_xml(data)
    text = extract_text(data, "cv.docx")
    assert badfiles.CV_HEADLINE in text and "Anna Hansen, CV" in text


def test_docx_header_and_footer_text_is_read_in_page_order():
    data = _docx_with_header_and_footer(["Erfaring: lager og truck i ti år"], header="Anna Hansen – CV",
                                        footer="Referencer gives på forespørgsel")
    assert extract_text(data, "cv.docx").splitlines() == [
        "Anna Hansen – CV", "Erfaring: lager og truck i ti år", "Referencer gives på forespørgsel"]


def test_docx_with_text_only_in_the_header_is_read():
    data = _docx_with_header_and_footer([], header="Lagermedarbejder med truckcertifikat, Horsens")
    assert extract_text(data, "cv.docx") == "Lagermedarbejder med truckcertifikat, Horsens"


def test_docx_without_text_gets_a_word_message_not_a_scanned_pdf_one():
    with pytest.raises(ExtractionError) as caught:
        extract_text(_docx_with_header_and_footer([]), "cv.docx")
    assert caught.value.code == "no_text"
    assert "Word-filen" in caught.value.message_da and "PDF" not in caught.value.message_da


@pytest.mark.parametrize("name", ["cv.doc", "CV.DOC", "skabelon.dot"])
def test_a_doc_file_gets_the_save_as_docx_advice(name):
    with pytest.raises(ExtractionError) as caught:
        extract_text(badfiles.legacy_doc(), name)
    assert caught.value.code == "legacy_doc" and "Gem dokumentet som .docx" in caught.value.message_da


@pytest.mark.parametrize(("make", "filename", "scanned"), [
    pytest.param(lambda: b"x", "cv.txt", False, id="one-letter"),
    pytest.param(lambda: b"CV", "cv.txt", False, id="cv"),
    pytest.param(lambda: "Side 1\n\nSide 2 af 2".encode(), "cv.txt", False, id="page-numbers-only"),
    pytest.param(lambda: badfiles.make_pdf([["Side 1"]]), "cv.pdf", True, id="scan-with-page-number"),
    pytest.param(lambda: badfiles.make_pdf([["- 1 -"], ["Page 2 of 2"]]), "cv.pdf", True, id="scan-two-pages"),
    pytest.param(lambda: badfiles.cv_docx(["Mit CV"]), "cv.docx", False, id="docx-heading-only"),
])
def test_a_file_with_almost_no_text_is_refused(make, filename, scanned):
    with pytest.raises(ExtractionError) as caught:
        extract_text(make(), filename)
    assert caught.value.code == "too_little_text"
    assert "20 tegn" in caught.value.message_da and "sidetal" in caught.value.message_da
    assert ("scannet PDF" in caught.value.message_da) is scanned
    assert "Side" not in caught.value.message_da  # never the file's contents


def test_twenty_characters_besides_page_numbers_are_enough():
    assert extract_text("Lagermedarbejder, Aa\nSide 1".encode(), "cv.txt") == "Lagermedarbejder, Aa\nSide 1"
    with pytest.raises(ExtractionError):
        extract_text("Lagermedarbejder, A\nSide 1".encode(), "cv.txt")  # 19 characters
    assert extract.text_length("Kok i 12 år\n3\nSide 4 af 5\n- 6 -") == len("Kok i 12 år")
