"""The import of ordinary wage hours per citizen and month (»Løntimer fra fagsystemet«, migration
0044): a good file, bad lines with their Danish messages, a re-import replacing the month, an
unknown citizen, a refused file writing nothing, the dry run, the CLI, the page and the template."""
from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from portal.imports.wage_hours import run_wage_hours
from store.models import AuditEvent, Citizen, PriorWageHours

from .files import csv_bytes, xlsx_bytes

HEADER = ["Eksternt id", "Måned", "Løntimer", "Ansættelse"]
pytestmark = pytest.mark.usefixtures("frozen_today")  # 23 November 2026


@pytest.fixture
def citizens(app):
    with app.app_context():
        made = {}
        for external_id, restricted in (("SAG-1", False), ("SAG-2", False), ("SAG-3", True)):
            citizen = Citizen(external_id=external_id, name="Anna Hansen", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="paa_vej", case_start=date(2024, 1, 1), restricted=restricted)
            db.session.add(citizen)
            db.session.flush()
            made[external_id] = citizen.id
        db.session.commit()
        return made


def _run(app, data: bytes, *, dry_run: bool = False, name: str = "loentimer.csv"):
    with app.app_context():
        return run_wage_hours(io.BytesIO(data), name, actor=None, dry_run=dry_run)


def _stored(app) -> dict[tuple[int, date], Decimal]:
    with app.app_context():
        return {(r.citizen_id, r.month): Decimal(r.hours) for r in db.session.scalars(sa.select(PriorWageHours))}


def test_a_good_file_is_stored_and_a_re_import_replaces_the_month(app, citizens):
    data = csv_bytes([["SAG-1", "2026-03", "37,5", "Småjob"], ["sag-1", "04.2026", "40", "Ordinært job"],
                      ["SAG-2", "marts 2026", "12.25", ""]], header=HEADER)
    dry = _run(app, data, dry_run=True)
    assert dry.counts == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "refused": 0} and not dry.problems
    assert _stored(app) == {}  # a dry run writes nothing
    report = _run(app, data)
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "refused": 0}
    one, two = citizens["SAG-1"], citizens["SAG-2"]
    assert _stored(app) == {(one, date(2026, 3, 1)): Decimal("37.50"), (one, date(2026, 4, 1)): Decimal("40.00"),
                            (two, date(2026, 3, 1)): Decimal("12.25")}
    assert [(c.label, c.old, c.new) for c in report.links[0].changes] == [("Løntimer marts 2026", "(tom)", "37,5")]
    # The same file again changes nothing; a new figure for a month replaces the old one.
    assert _run(app, data).counts == {"created": 0, "updated": 0, "unchanged": 3, "skipped": 0, "refused": 0}
    again = _run(app, csv_bytes([["SAG-1", "2026-03", "20", "Fleksjob"]], header=HEADER))
    assert again.counts["updated"] == 1
    assert [(c.old, c.new) for c in again.links[0].changes] == [("37,5", "20")]
    stored = _stored(app)
    assert stored[(one, date(2026, 3, 1))] == Decimal("20.00") and len(stored) == 3  # April kept
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("%wage_hours%"))).all()
        assert actions.count("import_wage_hours_dry_run") == 1 and actions.count("import_wage_hours") == 3
        assert actions.count("wage_hours_imported") == 4  # one per month written, none for unchanged


