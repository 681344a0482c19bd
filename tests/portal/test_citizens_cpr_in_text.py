"""A CPR number is never a citizen's name, languages or jobmål (review AN 6; SECURITY.md: never
a CPR number anywhere; the jobmål is shown to companies and returned by the API). The web forms
(»Opret borger«, the profile, a new or edited jobmål), the import file and the API's PUT refuse
a CPR-like number by the portal's one rule (matching.redact.contains_cpr, as for the external
id) at the field or the row's column, keep what was typed on the page, never repeat the number
in the import's report, and write nothing. Ordinary numbers pass."""
from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from portal.citizens import service
from portal.citizens.forms import (CPR_IN_JOB_GOAL_MESSAGE, CPR_IN_LANGUAGES_MESSAGE, CPR_IN_LIMITATIONS_MESSAGE,
                                   CPR_IN_NAME_MESSAGE, job_goal_sentence_problem)
from portal.extensions import db
from portal.imports.runner import run_import
from store.models import AuditEvent, Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN
from tests.imports.files import citizen_row, csv_bytes
from tests.portal.citizen_fixtures import csrf, make_citizen, snapshot
from tests.portal.test_citizens_edit import profile
from tests.portal.test_citizens_new import post

pytestmark = pytest.mark.usefixtures("frozen_today")

NAME = "Eva 010190-1234"
GOAL = "Kok 0101901234"
# Not CPR-shaped: a phone number, years, a DISCO code, eleven digits.
ORDINARY_GOALS = ["Chauffør 21 34 56 78", "Sæsonarbejde 2026-2027", "Kok (DISCO 512010)", "Lager 010190-12345"]


def _digits_free(text: str) -> bool:
    """Whether ``text`` does not repeat the typed number (with or without its hyphen)."""
    return "0101901234" not in re.sub(r"[\s\-\u2212]", "", text)  # any space or minus between


def _field(html: str, name: str) -> str:
    """The form group of the input ``name``: its label, input and error."""
    before, after = html.split(f'name="{name}"', 1)
    return before.rsplit('<div class="form-group', 1)[1] + after.split("</div>", 2)[0]


def _no_cpr_in_log(app) -> None:
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose)).all()
    assert all(_digits_free(p or "") for p in purposes)


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


@pytest.fixture
def citizen_id(app, client, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id)


def test_the_one_rule_refuses_a_cpr_number_in_a_job_goal():
    assert job_goal_sentence_problem(GOAL) == CPR_IN_JOB_GOAL_MESSAGE
    with pytest.raises(service.CitizenChangeError, match="CPR-nummer må ikke stå i et jobmål"):
        service.check_job_goal_text(GOAL, confirmed=True)  # no confirmation lets it through
    assert all(job_goal_sentence_problem(title) is None for title in ORDINARY_GOALS)


