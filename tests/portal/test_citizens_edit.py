"""Citizen edits: profile, jobmål and caseworkers. Every accepted change bumps the row
version and writes an outbox row and an audit event in one commit; a refused one writes
nothing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.citizens import service
from portal.extensions import db
from store.models import Citizen, OutboxEvent, Team, User
from tests.clock import TODAY
from tests.portal.citizen_fixtures import audit_actions, csrf, make_citizen, snapshot

HUGE = "x" * 1_000_000


PURPOSE = "Overtager sagen efter aftale med teamlederen"  # a caseworker change from outside the case (review AZ 1)


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


@pytest.fixture
def citizen_id(app, client, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id)


def profile(**overrides) -> dict:
    data = {"name": "Sofie Andersen", "phone": "", "email": "", "benefit_group": "kontanthjaelp",
            "hours_available": "15", "postcode": "8722", "max_commute_km": "25",
            "languages": "dansk", "readiness_group": "paa_vej", "case_start": "2025-03-01", "version": "1"}
    data.update(overrides)
    return data


def count_commits(app):
    """A list that grows by one per database COMMIT (all connections of the app's engine)."""
    commits: list[int] = []
    with app.app_context():
        event.listen(db.engine, "commit", lambda _conn: commits.append(1))
    return commits


# --- profile -------------------------------------------------------------------------------

def test_profile_change_bumps_version_and_writes_outbox_and_audit_in_one_commit(app, client, auth, citizen_id):
    token = csrf(auth)
    before = snapshot(app, citizen_id)
    commits = count_commits(app)
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(
        csrf_token=token, hours_available="7,5", postcode="7130", languages="Dansk ,engelsk,,dansk",
        driving_licences=["CE", "B"]))
    assert response.status_code == 302
    assert len(commits) == 1  # change, outbox row and audit event together
    after = snapshot(app, citizen_id)
    assert after.version == before.version + 1
    assert after.outbox == before.outbox + 1 and after.audit_changes == before.audit_changes + 1
    with app.app_context():
        c = db.session.get(Citizen, citizen_id)
        assert (c.hours_available, c.postcode, c.languages, c.driving_licences) == (
            7.5, "7130", "dansk, engelsk", ["B", "CE"])  # in licence-card order
        row = db.session.scalars(sa.select(OutboxEvent)).one()
        assert (row.entity, row.entity_id, row.status) == ("citizen", citizen_id, "pending")


def test_profile_form_shows_numbers_the_danish_way_and_keeps_what_was_typed(app, client, auth, citizen_id):
    with app.app_context():
        c = db.session.get(Citizen, citizen_id)
        c.hours_available, c.max_commute_km = 37.0, 12.5
        db.session.commit()
    html = client.get(f"/borgere/{citizen_id}/profil").get_data(as_text=True)
    assert 'value="37"' in html
    assert 'value="12,5"' in html and "37.0" not in html and "12.5" not in html
    response = client.post(f"/borgere/{citizen_id}/profil",
                           data=profile(csrf_token=csrf(auth), hours_available="otte"))
    assert 'value="otte"' in response.get_data(as_text=True) and "Skriv et tal" in response.get_data(as_text=True)


