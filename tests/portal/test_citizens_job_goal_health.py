"""A jobmål is a job title, never a note about the citizen's health (it is matched, indexed and
the source of what a company later sees). One rule on the page, in the import and in the API:
a sentence about the citizen is refused; a health word (portal.health_words.HEALTH_WORDS) needs
a person's confirmation on the page and is refused by a file or the API unless the citizen
already holds that jobmål."""
from __future__ import annotations

import io

import pytest

from portal.citizens import service
from portal.extensions import db
from portal.imports.runner import run_import
from store.models import Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.imports.files import citizen_row, csv_bytes
from tests.portal.citizen_fixtures import audit_actions, csrf, make_citizen, snapshot

HINT = "Skriv stillingsbetegnelser, fx »Lagermedarbejder«. Helbred og skånehensyn hører til under Skånehensyn."


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


@pytest.fixture
def citizen_id(app, client, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id)


def _add(client, auth, citizen_id, title, **extra):
    return client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": title, **extra})


def test_the_form_says_what_a_job_goal_is(client, citizen_id):
    assert HINT in client.get(f"/borgere/{citizen_id}/jobmaal").get_data(as_text=True)


@pytest.mark.parametrize("title, quoted", [
    ("Jeg har ondt i ryggen og kan kun sidde", "»Jeg«"),
    ("Noget hvor min skulder ikke bruges", "»min«"),
])
def test_a_sentence_about_the_citizen_is_refused_even_when_confirmed(app, client, auth, citizen_id, title, quoted):
    before = snapshot(app, citizen_id)
    for confirmed in ({}, {"title_confirmed": "y"}):
        response = _add(client, auth, citizen_id, title, **confirmed)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Jobmålet er tilføjet" not in html
        assert f"ligner en sætning om borgeren ({quoted})" in html
        assert 'name="title_confirmed"' not in html  # nothing to confirm
    assert snapshot(app, citizen_id) == before


def test_a_health_word_is_saved_only_once_confirmed(app, client, auth, citizen_id):
    before = snapshot(app, citizen_id)
    warned = _add(client, auth, citizen_id, "Skånejob på lager")
    html = warned.get_data(as_text=True)
    assert warned.status_code == 200 and "nævne helbred eller skånehensyn (»Skånejob«)" in html
    assert 'name="title_confirmed"' in html and 'value="Skånejob på lager"' in html
    assert snapshot(app, citizen_id) == before
    # A real job title with such a word: the consultant confirms it.
    saved = _add(client, auth, citizen_id, "Stresscoach", title_confirmed="y")
    assert saved.status_code == 302
    assert snapshot(app, citizen_id).goals == ("Lagermedarbejder", "Stresscoach")
    assert "job_goal_added" in audit_actions(app, citizen_id)


def test_an_edit_to_a_health_word_asks_too(app, client, auth, citizen_id):
    with app.app_context():
        goal_id = db.session.get(Citizen, citizen_id).job_goals[0].id
    before = snapshot(app, citizen_id)
    path = f"/borgere/{citizen_id}/jobmaal/{goal_id}/ret"
    warned = client.post(path, data={"csrf_token": csrf(auth), "new_title": "Lager pga. rygskade"})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 400 and "»pga«, »rygskade«" in html and 'name="new_title_confirmed"' in html
    assert snapshot(app, citizen_id) == before
    refused = client.post(path, data={"csrf_token": csrf(auth), "new_title": "Jeg kan kun sidde",
                                      "new_title_confirmed": "y"})
    assert refused.status_code == 400 and snapshot(app, citizen_id) == before
    confirmed = client.post(path, data={"csrf_token": csrf(auth), "new_title": "Angstbehandler",
                                        "new_title_confirmed": "y"})
    assert confirmed.status_code == 302 and snapshot(app, citizen_id).goals == ("Angstbehandler",)


def _import(app, rows):
    with app.app_context():
        return run_import("citizens", io.BytesIO(csv_bytes(rows)), "borgere.csv", actor=None, dry_run=False,
                          cvs=None, cv_folder=app.config["UPLOAD_FOLDER"])


def test_the_import_refuses_what_the_page_refuses(app):
    report = _import(app, [citizen_row("H1", Jobmål="Lagermedarbejder; Jeg har ondt i ryggen"),
                           citizen_row("H2", Jobmål="Kontor (fleksjob)"),
                           citizen_row("H3", Jobmål="Lagermedarbejder")])
    assert report.counts["created"] == 1 and report.counts["refused"] == 2
    by_id = {p.external_id: p for p in report.problems}
    assert by_id["H1"].column == "Jobmål" and "sætning om borgeren (»Jeg«)" in by_id["H1"].message
    assert by_id["H2"].column == "Jobmål" and "(»fleksjob«)" in by_id["H2"].message


def test_the_import_keeps_a_health_word_title_the_citizen_already_holds(app):
    assert _import(app, [citizen_row("H4", Jobmål="Lagermedarbejder")]).counts["created"] == 1
    refused = _import(app, [citizen_row("H4", Jobmål="Stresscoach")])
    assert refused.counts["refused"] == 1
    with app.app_context():  # confirmed on the citizen's page
        citizen = db.session.query(Citizen).filter_by(external_id="H4").one()
        service.add_job_goal(citizen, "Stresscoach", confirmed=True)
        db.session.commit()
    kept = _import(app, [citizen_row("H4", Jobmål="Stresscoach; Lagermedarbejder")])
    assert kept.counts["updated"] == 1, kept.problems


def test_the_api_upsert_uses_the_same_rule(app, client, make_user):
    raw = make_token(app, make_user("consultant"))
    body = {"name": "Sofie Andersen", "benefit_group": "kontanthjaelp", "hours_available": 12,
            "postcode": "8722", "languages": "dansk", "readiness_group": "i_gang", "case_start": "2026-01-05",
            "job_goals": ["Lagermedarbejder", "Jeg har ondt i ryggen og kan kun sidde"]}
    refused = client.put("/api/v1/citizens/SAG-H1", json=body, headers=bearer(raw))
    assert refused.status_code == 422
    assert "sætning om borgeren" in " ".join(refused.get_json()["errors"]["job_goals"])
    health = client.put("/api/v1/citizens/SAG-H1", json=dict(body, job_goals=["Skånejob"]), headers=bearer(raw))
    assert health.status_code == 422 and "»Skånejob«" in " ".join(health.get_json()["errors"]["job_goals"])
    with app.app_context():
        assert db.session.query(Citizen).filter_by(external_id="SAG-H1").count() == 0
