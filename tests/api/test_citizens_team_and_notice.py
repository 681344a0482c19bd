"""``PUT /api/v1/citizens/{external_id}`` puts a new citizen on a team and tells a new VK, as the
import does (review AV 1 and AV 6).

Before, a citizen the case system created without a VK took the integration user's team (none),
so it stood on no consultant's work list, and a VK set or changed through the API was never told.
Now the body's optional ``team`` (name in any case, or id) places a new citizen without a VK, the
VK's team places one with a VK, and a citizen left on neither gets a warning in the 201; the new
VK gets the ``caseload_assigned`` notice in the same commit, the VK replaced ``caseload_removed`` and
an adviser who stays ``caseload_changed``.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.admin.integrations import create_integration
from portal.api.citizens import NO_TEAM_WARNING
from portal.extensions import db
from store.models import Citizen, Notification, Team, User
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN

pytestmark = pytest.mark.usefixtures("frozen_today")

KIND = "caseload_assigned"


@pytest.fixture
def integration(app):
    """The raw key of an integration (the case system's user: no team of its own)."""
    with app.test_request_context():
        user = create_integration("Fagsystem (nat)")
        user_id = user.id
    with app.app_context():
        return make_token(app, db.session.get(User, user_id))


def _team(app, name: str) -> int:
    with app.app_context():
        team = Team(name=name)
        db.session.add(team)
        db.session.commit()
        return team.id


def _put(client, raw, external_id="SAG-500", **changes):
    return client.put(f"/api/v1/citizens/{external_id}", json=dict(CITIZEN, **changes), headers=bearer(raw))


def _citizen(app, external_id="SAG-500") -> tuple[int | None, int | None] | None:
    with app.app_context():
        row = db.session.execute(sa.select(Citizen.team_id, Citizen.vk_id)
                                 .where(Citizen.external_id == external_id)).first()
        return tuple(row) if row is not None else None


def _notes(app, user_id: int, kind: str = KIND) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Notification.text, Notification.link)
            .where(Notification.user_id == user_id, Notification.kind == kind).order_by(Notification.id))]


# --- the team -----------------------------------------------------------------------------------

def test_a_new_citizen_without_a_vk_goes_on_the_team_sent_by_name(app, client, integration):
    east = _team(app, "Team Øst")
    created = _put(client, integration, team="  team øST ")
    assert created.status_code == 201, created.json
    assert created.json["team"] == "Team Øst" and created.json["warnings"] == []
    assert _citizen(app) == (east, None)


@pytest.mark.parametrize("as_text", [False, True])
def test_the_team_may_be_sent_by_id(app, client, integration, as_text):
    east = _team(app, "Team Øst")
    created = _put(client, integration, team=str(east) if as_text else east)
    assert created.status_code == 201, created.json
    assert _citizen(app) == (east, None) and created.json["warnings"] == []


def test_a_new_citizen_on_no_team_and_without_a_vk_is_warned_of(app, client, integration):
    """The reproduction: the integration has no team, so the citizen was on nobody's list, unsaid."""
    _team(app, "Team Øst")
    created = _put(client, integration)
    assert created.status_code == 201
    assert created.json["warnings"] == [NO_TEAM_WARNING] and created.json["team"] is None
    assert "ikke på nogen konsulents liste" in NO_TEAM_WARNING and "team" in NO_TEAM_WARNING
    assert _citizen(app) == (None, None)
    # the same body again is unchanged, with no warning to repeat
    again = _put(client, integration)
    assert again.status_code == 200 and again.json["result"] == "unchanged" and again.json["warnings"] == []


def test_an_unknown_team_is_refused_at_the_field_and_nothing_is_created(app, client, integration):
    _team(app, "Team Øst")
    for team in ("Team Vest", 9999, "9999"):
        refused = _put(client, integration, team=team)
        assert refused.status_code == 422, team
        assert "intet team" in refused.json["errors"]["team"][0]
    wrong_type = _put(client, integration, team=["Team Øst"])
    assert wrong_type.status_code == 422 and "team" in wrong_type.json["errors"]
    assert _citizen(app) is None


def test_a_citizen_with_a_vk_goes_on_the_vks_team_and_a_different_team_sent_is_said(app, client, integration,
                                                                                     make_user):
    vk = make_user("consultant", email="vk@jc.dk")  # on the first team, Team Syd
    east = _team(app, "Team Øst")
    created = _put(client, integration, vk="vk@jc.dk")
    assert created.status_code == 201 and created.json["warnings"] == []
    assert created.json["team"] == "Team Syd" and _citizen(app) == (vk_team := _vk_team(app, vk.id), vk.id)
    other = _put(client, integration, external_id="SAG-501", vk="vk@jc.dk", team=east)
    assert other.status_code == 201 and _citizen(app, "SAG-501") == (vk_team, vk.id)
    assert other.json["warnings"] == [
        "team (Team Øst) er ikke brugt: en borger med virksomhedskonsulent lægges på VK'ens team (Team Syd), "
        "så teamet følger VK'en som i portalen."]