def test_saving_an_unchanged_profile_writes_nothing(app, client, auth, citizen_id):
    before = snapshot(app, citizen_id)
    client.post(f"/borgere/{citizen_id}/profil", data=profile(csrf_token=csrf(auth)))
    assert snapshot(app, citizen_id) == before


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Skriv borgerens navn"),
    ("name", HUGE, "Navnet skal være 2–120 tegn"),
    ("name", "Sofie\x00Andersen", "usynlige tegn"),
    ("name", "Sofie \u202eneserdnA", "usynlige tegn"),
    ("name", "So\u200bfie Andersen", "usynlige tegn"),
    ("hours_available", "-5", "mellem 0 og 80"),
    ("hours_available", "81", "mellem 0 og 80"),
    ("hours_available", "nan", "Skriv et tal"),
    ("hours_available", "inf", "Skriv et tal"),
    ("hours_available", "femten", "Skriv et tal"),
    ("hours_available", "", "Skriv antal timer"),
    ("max_commute_km", "-1", "mellem 0 og 200"),
    ("postcode", "9999", "Postnummeret kendes ikke"),
    ("postcode", "87a2", "4 cifre"),
    ("postcode", "' OR 1=1--", "4 cifre"),
    ("case_start", "2025-02-31", "Datoen findes ikke. Skriv den som dd.mm.åååå"),
    ("case_start", "31-02-2025", "Datoen findes ikke. Skriv den som dd.mm.åååå"),
    ("case_start", (TODAY + timedelta(days=1)).isoformat(), "mellem 1990 og i dag"),  # lives on TODAY
    ("benefit_group", "pension", "Vælg en af mulighederne"),
    ("readiness_group", "", "Vælg"),
    ("languages", "", "Skriv mindst ét sprog"),
    ("languages", "dansk\u2066", "usynlige tegn"),
])
def test_bad_profile_input_is_refused_and_nothing_is_written(frozen_today, app, client, auth, citizen_id, field, value,
                                                            message):
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(csrf_token=csrf(auth), **{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before


PHONE_MESSAGE = "Skriv et dansk telefonnummer med 8 cifre"
EMAIL_MESSAGE = "Skriv en gyldig e-mailadresse"


@pytest.mark.parametrize("field, value, message", [
    ("phone", "ring efter kl. 10", PHONE_MESSAGE),
    ("phone", "1234567", PHONE_MESSAGE),
    ("phone", "123456789", PHONE_MESSAGE),
    ("phone", "+46 70 123 45 67", PHONE_MESSAGE),
    ("phone", "<script>alert(1)</script>", PHONE_MESSAGE),
    ("phone", "２１３４５６７８", PHONE_MESSAGE),
    ("phone", "21-34-56-7x", PHONE_MESSAGE),
    ("email", "sofie", EMAIL_MESSAGE),
    ("email", "sofie@", EMAIL_MESSAGE),
    ("email", "@mail.dk", EMAIL_MESSAGE),
    ("email", "sofie@@mail.dk", EMAIL_MESSAGE),
    ("email", "sofie andersen@mail.dk", EMAIL_MESSAGE),
    ("email", "' OR 1=1--", EMAIL_MESSAGE),
    ("email", "<script>@mail.dk", EMAIL_MESSAGE),
])
def test_bad_contact_details_are_refused(app, client, auth, citizen_id, field, value, message):
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(csrf_token=csrf(auth), **{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before


@pytest.mark.parametrize("phone, stored", [
    ("21345678", "21 34 56 78"), ("21 34 56 78", "21 34 56 78"), ("+45 21 34 56 78", "21 34 56 78"),
    ("+4521345678", "21 34 56 78"), ("0045 2134 5678", "21 34 56 78"), ("", ""),
])
@pytest.mark.parametrize("email", ["sofie.andersen@mail.dk", "søren@jobcenter.dk", ""])
def test_danish_phone_numbers_and_valid_emails_are_accepted(app, client, auth, citizen_id, phone, stored, email):
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(csrf_token=csrf(auth), phone=phone,
                                                                         email=email))
    assert response.status_code == 302
    with app.app_context():
        c = db.session.get(Citizen, citizen_id)
        assert (c.phone, c.email) == (stored, email)


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "{{7*7}}", "=HYPERLINK(\"x\")"])
def test_markup_in_a_name_is_stored_as_text_and_escaped(app, client, auth, citizen_id, value):
    client.post(f"/borgere/{citizen_id}/profil", data=profile(csrf_token=csrf(auth), name=value))
    html = client.get(f"/borgere/{citizen_id}").get_data(as_text=True)
    heading = html.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "<script>alert(1)" not in html
    assert "{{7*7}}" in heading if value == "{{7*7}}" else True  # shown literally, never evaluated
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).name == value


def test_extra_fields_are_ignored(app, client, auth, consultant, citizen_id):
    response = client.post(f"/borgere/{citizen_id}/profil", data=profile(
        csrf_token=csrf(auth), role="admin", company_id="1", vk_id="999", restricted="y",
        version="1", id="77", status="approved", consent="true"))
    assert response.status_code == 302
    with app.app_context():
        c = db.session.get(Citizen, citizen_id)
        assert (c.id, c.vk_id, c.restricted) == (citizen_id, consultant.id, False)
        assert db.session.get(User, consultant.id).role == "consultant"


def test_profile_post_without_csrf_is_refused(app, client, citizen_id):
    before = snapshot(app, citizen_id)
    assert client.post(f"/borgere/{citizen_id}/profil", data=profile(name="Ny")).status_code == 400
    assert snapshot(app, citizen_id) == before


