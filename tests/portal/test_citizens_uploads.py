"""CV uploads and typed CVs: checked by content, stored under generated names, never a 500."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import audit
from portal.citizens import uploads
from portal.extensions import db
from store.models import Citizen
from tests.cvtext.badfiles import cv_pdf, zip_bomb_docx, zip_slip_docx
from tests.portal.citizen_fixtures import audit_actions, csrf, make_citizen, snapshot

GENERATED = re.compile(r"^[0-9a-f]{32}\.(pdf|docx|txt)$")
GOOD_TXT = "Erfaren pædagogmedhjælper. Kørekort B. Sprog: dansk, arabisk.".encode()


def good_docx() -> bytes:
    document = Document()
    document.add_paragraph("Maskinarbejder med CNC-erfaring")
    document.add_paragraph("Svejsecertifikat, truckkort, kørekort B")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def citizen_id(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id, cv_text=None)


def upload(client, auth, citizen_id: int, data: bytes, filename: str):
    return client.post(f"/borgere/{citizen_id}/cv/fil", content_type="multipart/form-data",
                       data={"csrf_token": csrf(auth), "file": (io.BytesIO(data), filename)})


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("data, filename, expected_kind, expected_text", [
    (GOOD_TXT, "cv.txt", "txt", "pædagogmedhjælper"),
    (b"\xef\xbb\xbf" + GOOD_TXT, "CV med BOM.TXT", "txt", "arabisk"),
    (None, "mit cv.docx", "docx", "Svejsecertifikat"),
    (cv_pdf(), "cv.pdf", "pdf", "truckcertifikat"),
])
def test_a_good_file_is_stored_under_a_generated_name_with_its_text(
        app, client, auth, citizen_id, data, filename, expected_kind, expected_text):
    data = good_docx() if data is None else data
    before = snapshot(app, citizen_id)
    response = upload(client, auth, citizen_id, data, filename)
    assert response.status_code == 302
    with app.app_context():
        cv = db.session.get(Citizen, citizen_id).current_cv
        assert expected_text in cv.text
        assert cv.content_type == expected_kind and cv.original_filename == filename
        assert GENERATED.match(cv.stored_name)
        assert (Path(app.config["UPLOAD_FOLDER"]) / cv.stored_name).read_bytes() == data
    after = snapshot(app, citizen_id)
    assert after.version == before.version + 1 and after.outbox == before.outbox + 1
    assert "cv_uploaded" in audit_actions(app, citizen_id)
    page = client.get(f"/borgere/{citizen_id}").get_data(as_text=True)
    assert "Afventer indeksering" in page and expected_text in page and filename in page


def test_the_client_file_name_is_never_a_path(app, client, auth, citizen_id):
    response = upload(client, auth, citizen_id, GOOD_TXT, "../../../etc/cron.d/evil\u202e.txt")
    assert response.status_code == 302
    [path] = stored_files(app)
    assert GENERATED.match(path.name) and path.parent == Path(app.config["UPLOAD_FOLDER"])
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).current_cv.original_filename == "evil.txt"


@pytest.mark.parametrize("data, filename, message", [
    (b"", "cv.txt", "Filen er tom"),
    (None, "cv.pdf", "passer ikke til filnavnet"),                     # DOCX renamed .pdf
    ("Erfaren lagermand".encode("utf-16"), "cv.txt", "UTF-8"),
    (b"MZ\x90\x00binary\x00\x00", "cv.txt", "binære data"),
    (GOOD_TXT, "cv.exe", "Filtypen understøttes ikke"),
    (GOOD_TXT, "cv", "Filtypen understøttes ikke"),
    (GOOD_TXT, "cv.docm", "makroer"),
    (b"%PDF-1.7\n1 0 obj <<", "cv.pdf", "Filen"),                        # truncated PDF
    (zip_slip_docx(), "cv.docx", "ulovlige filnavne"),
    (zip_bomb_docx(), "cv.docx", "for stor"),
    (b"   \n\t  ", "cv.txt", "Der blev ikke fundet nogen tekst"),
])
def test_a_bad_file_is_a_form_error_and_nothing_is_stored(app, client, auth, citizen_id, data, filename, message):
    data = good_docx() if data is None else data
    before = snapshot(app, citizen_id)
    response = upload(client, auth, citizen_id, data, filename)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'class="form-error-message"' in html
    assert snapshot(app, citizen_id) == before
    assert stored_files(app) == []
    assert audit_actions(app, citizen_id)[-2:] == ["upload_rejected", "read_citizen"]


def test_an_upload_over_the_size_limit_is_413(app, client, auth, citizen_id):
    data = b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    # A prebuilt body: the test client would spool a file this big to disk and not close it.
    boundary, body = encode_multipart({"csrf_token": csrf(auth), "file": FileStorage(io.BytesIO(data), "cv.txt")})
    response = client.post(f"/borgere/{citizen_id}/cv/fil", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413 and "Filen er for stor" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_no_file_is_a_form_error(app, client, auth, citizen_id):
    response = client.post(f"/borgere/{citizen_id}/cv/fil", data={"csrf_token": csrf(auth)})
    assert response.status_code == 400 and "Vælg en fil" in response.get_data(as_text=True)


def test_a_failed_database_write_removes_the_stored_file(app, client, auth, citizen_id, monkeypatch):
    from portal.citizens import service

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "citizen_changed", broken)
    response = upload(client, auth, citizen_id, GOOD_TXT, "cv.txt")
    assert response.status_code == 500
    assert stored_files(app) == []


# --- typed CV ------------------------------------------------------------------------------

def test_a_typed_cv_becomes_the_current_cv(app, client, auth, citizen_id):
    before = snapshot(app, citizen_id)
    text = "Jeg har arbejdet   ti år i\u200b detailhandlen\r\nog som kassemedarbejder <script>x</script>"
    response = client.post(f"/borgere/{citizen_id}/cv/tekst", data={"csrf_token": csrf(auth), "text": text})
    assert response.status_code == 302
    with app.app_context():
        cv = db.session.get(Citizen, citizen_id).current_cv
        assert cv.text == "Jeg har arbejdet ti år i detailhandlen\nog som kassemedarbejder <script>x</script>"
        assert cv.stored_name is None
    after = snapshot(app, citizen_id)
    assert after.version == before.version + 1 and after.outbox == before.outbox + 1
    html = client.get(f"/borgere/{citizen_id}").get_data(as_text=True)
    assert "&lt;script&gt;x" in html and "<script>x" not in html


@pytest.mark.parametrize("text, message", [
    ("", "Skriv eller indsæt CV&#39;et"),
    ("for kort", "mellem 20 og"),
    ("x" * 1_000_000, "mellem 20 og"),
    ("Lagermedarbejder med erfaring\x00", "NUL"),
    ("\u200b" * 30, "mindst 20 tegn"),
])
def test_bad_typed_cvs_are_refused(app, client, auth, citizen_id, text, message):
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/cv/tekst", data={"csrf_token": csrf(auth), "text": text})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before


# --- the stored file, for staff -----------------------------------------------------------------

def _current_cv(app, citizen_id: int):
    with app.app_context():
        cv = db.session.get(Citizen, citizen_id).current_cv
        return cv.id, cv.stored_name


def test_the_citizen_page_links_the_cv_file_and_staff_download_it_logged(app, client, auth, citizen_id):
    data = good_docx()
    assert upload(client, auth, citizen_id, data, "cv_test.docx").status_code == 302
    cv_id, _stored = _current_cv(app, citizen_id)
    path = f"/borgere/{citizen_id}/cv/{cv_id}/fil"
    page = client.get(f"/borgere/{citizen_id}").get_data(as_text=True)
    assert f'href="{path}"' in page and ">cv_test.docx</a> (DOCX)" in page
    response = client.get(path)
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and body == data
    assert response.headers["Content-Type"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"] == "attachment; filename=cv_test.docx"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_actions(app, citizen_id).count("cv_downloaded") == 1


def test_a_hostile_file_name_is_not_sent_back_as_is(app, client, auth, citizen_id):
    assert upload(client, auth, citizen_id, GOOD_TXT, "mit cv; x=.txt").status_code == 302
    cv_id, _stored = _current_cv(app, citizen_id)
    response = client.get(f"/borgere/{citizen_id}/cv/{cv_id}/fil")
    response.close()
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mit cv x=.txt"'


@pytest.mark.parametrize(("sent", "kind", "ascii_name", "utf8_name"), [
    ("Søren Østergård CV v2.txt", "txt", "Sren stergard CV v2.txt",
     "S%C3%B8ren%20%C3%98sterg%C3%A5rd%20CV%20v2.txt"),
    ("Резюме.docx", "docx", ".docx", "%D0%A0%D0%B5%D0%B7%D1%8E%D0%BC%D0%B5.docx"),
])
def test_the_cv_file_keeps_its_danish_or_non_latin_name_and_extension(app, client, auth, citizen_id, sent, kind,
                                                                     ascii_name, utf8_name):
    # Review AV 5: an RFC 5987 filename* (Werkzeug's), never a name without letters or extension.
    data = good_docx() if kind == "docx" else GOOD_TXT
    assert upload(client, auth, citizen_id, data, sent).status_code == 302
    cv_id, _stored = _current_cv(app, citizen_id)
    response = client.get(f"/borgere/{citizen_id}/cv/{cv_id}/fil")
    response.close()
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment; filename=") and ascii_name in header
    assert header.endswith(f"filename*=UTF-8''{utf8_name}")


@pytest.mark.parametrize(("original", "kind", "expected"), [
    ("x" * 255, "pdf", "x" * 200 + ".pdf"),  # stored cut at 255 characters, extension lost
    ("Я" * 120 + ".pdf", "pdf", "Я" * 100 + ".pdf"),  # 200 bytes of name
    ("cv.PDF", "pdf", "cv.pdf"),
    ('Søren Østergård CV "v2".pdf', "pdf", "Søren Østergård CV 'v2'.pdf"),
    ("mit cv", "docx", "mit cv.docx"),
    ("rapport.v2", "txt", "rapport.v2.txt"),
    ("..\\..\\.pdf", "pdf", "cv.pdf"),
    ("a\u202eb\x07c?*<>.txt", "txt", "abc.txt"),
])
def test_the_download_name_always_has_the_checked_extension(original, kind, expected):
    assert uploads.download_name(original, kind) == expected


def test_the_cv_file_is_404_for_another_citizen_a_typed_cv_or_a_company(app, client, auth, citizen_id, make_user):
    upload(client, auth, citizen_id, GOOD_TXT, "cv.txt")
    cv_id, _stored = _current_cv(app, citizen_id)
    other = make_citizen(app, name="Anden Borger")
    assert client.get(f"/borgere/{other}/cv/{cv_id}/fil").status_code == 404
    typed_id, stored = _current_cv(app, other)
    assert stored is None and client.get(f"/borgere/{other}/cv/{typed_id}/fil").status_code == 404
    company = make_user("company")
    auth.logout()
    auth.login(company.email)
    assert client.get(f"/borgere/{citizen_id}/cv/{cv_id}/fil").status_code in (403, 404)


def test_the_cv_file_is_not_sent_when_the_download_cannot_be_logged(app, client, auth, citizen_id, monkeypatch):
    upload(client, auth, citizen_id, GOOD_TXT, "cv.txt")
    cv_id, _stored = _current_cv(app, citizen_id)

    def broken(*_args, **_kwargs):
        raise audit.AuditWriteError("audit log write failed: OperationalError")

    monkeypatch.setattr(audit, "record_now", broken)
    response = client.get(f"/borgere/{citizen_id}/cv/{cv_id}/fil")
    assert response.status_code == 503 and b"Erfaren" not in response.data


def test_a_refused_file_gives_back_the_cv_text_typed_in_the_other_form(client, auth, citizen_id):
    """The page's script sends the typed text along (data-carry); a refused file shows it again
    in "CV som tekst" instead of losing it (review J 3)."""
    page = client.get(f"/borgere/{citizen_id}/cv").get_data(as_text=True)
    assert 'data-carry="text" data-carry-name="kept_text"' in page and 'name="kept_text"' in page
    typed = "Lagermedarbejder i fem år, truckkort og kørekort B. Tålmodig & stabil."
    response = client.post(f"/borgere/{citizen_id}/cv/fil", content_type="multipart/form-data",
                           data={"csrf_token": csrf(auth), "kept_text": typed,
                                 "file": (io.BytesIO(b"%PDF-1.4\n1 0 obj\n<< garbage"), "cv.pdf")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tålmodig &amp; stabil.</textarea>" in html


@pytest.mark.parametrize("data, filename", [
    (b"x", "tiny.txt"),
    (b"CV", "cv.txt"),
    (None, "scan.pdf"),  # a scanned PDF whose only text is its page number
])
def test_a_file_with_almost_no_text_is_refused_and_the_citizen_stays_unmatchable(
        app, client, auth, citizen_id, data, filename):
    """Review AJ 4: the same minimum as a typed CV, so »x« is no CV that makes a citizen matchable."""
    from tests.cvtext.badfiles import make_pdf

    data = make_pdf([["Side 1"]]) if data is None else data
    before = snapshot(app, citizen_id)
    response = upload(client, auth, citizen_id, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and ("mindst 20 tegn" in html or "under 20 tegn" in html)
    assert ("Er det en scannet PDF?" in html) is filename.endswith(".pdf")
    assert snapshot(app, citizen_id) == before
    with app.app_context():
        assert "CV" in db.session.get(Citizen, citizen_id).missing_for_matching
    assert audit_actions(app, citizen_id)[-2] == "upload_rejected"


def test_a_replaced_cv_file_is_no_longer_handed_out(app, client, auth, citizen_id):
    """Review AJ 5: a CV replaced since (perhaps another citizen's, uploaded by mistake) is not
    listed anywhere, so it is not downloadable by its id either; the current one is."""
    assert upload(client, auth, citizen_id, GOOD_TXT, "forkert-borger.txt").status_code == 302
    old_id, _stored = _current_cv(app, citizen_id)
    assert upload(client, auth, citizen_id, good_docx(), "rigtigt.docx").status_code == 302
    new_id, _stored = _current_cv(app, citizen_id)
    assert client.get(f"/borgere/{citizen_id}/cv/{old_id}/fil").status_code == 404
    response = client.get(f"/borgere/{citizen_id}/cv/{new_id}/fil")
    response.close()
    assert response.status_code == 200
    assert audit_actions(app, citizen_id).count("cv_downloaded") == 1
