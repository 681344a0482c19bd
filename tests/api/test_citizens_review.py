"""The citizen and figures API after review A: erased ids stay erased (410, an administrator
lifts the block), restriction and the case state are visible, GET round-trips into PUT, one
jobmål limit, external ids without hidden characters, the dashboard's frozen figures, an
integration's scopes, and updated_since as a moment."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.citizens.forms import MAX_JOB_GOALS
from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from store.models import Citizen, FigureSnapshot
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN


@pytest.fixture
def vk(make_user):
    return make_user("consultant", email="vk@jc.dk")


@pytest.fixture
def raw(app, vk):
    return make_token(app, vk)


def _put(client, raw: str, external_id: str, **changes):
    return client.put(f"/api/v1/citizens/{quote(external_id, safe='')}", json=dict(CITIZEN, **changes),
                      headers=bearer(raw))


def _erase(app, citizen_id: int) -> None:
    with app.app_context():
        assert erase_citizen(db.session, citizen_id, purpose="test")
        db.session.commit()


def test_an_erased_external_id_gets_410_until_an_administrator_lifts_the_block(app, client, raw, make_user):
    first = _put(client, raw, "SAG-1")
    assert first.status_code == 201
    _erase(app, first.json["id"])

    again = _put(client, raw, "SAG-1")
    assert again.status_code == 410 and again.content_type == "application/problem+json"
    assert "art. 17" in again.json["detail"] and "administrator" in again.json["detail"]
    assert again.json["title"] == "Slettet"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0

    lift = "/api/v1/citizens/SAG-1/erasure"
    assert client.delete(lift, headers=bearer(raw)).status_code == 403  # a consultant may not
    admin = make_token(app, make_user("admin"))
    assert client.delete(lift, headers=bearer(admin)).status_code == 204
    assert client.delete(lift, headers=bearer(admin)).status_code == 404
    back = _put(client, raw, "SAG-1")
    assert back.status_code == 201 and back.json["id"] != first.json["id"]


def test_the_put_document_declares_409_and_410(client, raw):
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    put = spec["paths"]["/api/v1/citizens/{external_id}"]["put"]["responses"]
    assert {"409", "410"} <= set(put)
    assert "409" in spec["paths"]["/api/v1/citizens/{external_id}/cv"]["put"]["responses"]
    schema = spec["components"]["schemas"]["CitizenIn"]["properties"]["job_goals"]
    assert schema["maxItems"] == MAX_JOB_GOALS == 10 and schema["minItems"] == 1


def test_a_restricted_citizen_shows_only_its_ids_and_state_and_refuses_changes(app, client, raw):
    created = _put(client, raw, "SAG-2", phone="12345678", email="sofie@mail.dk")
    assert created.json["restricted"] is False and created.json["name"] == "Sofie Andersen"
    with app.app_context():
        db.session.get(Citizen, created.json["id"]).restricted = True
        db.session.commit()

    shown = client.get("/api/v1/citizens/SAG-2", headers=bearer(raw)).json
    assert shown["restricted"] is True and shown["case_status"] == "open"
    for field in ("name", "phone", "email", "job_goals", "missing_for_matching", "postcode"):
        assert field not in shown
    item = client.get("/api/v1/citizens/", headers=bearer(raw)).json["items"][0]
    assert item == shown
    refused = _put(client, raw, "SAG-2", hours_available=20)
    assert refused.status_code == 409 and "begrænset" in refused.json["detail"]


def test_items_carry_the_case_state_and_a_get_answer_can_be_sent_back(app, client, raw, vk, make_user):
    other = make_user("consultant", email="anden@jc.dk")
    created = _put(client, raw, "SAG-3", vk="vk@jc.dk")
    assert created.json["case_status"] == "open" and created.json["case_closed"] is None
    assert created.json["vk_id"] == vk.id and created.json["vk"] == "vk@jc.dk"

    got = client.get("/api/v1/citizens/SAG-3", headers=bearer(raw)).json
    echoed = client.put("/api/v1/citizens/SAG-3", json=got, headers=bearer(raw))
    assert echoed.status_code == 200, echoed.json
    assert echoed.json["result"] == "unchanged"

    moved = client.put("/api/v1/citizens/SAG-3", json=dict(got, vk_id=other.id, vk=None), headers=bearer(raw))
    assert moved.status_code == 200, moved.json
    assert moved.json["vk_id"] == other.id and moved.json["vk"] == "anden@jc.dk"
    for body, field in ((dict(got, vk_id=99999, vk=None), "vk_id"), (dict(got, vk_id=vk.id, vk="anden"), "vk_id"),
                        (dict(got, external_id="SAG-4"), "external_id")):
        answer = client.put("/api/v1/citizens/SAG-3", json=body, headers=bearer(raw))
        assert answer.status_code == 422 and field in answer.json["errors"], answer.json

    with app.app_context():
        db.session.get(Citizen, created.json["id"]).case_closed = date(2026, 11, 2)
        db.session.commit()
    closed = client.get("/api/v1/citizens/?status=closed", headers=bearer(raw)).json["items"][0]
    assert closed["case_status"] == "closed" and closed["case_closed"] == "2026-11-02"


@pytest.mark.parametrize("goals", [[f"Jobmål nummer {n}" for n in range(MAX_JOB_GOALS + 1)],
                                   [f"Jobmål nummer {n}" for n in range(21)], []])
def test_the_jobmaal_limit_is_one_to_ten_counted_in_jobmaal(client, raw, goals):
    answer = _put(client, raw, "SAG-5", job_goals=goals)
    assert answer.status_code == 422
    assert answer.json["errors"]["job_goals"] == ["Send 1-10 jobmål."]


def test_ten_jobmaal_are_taken(client, raw):
    answer = _put(client, raw, "SAG-6", job_goals=[f"Jobmål nummer {n}" for n in range(MAX_JOB_GOALS)])
    assert answer.status_code == 201, answer.json


@pytest.mark.parametrize("external_id", ["\u202e", "SAG\u200b7", "SAG\x017", " SAG-7", "SAG  7"])
def test_an_external_id_with_hidden_characters_or_stray_spaces_is_refused(app, client, raw, external_id):
    answer = _put(client, raw, external_id)
    assert answer.status_code == 422 and answer.json["errors"]["external_id"], answer.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0


def test_the_api_gives_a_finished_months_frozen_figures_as_the_dashboard(app, client, raw, vk, frozen_today):
    _put(client, raw, "SAG-8", vk="vk@jc.dk")
    first = client.get("/api/v1/figures/?month=2026-10", headers=bearer(raw)).json
    assert first["frozen_at"] is not None and first["partial"] is False
    for n in range(3):  # case start long before October: a live computation would count them
        _put(client, raw, f"SAG-9{n}", case_start="2026-01-05")
    later = client.get("/api/v1/figures/?month=2026-10", headers=bearer(raw)).json
    assert later == first
    with app.app_context():
        snapshot = db.session.scalars(sa.select(FigureSnapshot).where(FigureSnapshot.scope == "all")).one()
        assert snapshot.month == date(2026, 10, 1)
    live = client.get("/api/v1/figures/?month=2026-11", headers=bearer(raw)).json
    assert live["partial"] is True and live["frozen_at"] is None and live["provisional_until"] is None
    assert first["provisional_until"] is None
    active = {m["key"]: m for m in live["metrics"]}["active"]
    assert active["denominator"] == 4


@pytest.mark.parametrize("scope", ["mine", "team"])
def test_an_integration_asking_for_its_own_or_its_teams_figures_gets_400(app, client, make_user, scope):
    raw = make_token(app, make_user("integration"))
    answer = client.get(f"/api/v1/figures/?scope={scope}", headers=bearer(raw))
    assert answer.status_code == 400 and "scope=all" in answer.json["detail"]
    assert client.get("/api/v1/figures/?scope=all", headers=bearer(raw)).status_code == 200


def test_updated_since_takes_a_moment_as_well_as_a_date(app, client, raw):
    _put(client, raw, "SAG-10")
    _put(client, raw, "SAG-11")
    with app.app_context():
        old = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "SAG-10"))
        old.updated_at = datetime(2026, 12, 4, 23, 0, tzinfo=timezone.utc)
        db.session.commit()
        newer = db.session.scalar(sa.select(Citizen.updated_at).where(Citizen.external_id == "SAG-11"))

    def ids(since: str) -> list[str]:
        answer = client.get("/api/v1/citizens/", query_string={"updated_since": since}, headers=bearer(raw))
        assert answer.status_code == 200, answer.json
        return [item["external_id"] for item in answer.json["items"]]

    assert ids("2026-12-04T23:00:00Z") == ["SAG-10", "SAG-11"]
    assert ids("2026-12-05T00:00:01+01:00") == ["SAG-11"]  # 23:00:01 UTC
    assert ids((newer + timedelta(seconds=1)).isoformat()) == []
    assert "SAG-11" in ids(newer.date().isoformat())
    for bad in ("2026-12-05T01:00:00", "05.12.2026", "2026-12-05T01:00:00Zjunk"):
        answer = client.get("/api/v1/citizens/", query_string={"updated_since": bad}, headers=bearer(raw))
        assert answer.status_code == 422 and "tidszone" in answer.json["errors"]["updated_since"][0]


def test_each_citizen_in_a_list_page_is_logged_as_read(app, client, raw):
    """Review M 4: the access log names every citizen an integration read through the list, so a
    citizen's access request finds it."""
    from store.models import AuditEvent

    _put(client, raw, "SAG-20")
    _put(client, raw, "SAG-21")
    answer = client.get("/api/v1/citizens/", query_string={"limit": 2}, headers=bearer(raw))
    assert answer.status_code == 200 and len(answer.json["items"]) == 2
    with app.app_context():
        ids = set(db.session.scalars(sa.select(Citizen.id)))
        logged = db.session.execute(sa.select(AuditEvent.citizen_id, AuditEvent.purpose).where(
            AuditEvent.action == "citizen_viewed", AuditEvent.purpose == "api list")).all()
    assert sorted(c for c, _ in logged) == sorted(ids)


def test_the_month_just_ended_is_provisional_until_its_hours_are_in(app, client, raw, vk):
    """Review L 3 in the API: on 5 December November is computed now and says until when."""
    from tests.clock import travel

    _put(client, raw, "SAG-30", vk="vk@jc.dk")
    with travel(date(2026, 12, 5)):
        answer = client.get("/api/v1/figures/?month=2026-11", headers=bearer(raw)).json
        assert (answer["partial"], answer["frozen_at"], answer["provisional_until"]) == (False, None, "2026-12-09")
    with travel(date(2026, 12, 10)):
        answer = client.get("/api/v1/figures/?month=2026-11", headers=bearer(raw)).json
        assert answer["frozen_at"] is not None and answer["provisional_until"] is None
