"""/forloeb/timer/eksport.xlsx|csv: the month's placements for payroll (fresh login, audited)."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from store.models import AuditEvent
from tests.conftest import AuthActions
from tests.portal.hours_fixtures import NAME, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    return build_world(app, make_user)


def _get(client, fmt: str, month: str = "2026-10"):
    return client.get(f"/forloeb/timer/eksport.{fmt}?maaned={month}")


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_xlsx_parses_back_with_the_rows(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    response = _get(client, "xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="timer-2026-10.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Forløb nr.", "Navn", "Opslag", "Type", "Løn", "Start", "Slut", "Timer pr. uge", "Måned",
                       "Timer i måneden"]  # the header first: no title line above it
    october = datetime(2026, 10, 1)
    assert rows[1] == [world["named"], NAME, "Lagerhjælp", "Småjob", "Lønnet", datetime(2026, 3, 2), None, 7.5,
                       october, 12.5]
    # Not disclosed: no name (the opening and start tell it apart); "=Kantine" is formula-safe (a
    # string cell with the quote prefix, no apostrophe in the text: review W 10); praktik unpaid.
    assert rows[2] == [world["hidden"], None, "=Kantine", "Virksomhedspraktik", "Ulønnet (praktik)",
                       datetime(2026, 9, 14), datetime(2026, 12, 4), 20, october, 86]
    assert [sheet.cell(2, c).data_type for c in (1, 6, 8, 9, 10)] == ["n", "d", "n", "d", "n"]
    assert (sheet.cell(3, 3).data_type, sheet.cell(3, 3).quotePrefix) == ("s", True)
    assert len(rows) == 3
    # review BI 11: dates shown as on the pages (still dates), the sheet named as the month cells read
    assert [sheet.cell(2, c).number_format for c in (6, 9)] == ["DD.MM.YYYY", "MMM YYYY"]
    assert sheet.title == "Timer oktober 2026"


def test_csv_starts_with_its_header_semicolons_decimal_comma_and_a_bom(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    response = _get(client, "csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="timer-2026-10.csv"' in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[0] == "Forløb nr.;Navn;Opslag;Type;Løn;Start;Slut;Timer pr. uge;Måned;Timer i måneden"
    assert lines[1] == f"{world['named']};{NAME};Lagerhjælp;Småjob;Lønnet;02.03.2026;;7,5;oktober 2026;12,5"
    assert lines[2] == (f"{world['hidden']};;'=Kantine;Virksomhedspraktik;Ulønnet (praktik);"
                        "14.09.2026;04.12.2026;20;oktober 2026;86")
    # A plain import (the header is line one) reads every row by its column name.
    records = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["Forløb nr."] for r in records] == [str(world["named"]), str(world["hidden"])]
    assert {r["Måned"] for r in records} == {"oktober 2026"}


def test_a_month_without_hours_exports_empty_hours(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    lines = _get(client, "csv", "2026-11").data.decode("utf-8").split("\r\n")
    assert lines[1] == f"{world['named']};{NAME};Lagerhjælp;Småjob;Lønnet;02.03.2026;;7,5;november 2026;"


def test_export_needs_a_fresh_login_and_is_audited(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = _get(client, "xlsx")
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    assert "export_hours" not in _actions(app)
    with client.session_transaction() as session:
        session["_fresh"] = True
    assert _get(client, "csv").status_code == 200
    actions = _actions(app)
    assert actions.count("export_hours") == 1
    assert actions.count("identity_viewed") == 1  # the one released name, logged before export


def test_another_company_exports_only_its_own(client, world):
    AuthActions(client).switch_to("b@firma.dk")
    text = _get(client, "csv").data.decode("utf-8")
    assert NAME not in text and "Kantine" not in text and "Lagerhjælp" not in text


def test_unknown_format_is_404_and_consultants_403(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    assert client.get("/forloeb/timer/eksport.pdf").status_code == 404
    AuthActions(client).switch_to("vk@jc.dk")
    assert _get(client, "csv").status_code == 403


def test_the_page_links_both_exports(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    html = client.get("/forloeb/timer?maaned=2026-10").get_data(as_text=True)
    assert "/forloeb/timer/eksport.xlsx?maaned=2026-10" in html
    assert "/forloeb/timer/eksport.csv?maaned=2026-10" in html


def test_lists_show_the_placement_number_and_mark_praktik_unpaid(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    for path in ("/forloeb/", "/forloeb/timer?maaned=2026-10"):
        html = client.get(path).get_data(as_text=True)
        hidden_row = html.split(f'data-placement-id="{world["hidden"]}"')[1].split("</tr>")[0]
        named_row = html.split(f'data-placement-id="{world["named"]}"')[1].split("</tr>")[0]
        assert f"(nr. {world['hidden']})" in hidden_row and 'data-testid="unpaid"' in hidden_row, path
        assert NAME in named_row and 'data-testid="unpaid"' not in named_row, path