def test_restricted_citizen_is_read_only(app, client, auth, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, restricted=True)
    before = snapshot(app, cid)
    client.post(f"/borgere/{cid}/profil", data=profile(csrf_token=csrf(auth), name="Ny Navn"))
    client.post(f"/borgere/{cid}/jobmaal", data={"csrf_token": csrf(auth), "title": "Chauffør"})
    assert snapshot(app, cid) == before
    assert "Behandlingen af borgerens oplysninger er begrænset" in client.get(f"/borgere/{cid}/jobmaal").get_data(as_text=True)


def test_a_failing_outbox_write_rolls_the_change_back(app, client, auth, citizen_id, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(service, "citizen_changed", broken)
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": "Chauffør"})
    assert response.status_code == 500
    assert snapshot(app, citizen_id) == before


# --- jobmål --------------------------------------------------------------------------------

def test_add_move_and_remove_job_goals(app, client, auth, citizen_id):
    token = csrf(auth)
    v0 = snapshot(app, citizen_id)
    commits = count_commits(app)
    assert client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": token, "title": "  Chauffør  "}).status_code == 302
    assert len(commits) == 1
    v1 = snapshot(app, citizen_id)
    assert v1.goals == ("Lagermedarbejder", "Chauffør")
    assert (v1.version, v1.outbox) == (v0.version + 1, v0.outbox + 1)
    with app.app_context():
        goals = db.session.get(Citizen, citizen_id).job_goals
        first, second = goals[0].id, goals[1].id
    client.post(f"/borgere/{citizen_id}/jobmaal/{second}/flyt", data={"csrf_token": token, "direction": "up"})
    v2 = snapshot(app, citizen_id)
    assert v2.goals == ("Chauffør", "Lagermedarbejder") and v2.version == v1.version + 1
    client.post(f"/borgere/{citizen_id}/jobmaal/{second}/flyt", data={"csrf_token": token, "direction": "up"})
    assert snapshot(app, citizen_id) == v2  # already first: nothing written
    unconfirmed = client.post(f"/borgere/{citizen_id}/jobmaal/{first}/slet", data={"csrf_token": token})
    assert unconfirmed.headers["Location"].endswith(f"/borgere/{citizen_id}/jobmaal?fjern={first}#jobmaal-{first}")
    assert snapshot(app, citizen_id) == v2  # "Fjern" alone only asks
    asked = client.get(unconfirmed.headers["Location"]).get_data(as_text=True)
    assert "Fjern jobmålet »Lagermedarbejder«?" in asked and 'name="confirmed" value="ja"' in asked
    client.post(f"/borgere/{citizen_id}/jobmaal/{first}/slet", data={"csrf_token": token, "confirmed": "ja"})
    v3 = snapshot(app, citizen_id)
    assert v3.goals == ("Chauffør",) and v3.version == v2.version + 1 and v3.outbox == v2.outbox + 1
    assert audit_actions(app, citizen_id).count("job_goal_added") == 1
    assert {"job_goal_moved", "job_goal_removed"} <= set(audit_actions(app, citizen_id))


def test_the_last_job_goal_cannot_be_removed(app, client, auth, citizen_id):
    before = snapshot(app, citizen_id)
    with app.app_context():
        only = db.session.get(Citizen, citizen_id).job_goals[0].id
    response = client.post(f"/borgere/{citizen_id}/jobmaal/{only}/slet", data={"csrf_token": csrf(auth),
                                                                              "confirmed": "ja"},
                           follow_redirects=True)
    assert "mindst ét jobmål" in response.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before


@pytest.mark.parametrize("title, message", [
    ("", "Skriv et jobmål"),
    ("x", "2–200 tegn"),
    ("x" * 201, "2–200 tegn"),
    (HUGE, "2–200 tegn"),
    ("Lager\x00medarbejder", "usynlige tegn"),
    ("Lager\u202emedarbejder", "usynlige tegn"),
    ("Lager\u200dmedarbejder", "usynlige tegn"),
    ("lagermedarbejder", "allerede det jobmål"),
])
def test_bad_job_goals_are_refused(app, client, auth, citizen_id, title, message):
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": title})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before


def test_a_job_goal_is_edited_in_place_keeping_its_priority(app, client, auth, citizen_id):
    client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": "Chauffør"})
    with app.app_context():
        first = db.session.get(Citizen, citizen_id).job_goals[0].id
    page = client.get(f"/borgere/{citizen_id}/jobmaal?ret={first}").get_data(as_text=True)
    assert 'data-testid="edit-job-goal"' in page and 'value="Lagermedarbejder"' in page
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal/{first}/ret",
                           data={"csrf_token": csrf(auth), "new_title": "  Lagermedarbejder med truck "})
    assert response.status_code == 302
    after = snapshot(app, citizen_id)
    assert after.goals == ("Lagermedarbejder med truck", "Chauffør")  # still first
    assert (after.version, after.outbox) == (before.version + 1, before.outbox + 1)
    assert "job_goal_renamed" in audit_actions(app, citizen_id)