def _vk_team(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).team_id


def test_an_existing_citizens_team_is_not_changed_by_the_field(app, client, integration):
    east, west = _team(app, "Team Øst"), _team(app, "Team Vest")
    assert _put(client, integration, team=east).status_code == 201
    updated = _put(client, integration, team=west, hours_available=20)
    assert updated.status_code == 200 and updated.json["result"] == "updated"
    assert _citizen(app) == (east, None) and updated.json["warnings"] == []


def test_a_consultants_own_key_still_gives_the_consultants_team(app, client, make_user):
    """Without team or VK, a personal key's user's team, as the import's default."""
    raw = make_token(app, make_user("consultant", email="k@jc.dk"))
    created = _put(client, raw)
    assert created.status_code == 201 and created.json["warnings"] == [] and created.json["team"] == "Team Syd"


def test_the_field_is_documented(client, integration):
    spec = client.get("/api/openapi.json", headers=bearer(integration)).json
    field = spec["components"]["schemas"]["CitizenIn"]["properties"]["team"]
    assert field["type"] == ["string", "integer", "null"]
    assert "navn" in field["description"] and "id" in field["description"]
    out = spec["components"]["schemas"]["UpsertOut"]
    assert "warnings" in out["properties"] and "warnings" in out["required"]


# --- the notice ---------------------------------------------------------------------------------

def test_the_vk_of_a_new_citizen_is_told_by_number_never_by_name(app, client, integration, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    created = _put(client, integration, vk="vk@jc.dk")
    assert created.status_code == 201
    citizen_id = created.json["id"]
    assert _notes(app, vk.id) == [
        (f"Du er sat som VK for borger nr. {citizen_id} af Fagsystem (nat).", f"/borgere/{citizen_id}")]
    assert CITIZEN["name"] not in _notes(app, vk.id)[0][0]
    assert _put(client, integration, vk="vk@jc.dk").json["result"] == "unchanged"
    assert len(_notes(app, vk.id)) == 1  # nothing new, nothing told again


def test_a_change_of_vk_tells_the_new_vk_and_the_one_removed_with_its_own_kind(app, client, integration, make_user):
    """The VK replaced was told nothing through the API (the web and the import tell it); it is told
    with ``caseload_removed``, not the »Du har fået borgere« kind."""
    first = make_user("consultant", email="vk1@jc.dk")
    second = make_user("consultant", email="vk2@jc.dk")
    assert _put(client, integration, vk="vk1@jc.dk").status_code == 201
    moved = _put(client, integration, vk_id=second.id)
    assert moved.status_code == 200 and moved.json["vk_id"] == second.id
    citizen_id = moved.json["id"]
    assert len(_notes(app, first.id)) == 1  # only its own assignment
    assert _notes(app, first.id, "caseload_removed") == [
        (f"Du er ikke længere VK for borger nr. {citizen_id}: ændret af Fagsystem (nat).", f"/borgere/{citizen_id}")]
    assert [text for text, _link in _notes(app, second.id)] == [
        f"Du er sat som VK for borger nr. {citizen_id} af Fagsystem (nat)."]
    assert _notes(app, second.id, "caseload_removed") == []
    # a profile change that keeps the VK tells nobody
    assert _put(client, integration, vk_id=second.id, hours_available=30).json["result"] == "updated"
    assert len(_notes(app, second.id)) == 1 and len(_notes(app, first.id, "caseload_removed")) == 1


def test_an_adviser_who_stays_is_told_the_new_vk_as_on_the_web(app, client, integration, make_user):
    make_user("consultant", email="vk1@jc.dk")
    second = make_user("consultant", email="vk2@jc.dk")
    adviser = make_user("consultant", email="raadgiver@jc.dk")
    with app.app_context():
        db.session.get(User, second.id).name = "Lene Holm"
        db.session.commit()
    citizen_id = _put(client, integration, vk="vk1@jc.dk").json["id"]
    with app.app_context():
        db.session.get(Citizen, citizen_id).adviser_id = adviser.id
        db.session.commit()
    assert _put(client, integration, vk_id=second.id).status_code == 200
    assert _notes(app, adviser.id, "caseload_changed") == [
        (f"Borger nr. {citizen_id}, som du er beskæftigelsesrådgiver for, har nu Lene Holm som VK: "
         "ændret af Fagsystem (nat).", f"/borgere/{citizen_id}")]
    assert _notes(app, adviser.id) == [] and _notes(app, adviser.id, "caseload_removed") == []


def test_a_consultant_who_makes_themself_vk_is_not_told(app, client, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    raw = make_token(app, vk)
    assert _put(client, raw, vk="vk@jc.dk").status_code == 201
    assert _notes(app, vk.id) == []


def test_a_refused_put_tells_nobody(app, client, integration, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    refused = _put(client, integration, vk="vk@jc.dk", team="Team Vest")
    assert refused.status_code == 422 and _notes(app, vk.id) == [] and _citizen(app) is None
