"""A company's downloads: placements with hours, and an opening's candidates; formula-safe, private."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.exports import safe_cell, safe_row
from portal.extensions import db
from store.models import AuditEvent, Opening
from tests.conftest import PASSWORD
from tests.portal.hours_fixtures import MARKER, NAME, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.mark.parametrize("text", ["=1+1", "+45 2134", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_could_run_as_formulas_are_neutralised(text):
    assert safe_cell(text) == "'" + text
    assert safe_row([text, 3, -2.5, None]) == ["'" + text, 3, -2.5, None]


@pytest.mark.parametrize("text", ["=1+2 @SUM(A1) -3 +4", "- kan starte mandag", "+45 2134", "@x", "\tx"])
def test_xlsx_text_is_text_as_written_and_never_a_formula(text):
    """Review W 10: in an XLSX a string cell is not evaluated, so the CSV's apostrophe only
    showed as a stray "'" before the company's note. The text is stored as a string (a leading
    "=" too, which openpyxl would make a formula) with Excel's quote prefix."""
    from portal.exports import render_csv, render_xlsx

    book = load_workbook(io.BytesIO(render_xlsx("Ark", ["Note", "Tal"], [[text, 3]])))
    cell = book.active.cell(2, 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert book.active.cell(2, 2).value == 3
    assert render_csv(["Note"], [[text]]).splitlines()[1].lstrip('"').startswith("'")  # the CSV keeps it


def test_company_downloads_show_only_what_the_company_may_see(app, client, make_user):
    world = build_world(app, make_user)
    client.post("/auth/login", data={"email": world["company"].email, "password": PASSWORD,
                                     "csrf_token": _token(client)})
    page = client.get("/forloeb/").get_data(as_text=True)
    assert "/forloeb/eksport.xlsx" in page and "/forloeb/eksport.csv" in page

    book = load_workbook(io.BytesIO(client.get("/forloeb/eksport.xlsx").data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0] == ["Forløb nr.", "Navn", "Opslag", "Type", "Løn", "Start", "Slut", "Timer pr. uge", "Måned",
                       "Timer i måneden"]  # the same columns as the month's payroll file
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {world["named"], world["hidden"]}
    named, hidden = by_number[world["named"]], by_number[world["hidden"]]
    assert named[1:5] == [NAME, "Lagerhjælp", "Småjob", "Lønnet"]  # disclosed with a live consent
    # formula-safe: a string cell, never a formula, and no apostrophe in the text (review W 10)
    assert hidden[1:5] == [None, "=Kantine", "Virksomhedspraktik", "Ulønnet (praktik)"]
    kantine_cell = book.active.cell(1 + rows.index(hidden), 3)
    assert (kantine_cell.data_type, kantine_cell.quotePrefix) == ("s", True)
    assert (named[8], named[9], hidden[9]) == (datetime(2026, 10, 1), 12.5, 86)
    assert [book.active.cell(2, c).data_type for c in (1, 6, 8, 9, 10)] == ["n", "d", "n", "d", "n"]
    csv_text = client.get("/forloeb/eksport.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffForløb nr.;Navn;Opslag;Type;Løn;") and "12,5" in csv_text
    assert MARKER not in csv_text and all(MARKER not in str(v) for row in rows for v in row)
    # The same person is named alike in both files: the name column holds the name only.
    month_csv = client.get("/forloeb/timer/eksport.csv?maaned=2026-10").get_data(as_text=True)
    month_named = next(line for line in month_csv.splitlines() if line.startswith(f"{world['named']};"))
    all_named = next(line for line in csv_text.splitlines() if line.startswith(f"{world['named']};"))
    assert month_named.split(";")[1:3] == all_named.split(";")[1:3] == [NAME, "Lagerhjælp"]

    with app.app_context():
        kantine = db.session.scalar(sa.select(Opening).where(Opening.title == "=Kantine"))
        other_opening = Opening(company_id=world["other"].company_id, kind="smaajob", title="B",
                                postcode="8722", hours_min=1, hours_max=5)
        db.session.add(other_opening)
        db.session.commit()
        kantine_id, other_id = kantine.id, other_opening.id
    assert f"/opslag/{kantine_id}/kandidater.xlsx" in client.get(f"/opslag/{kantine_id}").get_data(as_text=True)
    csv_text = client.get(f"/opslag/{kantine_id}/kandidater.csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    # the company's words, not the job centre's states, and no invented jobmål (review B9)
    assert len(lines) == 2 and ";Ja;;Navnet deles, når borgeren har givet samtykke.;" in lines[1]  # the page's words
    assert "Godkendt af konsulent" not in csv_text and "Foreslået af jobcentret" not in csv_text
    assert lines[0].split(";")[4] == "Jobmål" and lines[1].split(";")[4] == ""  # Jobmål: none shared
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in lines[1].split(";"))  # formula-safe
    assert MARKER not in csv_text  # an approved candidate is a pseudonym, nothing more
    assert client.get(f"/opslag/{other_id}/kandidater.csv").status_code == 404
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"export_placements", "export_candidates", "identity_viewed"} <= actions
    # Other roles (403) and foreign ids (404) are covered by tests/portal/test_access_matrix.py,
    # which reads every route from the URL map.


def _token(client) -> str:
    import re

    html = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