def test_bad_lines_are_refused_with_their_line_and_a_danish_message(app, citizens):
    data = csv_bytes([
        ["SAG-1", "2026-13", "10", ""],                 # 2: no such month
        ["SAG-1", "2026-12", "10", ""],                 # 3: not begun yet (today is 23.11.2026)
        ["SAG-1", "2026-01", "401", ""],                # 4: more than a month's most
        ["SAG-1", "2026-02", "-3", ""],                 # 5: negative
        ["SAG-1", "2026-05", "12,345", ""],             # 6: three decimals
        ["SAG-1", "2026-06", "10", "Kontorjob"],        # 7: unknown kind
        ["SAG-9", "2026-06", "10", ""],                 # 8: unknown citizen
        ["SAG-2", "2026-07", "10", "Småjob"],           # 9 and 10: the same month twice
        ["SAG-2", "07.2026", "5", "Fleksjob"],
        ["SAG-3", "2026-07", "10", ""],                 # 11: restricted
        ["010190-1234", "2026-07", "10", ""],           # 12: a CPR number is no id
        ["SAG-1", "2026-07", "8", "Løntilskud"],        # 13: not ordinary wage hours: skipped
        ["SAG-1", "2026-08", "=A1", ""],                # 14: a formula
        ["SAG-1", "2026-09", "16", ""],                 # 15: fine
    ], header=HEADER)
    report = _run(app, data)
    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1, "refused": 12}
    problems = {p.row: (p.external_id, p.column, p.message) for p in report.problems}
    assert problems[2][1:] == ("Måned", "»2026-13« er ikke en måned. Skriv måneden som åååå-mm eller mm.åååå, "
                                        "fx 2026-03 eller 03.2026.")
    assert problems[3][1:] == ("Måned", "December 2026 er ikke begyndt endnu. Timer kan kun indlæses for "
                                        "indeværende og tidligere måneder.")
    assert problems[4][1:] == ("Løntimer", "Højst 400 timer på en måned.")
    assert problems[5][1:] == ("Løntimer", "Timer kan ikke være negative.")
    assert problems[6][1:] == ("Løntimer", "Angiv timer med højst to decimaler, fx 12,5.")
    assert problems[7][1] == "Ansættelse" and "»Kontorjob« kendes ikke" in problems[7][2]
    assert problems[8] == ("SAG-9", "Eksternt id", "Ingen borger i portalen har dette eksterne id. Importér borgeren "
                                                   "først (»Borgere fra fagsystemet«), eller ret id'et.")
    assert problems[9][1:] == problems[10][1:] == (
        "Måned", "Borgeren har samme måned i flere rækker (9, 10). En måned har ét tal: læg timerne sammen i én række.")
    assert problems[11][1] == "Eksternt id" and "begrænset" in problems[11][2]
    assert problems[12][0] == "[cpr]" and "ligner et CPR-nummer" in problems[12][2]  # never echoed
    assert problems[14][1:] == ("Løntimer", "Cellen indeholder en formel. Indsæt værdien i stedet for formlen.")
    skipped = next(link for link in report.links if link.row == 13)
    assert skipped.status == "skipped" and skipped.entity_id == citizens["SAG-1"]
    assert skipped.warnings == ("Løntilskud er ikke ordinære løntimer (kun småjob, ordinært job og fleksjob tæller i "
                                "fokusmålet), så rækken er sprunget over.",)
    assert _stored(app) == {(citizens["SAG-1"], date(2026, 9, 1)): Decimal("16.00")}


def test_a_file_with_wrong_headers_writes_nothing(app, citizens):
    report = _run(app, csv_bytes([["SAG-1", "2026-03"]], header=["Eksternt id", "Måned"]))
    assert report.file_problems == ["Filen mangler kolonnen »Løntimer«. Brug skabelonen, eller ret "
                                    "overskrifterne i første række."]
    assert report.counts["created"] == 0 and _stored(app) == {}


def test_excel_dates_and_numbers_are_read(app, citizens):
    data = xlsx_bytes([["SAG-1", datetime(2026, 5, 1), 37.5, "ordinært"], ["SAG-1", "6.2026", 10, None],
                       ["SAG-1", 202607, 5, None]], header=HEADER)
    report = _run(app, data, name="loentimer.xlsx")
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "refused": 1}
    assert report.problems[0].row == 4 and report.problems[0].message.startswith("Måneden er et tal")
    assert set(_stored(app).values()) == {Decimal("37.50"), Decimal("10.00")}


def test_cli_dry_run_then_import(app, citizens, tmp_path):
    path = tmp_path / "loentimer.csv"
    path.write_bytes(csv_bytes([["SAG-1", "2026-03", "37,5", ""], ["SAG-9", "2026-03", "1", ""]], header=HEADER))
    cli = app.test_cli_runner()
    dry = cli.invoke(args=["import", "wage-hours", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Tørkørsel (intet er gemt)" in dry.output and "Oprettet: 1" in dry.output
    assert "Række 3 (SAG-9), Eksternt id: Ingen borger i portalen har dette eksterne id." in dry.output
    assert _stored(app) == {}
    real = cli.invoke(args=["import", "wage-hours", str(path), "--json"])
    assert real.exit_code == 0 and '"created": 1' in real.output.splitlines()[-1]
    assert _stored(app) == {(citizens["SAG-1"], date(2026, 3, 1)): Decimal("37.50")}


def test_the_page_imports_wage_hours_and_offers_the_template(app, client, auth, make_user, citizens):
    admin = make_user("admin")
    auth.login(admin.email)
    page = client.get("/admin/import/").get_data(as_text=True)
    assert "Løntimer fra fagsystemet" in page and 'data-testid="template-wage_hours"' in page
    assert "<h1>Import af borgere, opslag og løntimer</h1>" in page

    def post(mode: str):
        data = csv_bytes([["SAG-1", "03.2026", "37,5", "Småjob"], ["SAG-2", "2026-02", "abc", ""]], header=HEADER)
        return client.post("/admin/import/", content_type="multipart/form-data", data={
            "kind": "wage_hours", "wage_hours-mode": mode, "wage_hours-file": (io.BytesIO(data), "loentimer.csv"),
            "wage_hours-csrf_token": auth.csrf_token("/admin/import/")})

    dry = post("dry").get_data(as_text=True)
    assert "Intet er gemt" in dry and "Angiv timer som et tal, fx 12,5." in dry and _stored(app) == {}
    assert f'href="/borgere/{citizens["SAG-1"]}"' in dry and "Løntimer marts 2026:" in dry
    real = post("run").get_data(as_text=True)
    assert "De gyldige rækker er gemt og tæller i fokusmålet." in real
    assert _stored(app) == {(citizens["SAG-1"], date(2026, 3, 1)): Decimal("37.50")}
    response = client.get("/admin/import/skabelon/wage_hours.xlsx")
    assert response.status_code == 200 and "jobbro-import-loentimer.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book["Løntimer"][1]] == HEADER
    assert [c.value for c in book["Løntimer"][2]] == ["SAG-10001", "2026-10", "37,5", "Småjob"]
    # the template's own example row is a valid file (the example citizen aside)
    assert _run(app, response.data, dry_run=True, name="t.xlsx").problems[0].column == "Eksternt id"


# A skipped row (praktik, løntilskud) was reported »Uændret«, which is untrue: nothing was compared.
SKIPPING = [["SAG-1", "2026-03", "37,5", "Småjob"], ["SAG-1", "2026-04", "8", "Løntilskud"],
            ["SAG-9", "2026-04", "8", "Virksomhedspraktik"]]


def test_a_skipped_row_is_counted_and_listed_as_skipped_not_unchanged(app, citizens):
    from portal.admin.audit_labels import purpose_label

    for dry_run in (True, False):
        report = _run(app, csv_bytes(SKIPPING, header=HEADER), dry_run=dry_run)
        assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 2, "refused": 0}
        assert report.status_labels["skipped"] == "Sprunget over"
        listed = {link.row: (link.status, link.entity_id) for link in report.links}
        # a skipped row of a citizen the portal does not have is listed too, without a link
        assert listed == {2: ("created", citizens["SAG-1"]), 3: ("skipped", citizens["SAG-1"]), 4: ("skipped", None)}
        rows = {row["row"]: row for row in report.to_dict()["rows"]}
        assert rows[3]["status"] == "skipped" and rows[4]["warnings"][0].startswith("Virksomhedspraktik er ikke")
    assert _stored(app) == {(citizens["SAG-1"], date(2026, 3, 1)): Decimal("37.50")}
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import_wage_hours")).one()
        assert event.purpose.endswith("created:1,updated:0,unchanged:0,skipped:2,refused:0")
        assert purpose_label(event.action, event.purpose).endswith(
            "oprettet 1, opdateret 0, uændret 0, sprunget over 2, afvist 0")
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "wage_hours_imported")) == 1