def test_the_limitations_description_refuses_a_cpr_number_and_keeps_the_text(app, client, auth, citizen_id):
    # Review AV 11: the most sensitive free text (and in the art. 15 export) follows the one rule.
    before = snapshot(app, citizen_id)
    text = "CPR 010190-1234 har rygproblemer"
    response = client.post(f"/borgere/{citizen_id}/skaanehensyn", data={
        "csrf_token": csrf(auth), "flags": ["quiet_environment"], "text": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Skånehensyn er gemt" not in html
    assert CPR_IN_LIMITATIONS_MESSAGE in html and text in html
    assert snapshot(app, citizen_id) == before
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).limitations_text == ""
        with pytest.raises(service.CitizenChangeError, match="uden CPR-nummer"):  # the service path too
            service.update_limitations(db.session.get(Citizen, citizen_id), [], "Kun 0101901234")
    _no_cpr_in_log(app)


# --- web forms --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [NAME, "Eva Hansen 0101901234", "Eva 010190 1234"])
def test_opret_borger_refuses_a_cpr_number_in_the_name_at_its_field(app, client, auth, consultant, name):
    auth.login(consultant.email)
    response = post(client, auth, name=name)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    field = _field(html, "name")
    assert "form-error" in field and CPR_IN_NAME_MESSAGE in field and f'value="{name}"' in field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0
    _no_cpr_in_log(app)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", NAME, CPR_IN_NAME_MESSAGE),
    ("languages", "dansk, 0101901234", CPR_IN_LANGUAGES_MESSAGE),
])
def test_the_profile_form_refuses_a_cpr_number_and_keeps_the_text(app, client, auth, citizen_id, field, value,
                                                                 message):
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(csrf_token=csrf(auth), **{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    group = _field(html, field)
    assert message in group and f'value="{value}"' in group
    assert snapshot(app, citizen_id) == before
    _no_cpr_in_log(app)


def test_a_new_job_goal_with_a_cpr_number_is_refused_even_when_confirmed(app, client, auth, citizen_id):
    before = snapshot(app, citizen_id)
    for confirmed in ({}, {"title_confirmed": "y"}):
        response = client.post(f"/borgere/{citizen_id}/jobmaal",
                               data={"csrf_token": csrf(auth), "title": GOAL, **confirmed})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Jobmålet er tilføjet" not in html
        group = _field(html, "title")
        assert CPR_IN_JOB_GOAL_MESSAGE in group and f'value="{GOAL}"' in group
    assert snapshot(app, citizen_id) == before
    _no_cpr_in_log(app)


def test_an_edited_job_goal_with_a_cpr_number_is_refused_and_keeps_the_text(app, client, auth, citizen_id):
    with app.app_context():
        goal_id = db.session.get(Citizen, citizen_id).job_goals[0].id
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal/{goal_id}/ret",
                           data={"csrf_token": csrf(auth), "new_title": "Kok 010190-1234",
                                 "old_title": "Lagermedarbejder"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-testid="edit-job-goal"' in html
    group = _field(html, "new_title")
    assert CPR_IN_JOB_GOAL_MESSAGE in group and 'value="Kok 010190-1234"' in group
    assert snapshot(app, citizen_id) == before


# Review AQ 2: what Word, Outlook and case systems' exports put between the groups.
UNICODE_JOINS = {"no-break space": "\u00a0", "narrow no-break space": "\u202f", "figure space": "\u2007",
                 "minus sign": "\u2212"}


@pytest.mark.parametrize("join", UNICODE_JOINS.values(), ids=UNICODE_JOINS.keys())
def test_the_web_forms_refuse_a_cpr_number_joined_by_a_unicode_space_or_minus(app, client, auth, citizen_id, join):
    before = snapshot(app, citizen_id)
    for field, value, message in (("name", f"Anna 010190{join}1234", CPR_IN_NAME_MESSAGE),
                                  ("languages", f"dansk 010190{join}1234", CPR_IN_LANGUAGES_MESSAGE)):
        response = client.post(f"/borgere/{citizen_id}/profil",
                               data=profile(csrf_token=csrf(auth), **{field: value}))
        assert response.status_code == 200
        group = _field(response.get_data(as_text=True), field)
        assert message in group and f'value="{value}"' in group
    goal = f"Chauffør 010190{join}1234"
    response = client.post(f"/borgere/{citizen_id}/jobmaal",
                           data={"csrf_token": csrf(auth), "title": goal, "title_confirmed": "y"})
    group = _field(response.get_data(as_text=True), "title")
    assert response.status_code == 200 and CPR_IN_JOB_GOAL_MESSAGE in group
    assert snapshot(app, citizen_id) == before
    _no_cpr_in_log(app)


@pytest.mark.parametrize("title", ORDINARY_GOALS)
def test_job_goals_with_ordinary_numbers_are_saved(app, client, auth, citizen_id, title):
    response = client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": title})
    assert response.status_code == 302
    assert title in snapshot(app, citizen_id).goals


def test_a_name_and_languages_without_a_cpr_number_are_saved(app, client, auth, citizen_id):
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(
        csrf_token=csrf(auth), name="Eva Hansen", languages="dansk, engelsk", phone="21 34 56 78"))
    assert response.status_code == 302
    assert snapshot(app, citizen_id).fields[0] == "Eva Hansen"


# --- import -----------------------------------------------------------------------------------

def _import(app, rows, dry_run=False):
    with app.app_context():
        return run_import("citizens", io.BytesIO(csv_bytes(rows)), "borgere.csv", actor=None, dry_run=dry_run,
                          cvs=None, cv_folder=app.config["UPLOAD_FOLDER"])


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_import_refuses_a_cpr_number_in_the_name_and_the_job_goal_naming_row_and_column(app, dry_run):
    report = _import(app, [citizen_row("C1"), citizen_row("C2", NAME, Jobmål="Lagermedarbejder; " + GOAL),
                           citizen_row("C3", Jobmål=GOAL)], dry_run=dry_run)
    assert report.counts["created"] == 1 and report.counts["refused"] == 2
    problems = [(p.row, p.external_id, p.column, p.message) for p in report.problems]
    assert problems == [
        (3, "C2", "Navn", CPR_IN_NAME_MESSAGE),
        (3, "C2", "Jobmål", f"Jobmål nr. 2: {CPR_IN_JOB_GOAL_MESSAGE}"),
        (4, "C3", "Jobmål", f"Jobmål nr. 1: {CPR_IN_JOB_GOAL_MESSAGE}"),
    ]
    assert _digits_free(json.dumps(report.to_dict(), ensure_ascii=False))  # the report goes to logs
    with app.app_context():
        names = db.session.scalars(sa.select(Citizen.name)).all()
    assert names == ([] if dry_run else ["Anna Hansen"])
    _no_cpr_in_log(app)


def test_the_import_refuses_a_cpr_number_in_the_languages(app):
    report = _import(app, [citizen_row("C4", Sprog="dansk 010190-1234")])
    [problem] = report.problems
    assert (problem.column, problem.message) == ("Sprog", CPR_IN_LANGUAGES_MESSAGE)


@pytest.mark.parametrize("join", UNICODE_JOINS.values(), ids=UNICODE_JOINS.keys())
def test_the_import_refuses_a_name_with_a_cpr_number_joined_by_a_unicode_space_or_minus(app, join):
    report = _import(app, [citizen_row("C6", f"Anna 010190{join}1234")])
    assert report.counts["refused"] == 1
    assert [(p.column, p.message) for p in report.problems] == [("Navn", CPR_IN_NAME_MESSAGE)]


def test_the_import_takes_ordinary_numbers(app):
    report = _import(app, [citizen_row("C5", Jobmål="; ".join(ORDINARY_GOALS))])
    assert report.counts["created"] == 1, report.problems


# --- API --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "key", "message"), [
    ({"name": NAME}, "name", CPR_IN_NAME_MESSAGE),
    ({"job_goals": ["Lagermedarbejder", GOAL]}, "job_goals", f"Jobmål nr. 2: {CPR_IN_JOB_GOAL_MESSAGE}"),
    ({"languages": "dansk 0101901234"}, "languages", CPR_IN_LANGUAGES_MESSAGE),
    ({"name": "Eva 010190\u00a01234"}, "name", CPR_IN_NAME_MESSAGE),  # review AQ 2
    ({"languages": "dansk 010190\u22121234"}, "languages", CPR_IN_LANGUAGES_MESSAGE),
])
def test_the_api_answers_422_at_the_field(app, client, make_user, changes, key, message):
    raw = make_token(app, make_user("consultant"))
    answer = client.put("/api/v1/citizens/SAG-CPR-1", json=dict(CITIZEN, **changes), headers=bearer(raw))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.json["errors"] == {key: [message]}
    assert _digits_free(answer.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0


def test_the_api_refuses_a_cpr_number_in_an_existing_citizens_job_goal(app, client, make_user):
    raw = make_token(app, make_user("consultant"))
    assert client.put("/api/v1/citizens/SAG-CPR-2", json=CITIZEN, headers=bearer(raw)).status_code == 201
    answer = client.put("/api/v1/citizens/SAG-CPR-2", json=dict(CITIZEN, job_goals=[GOAL]), headers=bearer(raw))
    assert answer.status_code == 422 and "job_goals" in answer.json["errors"]
    listed = client.get("/api/v1/citizens/SAG-CPR-2", headers=bearer(raw)).json
    assert listed["job_goals"] == CITIZEN["job_goals"]
