"""Review BG 2: the citizen's last company-based placement known to the case system
(``Citizen.prior_company_placement_end``) is a fact the portal can be given: by the import's
optional column »Seneste virksomhedsrettede forløb (slutdato)« (a date as Sagsstart, at most
today; an empty cell or no column keeps the stored date), by the API's citizen upsert (omitted
keeps it, an explicit null clears it: review BJ 4) and on the citizen's »Ret profil« (shown on the citizen's page, cleared there)."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from portal.imports.runner import run_import
from portal.imports.template import render_template_xlsx
from store.models import AuditEvent, Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN
from tests.imports.files import HEADER, citizen_row, csv_bytes
from tests.portal.citizen_fixtures import csrf, make_citizen
from tests.portal.test_citizens_edit import profile

pytestmark = pytest.mark.usefixtures("frozen_today")  # 23.11.2026
LABEL = "Seneste virksomhedsrettede forløb (slutdato)"


def _import(app, rows, header=HEADER + [LABEL]):
    with app.app_context():
        return run_import("citizens", io.BytesIO(csv_bytes(rows, header=header)), "borgere.csv", actor=None,
                          dry_run=False, cvs=None, cv_folder=app.config["UPLOAD_FOLDER"])


def _prior(app, external_id: str) -> date | None:
    with app.app_context():
        return db.session.query(Citizen.prior_company_placement_end).filter_by(external_id=external_id).scalar()


def test_the_import_sets_keeps_and_refuses_the_date(app):
    report = _import(app, [citizen_row("P1") + ["30.09.2025"], citizen_row("P2") + [""]])
    assert report.counts["created"] == 2, report.problems
    assert (_prior(app, "P1"), _prior(app, "P2")) == (date(2025, 9, 30), None)
    # an empty cell, and a file without the column, keep the date
    assert _import(app, [citizen_row("P1") + [""]]).counts["unchanged"] == 1
    assert _import(app, [citizen_row("P1")], header=HEADER).counts["unchanged"] == 1
    assert _prior(app, "P1") == date(2025, 9, 30)
    report = _import(app, [citizen_row("P1") + ["2026-02-27"]])
    assert report.counts["updated"] == 1 and _prior(app, "P1") == date(2026, 2, 27)
    # refused at the column, as the other dates: a date that does not exist, one after today
    report = _import(app, [citizen_row("P3") + ["31.02.2026"], citizen_row("P4") + ["24.11.2026"]])
    assert report.counts["created"] == 0
    assert [(p.column, p.message) for p in report.problems] == [
        (LABEL, "Datoen findes ikke. Skriv den som dd.mm.åååå (eller åååå-mm-dd), fx 06.12.2026."),
        (LABEL, "Slutdatoen for det seneste virksomhedsrettede forløb skal ligge mellem 1990 og i dag.")]


def test_the_import_template_has_the_column_and_explains_it(app):
    with app.app_context():
        book = load_workbook(io.BytesIO(render_template_xlsx("citizens", date(2026, 11, 23))))
    assert LABEL in [cell.value for cell in book["Borgere"][1]]
    guide = {row[0].value: (row[1].value, row[2].value) for row in book["Vejledning"].iter_rows(min_row=2)}
    assert guide[LABEL][0] == "nej" and "før Jobbro" in guide[LABEL][1] and "beholder" in guide[LABEL][1]


def test_the_api_sets_shows_and_keeps_the_date(app, client, make_user):
    raw = make_token(app, make_user("consultant"))
    put = client.put("/api/v1/citizens/SAG-9", json=dict(CITIZEN, prior_company_placement_end="2025-12-19"),
                     headers=bearer(raw))
    assert put.status_code == 201, put.json
    assert put.json["prior_company_placement_end"] == "2025-12-19"
    assert client.get("/api/v1/citizens/SAG-9", headers=bearer(raw)).json["prior_company_placement_end"] == "2025-12-19"
    again = client.put("/api/v1/citizens/SAG-9", json=CITIZEN, headers=bearer(raw))  # omitted: kept
    assert again.json["result"] == "unchanged" and again.json["prior_company_placement_end"] == "2025-12-19"
    # an explicit null clears it (the case system corrected a wrongly registered placement), audited by name
    cleared = client.put("/api/v1/citizens/SAG-9", json=dict(CITIZEN, prior_company_placement_end=None),
                         headers=bearer(raw))
    assert cleared.status_code == 200 and cleared.json["result"] == "updated", cleared.json
    assert cleared.json["prior_company_placement_end"] is None and _prior(app, "SAG-9") is None
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.action == "citizen_imported").order_by(AuditEvent.id)).all()
    assert purposes[-1] == "updated:prior_company_placement_end"
    # a GET answer without a placement sent back changes nothing; a new citizen sent null has none
    back = client.get("/api/v1/citizens/SAG-9", headers=bearer(raw)).json
    assert client.put("/api/v1/citizens/SAG-9", json=back, headers=bearer(raw)).json["result"] == "unchanged"
    new = client.put("/api/v1/citizens/SAG-10", json=dict(CITIZEN, prior_company_placement_end=None),
                     headers=bearer(raw))
    assert new.status_code == 201 and new.json["prior_company_placement_end"] is None, new.json
    late = client.put("/api/v1/citizens/SAG-9", json=dict(CITIZEN, prior_company_placement_end="2026-12-01"),
                      headers=bearer(raw))
    assert late.status_code == 422 and "prior_company_placement_end" in late.json["errors"], late.json
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    schemas = spec["components"]["schemas"]
    described = schemas["CitizenIn"]["properties"]["prior_company_placement_end"]["description"]
    assert "Udeladt: behold den gemte" in described and "null: fjern den" in described


def test_the_profile_form_shows_sets_and_clears_it(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, case_start=date(2025, 3, 1))
    page = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert "Intet kendt (kun forløb i Jobbro)" in page
    form = client.get(f"/borgere/{cid}/profil").get_data(as_text=True)
    assert "Seneste virksomhedsrettede forløb uden for Jobbro (slutdato)" in form

    def post(value):
        with app.app_context():
            version = db.session.get(Citizen, cid).version
        return client.post(f"/borgere/{cid}/profil", follow_redirects=True, data=profile(
            csrf_token=csrf(auth), version=str(version), prior_company_placement_end=value)).get_data(as_text=True)

    assert "Profilen er gemt" in post("30.09.2025")
    with app.app_context():
        assert db.session.get(Citizen, cid).prior_company_placement_end == date(2025, 9, 30)
    assert "30.09.2025" in client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert "skal ligge mellem 1990 og i dag" in post("24.11.2026")
    assert "Profilen er gemt" in post("")
    with app.app_context():
        assert db.session.get(Citizen, cid).prior_company_placement_end is None


def test_the_import_page_says_an_empty_cell_keeps_the_date(client, auth, make_user):
    auth.login(make_user("admin").email)
    html = " ".join(client.get("/admin/import/").get_data(as_text=True).split())
    assert "Længste transport (km) og Seneste virksomhedsrettede forløb (slutdato) beholder portalens værdi" in html
    assert LABEL in html  # the column table