def test_the_cli_says_a_skipped_row_is_skipped(app, citizens, tmp_path):
    path = tmp_path / "loentimer.csv"
    path.write_bytes(csv_bytes(SKIPPING, header=HEADER))
    cli = app.test_cli_runner()
    dry = cli.invoke(args=["import", "wage-hours", str(path), "--dry-run"])
    assert dry.exit_code == 0
    assert "Oprettet: 1, Opdateret: 0, Uændret: 0, Sprunget over: 2, Afvist: 0" in dry.output
    assert ("Række 3 (SAG-1), sprunget over: Løntilskud er ikke ordinære løntimer (kun småjob, ordinært job og "
            "fleksjob tæller i fokusmålet), så rækken springes over.") in dry.output
    real = cli.invoke(args=["import", "wage-hours", str(path), "--json"])
    summary = json.loads(real.output.splitlines()[-1])
    assert summary["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 2, "refused": 0}
    assert [(r["row"], r["status"]) for r in summary["rows"]] == [(2, "created"), (3, "skipped"), (4, "skipped")]


def test_the_page_shows_a_skipped_row_as_skipped(app, client, auth, make_user, citizens):
    auth.login(make_user("admin").email)

    def post(mode: str) -> str:
        return client.post("/admin/import/", content_type="multipart/form-data", data={
            "kind": "wage_hours", "wage_hours-mode": mode,
            "wage_hours-file": (io.BytesIO(csv_bytes(SKIPPING, header=HEADER)), "loentimer.csv"),
            "wage_hours-csrf_token": auth.csrf_token("/admin/import/")}).get_data(as_text=True)

    for mode, said in (("dry", "Springes over"), ("run", "Sprunget over")):
        page = post(mode)
        counts = page.split('data-testid="import-counts">')[1].split("</table>")[0]
        assert dict(zip(re.findall(r'<th scope="col">([^<]*)</th>', counts), re.findall(r"<td>([^<]*)</td>", counts))) \
            == {"Oprettet": "1", "Opdateret": "0", "Uændret": "0", "Sprunget over": "2", "Afvist": "0"}
        statuses = re.findall(r'data-testid="row-status">([^<]*)<', page)
        assert statuses == ["Oprettes" if mode == "dry" else "Oprettet", said, said]
        assert "Løntilskud er ikke ordinære løntimer" in page and "Virksomhedspraktik er ikke ordinære" in page
        assert "<td>SAG-9</td>" in page  # no citizen to link to


def test_the_citizen_and_opening_imports_count_no_skipped_rows(app):
    from portal.imports.runner import run_import

    with app.app_context():
        report = run_import("openings", io.BytesIO(b"Eksternt id\n"), "o.csv", actor=None, dry_run=True)
    assert "skipped" not in report.counts and "Sprunget over" not in report.status_labels.values()
