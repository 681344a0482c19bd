"""Teams at /admin/teams: a fresh portal can create, rename and (when empty) delete them,
each change audited; the user forms point to the page; a user without a team is told why
"Mit team" on /borgere/ is empty."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Citizen, Team, User


@pytest.fixture
def admin(client, auth, make_user):
    user = make_user("admin", email="admin@jc.dk")
    auth.login(user.email)
    return user


def create(client, auth, name: str):
    return client.post("/admin/teams", data={"name": name, "csrf_token": auth.csrf_token("/admin/teams")})


def teams(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Team.name).order_by(Team.name)))


def audit_actions(app, prefix: str = "team_") -> list[tuple[str, str]]:
    with app.app_context():
        return [(a, p) for a, p in db.session.execute(sa.select(AuditEvent.action, AuditEvent.purpose)
                                                       .order_by(AuditEvent.id)) if a.startswith(prefix)]


def add_team(app, name: str) -> int:
    with app.app_context():
        team = Team(name=name)
        db.session.add(team)
        db.session.commit()
        return team.id


def test_a_fresh_portal_has_no_teams_and_says_so_and_the_menu_leads_there(client, admin):
    html = client.get("/admin/teams").get_data(as_text=True)
    assert 'data-testid="no-teams"' in html and "Opret team" in html
    assert 'href="/admin/teams"' in client.get("/").get_data(as_text=True)


def test_consultants_have_neither_the_menu_entry_nor_the_page(client, auth, make_user):
    make_user("consultant", email="k@jc.dk")
    auth.login("k@jc.dk")
    assert 'href="/admin/teams"' not in client.get("/").get_data(as_text=True)
    assert client.get("/admin/teams").status_code == 403


def test_creating_a_team_saves_it_audited_and_lists_it(app, client, auth, admin):
    response = create(client, auth, "  Team   Hedensted ")
    assert response.status_code == 302
    assert teams(app) == ["Team Hedensted"]
    with app.app_context():
        team_id = db.session.scalar(sa.select(Team.id))
    assert audit_actions(app) == [("team_created", f"team:{team_id}")]
    html = client.get("/admin/teams").get_data(as_text=True)
    assert f'href="/admin/teams/{team_id}">Team Hedensted</a>' in html


@pytest.mark.parametrize("name, message", [
    ("", "Skriv teamets navn."),
    ("   ", "Skriv teamets navn."),
    ("x" * 121, "Navnet må højst være 120 tegn."),
    ("team syd", "Der findes allerede et team med det navn."),  # case does not make it another team
])
def test_a_bad_name_is_refused_at_the_field_and_kept(app, client, auth, admin, name, message):
    add_team(app, "Team Syd")
    response = create(client, auth, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="name-error"><span class="sr-only">Fejl:</span> ' + re.escape(message), html)
    if name.strip():
        assert f'value="{name}"' in html
    assert teams(app) == ["Team Syd"]


def test_renaming_a_team_is_audited_and_a_taken_name_refused(app, client, auth, admin):
    syd, _ = add_team(app, "Team Syd"), add_team(app, "Team Nord")
    path = f"/admin/teams/{syd}"
    assert client.post(path, data={"name": "Team Sydøst", "csrf_token": auth.csrf_token(path)}).status_code == 302
    assert teams(app) == ["Team Nord", "Team Sydøst"]
    response = client.post(path, data={"name": "TEAM NORD", "csrf_token": auth.csrf_token(path)})
    assert response.status_code == 400 and "Der findes allerede et team med det navn." in response.get_data(as_text=True)
    assert 'value="TEAM NORD"' in response.get_data(as_text=True)
    assert client.post(path, data={"name": "Team Sydøst", "csrf_token": auth.csrf_token(path)}).status_code == 302
    assert audit_actions(app) == [("team_renamed", f"team:{syd}")]  # an unchanged name writes nothing
    assert teams(app) == ["Team Nord", "Team Sydøst"]


def test_the_list_counts_users_and_citizens(app, client, admin, make_user):
    make_user("consultant", email="a@jc.dk")  # joins the first team, or makes "Team Syd"
    make_user("consultant", email="b@jc.dk", active=False)
    with app.app_context():
        team = db.session.scalar(sa.select(Team))
        db.session.add(Citizen(name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                               readiness_group="paa_vej", case_start=date(2025, 1, 1), team_id=team.id))
        db.session.commit()
    html = client.get("/admin/teams").get_data(as_text=True)
    assert re.findall(r'data-testid="team-members">([^<]*)<', html) == ["2 (1 aktive)"]
    assert re.findall(r'data-testid="team-citizens">([^<]*)<', html) == ["1"]


def test_an_empty_team_is_deleted_audited(app, client, auth, admin):
    team_id = add_team(app, "Tomt team")
    page = client.get(f"/admin/teams/{team_id}").get_data(as_text=True)
    assert 'data-testid="team-delete"' in page
    response = client.post(f"/admin/teams/{team_id}/slet", data={"csrf_token": auth.csrf_token(f"/admin/teams/{team_id}")})
    assert response.status_code == 302 and teams(app) == []
    assert audit_actions(app) == [("team_deleted", f"team:{team_id}")]


def test_a_team_with_members_or_citizens_is_not_deleted_and_the_page_says_why(app, client, auth, admin, make_user):
    member = make_user("consultant", email="a@jc.dk")
    with app.app_context():
        team_id = db.session.get(User, member.id).team_id
        citizen_team = Team(name="Borgerteam")
        db.session.add(citizen_team)
        db.session.flush()
        db.session.add(Citizen(name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                               readiness_group="paa_vej", case_start=date(2025, 1, 1), team_id=citizen_team.id))
        db.session.commit()
        citizen_team_id = citizen_team.id
    page = client.get(f"/admin/teams/{team_id}").get_data(as_text=True)
    assert "Team Syd kan ikke slettes, fordi 1 bruger hører til teamet." in page
    assert f'href="/admin/users/{member.id}/ret">Consultant Testesen</a>' in page
    assert 'data-testid="team-delete"' not in page
    page = client.get(f"/admin/teams/{citizen_team_id}").get_data(as_text=True)
    assert "Borgerteam kan ikke slettes, fordi 1 borger hører til teamet." in page
    for tid in (team_id, citizen_team_id):  # a forged post is refused too
        response = client.post(f"/admin/teams/{tid}/slet", data={"csrf_token": auth.csrf_token("/admin/teams")},
                               follow_redirects=True)
        assert "kan ikke slettes, fordi 1" in response.get_data(as_text=True)
    assert teams(app) == ["Borgerteam", "Team Syd"]
    assert audit_actions(app) == []


def test_the_user_forms_lead_to_the_teams_page_when_there_are_none(app, client, auth, admin, make_user):
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert re.search(r'id="team_id-hint">Der er ingen teams endnu. <a href="/admin/teams">', html)
    add_team(app, "Team Syd")
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert "Der er ingen teams endnu" not in html and '<option value="1">Team Syd</option>' in html
    assert 'href="/admin/teams">Se og opret teams</a>' in html


def test_without_a_team_mit_team_on_borgere_says_why(app, client, auth, make_user):
    consultant = make_user("consultant", email="k@jc.dk")
    auth.login("k@jc.dk")
    assert 'data-testid="no-team"' not in client.get("/borgere/?scope=team").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, consultant.id).team_id = None
        db.session.commit()
    html = client.get("/borgere/?scope=team").get_data(as_text=True)
    assert "Du er ikke med i et team; en administrator kan sætte dig på et under Brugere." in html
    assert "Vis dit team" not in client.get("/borgere/?scope=mine").get_data(as_text=True)


# -- Æ, Ø, Å and the same name sent at once (review BH 3) ------------------------------------------

TAKEN = "Der findes allerede et team med det navn."


@pytest.mark.parametrize("again", ["Team Østjylland", "team østjylland", "TEAM ØSTJYLLAND", " Team  Østjylland "])
def test_a_danish_team_name_taken_in_any_case_is_refused_at_the_field(app, client, auth, admin, again):
    add_team(app, "Team Østjylland")
    response = create(client, auth, again)  # was a 500 (exact case) or let through (SQLite's ASCII lower())
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and TAKEN in html
    assert teams(app) == ["Team Østjylland"]


def test_renaming_to_a_danish_name_taken_in_another_case_is_refused(app, client, auth, admin):
    add_team(app, "Team Ålborg")
    other = add_team(app, "Team Syd")
    path = f"/admin/teams/{other}"
    for name in ("Team Ålborg", "team ålborg"):
        response = client.post(path, data={"name": name, "csrf_token": auth.csrf_token(path)})
        assert response.status_code == 400 and TAKEN in response.get_data(as_text=True)
    assert teams(app) == ["Team Syd", "Team Ålborg"]


def _meanwhile_a_team_named(app, monkeypatch, name: str) -> None:
    """Another administrator's team ``name`` lands between the check and the write."""
    from portal.admin import team_service

    check = team_service._refuse_taken

    def check_then_other_admin(typed, team_id):
        check(typed, team_id)
        with db.engine.begin() as other:
            other.execute(sa.insert(Team).values(name=name))

    monkeypatch.setattr(team_service, "_refuse_taken", check_then_other_admin)


