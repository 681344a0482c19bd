"""The API on a candidate a change of the opening's requirements put on hold
(portal.openings.requirements): listed and read as on_hold (a status the document declares),
not answerable (409, Danish), no interview chosen; and an opening's capacity holds its places
through the API as on the web."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from portal.extensions import db
from store.clock import LOCAL
from store.models import Citizen, Interview, Opening, Placement, Proposal
from tests.api.api_fixtures import OPENING, bearer, make_token
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, set_status
from tests.portal.proposal_fixtures import build_world
from tests.portal.test_candidates_held import hold


PRAKTIK = dict(OPENING, kind="virksomhedspraktik")  # the kind with more than one place


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user, frozen_today):
    """The world's candidate shown to the company (approved) and a second one on the same
    opening who is not held; then the opening becomes a fleksjob, which holds the first."""
    world = build_world(app, make_user)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).decided_at = datetime.now(LOCAL)
        other = Citizen(name="Anden Borger", postcode="8722", benefit_group="ledighedsydelse",
                        readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=15)
        db.session.add(other)
        db.session.flush()
        current = Proposal(citizen_id=other.id, opening_id=world["opening"], status="approved",
                           decided_at=datetime.now(LOCAL))
        db.session.add(current)
        db.session.commit()
        world["current"] = current.id
    hold(app, world)
    return world


def test_a_held_candidate_is_listed_and_read_as_on_hold_and_filtered_so(app, client, world):
    raw = make_token(app, world["company"])
    items = {p["id"]: p for p in client.get("/api/v1/proposals/", headers=bearer(raw)).json["items"]}
    held = items[world["proposal"]]
    assert held["status"] == "on_hold" and held["hours_available"] is None and MARKER not in str(held)
    assert items[world["current"]]["status"] == "approved"
    one = client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw))
    assert one.status_code == 200 and one.json["status"] == "on_hold"
    on_hold = client.get("/api/v1/proposals/?status=on_hold", headers=bearer(raw)).json["items"]
    assert [p["id"] for p in on_hold] == [world["proposal"]]
    approved = client.get("/api/v1/proposals/?status=approved", headers=bearer(raw)).json["items"]
    assert [p["id"] for p in approved] == [world["current"]]
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    status = spec["components"]["schemas"]["ProposalOut"]["properties"]["status"]
    assert "on_hold" in status["enum"] and "efter at I har ændret dem" in status["description"]
    # the job centre reads the proposal's own step
    staff = make_token(app, world["consultant"])
    assert client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(staff)).json["status"] == "approved"


def test_a_held_candidate_cannot_be_answered(app, client, world):
    raw = make_token(app, world["company"])
    refused = client.post(f"/api/v1/proposals/{world['proposal']}/answer", json={"response": "interested"},
                          headers=bearer(raw, **{"Idempotency-Key": "held-answer-1"}))
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert refused.json["detail"] == "Kandidaten er ikke aktuel lige nu – jobcentret kontakter jer. Svaret er ikke gemt."
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None
    answered = client.post(f"/api/v1/proposals/{world['current']}/answer", json={"response": "interested"},
                           headers=bearer(raw, **{"Idempotency-Key": "held-answer-2"}))
    assert answered.status_code == 200 and answered.json["response"] == "interested"


def test_a_held_candidates_offered_time_cannot_be_booked(app, client, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        interview = Interview(proposal_id=world["proposal"], status="offered", duration_minutes=45,
                              starts_at=datetime.combine(TODAY + timedelta(days=2), time(10), LOCAL),
                              location="Kantinen", offered_by="jobcenter", offered_by_id=world["consultant"].id,
                              uid=f"{uuid.uuid4()}@jobbro")
        db.session.add(interview)
        db.session.commit()
        interview_id = interview.id
    raw = make_token(app, world["company"])
    # on hold, the name shared before is not shown (as the document says), nor the interviews
    for view in (client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw)).json,
                 client.get("/api/v1/proposals/?status=on_hold", headers=bearer(raw)).json["items"][0]):
        assert (view["status"], view["name"], view["interviews"], view["disclosed_until"]) == ("on_hold", None, [], None)
    refused = client.post(f"/api/v1/proposals/{world['proposal']}/interviews/{interview_id}/book",
                          headers=bearer(raw, **{"Idempotency-Key": "held-book-1"}))
    assert refused.status_code == 409 and "Kandidaten er ikke aktuel lige nu" in refused.json["detail"]
    assert "krav" not in refused.json["detail"]  # never why
    with app.app_context():
        assert db.session.get(Interview, interview_id).status == "offered"


def test_the_capacity_cannot_drop_below_the_places_taken_through_the_api(app, client, make_user):
    company = make_user("company")
    raw = make_token(app, company)
    created = client.post("/api/v1/openings/", json=dict(PRAKTIK, capacity=3), headers=bearer(raw)).json
    with app.app_context():
        for n in range(2):
            citizen = Citizen(name=f"Praktikant {n}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5))
            db.session.add(citizen)
            db.session.flush()
            db.session.add(Placement(citizen_id=citizen.id, opening_id=created["id"], company_id=company.company_id,
                                     kind="virksomhedspraktik", start_date=TODAY - timedelta(days=3)))
        db.session.commit()
        etag = f'"v{db.session.get(Opening, created["id"]).version}"'
    refused = client.put(f"/api/v1/openings/{created['id']}", json=dict(PRAKTIK, capacity=1),
                         headers=bearer(raw, **{"If-Match": etag}))
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"]["capacity"] == [
        "Der er 2 igangværende eller planlagte forløb på opslaget, så det skal have mindst 2 pladser."]
    with app.app_context():
        assert db.session.get(Opening, created["id"]).capacity == 3
    assert client.put(f"/api/v1/openings/{created['id']}", json=dict(PRAKTIK, capacity=2),
                      headers=bearer(raw, **{"If-Match": etag})).status_code == 200