@pytest.mark.parametrize("title, message", [
    ("", "Skriv et jobmål"),
    ("x", "2–200 tegn"),
    ("x" * 201, "2–200 tegn"),
    ("Lager\u202emedarbejder", "usynlige tegn"),
    ("chauffør", "allerede det jobmål"),
])
def test_bad_job_goal_edits_are_refused_and_keep_the_typed_text(app, client, auth, citizen_id, title, message):
    client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": "Chauffør"})
    with app.app_context():
        first = db.session.get(Citizen, citizen_id).job_goals[0].id
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal/{first}/ret", data={"csrf_token": csrf(auth), "new_title": title})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'data-testid="edit-job-goal"' in html
    if title and len(title) <= 200 and "\u202e" not in title:
        assert f'value="{title}"' in html
    assert snapshot(app, citizen_id) == before


@pytest.mark.parametrize("title", ["<script>alert(1)</script>", "{{7*7}}", "Kok (a/b) * ? ~ AND"])
def test_job_goal_markup_is_text(app, client, auth, citizen_id, title):
    client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": title})
    html = client.get(f"/borgere/{citizen_id}").get_data(as_text=True)
    assert snapshot(app, citizen_id).goals[-1] == title
    assert "<script>alert(1)" not in html and ">49<" not in html


def test_at_most_ten_job_goals(app, client, auth, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, goals=tuple(f"Jobmål {i}" for i in range(10)))
    before = snapshot(app, cid)
    response = client.post(f"/borgere/{cid}/jobmaal", data={"csrf_token": csrf(auth), "title": "Nummer elleve"})
    assert "højst have 10 jobmål" in response.get_data(as_text=True)
    assert snapshot(app, cid) == before


def test_bad_move_direction_writes_nothing(app, client, auth, citizen_id):
    client.post(f"/borgere/{citizen_id}/jobmaal", data={"csrf_token": csrf(auth), "title": "Chauffør"})
    before = snapshot(app, citizen_id)
    with app.app_context():
        gid = db.session.get(Citizen, citizen_id).job_goals[1].id
    client.post(f"/borgere/{citizen_id}/jobmaal/{gid}/flyt", data={"csrf_token": csrf(auth), "direction": "sideways"})
    assert snapshot(app, citizen_id) == before


# --- caseworkers ---------------------------------------------------------------------------

def test_assigning_a_vk_to_a_citizen_without_one(app, client, auth, make_user, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=None)
    before = snapshot(app, cid)
    client.post(f"/borgere/{cid}/sagsbehandlere", data={"csrf_token": csrf(auth), "vk_id": consultant.id,
                                                        "adviser_id": "0", "purpose": PURPOSE})
    after = snapshot(app, cid)
    assert after.fields[-2:] == (consultant.id, None)
    assert after.version == before.version + 1 and after.outbox == before.outbox + 1
    assert "citizen_assigned" in audit_actions(app, cid)


