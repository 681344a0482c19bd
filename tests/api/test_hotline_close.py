"""Review AS 3: ``POST /api/v1/hotline/{id}/close`` closes a request as »Luk henvendelsen« does on the
web, through the same form (CloseForm) and service step (hotline.service.close_request): a company its
own requests without a note; the job centre with a note to the company, required while the request
waits for an answer and checked for the citizen's details; problem+json errors."""
from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import service
from store.models import HotlineRequest, User
from store.models.api import WEBHOOK_EVENTS, WebhookDelivery
from tests.api.api_fixtures import bearer, make_token
from tests.portal import test_hotline as base
from tests.webhooks.conftest import add_endpoint
from tests.webhooks.test_events import documented

world = base.world  # company A, the citizen's VK, the company's consultant, another consultant, an admin


def _file(app, world, placement: str | None = "active") -> int:
    with app.app_context():
        author = db.session.get(User, world["a"].id)
        placement_id = world["ids"][placement] if placement else None
        return service.create_request(author, service.RequestData("andet", "normal", "Spørgsmål", "Hej",
                                                                  placement_id)).id


def _state(app, request_id: int) -> tuple[str, list[tuple[str, str]]]:
    with app.app_context():
        found = db.session.get(HotlineRequest, request_id)
        return found.status, [(m.kind, m.body) for m in found.messages]


def _close(client, raw: str, request_id: int, body: dict | None = None):
    return client.post(f"/api/v1/hotline/{request_id}/close", json=body or {}, headers=bearer(raw))


def test_a_company_closes_its_own_request_without_a_note(app, client, world):
    req_id = _file(app, world)
    raw = make_token(app, world["a"])
    answer = _close(client, raw, req_id)
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "closed" and answer.json["closed_at"]
    assert _state(app, req_id) == ("closed", [("message", "Hej")])
    again = _close(client, raw, req_id)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.json["detail"] == "Henvendelsen er allerede lukket."


def test_another_companys_request_is_404_and_a_read_only_key_403(app, client, world):
    req_id = _file(app, world)
    other = _close(client, make_token(app, world["b"]), req_id)
    assert other.status_code == 404 and other.mimetype == "application/problem+json"
    read_only = _close(client, make_token(app, world["a"], scope="read"), req_id)
    assert read_only.status_code == 403 and read_only.mimetype == "application/problem+json"
    assert _state(app, req_id)[0] == "open"


def test_a_company_sends_no_note(app, client, world):
    req_id = _file(app, world)
    answer = _close(client, make_token(app, world["a"]), req_id, {"note": "Løst"})
    assert answer.status_code == 422 and "note" in answer.json["errors"]
    assert _state(app, req_id)[0] == "open"


def test_the_job_centre_needs_a_note_while_the_request_waits_and_the_webs_checks_apply(app, client, world):
    add_endpoint(app, "https://8.8.8.8/a", company_id=world["a"].company_id, events=("hotline.closed",))
    req_id = _file(app, world)
    raw = make_token(app, world["vk"])  # the placed citizen's VK: within the case
    missing = _close(client, raw, req_id)
    assert missing.status_code == 422
    assert missing.json["errors"]["note"] == ["Skriv kort til virksomheden, hvorfor henvendelsen lukkes uden svar."]
    naming = _close(client, raw, req_id, {"note": f"{base.MARKER}navn har fået hjælp"})
    assert naming.status_code == 422 and "må ikke indeholde" in naming.json["errors"]["note"][0]
    assert _state(app, req_id)[0] == "open"
    unknown = _close(client, raw, req_id, {"note": "x", "status": "closed"})
    assert unknown.status_code == 422
    done = _close(client, raw, req_id, {"note": "Aftalt i telefonen."})
    assert done.status_code == 200, done.json
    assert done.json["messages"][-1]["kind"] == "closing_note"
    assert _state(app, req_id) == ("closed", [("message", "Hej"), ("closing_note", "Aftalt i telefonen.")])
    with app.app_context():  # the same step as the web's: the company's webhooks hear it, with the note
        bodies = [json.loads(p) for p in db.session.scalars(sa.select(WebhookDelivery.payload))]
    assert [(b["type"], b["data"]["closing_note"]) for b in bodies] == [("hotline.closed", "Aftalt i telefonen.")]


