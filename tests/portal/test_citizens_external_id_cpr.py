"""A CPR number is never a citizen's external id (review E8; SECURITY.md: never a CPR number in
URLs or logs, and the external id is in both): the web form "Opret borger", the API's PUT and
the import file refuse a CPR-like id (matching.redact's pattern) with a clear message, and
write nothing."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.citizens import service
from portal.extensions import db
from portal.imports.runner import run_import
from store.models import AuditEvent, Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN
from tests.imports.files import citizen_row, csv_bytes
from tests.portal.test_citizens_new import post

pytestmark = pytest.mark.usefixtures("frozen_today")

CPR_LIKE = ["010190-1234", "0101901234", "010190 1234", "CPR 010190-1234", "SAG-0101901234",
            # review AS 8: the date apart, and the number split after the month
            "01.01.90-1234", "0101-901234", "01/01/90-1234", "SAG-01.01.90-1234"]
NOT_CPR = ["SAG-1", "FAG-2026-0042", "12345", "010190-12345", "2026-000123", "SAG 42/7",
           # near misses of the AS 8 forms: ordinary case numbers, dates and phone numbers
           "SAG-2026-0101-9012", "2026-01-05", "SAG/01.01.2026/17", "4512-345678", "1234-567890",
           "SAG 0101 901234", "Tlf. 12345678"]


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Citizen.id)))


@pytest.mark.parametrize("external_id", CPR_LIKE)
def test_the_rule_finds_a_cpr_number_anywhere_in_the_id(external_id):
    assert service.looks_like_cpr(external_id)
    with pytest.raises(service.ExternalIdRefused, match="ligner et CPR-nummer"):
        service.check_external_id(external_id)


@pytest.mark.parametrize("external_id", NOT_CPR)
def test_case_numbers_pass(external_id):
    assert not service.looks_like_cpr(external_id)
    service.check_external_id(external_id)


@pytest.mark.parametrize("external_id", ["010190-1234", "0101901234"])
def test_the_web_form_refuses_a_cpr_number_at_its_field(app, client, auth, make_user, external_id):
    auth.login(make_user("consultant").email)
    response = post(client, auth, external_id=external_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(app) == 0
    field = html.split('name="external_id"', 1)[0].rsplit('<div class="form-group', 1)[1]
    assert "form-error" in field and "Id&#39;et ligner et CPR-nummer" in field
    assert "fagsystemets eget id" in field
    with app.app_context():  # nothing was written, and the number is in no log line
        purposes = db.session.scalars(sa.select(AuditEvent.purpose)).all()
    assert not [p for p in purposes if "0101901234" in p.replace("-", "")]


def test_the_web_form_still_takes_a_case_number(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    assert post(client, auth, external_id="SAG-2026-17").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Citizen.external_id)) == "SAG-2026-17"


@pytest.mark.parametrize("external_id", ["010190-1234", "0101901234", "01.01.90-1234", "0101-901234"])
def test_the_api_answers_422_telling_the_integrator_to_send_its_own_key(app, client, make_user, external_id):
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    answer = client.put(f"/api/v1/citizens/{quote(external_id, safe='')}", json=CITIZEN, headers=bearer(raw))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    [message] = answer.json["errors"]["external_id"]
    assert "ligner et CPR-nummer" in message and "interne nøgle" in message
    assert count(app) == 0


def test_the_import_file_refuses_a_cpr_number_as_id(app):
    with app.app_context():
        report = run_import("citizens", io.BytesIO(csv_bytes([citizen_row("010190-1234")])), "borgere.csv",
                            actor=None, dry_run=False, cvs=None, cv_folder=app.config["UPLOAD_FOLDER"])
    [problem] = report.problems
    assert problem.column == "Eksternt id" and "ligner et CPR-nummer" in problem.message
    assert count(app) == 0


@pytest.mark.parametrize("external_id", ["SAG-2026-0101-9012", "1234-567890", "SAG/01.01.2026/17"])
def test_the_api_creates_a_citizen_under_a_near_miss_id(app, client, make_user, external_id):
    """The AS 8 forms are read narrowly: a case number with a date or a reg./account pair is taken."""
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    answer = client.put(f"/api/v1/citizens/{quote(external_id, safe='')}", json=CITIZEN, headers=bearer(raw))
    assert answer.status_code == 201, answer.json
    assert answer.json["external_id"] == external_id