def test_changing_an_existing_vk_needs_confirmation(app, client, auth, make_user, citizen_id):
    other = make_user("consultant")
    page = client.get(f"/borgere/{citizen_id}/sagsbehandlere").get_data(as_text=True)
    assert "Få skift af sagsbehandler er et mål i sig selv" in page
    before = snapshot(app, citizen_id)
    response = client.post(f"/borgere/{citizen_id}/sagsbehandlere",
                           data={"csrf_token": csrf(auth), "vk_id": other.id, "adviser_id": "0"})
    html = response.get_data(as_text=True)
    assert "bekræft skiftet" in html
    # at the checkbox it is about (review BM 3), so the field macro and the summary link it
    assert re.search(r'<span class="form-error-message" id="confirm_vk_change-error">[^<]*<span class="sr-only">'
                     r'Fejl:</span>[^<]*bekræft skiftet', html)
    checkbox = re.search(r'<input[^>]*id="confirm_vk_change"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in checkbox and 'aria-describedby="confirm_vk_change-error"' in checkbox
    assert "data-jobbro-form-error" not in html
    assert snapshot(app, citizen_id) == before
    client.post(f"/borgere/{citizen_id}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": other.id, "adviser_id": "0", "confirm_vk_change": "y"})
    assert snapshot(app, citizen_id).fields[-2] == other.id


@pytest.mark.parametrize("who", ["company", "admin", "unknown", "text", "disabled"])
def test_only_active_consultants_can_be_assigned(app, client, auth, make_user, consultant, who):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=None)
    ids = {"company": lambda: make_user("company").id, "admin": lambda: make_user("admin").id,
           "unknown": lambda: 99999, "text": lambda: "abc",
           "disabled": lambda: make_user("consultant", active=False).id}
    before = snapshot(app, cid)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": ids[who](), "adviser_id": "0"})
    assert "Vælg en af mulighederne på listen" in response.get_data(as_text=True)
    assert snapshot(app, cid) == before


def test_a_refused_caseworker_names_the_field_it_is_about(app, make_user, consultant):
    """Review BM 3: »Vælg en aktiv konsulent.« says which of the two selects is wrong."""
    retired = make_user("consultant", active=False)
    cid = make_citizen(app, vk_id=consultant.id)
    with app.app_context():
        citizen, vk = db.session.get(Citizen, cid), db.session.get(User, consultant.id)
        with pytest.raises(service.CitizenChangeError) as refused:
            service.assign_caseworkers(citizen, vk, db.session.get(User, retired.id), False, by=None)
        assert (refused.value.message_da, refused.value.field) == ("Vælg en aktiv konsulent.", "adviser_id")
        with pytest.raises(service.CitizenChangeError) as refused:
            service.assign_caseworkers(citizen, db.session.get(User, retired.id), None, True, by=None)
        assert refused.value.field == "vk_id"


def test_a_disabled_vk_can_be_kept_while_the_adviser_changes(app, client, auth, make_user, consultant):
    auth.login(consultant.email)
    retired = make_user("consultant", active=False)
    cid = make_citizen(app, vk_id=retired.id)
    page = client.get(f"/borgere/{cid}/sagsbehandlere").get_data(as_text=True)
    assert "(deaktiveret)" in page
    client.post(f"/borgere/{cid}/sagsbehandlere", data={  # on no team: outside the case, with a purpose
        "csrf_token": csrf(auth), "vk_id": retired.id, "adviser_id": consultant.id, "purpose": PURPOSE})
    assert snapshot(app, cid).fields[-2:] == (retired.id, consultant.id)


def test_a_new_vk_brings_the_citizen_to_the_vks_team(app, client, auth, make_user, citizen_id):
    with app.app_context():
        nord, syd = Team(name="Team Nord X"), Team(name="Team Syd X")
        db.session.add_all([nord, syd])
        db.session.commit()
        nord_id, syd_id = nord.id, syd.id
        db.session.get(Citizen, citizen_id).team_id = nord_id
        db.session.commit()
    other = make_user("consultant")
    with app.app_context():
        db.session.get(User, other.id).team_id = syd_id
        db.session.commit()
    assert "Team: Team Nord X" in client.get(f"/borgere/{citizen_id}/sagsbehandlere").get_data(as_text=True)
    client.post(f"/borgere/{citizen_id}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": other.id, "adviser_id": "0", "confirm_vk_change": "y"})
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).team_id == syd_id
    teamless = make_user("consultant")  # a VK without a team leaves the team as it was
    with app.app_context():
        db.session.get(User, teamless.id).team_id = None
        db.session.commit()
    client.post(f"/borgere/{citizen_id}/sagsbehandlere", data={  # no longer on the case: with a purpose
        "csrf_token": csrf(auth), "vk_id": teamless.id, "adviser_id": "0", "confirm_vk_change": "y",
        "purpose": PURPOSE})
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        assert (citizen.vk_id, citizen.team_id) == (teamless.id, syd_id)
