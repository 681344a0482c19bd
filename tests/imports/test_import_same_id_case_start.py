"""The import follows the web's rules (review AV 7 and AV 9 follow-ups).

AV 9: a row whose Sagsstart lies after the case's closing is refused at its Sagsstart column with
the date (service.check_case_start, the profile form's rule), and the other rows of the file are
saved; nothing of the refused row is written, in the dry run too.

AV 7: a row finds its citizen by the one rule for the same case-system id
(service.same_external_id: trimmed, without regard to upper or lower case, by the indexed folded
key), so »av-9« updates the citizen »AV-9« instead of creating a second one; two rows of a file
with the same id in different case are duplicates; an id two stored citizens hold in different
case is exact-first, else refused.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.imports import citizens as import_citizens
from portal.imports import service as import_service
from portal.imports.runner import run_import
from store.models import CaseClosure, Citizen

from tests.portal.citizen_fixtures import make_citizen
from tests.sql_statements import statements

from .files import citizen_row, csv_bytes

pytestmark = pytest.mark.usefixtures("frozen_today")


def _run(app, data: bytes, *, dry_run: bool = False):
    with app.app_context():
        return run_import("citizens", io.BytesIO(data), "borgere.csv", actor=None, dry_run=dry_run,
                          cv_folder=app.config["UPLOAD_FOLDER"])


def _citizens(app) -> list[tuple[str, str, date, float]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Citizen.external_id, Citizen.name, Citizen.case_start, Citizen.hours_available)
            .order_by(Citizen.id))]


# --- AV 9: Sagsstart after the case's closing -----------------------------------------------------

@pytest.fixture
def closed_id(app):
    return make_citizen(app, name="Anna Hansen", external_id="AV-9", case_start=date(2025, 3, 1),
                        case_closed=date(2026, 11, 5), case_close_reason="flyttet", hours_available=7.5)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_case_start_after_the_closing_refuses_that_row_and_the_others_are_saved(app, closed_id, dry_run):
    before = _citizens(app)
    report = _run(app, csv_bytes([
        citizen_row("AV-9", "Anna Hansen", **{"Sagsstart": "06.11.2026", "Timer pr. uge": "20"}),
        citizen_row("AV-10", "Bo Berg")]), dry_run=dry_run)
    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "refused": 1}
    [problem] = report.problems
    assert problem.row == 2 and problem.external_id == "AV-9"
    assert problem.column == import_citizens.LABELS["case_start"] == "Sagsstart"
    assert problem.message.startswith("Sagsstart kan ikke ligge efter sagens afslutning (05.11.2026)")
    after = _citizens(app)
    assert after[0] == before[0] == ("AV-9", "Anna Hansen", date(2025, 3, 1), 7.5)  # nothing of the row
    assert [row[0] for row in after] == (["AV-9"] if dry_run else ["AV-9", "AV-10"])


def test_a_reopened_case_is_limited_by_its_first_closing_and_a_start_on_the_day_is_saved(app):
    cid = make_citizen(app, name="Anna Hansen", external_id="AV-9", case_start=date(2025, 3, 1))
    with app.app_context():
        db.session.add(CaseClosure(citizen_id=cid, closed_on=date(2025, 6, 1), reopened_on=date(2025, 9, 1)))
        db.session.commit()
    refused = _run(app, csv_bytes([citizen_row("AV-9", "Anna Hansen", Sagsstart="02.06.2025")]))
    assert refused.counts["refused"] == 1 and "første afslutning (01.06.2025)" in refused.problems[0].message
    saved = _run(app, csv_bytes([citizen_row("AV-9", "Anna Hansen", Sagsstart="01.06.2025")]))
    assert saved.counts["updated"] == 1 and _citizens(app)[0][2] == date(2025, 6, 1)


def test_dates_out_of_order_from_before_do_not_block_another_change(app):
    make_citizen(app, name="Anna Hansen", external_id="AV-9", case_start=date(2026, 11, 6),
                 case_closed=date(2026, 11, 5), case_close_reason="flyttet")
    report = _run(app, csv_bytes([citizen_row("AV-9", "Anna Hansen", Sagsstart="06.11.2026",
                                              **{"Timer pr. uge": "20"})]))
    assert report.counts["updated"] == 1 and _citizens(app)[0][3] == 20


# --- AV 7: the same case-system id ----------------------------------------------------------------

def test_a_row_in_another_case_updates_the_citizen_and_keeps_its_stored_id(app):
    cid = make_citizen(app, name="Anna Hansen", external_id="AV-9", hours_available=7.5)
    report = _run(app, csv_bytes([citizen_row(" av-9 ", "Anna Hansen", **{"Timer pr. uge": "20"})]))
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 0, "refused": 0}
    assert report.links[0].entity_id == cid
    assert [(row[0], row[3]) for row in _citizens(app)] == [("AV-9", 20)]


def test_rows_of_one_file_with_the_same_id_in_different_case_are_duplicates(app):
    report = _run(app, csv_bytes([citizen_row("AV-9", "Anna Hansen"), citizen_row("av-9", "Anna Hansen")]))
    assert report.counts["refused"] == 2 and _citizens(app) == []
    assert all("står i flere rækker (2, 3)" in p.message and "store og små bogstaver" in p.message
               for p in report.problems)


def test_an_id_two_citizens_hold_in_different_case_is_exact_first_else_refused(app):
    first = make_citizen(app, name="Anna Hansen", external_id="Av-9", hours_available=7.5)
    second = make_citizen(app, name="Anna Hansen", external_id="aV-9", hours_available=7.5)
    exact = _run(app, csv_bytes([citizen_row("aV-9", "Anna Hansen", **{"Timer pr. uge": "20"})]))
    assert exact.counts["updated"] == 1 and exact.links[0].entity_id == second
    refused = _run(app, csv_bytes([citizen_row("AV-9", "Anna Hansen", **{"Timer pr. uge": "30"})]))
    assert refused.counts["refused"] == 1 and refused.problems[0].column == "Eksternt id"
    assert f"borger nr. {first} (Av-9), borger nr. {second} (aV-9)" in refused.problems[0].message
    assert [row[3] for row in _citizens(app)] == [7.5, 20]


def test_a_row_finds_its_citizen_by_the_indexed_key(app):
    """The rule compares the folded key (Citizen.external_id_key, indexed by 0035), never
    lower(external_id), which no index served: no row reads every citizen."""
    make_citizen(app, name="Anna Hansen", external_id="AV-9")
    with statements(app) as seen:
        report = _run(app, csv_bytes([citizen_row(f"NY-{i}", f"Borger {i}") for i in range(5)]
                                     + [citizen_row("av-9", "Anna Hansen")]))
    assert report.counts["created"] == 5 and report.counts["updated"] == 1
    assert not [s for s in seen if "lower(citizen.external_id)" in s]
    assert [s for s in seen if "citizen.external_id_key =" in s]


def test_find_citizen_searches_by_the_rule(app):
    cid = make_citizen(app, external_id="SAG/2026/ÆØ-1")
    with app.app_context():
        assert import_service.find_citizen(db.session, "sag/2026/ÆØ-1").id == cid
        assert import_service.find_citizen(db.session, "SAG/2026/ÆØ-2") is None