def test_an_answered_request_closes_without_a_note(app, client, world):
    req_id = _file(app, world)
    with app.app_context():
        service.add_message(db.session.get(HotlineRequest, req_id), db.session.get(User, world["vk"].id), "Svar")
    answer = _close(client, make_token(app, world["vk"]), req_id)
    assert answer.status_code == 200 and answer.json["status"] == "closed"


def test_staff_outside_the_case_and_an_integration_are_refused_before_the_body(app, client, world, make_user):
    req_id = _file(app, world)
    outside = _close(client, make_token(app, world["other"]), req_id, {"note": ""})
    assert outside.status_code == 403 and "uden for dine sager" in outside.json["detail"]
    free_id = _file(app, world, placement=None)
    integration = _close(client, make_token(app, make_user("integration")), free_id, {"note": "Løst"})
    assert integration.status_code == 403 and "integrationsnøgle" in integration.json["detail"]
    assert _state(app, req_id)[0] == "open" and _state(app, free_id)[0] == "open"


def test_the_document_describes_the_close_operation(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["a"]))).json
    operation = spec["paths"]["/api/v1/hotline/{request_id}/close"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "Luk en henvendelse" in operation["summary"]


def test_an_integration_reads_a_request_about_no_placement_and_never_writes_in_it(app, client, world, make_user):
    """It read and answered a request about no placement with a 500 (need-to-know has no rule for a key of
    no case, and the refusal read the missing placement); a reply would have counted as the company's."""
    free_id = _file(app, world, placement=None)
    raw = make_token(app, make_user("integration"))
    read = client.get(f"/api/v1/hotline/{free_id}", headers=bearer(raw))
    assert read.status_code == 200 and read.json["subject"] == "Spørgsmål"
    reply = client.post(f"/api/v1/hotline/{free_id}/messages", json={"body": "Svar"}, headers=bearer(raw))
    assert reply.status_code == 403 and "integrationsnøgle" in reply.json["detail"]
    assert _state(app, free_id) == ("open", [("message", "Hej")])


def _deliveries(app) -> list[tuple[int, dict]]:
    with app.app_context():
        return [(row.endpoint_id, json.loads(row.payload)) for row in
                db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))]


def _company_closes(app, world, close) -> None:
    """Review AX 2: the job centre's endpoints got ``hotline.created`` and ``hotline.message`` but
    never heard that the company closed the request; now ``hotline.closed`` with ``closed_by:
    company`` and no note, to the job centre's endpoints only (never the company's own)."""
    every = tuple(WEBHOOK_EVENTS)
    company_hook = add_endpoint(app, "https://8.8.8.8/a", company_id=world["a"].company_id, events=every)
    jobcentre_hook = add_endpoint(app, "https://8.8.8.8/jc", events=every)
    req_id = _file(app, world)
    with app.app_context():
        placed = db.session.get(HotlineRequest, req_id).placement.citizen_id
        db.session.execute(sa.delete(WebhookDelivery))  # hotline.created, tested elsewhere
        db.session.commit()
    close(req_id)
    assert _state(app, req_id)[0] == "closed"
    got = _deliveries(app)
    assert [(endpoint, body["type"]) for endpoint, body in got] == [(jobcentre_hook, "hotline.closed")]
    assert company_hook not in [endpoint for endpoint, _ in got]
    data = got[0][1]["data"]
    assert (data["request_id"], data["status"], data["closed_by"], data["closing_note"]) == (
        req_id, "closed", "company", None)
    assert data["closed_at"] and data["citizen_id"] == placed
    documented(got[0][1], jobcenter=True)


def test_a_company_closing_by_the_api_tells_the_job_centres_webhooks(app, client, world):
    raw = make_token(app, world["a"])

    def close(req_id: int) -> None:
        assert _close(client, raw, req_id).status_code == 200

    _company_closes(app, world, close)


def test_a_company_closing_on_the_web_tells_the_job_centres_webhooks(app, client, auth, world):
    base.login(client, auth, "a@firma.dk")

    def close(req_id: int) -> None:
        token = base.csrf(client, f"/hotline/{req_id}")
        response = client.post(f"/hotline/{req_id}/luk", data={"csrf_token": token})
        assert response.status_code == 302

    _company_closes(app, world, close)
