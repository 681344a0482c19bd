"""The hotline API keeps the web's need-to-know rule (:mod:`portal.hotline.need_to_know`).

A request about a placement is read without a purpose only by its assignee, the placed
citizen's VK, adviser and team, and a consultant taking it while it is open and unassigned.
The web asks anyone else for a purpose first; the API has no such step, so a job-centre token
outside the case gets the request listed with ``subject`` null and its thread refused (403, a
Danish problem pointing at the portal). A company reads its own requests as before.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import service
from store.models import AuditEvent, HotlineRequest, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal import test_hotline as base

world = base.world  # company A, the citizen's VK, the company's consultant, another consultant, an admin

SUBJECT = "Ondt efter løft SUBJMARK"
BODY = "Borgeren har diabetes BODYMARK"


def _file(app, world, placement: str | None = "active", subject: str = SUBJECT) -> int:
    """A »Helbred« request from company A (about the placed citizen, assigned to the citizen's VK)."""
    with app.app_context():
        author = db.session.get(User, world["a"].id)
        placement_id = world["ids"][placement] if placement else None
        created = service.create_request(author, service.RequestData("helbred", "normal", subject, BODY, placement_id))
        return created.id


def _listed(client, raw: str) -> dict[int, dict]:
    answer = client.get("/api/v1/hotline/", headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    return {item["id"]: item for item in answer.json["items"]}


def _audit(app, action: str) -> list[tuple[int | None, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(sa.select(AuditEvent.citizen_id, AuditEvent.purpose).where(
            AuditEvent.action == action).order_by(AuditEvent.id))]


def _messages(app, request_id: int) -> int:
    with app.app_context():
        return len(db.session.get(HotlineRequest, request_id).messages)


@pytest.mark.parametrize("who", ["other", "company_vk", "admin"])
def test_staff_outside_the_case_get_the_list_without_the_subject_and_a_403_on_the_thread(app, client, world, who):
    req_id = _file(app, world)
    free_id = _file(app, world, placement=None, subject="Spørgsmål om løntilskud")
    raw = make_token(app, world[who])
    listed = _listed(client, raw)
    assert listed[req_id]["subject"] is None and listed[req_id]["category"] == "helbred"
    assert listed[free_id]["subject"] == "Spørgsmål om løntilskud"  # about no placement: no citizen named
    detail = client.get(f"/api/v1/hotline/{req_id}", headers=bearer(raw))
    assert detail.status_code == 403 and detail.mimetype == "application/problem+json"
    text = detail.get_data(as_text=True)
    assert "SUBJMARK" not in text and "BODYMARK" not in text and base.MARKER not in text
    problem = detail.json["detail"]
    assert "uden for dine sager" in problem and "begrundelse" in problem and f"/hotline/{req_id}" in problem
    reply = client.post(f"/api/v1/hotline/{req_id}/messages", json={"body": "Jeg ringer."}, headers=bearer(raw))
    assert reply.status_code == 403 and reply.json["detail"] == problem
    assert _messages(app, req_id) == 1
    with app.app_context():
        citizen_id = db.session.get(HotlineRequest, req_id).placement.citizen_id
    assert _audit(app, "hotline_viewed") == []  # nothing of the thread was shown
    assert _audit(app, "authorisation_denied") == [(citizen_id, f"api hotline:{req_id} outside_case")] * 2
    assert client.get(f"/api/v1/hotline/{free_id}", headers=bearer(raw)).status_code == 200


def test_a_reply_outside_the_case_is_refused_before_its_body_is_read(app, client, world):
    req_id = _file(app, world)
    raw = make_token(app, world["other"])
    answer = client.post(f"/api/v1/hotline/{req_id}/messages", json={"body": ""}, headers=bearer(raw))
    assert answer.status_code == 403 and "errors" not in answer.json


def test_an_integration_key_belongs_to_no_case(app, client, world, make_user):
    req_id = _file(app, world)
    raw = make_token(app, make_user("integration"))
    assert _listed(client, raw)[req_id]["subject"] is None
    detail = client.get(f"/api/v1/hotline/{req_id}", headers=bearer(raw))
    assert detail.status_code == 403 and "integrationsnøgle" in detail.json["detail"]
    assert f"/hotline/{req_id}" in detail.json["detail"]


def test_the_citizen_s_vk_reads_it_and_a_company_reads_its_own(app, client, world):
    req_id = _file(app, world)
    for who in ("vk", "a"):
        raw = make_token(app, world[who])
        assert _listed(client, raw)[req_id]["subject"] == SUBJECT
        thread = client.get(f"/api/v1/hotline/{req_id}", headers=bearer(raw))
        assert thread.status_code == 200, thread.json
        assert thread.json["subject"] == SUBJECT and [m["body"] for m in thread.json["messages"]] == [BODY]
    reply = client.post(f"/api/v1/hotline/{req_id}/messages", json={"body": "Jeg ringer."},
                        headers=bearer(make_token(app, world["vk"])))
    assert reply.status_code == 201 and reply.json["subject"] == SUBJECT
    assert _audit(app, "authorisation_denied") == []
    assert [purpose for _, purpose in _audit(app, "hotline_viewed")] == [f"api hotline:{req_id}"] * 2


def test_a_consultant_takes_an_unassigned_request_but_not_once_it_is_closed(app, client, world):
    req_id = _file(app, world)
    with app.app_context():
        db.session.get(HotlineRequest, req_id).assigned_to_id = None
        db.session.commit()
    other, admin = make_token(app, world["other"]), make_token(app, world["admin"])
    assert _listed(client, other)[req_id]["subject"] == SUBJECT
    assert _listed(client, admin)[req_id]["subject"] is None  # an administrator takes no request
    assert client.get(f"/api/v1/hotline/{req_id}", headers=bearer(admin)).status_code == 403
    taken = client.post(f"/api/v1/hotline/{req_id}/messages", json={"body": "Jeg tager den."}, headers=bearer(other))
    assert taken.status_code == 201, taken.json
    with app.app_context():
        assert db.session.get(HotlineRequest, req_id).assigned_to_id == world["other"].id
        db.session.get(HotlineRequest, req_id).assigned_to_id = None
        db.session.get(HotlineRequest, req_id).status = "closed"
        db.session.commit()
    assert client.get(f"/api/v1/hotline/{req_id}", headers=bearer(other)).status_code == 403


def test_the_openapi_document_says_the_subject_may_be_withheld_and_the_thread_refused(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["other"]))).json
    subject = spec["components"]["schemas"]["RequestOut"]["properties"]["subject"]
    assert "null" in subject["type"] and "null" in subject["description"]
    assert "uden for" in subject["description"] and "403" in subject["description"]
    for path, method in (("/api/v1/hotline/{request_id}", "get"), ("/api/v1/hotline/{request_id}/messages", "post")):
        refused = spec["paths"][path][method]["responses"]["403"]
        assert "uden for nøglens brugers sager" in refused["description"], (path, refused)
        assert "begrundelse" in refused["description"]


@pytest.mark.parametrize("placement", ["active", "without_vk", None])
def test_a_company_key_reads_and_answers_its_own_requests_about_its_placements_as_the_web_does(
        app, client, auth, world, placement):
    """Need-to-know is the job centre's rule: a company reads every request it filed, one about
    its own placement included, in the portal and with its own key alike (only the job centre's
    integration key, which belongs to no citizen's case, is refused a request about a placement)."""
    req_id = _file(app, world, placement=placement)
    base.login(client, auth, "a@firma.dk")
    page = client.get(f"/hotline/{req_id}")
    assert page.status_code == 200 and SUBJECT in page.text and BODY in page.text
    client.post("/auth/logout", data={"csrf_token": base.csrf(client, "/")})
    raw = make_token(app, world["a"])
    assert _listed(client, raw)[req_id]["subject"] == SUBJECT
    thread = client.get(f"/api/v1/hotline/{req_id}", headers=bearer(raw))
    assert thread.status_code == 200, thread.json
    assert thread.json["placement_id"] == (world["ids"][placement] if placement else None)
    assert thread.json["subject"] == SUBJECT and [m["body"] for m in thread.json["messages"]] == [BODY]
    reply = client.post(f"/api/v1/hotline/{req_id}/messages", json={"body": "Han er kommet igen."},
                        headers=bearer(raw))
    assert reply.status_code == 201, reply.json
    assert [m["body"] for m in reply.json["messages"]] == [BODY, "Han er kommet igen."]
    assert _audit(app, "authorisation_denied") == []
    other_company = make_token(app, world["b"])  # another company's key: 404, as on the web
    assert client.get(f"/api/v1/hotline/{req_id}", headers=bearer(other_company)).status_code == 404


def test_the_openapi_document_says_why_an_integration_key_is_refused_and_a_company_is_not(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["a"]))).json
    described = spec["paths"]["/api/v1/hotline/{request_id}"]["get"]["description"]
    assert "integrationsnøgle" in described and "hører ikke til nogen borgers sag" in described
    assert "helbredsoplysninger" in described and "begrundelse" in described
    assert "Virksomheden læser altid sine egne henvendelser, også dem om et af sine forløb" in described
