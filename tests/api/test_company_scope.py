"""The company scope over the API: the web's access rules, isolation and no leak before disclosure."""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import AuditEvent, HotlineRequest, Interview, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures
from tests.portal.hours_fixtures import MARKER, NAME


@pytest.fixture
def world(app, make_user, frozen_today):
    return hours_fixtures.build_world(app, make_user)


def test_company_sees_its_placements_and_logs_hours(app, client, world):
    raw = make_token(app, world["company"])
    items = client.get("/api/v1/placements/", headers=bearer(raw)).json["items"]
    labels = {item["id"]: item["label"] for item in items}
    assert labels[world["named"]].startswith(NAME) and MARKER not in labels[world["hidden"]]
    answer = client.put(f"/api/v1/placements/{world['named']}/hours", json={"month": "2026-11", "hours": "7,5"},
                        headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    assert {"month": "2026-11", "hours": 7.5} in answer.json["hours"]
    refused = client.put(f"/api/v1/placements/{world['named']}/hours", json={"month": "2031-01", "hours": -3},
                         headers=bearer(raw))
    assert refused.status_code == 422 and {"month", "hours"} <= set(refused.json["errors"])
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="identity_viewed").count() >= 1


def test_hotline_create_read_reply_and_staff_answer(app, client, world):
    company, staff = make_token(app, world["company"]), make_token(app, world["consultant"])
    created = client.post("/api/v1/hotline/", headers=bearer(company), json={
        "category": "fravaer", "urgency": "akut", "subject": "Medarbejderen kom ikke",
        "message": "Ingen har hørt fra ham i dag.", "placement_id": world["named"]})
    assert created.status_code == 201, created.json
    request_id = created.json["id"]
    reply = client.post(f"/api/v1/hotline/{request_id}/messages", json={"body": "Jeg ringer til ham nu."},
                        headers=bearer(staff))
    assert reply.status_code == 201 and reply.json["messages"][-1]["from_jobcenter"] is True
    thread = client.get(f"/api/v1/hotline/{request_id}", headers=bearer(company)).json
    assert [m["body"] for m in thread["messages"]][-1] == "Jeg ringer til ham nu."
    assert thread["first_response_at"] is not None
    bad = client.post("/api/v1/hotline/", headers=bearer(company), json={
        "category": "fravaer", "urgency": "akut", "subject": "x", "message": "", "placement_id": world["hidden"] + 99})
    assert bad.status_code == 422 and {"subject", "message"} <= set(bad.json["errors"])


def test_company_b_gets_404_for_everything_of_company_a(app, client, world):
    with app.app_context():
        request = HotlineRequest(company_id=world["company"].company_id, category="andet", urgency="normal",
                                 subject="A's problem", created_by_id=world["company"].id,
                                 due_at=db.func.now())
        db.session.add(request)
        db.session.commit()
        ids = {"request": request.id, "proposals": [p.id for p in db.session.query(Proposal)],
               "opening": db.session.query(Proposal).first().opening_id}
    raw = make_token(app, world["other"])
    paths = [f"/api/v1/openings/{ids['opening']}", f"/api/v1/placements/{world['named']}",
             f"/api/v1/placements/{world['hidden']}", f"/api/v1/hotline/{ids['request']}",
             *(f"/api/v1/proposals/{p}" for p in ids["proposals"])]
    for path in paths:
        assert client.get(path, headers=bearer(raw)).status_code == 404, path
    writes = [("put", f"/api/v1/placements/{world['named']}/hours", {"month": "2026-11", "hours": 1}),
              ("post", f"/api/v1/hotline/{ids['request']}/messages", {"body": "Hej"}),
              ("post", f"/api/v1/proposals/{ids['proposals'][0]}/answer", {"response": "interested"}),
              ("post", f"/api/v1/openings/{ids['opening']}/close", None)]
    for method, path, body in writes:
        assert getattr(client, method)(path, json=body, headers=bearer(raw)).status_code == 404, path
    for path in ("/api/v1/openings/", "/api/v1/placements/", "/api/v1/hotline/", "/api/v1/proposals/"):
        assert client.get(path, headers=bearer(raw)).json["items"] == [], path
    # Control: the owner reaches the same objects.
    owner = make_token(app, world["company"])
    assert all(client.get(path, headers=bearer(owner)).status_code == 200 for path in paths)


def test_no_marker_in_any_company_response_before_disclosure(app, client, world):
    raw = make_token(app, world["company"])
    with app.app_context():
        proposal_ids = [p.id for p in db.session.query(Proposal)]
    paths = ["/api/v1/openings/", "/api/v1/placements/", "/api/v1/proposals/", "/api/v1/hotline/",
             f"/api/v1/placements/{world['hidden']}", *(f"/api/v1/proposals/{p}" for p in proposal_ids),
             "/api/v1/citizens/", "/api/v1/figures/", f"/api/v1/placements/{world['hidden']}/hours"]
    seen = []
    for path in paths:
        response = client.get(path, headers=bearer(raw))
        seen.append(response.get_data(as_text=True))
        assert MARKER not in seen[-1], path
    assert NAME in "".join(seen)  # control: the disclosed citizen's name does reach the company
    staff = make_token(app, world["consultant"])
    assert MARKER in client.get("/api/v1/proposals/", headers=bearer(staff)).get_data(as_text=True)


def test_answer_and_book_an_offered_interview(app, client, world):
    from datetime import datetime, timedelta, timezone

    raw = make_token(app, world["company"])
    with app.app_context():
        disclosed = db.session.query(Proposal).filter_by(status="disclosed").one()
        approved = db.session.query(Proposal).filter_by(status="approved").one()
        start = datetime.now(timezone.utc) + timedelta(days=3)
        offers = [Interview(proposal_id=disclosed.id, starts_at=start + timedelta(hours=h), offered_by="jobcenter",
                            uid=f"test-{h}@jobbro") for h in (0, 2)]
        db.session.add_all(offers)
        db.session.commit()
        ids = (disclosed.id, approved.id, offers[0].id, offers[1].id)
    booked = client.post(f"/api/v1/proposals/{ids[0]}/interviews/{ids[2]}/book", headers=bearer(raw))
    assert booked.status_code == 200, booked.json
    statuses = {i["id"]: i["status"] for i in booked.json["interviews"]}
    assert statuses == {ids[2]: "booked", ids[3]: "declined"}
    again = client.post(f"/api/v1/proposals/{ids[0]}/interviews/{ids[3]}/book", headers=bearer(raw))
    assert again.status_code == 409 and again.json["detail"]
    answered = client.post(f"/api/v1/proposals/{ids[1]}/answer", json={"response": "interested", "note": "Ring gerne"},
                           headers=bearer(raw))
    assert answered.status_code == 200 and answered.json["response"] == "interested"
    assert answered.json["name"] is None and MARKER not in answered.get_data(as_text=True)


def test_a_company_is_refused_the_staff_areas_before_its_body_is_read(app, client, world):
    """403, not a 422 about the body: the role is checked before the arguments."""
    raw = make_token(app, world["company"])
    for method, path, body in (("put", "/api/v1/citizens/SAG-404", {"name": 7}),
                               ("put", "/api/v1/citizens/SAG-404/cv", None),
                               ("get", "/api/v1/citizens/?limit=abc", None),
                               ("get", "/api/v1/figures/?maaned=ikke-en-dato", None)):
        answer = getattr(client, method)(path, json=body, headers=bearer(raw))
        assert answer.status_code == 403, (method, path, answer.json)
        assert "jobcentrets medarbejdere" in answer.json["detail"]
