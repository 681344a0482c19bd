"""``POST /api/v1/hotline/{id}/take-over``: the web's »Overtag henvendelsen« for the job centre's keys,
through the same service step (hotline.service.take_over: audited, the assignee until then told) and
the same need-to-know as a reply (outside the token user's case 403, as the API takes no purpose);
a company's key and an integration's key are refused (403), a closed request or one the user
already holds is 409; problem+json throughout."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import service
from store.models import AuditEvent, HotlineRequest, Notification, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal import test_hotline as base

world = base.world  # company A, the citizen's VK, the company's consultant, another consultant, an admin


def _file(app, world, placement: str | None = "active") -> int:
    with app.app_context():
        author = db.session.get(User, world["a"].id)
        placement_id = world["ids"][placement] if placement else None
        return service.create_request(author, service.RequestData("andet", "normal", "Spørgsmål", "Hej",
                                                                  placement_id)).id


def _take(client, raw: str, request_id: int, **headers):
    return client.post(f"/api/v1/hotline/{request_id}/take-over", headers=bearer(raw, **headers))


def _assignee(app, request_id: int) -> int | None:
    with app.app_context():
        return db.session.get(HotlineRequest, request_id).assigned_to_id


def _audit(app, action: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def _told(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(Notification.user_id, Notification.text).where(Notification.kind == "hotline_taken_over"))]


def test_a_consultant_takes_over_a_request_about_no_placement_and_the_assignee_is_told(app, client, world):
    req_id = _file(app, world, placement=None)  # to the company's consultant
    assert _assignee(app, req_id) == world["company_vk"].id
    answer = _take(client, make_token(app, world["other"]), req_id)
    assert answer.status_code == 200, answer.json
    assert answer.json["id"] == req_id and answer.json["status"] == "open"
    assert [m["body"] for m in answer.json["messages"]] == ["Hej"]
    assert _assignee(app, req_id) == world["other"].id
    assert _audit(app, "hotline_taken_over") == [
        f"hotline:{req_id} fra user:{world['company_vk'].id} til user:{world['other'].id} taken_over"]
    told = _told(app)
    assert [user for user, _ in told] == [world["company_vk"].id] and f"#{req_id}" in told[0][1]


def test_taking_it_again_or_a_closed_request_is_409(app, client, world):
    req_id = _file(app, world, placement=None)
    raw = make_token(app, world["company_vk"])  # the assignee already
    again = _take(client, raw, req_id)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.json["detail"] == "Du er allerede ansvarlig for henvendelsen."
    with app.app_context():
        service.close_request(db.session.get(HotlineRequest, req_id), by=db.session.get(User, world["company_vk"].id),
                              note="Aftalt i telefonen.")
    closed = _take(client, make_token(app, world["other"]), req_id)
    assert closed.status_code == 409 and closed.json["detail"] == "Henvendelsen er lukket og kan ikke overtages."
    assert _assignee(app, req_id) == world["company_vk"].id
    assert _audit(app, "hotline_taken_over") == [] and _told(app) == []


def test_inside_the_case_a_request_about_a_placement_is_taken_over(app, client, world, make_user):
    """The citizen's adviser reads it without a purpose, so takes it as on the web."""
    req_id = _file(app, world)  # to the citizen's VK
    adviser = make_user("consultant", email="raadgiver@jc.dk")
    with app.app_context():
        db.session.get(HotlineRequest, req_id).placement.citizen.adviser_id = adviser.id
        db.session.commit()
    answer = _take(client, make_token(app, adviser), req_id)
    assert answer.status_code == 200, answer.json
    assert _assignee(app, req_id) == adviser.id
    assert [user for user, _ in _told(app)] == [world["vk"].id]
    assert _audit(app, "hotline_taken_over")[0].endswith("taken_over")  # no outside_case: no purpose given


def test_outside_the_case_it_is_refused_as_a_reply_is(app, client, world):
    req_id = _file(app, world)  # about the VK's citizen: outside the other consultant's and the admin's case
    for who in ("other", "admin", "company_vk"):
        refused = _take(client, make_token(app, world[who]), req_id)
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json", who
        assert "uden for dine sager" in refused.json["detail"] and f"/hotline/{req_id}" in refused.json["detail"]
        assert base.MARKER not in refused.get_data(as_text=True)
    assert _assignee(app, req_id) == world["vk"].id
    assert _audit(app, "hotline_taken_over") == [] and _audit(app, "hotline_viewed") == []
    assert _audit(app, "authorisation_denied") == [f"api hotline:{req_id} outside_case"] * 3


def test_a_company_an_integration_and_a_read_only_key_are_refused(app, client, world, make_user):
    req_id = _file(app, world, placement=None)
    company = _take(client, make_token(app, world["a"]), req_id)
    assert company.status_code == 403 and company.json["detail"] == "Kun jobcentrets medarbejdere kan bruge denne funktion."
    integration = _take(client, make_token(app, make_user("integration")), req_id)
    assert integration.status_code == 403 and "integrationsnøgle" in integration.json["detail"]
    read_only = _take(client, make_token(app, world["other"], scope="read"), req_id)
    assert read_only.status_code == 403
    unknown = _take(client, make_token(app, world["other"]), 99999)
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert _assignee(app, req_id) == world["company_vk"].id and _audit(app, "hotline_taken_over") == []


def test_a_repeated_take_over_with_the_same_idempotency_key_shows_the_request(app, client, world):
    req_id = _file(app, world, placement=None)
    raw = make_token(app, world["other"])
    first = _take(client, raw, req_id, **{"Idempotency-Key": "overtag-1"})
    assert first.status_code == 200, first.json
    second = _take(client, raw, req_id, **{"Idempotency-Key": "overtag-1"})
    assert second.status_code == 200 and second.headers.get("Idempotent-Replayed") == "true"
    assert second.json["id"] == req_id
    assert len(_audit(app, "hotline_taken_over")) == 1 and len(_told(app)) == 1


def test_the_document_describes_the_take_over_operation(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["vk"]))).json
    operation = spec["paths"]["/api/v1/hotline/{request_id}/take-over"]["post"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    assert "Overtag en henvendelse" in operation["summary"]
    assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])]
