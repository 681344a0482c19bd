"""Review AJ: jobmål split on line breaks in a cell (8), the report says who cannot be matched
yet and why (7), and a row that looks like a citizen already in the portal is not created
silently (3)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.imports.columns import split_list
from portal.imports.runner import run_import
from store.models import AuditEvent, Citizen

from tests.portal.citizen_fixtures import make_citizen

from .files import HEADER, citizen_row, csv_bytes, xlsx_bytes


def _run(app, data: bytes, **kwargs):
    with app.app_context():
        return run_import("citizens", io.BytesIO(data), "borgere.csv", actor=None, dry_run=False,
                          cv_folder=app.config["UPLOAD_FOLDER"], **kwargs)


def _post(client, auth, data: bytes, **fields):
    form = {"kind": "citizens", "citizens-mode": "run", "citizens-file": (io.BytesIO(data), "borgere.csv"),
            "citizens-csrf_token": auth.csrf_token("/admin/import/"), **fields}
    return client.post("/admin/import/", data=form, content_type="multipart/form-data")


def _goals(app, external_id: str) -> list[str]:
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == external_id))
        return [g.title for g in citizen.job_goals]


@pytest.mark.parametrize("cell", ["Kok\nTjener", "Kok\r\nTjener", "Kok\n\nTjener\n", "Kok;\nTjener"])
def test_split_list_splits_on_line_breaks(cell):
    assert split_list(cell) == ["Kok", "Tjener"]


def test_an_excel_cell_with_alt_enter_gives_two_job_goals(app):
    report = _run(app, xlsx_bytes([citizen_row("1001", Jobmål="Kok\nTjener")]))
    assert report.counts["created"] == 1
    assert _goals(app, "1001") == ["Kok", "Tjener"]


def test_a_csv_cell_with_a_line_break_gives_two_job_goals(app):
    _run(app, csv_bytes([citizen_row("1002", Jobmål="Kok\r\nTjener")]))
    assert _goals(app, "1002") == ["Kok", "Tjener"]


# --- 7: who cannot be matched yet ------------------------------------------------------------

def test_the_report_names_what_each_new_citizen_lacks_for_matching(app):
    report = _run(app, csv_bytes([citizen_row("TAB-1", Jobmål="Kok|Tjener")]))
    assert report.counts["created"] == 1
    [link] = report.links
    assert link.missing == ("CV", "virksomhedskonsulent")
    assert report.unmatchable == 1 and report.missing_counts == {"CV": 1, "virksomhedskonsulent": 1}
    assert report.to_dict()["rows"][0]["missing_for_matching"] == ["CV", "virksomhedskonsulent"]


def test_the_import_page_does_not_promise_matching_for_citizens_that_cannot_be_matched(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    response = _post(client, auth, csv_bytes([citizen_row("TAB-1")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "matchingen opdateres om lidt" not in html
    assert 'data-testid="import-unmatchable"' in html and "1 af de oprettede borgere kan ikke matches endnu" in html
    with app.app_context():
        cid = db.session.scalar(sa.select(Citizen.id).where(Citizen.external_id == "TAB-1"))
    assert f'href="/borgere/{cid}/cv" data-testid="row-missing-fix">CV</a>' in html
    assert f'href="/borgere/{cid}/sagsbehandlere" data-testid="row-missing-fix">virksomhedskonsulent</a>' in html
    assert 'href="/borgere/?scope=all&amp;incomplete=y"' in html


# --- 3: a row like a citizen in the portal -----------------------------------------------------

DORTE = {"Telefon": "22334455", "E-mail": "dorte.dublet@example.dk"}
DORTE_HEADER = [*HEADER, "Telefon", "E-mail"]


def _dorte_row(external_id: str = "DUP-9", **overrides) -> list:
    return [*citizen_row(external_id, "Dorte Dublet", **overrides), DORTE["Telefon"], DORTE["E-mail"]]


def _by_hand(app) -> int:
    """Dorte as »Opret borger« makes her: no id in the case system."""
    return make_citizen(app, name="Dorte Dublet", phone="22 33 44 55", email="dorte.dublet@example.dk")


def _names(app) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(sa.select(Citizen.name, Citizen.external_id).order_by(Citizen.id))]


def test_a_row_like_a_citizen_made_by_hand_is_refused_and_names_that_citizen(app):
    cid = _by_hand(app)
    report = _run(app, csv_bytes([_dorte_row()], header=DORTE_HEADER))
    assert report.counts["created"] == 0 and report.counts["refused"] == 1
    [problem] = report.problems
    assert problem.column == "Navn" and problem.duplicate_of == (cid,)
    assert f"ligner borger nr. {cid} (samme navn og e-mail og telefon, oprettet i portalen uden id)" in problem.message
    assert "»Knyt id'et til borgeren«" in problem.message and "--lookalikes attach" in problem.message
    assert _names(app) == [("Dorte Dublet", None)]


def test_a_row_like_a_citizen_with_its_own_id_is_not_told_to_attach(app):
    """Review AK 8: the refusal advised »Knyt id'et til borgeren«, which was then refused too."""
    cid = _by_hand(app)
    with app.app_context():
        db.session.get(Citizen, cid).external_id = "FAG-1"
        db.session.commit()
    [problem] = _run(app, csv_bytes([_dorte_row()], header=DORTE_HEADER)).problems
    assert "Knyt" not in problem.message and f"borger nr. {cid} har allerede id'et FAG-1" in problem.message
    assert "--lookalikes create" in problem.message


