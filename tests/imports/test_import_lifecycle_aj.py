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
from store.models import Citizen

from .files import citizen_row, csv_bytes, xlsx_bytes


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
