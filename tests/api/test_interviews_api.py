"""Offer times, move a booked interview and report the outcome through the API (review AS 3).

The web could (»Foreslå tider«, »Flyt samtalen«, »Hvordan gik samtalen?«), the API could not:
an integrator was sent back to the portal. ``portal.api.interviews`` calls the web's own
service steps with the web form's validation, so both leave the same trace.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.interviews import answers, booking
from store.models import AuditEvent, Interview, Notification, Proposal, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

# tests.clock: the tests live on Monday 23 November 2026 from 10:00 Danish time.
TIMES = ["2026-11-25T10:00:00+01:00", "2026-11-26T13:30:00+01:00"]
OFFER = {"times": TIMES, "duration_minutes": 45, "location": "Kantinen, Fabriksvej 1"}


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def _post(client, raw, path, body=None, **headers):
    return client.post(path, json=body, headers=bearer(raw, **headers))


def _offer_path(world, proposal=None):
    return f"/api/v1/proposals/{proposal or world['proposal']}/interviews"


def _rows(app, world) -> list[tuple]:
    with app.app_context():
        return [(i.status, i.starts_at.replace(tzinfo=timezone.utc).isoformat(), i.duration_minutes, i.location,
                 i.offered_by) for i in db.session.scalars(
                    sa.select(Interview).where(Interview.proposal_id == world["proposal"])
                    .order_by(Interview.starts_at, Interview.id))]


def _told(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Notification.user_id, Notification.kind).order_by(Notification.id))]


def _audited(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(AuditEvent.user_id, AuditEvent.action, AuditEvent.purpose)
            .where(AuditEvent.action.like("interview_%")).order_by(AuditEvent.id))]


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(timezone.utc).isoformat()


@pytest.mark.parametrize("path", ["web", "api"])
def test_a_company_offers_times_as_on_the_web(app, client, auth, world, path):
    if path == "web":
        auth.switch_to(world["company"].email)
        done = client.post(f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/tider", data={
            "csrf_token": auth.csrf_token("/"), "date1": "2026-11-25", "time1": "10:00", "date2": "2026-11-26",
            "time2": "13:30", "duration": "45", "location": "Kantinen, Fabriksvej 1"})
        assert done.status_code == 302
    else:
        done = _post(client, make_token(app, world["company"]), _offer_path(world), OFFER)
        assert done.status_code == 200, done.json
        assert done.json["id"] == world["proposal"]
        assert [(i["status"], i["offered_by"]) for i in done.json["interviews"]] == [("offered", "company")] * 2
    assert _rows(app, world) == [("offered", _utc(t), 45, "Kantinen, Fabriksvej 1", "company") for t in TIMES]
    assert _told(app) == [(world["consultant"].id, "interview_offered")]
    assert _audited(app) == [(world["company"].id, "interview_offered", "times:2;side:company")]


def test_the_job_centre_offers_times_to_the_company(app, client, world):
    done = _post(client, make_token(app, world["consultant"]), _offer_path(world), OFFER)
    assert done.status_code == 200, done.json
    assert done.json["citizen_id"] == world["citizen"]  # the staff view
    assert {row[-1] for row in _rows(app, world)} == {"jobcenter"}
    assert _told(app) == [(world["company"].id, "interview_offered")]


def test_another_companys_proposal_is_404(app, client, world):
    refused = _post(client, make_token(app, world["other"]), _offer_path(world), OFFER)
    assert refused.status_code == 404 and refused.content_type == "application/problem+json"
    assert _rows(app, world) == [] and _told(app) == []


def test_a_read_only_key_is_403(app, client, world):
    raw = make_token(app, world["company"], scope="read")
    assert _post(client, raw, _offer_path(world), OFFER).status_code == 403
    booked = add_interview(app, world, hours_from_now=-3)
    outcome = _post(client, raw, f"/api/v1/proposals/{world['proposal']}/outcome", {"outcome": "hired"})
    moved = _post(client, raw, f"/api/v1/proposals/{world['proposal']}/interviews/{booked}/move", OFFER)
    assert outcome.status_code == moved.status_code == 403
    assert [row[0] for row in _rows(app, world)] == ["booked"]


def test_an_integration_key_is_403_before_the_body(app, client, world, make_user):
    """Interviews are booked by people (the web's booking_required): an integration is none."""
    integration = make_user("integration")
    refused = _post(client, make_token(app, integration), _offer_path(world), {"times": "nonsense"})
    assert refused.status_code == 403 and "errors" not in refused.json


@pytest.mark.parametrize(("body", "field", "words"), [
    (dict(OFFER, times=["2026-11-20T10:00:00+01:00"]), "times", "fortiden"),
    (dict(OFFER, times=["2026-11-25T23:00:00+01:00"]), "times", "mellem kl. 06.00 og 22.00"),
    (dict(OFFER, times=[]), "times", "mellem 1 og 3"),
    (dict(OFFER, times=TIMES + ["2026-11-27T10:00:00+01:00", "2026-11-28T10:00:00+01:00"]), "times", "mellem 1 og 3"),
    (dict(OFFER, times=[TIMES[0], "2026-11-25T09:00:00Z"]), "times", "to gange"),  # the same moment
    (dict(OFFER, times=["2026-11-25T10:00:00"]), "times", ""),  # no time zone
    (dict(OFFER, times=["2026-11-25T10:00:30+01:00"]), "times", "hele minutter"),
    (dict(OFFER, duration_minutes=5), "duration_minutes", "mellem 15 og 480"),
    (dict(OFFER, duration_minutes=45.5), "duration_minutes", ""),
    (dict(OFFER, location="  "), "location", "stedet"),
    (dict(OFFER, location="x" * 201), "location", "200"),
    (dict(OFFER, location="Kantinen\u202e"), "location", ""),  # hidden characters, as the web form refuses
    ({"times": TIMES, "location": "Kantinen", "company_id": 3}, "company_id", ""),
])
def test_bad_times_are_422_at_the_field_and_nothing_is_offered(app, client, world, body, field, words):
    refused = _post(client, make_token(app, world["company"]), _offer_path(world), body)
    assert refused.status_code == 422 and refused.content_type == "application/problem+json", refused.json
    assert field in refused.json["errors"]
    assert words in " ".join(refused.json["errors"][field])
    assert _rows(app, world) == [] and _told(app) == []


def test_an_empty_body_is_400(app, client, world):
    refused = client.post(_offer_path(world), data="", content_type="application/json",
                          headers=bearer(make_token(app, world["company"])))
    assert refused.status_code == 400


def test_with_an_interview_booked_new_times_are_a_move(app, client, world):
    add_interview(app, world, hours_from_now=72)
    refused = _post(client, make_token(app, world["company"]), _offer_path(world), OFFER)
    assert refused.status_code == 409 and "Flyt den i stedet" in refused.json["detail"]


def test_before_the_name_is_shared_no_times_are_offered(app, client, make_user):
    from tests.portal.proposal_fixtures import build_world

    world = build_world(app, make_user)  # approved, not disclosed
    refused = _post(client, make_token(app, world["company"]), _offer_path(world), OFFER)
    assert refused.status_code == 409 and "samtykke" in refused.json["detail"]


def test_the_same_idempotency_key_offers_once(app, client, world):
    raw = make_token(app, world["company"])
    first = _post(client, raw, _offer_path(world), OFFER, **{"Idempotency-Key": "offer-1"})
    again = _post(client, raw, _offer_path(world), OFFER, **{"Idempotency-Key": "offer-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert len(_rows(app, world)) == 2


def test_a_company_moves_its_booked_interview(app, client, world):
    booked = add_interview(app, world, hours_from_now=72)
    path = f"/api/v1/proposals/{world['proposal']}/interviews/{booked}/move"
    done = _post(client, make_token(app, world["company"]), path, dict(OFFER, times=TIMES[:1]))
    assert done.status_code == 200, done.json
    # the booking stands until the job centre chooses the new time
    assert sorted(i["status"] for i in done.json["interviews"]) == ["booked", "offered"]
    assert _told(app) == [(world["consultant"].id, "interview_offered")]
    with app.test_request_context():
        new = db.session.scalar(sa.select(Interview).where(Interview.status == "offered"))
        booking.book(new, db.session.get(User, world["consultant"].id))
        assert db.session.get(Interview, booked).status == "cancelled"


def test_moving_is_for_a_booked_interview_of_the_callers_own(app, client, world, make_user):
    raw = make_token(app, world["company"])
    offered = add_interview(app, world, hours_from_now=72, status="offered")
    refused = _post(client, raw, f"/api/v1/proposals/{world['proposal']}/interviews/{offered}/move", OFFER)
    assert refused.status_code == 409 and "Kun en aftalt samtale" in refused.json["detail"]
    elsewhere = disclosed_world(app, make_user)
    theirs = add_interview(app, elsewhere, hours_from_now=72)
    # another company's interview, under one's own proposal or its own: 404
    for proposal in (world["proposal"], elsewhere["proposal"]):
        missing = _post(client, raw, f"/api/v1/proposals/{proposal}/interviews/{theirs}/move", OFFER)
        assert missing.status_code == 404
    bad = _post(client, raw, f"/api/v1/proposals/{world['proposal']}/interviews/{offered}/move",
                dict(OFFER, location=""))
    assert bad.status_code == 422 and "location" in bad.json["errors"]
    with app.app_context():
        assert db.session.get(Interview, theirs).status == "booked"


def _outcome(client, raw, world, **body):
    return _post(client, raw, f"/api/v1/proposals/{world['proposal']}/outcome", body)


def _answer(app, world) -> tuple:
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        return proposal.company_response, proposal.company_response_note or ""


def test_the_outcome_after_the_held_interview(app, client, world):
    add_interview(app, world, hours_from_now=-3)
    raw = make_token(app, world["company"])
    refused = _outcome(client, raw, world, outcome="declined")
    assert refused.status_code == 422 and refused.json["errors"] == {"reason": [answers.REASON_NEEDED]}
    assert _answer(app, world) == (None, "")
    done = _outcome(client, raw, world, outcome="declined", reason="Valgte en anden")
    assert done.status_code == 200, done.json
    assert (done.json["response"], done.json["response_note"]) == ("declined", "Valgte en anden")
    assert _told(app) == [(world["consultant"].id, "company_answered")]
    hired = _outcome(client, raw, world, outcome="hired")
    assert hired.status_code == 200 and _answer(app, world) == ("hired", "")


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "interested"}, "outcome"), ({"outcome": "declined", "reason": "x" * 2001}, "reason"),
    ({"outcome": "declined", "reason": "Nej\u202e tak"}, "reason"), ({"reason": "Nej"}, "outcome"),
])
def test_a_bad_outcome_is_422(app, client, world, body, field):
    add_interview(app, world, hours_from_now=-3)
    refused = _post(client, make_token(app, world["company"]), f"/api/v1/proposals/{world['proposal']}/outcome",
                    body)
    assert refused.status_code == 422 and field in refused.json["errors"]
    assert _answer(app, world) == (None, "")