def test_attach_gives_the_citizen_made_by_hand_the_case_systems_id(app):
    cid = _by_hand(app)
    report = _run(app, csv_bytes([_dorte_row()], header=DORTE_HEADER), lookalikes="attach")
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 0, "refused": 0}
    [link] = report.links
    assert link.entity_id == cid and any("knyttet til borger nr." in w for w in link.warnings)
    assert _names(app) == [("Dorte Dublet", "DUP-9")]
    assert _run(app, csv_bytes([_dorte_row()], header=DORTE_HEADER)).counts["unchanged"] == 1  # the next sync


def test_create_anyway_creates_a_second_citizen(app):
    cid = _by_hand(app)
    report = _run(app, csv_bytes([_dorte_row()], header=DORTE_HEADER), lookalikes="create")
    assert report.counts["created"] == 1
    assert _names(app) == [("Dorte Dublet", None), ("Dorte Dublet", "DUP-9")]
    with app.app_context():  # the override audited as the web's and the API's (review BN 3)
        second = db.session.scalar(sa.select(Citizen.id).where(Citizen.external_id == "DUP-9"))
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.citizen_id == second, AuditEvent.action == "citizen_imported")).all()
    assert f"likely duplicate created anyway: Citizen:{cid}" in purposes


@pytest.mark.parametrize("dry_run", [True, False])
def test_two_rows_for_one_person_in_the_same_file_are_caught(app, dry_run):
    with app.app_context():
        report = run_import("citizens", io.BytesIO(csv_bytes([_dorte_row("DUP-1"), _dorte_row("DUP-2")],
                                                             header=DORTE_HEADER)),
                            "borgere.csv", actor=None, dry_run=dry_run, cv_folder=app.config["UPLOAD_FOLDER"])
    assert (report.counts["created"], report.counts["refused"]) == (1, 1)
    [problem] = report.problems
    assert "ligner rækken med eksternt id DUP-1 i filen" in problem.message
    assert problem.duplicate_of == ()  # no link: in a dry run that citizen's id belongs to nobody


def test_the_import_page_offers_the_choice_and_links_the_lookalike(app, client, auth, make_user):
    cid = _by_hand(app)
    auth.login(make_user("admin", email="admin@jc.dk").email)
    assert 'data-testid="import-lookalikes"' in client.get("/admin/import/").get_data(as_text=True)
    html = _post(client, auth, csv_bytes([_dorte_row()], header=DORTE_HEADER)).get_data(as_text=True)
    assert f'href="/borgere/{cid}" data-testid="problem-duplicate-link">Se borger nr. {cid}</a>' in html
    _post(client, auth, csv_bytes([_dorte_row()], header=DORTE_HEADER), **{"citizens-lookalikes": "attach"})
    assert _names(app) == [("Dorte Dublet", "DUP-9")]