def test_a_team_created_meanwhile_under_the_same_name_is_a_field_error_not_a_500(app, client, auth, admin,
                                                                                   monkeypatch):
    token = auth.csrf_token("/admin/teams")
    _meanwhile_a_team_named(app, monkeypatch, "Team Søndergade")
    response = client.post("/admin/teams", data={"name": "Team Søndergade", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and TAKEN in html and 'value="Team Søndergade"' in html
    assert teams(app) == ["Team Søndergade"]
    assert audit_actions(app) == []


def test_a_rename_to_a_name_given_meanwhile_is_a_field_error_not_a_500(app, client, auth, admin, monkeypatch):
    team_id = add_team(app, "Team Syd")
    path = f"/admin/teams/{team_id}"
    token = auth.csrf_token(path)
    _meanwhile_a_team_named(app, monkeypatch, "Team Søndergade")
    response = client.post(path, data={"name": "Team Søndergade", "csrf_token": token})
    assert response.status_code == 400 and TAKEN in response.get_data(as_text=True)
    assert teams(app) == ["Team Syd", "Team Søndergade"]
    assert audit_actions(app) == []


def test_the_import_command_finds_a_danish_team_name_in_any_case(app):
    from portal.imports.cli import _team

    team_id = add_team(app, "Team Østjylland")
    with app.app_context():
        assert _team("team østjylland") == team_id
        assert _team("  TEAM ØSTJYLLAND ") == team_id


# -- The folded name in the database (migration 0043) ----------------------------------------------

def test_the_model_keeps_the_folded_name_on_every_write(app):
    with app.app_context():
        team = Team(name="Team  ØSTJYLLAND")
        assert team.name_key == "team østjylland"  # set with the name, before any flush
        db.session.add(team)
        db.session.commit()
        team.name = "Team Straße"
        db.session.commit()
        assert db.session.scalar(sa.select(Team.name_key).where(Team.id == team.id)) == "team strasse"
        with db.engine.begin() as connection:  # a Core insert without it gets it too
            connection.execute(sa.insert(Team).values(name="Team Ålborg"))
        assert db.session.scalar(sa.select(Team.name_key).where(Team.name == "Team Ålborg")) == "team ålborg"


def test_the_database_refuses_a_team_name_taken_in_another_case(app):
    add_team(app, "Team Øst")
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(sa.insert(Team).values(name="team øst"))


def test_a_team_created_meanwhile_in_another_case_is_a_field_error_not_a_500(app, client, auth, admin, monkeypatch):
    """Two administrators creating »Team Søndergade« and »team søndergade« at once: the other's
    lands between the check and the write; the index on the folded name refuses the second."""
    token = auth.csrf_token("/admin/teams")
    _meanwhile_a_team_named(app, monkeypatch, "team søndergade")
    response = client.post("/admin/teams", data={"name": "Team Søndergade", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and TAKEN in html and 'value="Team Søndergade"' in html
    assert teams(app) == ["team søndergade"]
    assert audit_actions(app) == []


def test_a_rename_to_a_name_given_meanwhile_in_another_case_is_a_field_error(app, client, auth, admin, monkeypatch):
    team_id = add_team(app, "Team Syd")
    path = f"/admin/teams/{team_id}"
    token = auth.csrf_token(path)
    _meanwhile_a_team_named(app, monkeypatch, "TEAM SØNDERGADE")
    response = client.post(path, data={"name": "Team Søndergade", "csrf_token": token})
    assert response.status_code == 400 and TAKEN in response.get_data(as_text=True)
    assert teams(app) == ["TEAM SØNDERGADE", "Team Syd"]
    assert audit_actions(app) == []