def test_no_outcome_before_the_interview_is_held(app, client, world):
    add_interview(app, world, hours_from_now=72)
    refused = _outcome(client, make_token(app, world["company"]), world, outcome="hired")
    assert refused.status_code == 409 and "når den aftalte samtale er holdt" in refused.json["detail"]
    assert _answer(app, world) == (None, "")


def test_the_outcome_is_the_companys_own(app, client, world):
    add_interview(app, world, hours_from_now=-3)
    staff = _outcome(client, make_token(app, world["consultant"]), world, outcome="hired")
    other = _outcome(client, make_token(app, world["other"]), world, outcome="hired")
    assert staff.status_code == 403 and other.status_code == 404
    assert _answer(app, world) == (None, "")


def test_the_document_describes_the_new_steps(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["company"]))).json
    paths = spec["paths"]
    offer = paths["/api/v1/proposals/{proposal_id}/interviews"]["post"]
    move = paths["/api/v1/proposals/{proposal_id}/interviews/{interview_id}/move"]["post"]
    outcome = paths["/api/v1/proposals/{proposal_id}/outcome"]["post"]
    for operation in (offer, move, outcome):
        assert {"200", "400", "401", "403", "404", "409", "422", "429"} <= set(operation["responses"])
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("ProposalOut")
    assert "Foreslå" in offer["summary"] and "Flyt" in move["summary"] and "udfaldet" in outcome["summary"]
    assert "reason" in outcome["responses"]["422"]["description"]
    body = spec["components"]["schemas"]["TimesIn"]["properties"]
    assert "RFC 3339" in body["times"]["description"]
    cancel = paths["/api/v1/proposals/{proposal_id}/interviews/{interview_id}/cancel"]["post"]
    assert "foreslås nye tider på portalen" not in cancel["description"]  # no longer sent back to the portal
    assert "POST /proposals/{id}/interviews" in cancel["description"]
