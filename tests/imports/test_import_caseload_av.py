"""Review AV: an import row for a citizen whose case is closed in the portal says so, in the
report and the dry run, and never promises matching for it (3); a new citizen without a VK lands
on the importing user's team (1)."""
from __future__ import annotations

import io
from datetime import date


from portal.extensions import db
from portal.imports.runner import run_import
from store.models import Citizen

from tests.portal.citizen_fixtures import make_citizen

from .files import csv_bytes, citizen_row


def _run(app, data: bytes, *, dry_run: bool = False, actor=None):
    with app.app_context():
        return run_import("citizens", io.BytesIO(data), "borgere.csv", actor=actor, dry_run=dry_run,
                          cv_folder=app.config["UPLOAD_FOLDER"])


def _post(client, auth, data: bytes, mode: str = "run"):
    form = {"kind": "citizens", "citizens-mode": mode, "citizens-file": (io.BytesIO(data), "borgere.csv"),
            "citizens-csrf_token": auth.csrf_token("/admin/import/")}
    return client.post("/admin/import/", data=form, content_type="multipart/form-data")


def _closed_citizen(app, make_user) -> int:
    vk = make_user("consultant", email="vk@jc.dk")
    return make_citizen(app, name="Jens Jensen", external_id="AV-4", vk_id=vk.id,
                        case_closed=date(2026, 12, 5), case_close_reason="flyttet")


# --- 3: a closed case -------------------------------------------------------------------------

def test_an_update_of_a_closed_case_is_warned_and_counted_and_the_case_stays_closed(app, make_user):
    cid = _closed_citizen(app, make_user)
    report = _run(app, csv_bytes([citizen_row("AV-4", "Jens Jensen", **{"Timer pr. uge": "25"})]))
    assert report.counts["updated"] == 1
    assert report.closed == 1 and report.unmatchable == 0
    [link] = report.links
    assert link.entity_id == cid and link.closed_on == date(2026, 12, 5)
    assert "Sagen er afsluttet i portalen (05.12.2026)" in link.closed_note
    assert "er opdateret, men matches ikke" in link.closed_note and "genåbner ikke sagen" in link.closed_note
    summary = report.to_dict()
    assert summary["closed_cases"] == 1
    assert summary["rows"][0]["case_closed"] == "2026-12-05" and link.closed_note in summary["rows"][0]["warnings"]
    with app.app_context():
        citizen = db.session.get(Citizen, cid)
        assert citizen.case_closed == date(2026, 12, 5) and citizen.hours_available == 25


def test_the_dry_run_says_it_of_a_closed_case_too(app, make_user):
    _closed_citizen(app, make_user)
    report = _run(app, csv_bytes([citizen_row("AV-4", "Jens Jensen", **{"Timer pr. uge": "25"})]), dry_run=True)
    assert report.closed == 1
    [link] = report.links
    assert "Borgeren opdateres, men matches ikke" in link.closed_note


def test_an_unchanged_row_of_a_closed_case_is_not_warned(app, make_user):
    _closed_citizen(app, make_user)
    row = citizen_row("AV-4", "Jens Jensen")
    _run(app, csv_bytes([row]))
    report = _run(app, csv_bytes([row]))
    assert report.counts["unchanged"] == 1 and report.closed == 0 and report.links == []


def test_the_page_warns_links_the_case_and_promises_no_matching(app, client, auth, make_user):
    cid = _closed_citizen(app, make_user)
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    response = _post(client, auth, csv_bytes([citizen_row("AV-4", "Jens Jensen", **{"Timer pr. uge": "25"})]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "matchingen opdateres om lidt" not in html
    assert 'data-testid="import-closed"' in html
    assert "1 borger i filen har en afsluttet sag i portalen</strong> og er opdateret, men matches ikke" in html
    assert "Importen genåbner ikke en sag" in html
    assert f'href="/borgere/{cid}#sag" data-testid="row-closed-link"' in html


def test_the_dry_run_page_warns_of_a_closed_case(app, client, auth, make_user):
    _closed_citizen(app, make_user)
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    html = _post(client, auth, csv_bytes([citizen_row("AV-4", "Jens Jensen", **{"Timer pr. uge": "25"})]),
                 mode="dry").get_data(as_text=True)
    assert 'data-testid="import-closed"' in html and "og opdateres, men matches ikke" in html
    assert 'data-testid="row-closed"' in html
