"""Review AV: an import row for a citizen whose case is closed in the portal says so, in the
report and the dry run, and never promises matching for it (3); a new citizen without a VK lands
on a team, the one chosen for the import or the importing user's, or the report warns (1)."""
from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.imports.runner import run_import
from store.models import Citizen, Team, User

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


# --- 1: a new citizen without a VK lands on a team ---------------------------------------------

def _team_of(app, external_id: str) -> int | None:
    with app.app_context():
        return db.session.scalar(sa.select(Citizen.team_id).where(Citizen.external_id == external_id))


def _citizen_id(app, external_id: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Citizen.id).where(Citizen.external_id == external_id))


def _teams(app) -> tuple[int, int]:
    with app.app_context():
        nord, syd = Team(name="Team Nord"), Team(name="Team Syd")
        db.session.add_all([nord, syd])
        db.session.commit()
        return nord.id, syd.id


def test_a_new_citizen_without_a_vk_gets_the_chosen_team(app, make_user):
    nord, _syd = _teams(app)
    with app.app_context():
        report = run_import("citizens", io.BytesIO(csv_bytes([citizen_row("NV-1")])), "b.csv", actor=None,
                            dry_run=False, cv_folder=app.config["UPLOAD_FOLDER"], team_id=nord)
    assert report.counts["created"] == 1 and report.without_vk_team == 1 and report.without_vk_nowhere == 0
    assert report.team_name == "Team Nord" and _team_of(app, "NV-1") == nord
    [link] = report.links
    assert not link.no_team and "virksomhedskonsulent" in link.missing


def test_without_a_choice_the_importing_users_team_is_used(app, make_user):
    consultant = make_user("consultant", email="lene@jc.dk")
    with app.app_context():
        actor = db.session.get(User, consultant.id)
        team_id = actor.team_id
        report = run_import("citizens", io.BytesIO(csv_bytes([citizen_row("NV-2")])), "b.csv", actor=actor,
                            dry_run=False, cv_folder=app.config["UPLOAD_FOLDER"])
    assert team_id is not None and _team_of(app, "NV-2") == team_id and report.without_vk_team == 1


def test_a_citizen_on_no_team_is_warned_of(app):
    report = _run(app, csv_bytes([citizen_row("NV-3")]))
    assert report.without_vk_nowhere == 1 and _team_of(app, "NV-3") is None
    [link] = report.links
    assert link.no_team and link.warnings == ()
    assert any("står derfor ikke på nogen konsulents liste" in w for w in report.to_dict()["rows"][0]["warnings"])
    assert report.to_dict()["created_without_vk"] == {"team": 0, "no_team": 1}


def test_a_row_with_a_vk_keeps_the_vks_team_and_an_update_keeps_the_citizens_team(app, make_user):
    nord, syd = _teams(app)
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        db.session.get(User, vk.id).team_id = syd
        db.session.commit()
    make_citizen(app, external_id="NV-OLD", vk_id=None, team_id=None)
    rows = [citizen_row("NV-4", Virksomhedskonsulent="vk@jc.dk"), citizen_row("NV-OLD", "Sofie Andersen")]
    with app.app_context():
        report = run_import("citizens", io.BytesIO(csv_bytes(rows)), "b.csv", actor=None, dry_run=False,
                            cv_folder=app.config["UPLOAD_FOLDER"], team_id=nord)
    assert _team_of(app, "NV-4") == syd and _team_of(app, "NV-OLD") is None
    assert report.without_vk_team == 0 and report.without_vk_nowhere == 0


def test_the_page_offers_the_teams_and_puts_the_citizen_on_the_chosen_one(app, client, auth, make_user):
    nord, _syd = _teams(app)
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    page = client.get("/admin/import/").get_data(as_text=True)
    assert 'name="citizens-team"' in page and ">Team Nord</option>" in page
    form = {"kind": "citizens", "citizens-mode": "run", "citizens-team": str(nord),
            "citizens-file": (io.BytesIO(csv_bytes([citizen_row("NV-5")])), "borgere.csv"),
            "citizens-csrf_token": auth.csrf_token("/admin/import/")}
    html = client.post("/admin/import/", data=form, content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-testid="import-without-vk-team"' in html
    assert "1 ny borger uden virksomhedskonsulent er lagt i Team Nord og står nu på teamets liste" in html
    assert _team_of(app, "NV-5") == nord


def test_the_page_warns_of_a_new_citizen_on_no_team(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    html = _post(client, auth, csv_bytes([citizen_row("NV-6")]), mode="dry").get_data(as_text=True)
    assert 'data-testid="import-without-vk-nowhere"' in html
    assert "1 ny borger får hverken virksomhedskonsulent eller team</strong>" in html
    assert 'data-testid="row-no-team"' in html and 'data-testid="row-no-team-link"' not in html  # nobody yet
    html = _post(client, auth, csv_bytes([citizen_row("NV-6")])).get_data(as_text=True)
    cid = _citizen_id(app, "NV-6")
    assert f'href="/borgere/{cid}/sagsbehandlere" data-testid="row-no-team-link"' in html


def test_the_command_takes_a_team_by_name_and_prints_what_went_where(app, tmp_path):
    nord, _syd = _teams(app)
    path = tmp_path / "borgere.csv"
    path.write_bytes(csv_bytes([citizen_row("NV-7")]))
    cli = app.test_cli_runner()
    unknown = cli.invoke(args=["import", "citizens", str(path), "--team", "Team Øst"])
    assert unknown.exit_code != 0 and "no team with that name" in unknown.output
    nowhere = cli.invoke(args=["import", "citizens", str(path), "--dry-run"])
    assert "1 ny borger får hverken virksomhedskonsulent eller team" in nowhere.output
    assert "står derfor ikke på nogen konsulents liste" in nowhere.output  # the row's warning
    done = cli.invoke(args=["import", "citizens", str(path), "--team", "team nord"])
    assert done.exit_code == 0, done.output
    assert "1 ny borger uden virksomhedskonsulent er lagt i Team Nord." in done.output
    assert _team_of(app, "NV-7") == nord


def test_the_command_warns_of_a_closed_case(app, make_user, tmp_path):
    _closed_citizen(app, make_user)
    path = tmp_path / "borgere.csv"
    path.write_bytes(csv_bytes([citizen_row("AV-4", "Jens Jensen", **{"Timer pr. uge": "25"})]))
    result = app.test_cli_runner().invoke(args=["import", "citizens", str(path), "--dry-run"])
    assert "1 borger har en afsluttet sag i portalen: den matches ikke" in result.output
    assert "advarsel: Sagen er afsluttet i portalen (05.12.2026)" in result.output
