"""A CV over the 5 MB limit comes back to the CV page with the error at the field (review C12),
not the portal's bare 413 page; nobody but staff sees the citizen that way."""
from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.portal.citizen_fixtures import audit_actions, csrf, make_citizen, snapshot

pytestmark = pytest.mark.usefixtures("frozen_today")


def post_oversized(app, client, auth, path: str, fields: dict):
    boundary, body = encode_multipart({"csrf_token": csrf(auth), **fields})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def too_big(app) -> bytes:
    return b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)


def test_an_oversized_file_is_an_error_at_the_file_field(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    cid = make_citizen(app)
    before = snapshot(app, cid)
    response = post_oversized(app, client, auth, f"/borgere/{cid}/cv/fil",
                              {"file": FileStorage(io.BytesIO(too_big(app)), "cv.pdf")})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    upload_form = html.split('data-testid="cv-upload"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'class="form-error-message"[^>]*>.*Filen er for stor', upload_form, re.S)
    assert 'aria-invalid="true"' in upload_form
    assert 'data-testid="cv-text"' in html  # the page itself, with its other way in
    assert "Gå til forsiden" not in html
    assert snapshot(app, cid) == before
    assert audit_actions(app, cid)[-2:] == ["upload_rejected", "read_citizen"]


def test_an_oversized_file_is_logged_as_a_rejected_upload(app, client, auth, make_user):
    """SECURITY.md: rejected uploads are logged, a file over the limit too (review AJ 10)."""
    import sqlalchemy as sa

    from portal.extensions import db
    from store.models import AuditEvent

    auth.login(make_user("consultant").email)
    cid = make_citizen(app)
    post_oversized(app, client, auth, f"/borgere/{cid}/cv/fil",
                   {"file": FileStorage(io.BytesIO(too_big(app)), "cv.pdf")})
    post_oversized(app, client, auth, f"/borgere/{cid}/cv/tekst", {"text": too_big(app).decode()})
    with app.app_context():
        rejected = db.session.execute(sa.select(AuditEvent.purpose, AuditEvent.result).where(
            AuditEvent.citizen_id == cid, AuditEvent.action == "upload_rejected")).all()
    assert rejected == [("cv:too_large", "rejected")]  # the file; a typed text is no upload


def test_an_oversized_text_is_an_error_at_the_text_field(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    cid = make_citizen(app)
    response = post_oversized(app, client, auth, f"/borgere/{cid}/cv/tekst",
                              {"text": too_big(app).decode()})
    text_form = response.get_data(as_text=True).split('data-testid="cv-text"', 1)[1]
    assert response.status_code == 413 and "Teksten er for lang" in text_form


@pytest.mark.parametrize("role", ["company", None])
def test_others_get_the_plain_413_page_without_the_citizen(app, client, auth, make_user, role):
    if role:
        auth.login(make_user(role).email)
    cid = make_citizen(app, name="Hemmelig Borgersen")
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(too_big(app)), "cv.pdf")})
    response = client.post(f"/borgere/{cid}/cv/fil", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Hemmelig" not in response.get_data(as_text=True)
    assert "read_citizen" not in audit_actions(app, cid)
