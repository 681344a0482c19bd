"""A repeated POST (same Idempotency-Key) about a citizen shows the object as it is now (review G 1):
never a stored name after the citizen's processing was restricted or consent was withdrawn."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store import clock
from store.models import AuditEvent, Citizen, Consent, IdempotencyRecord, Placement
from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures, proposal_fixtures
from tests.portal.proposal_fixtures import MARKER


@pytest.fixture
def disclosed(app, make_user, frozen_today):
    return proposal_fixtures.disclosed_world(app, make_user)


def _identity_reads(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "identity_viewed"))


def test_a_repeated_answer_after_restriction_shows_on_hold_without_the_name(app, client, disclosed):
    raw = make_token(app, disclosed["company"])
    headers = bearer(raw, **{"Idempotency-Key": "leak-1"})
    path = f"/api/v1/proposals/{disclosed['proposal']}/answer"
    first = client.post(path, json={"response": "interested", "note": "Vi ringer"}, headers=headers)
    assert first.status_code == 200 and first.json["name"] == MARKER, first.json
    with app.app_context():
        stored = db.session.scalar(sa.select(IdempotencyRecord))
        assert stored.object_id == disclosed["proposal"] and MARKER not in stored.response_body
        db.session.get(Citizen, disclosed["citizen"]).restricted = True  # art. 18, as case.restrict sets it
        db.session.commit()
    again = client.post(path, json={"response": "interested", "note": "Vi ringer"}, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["status"] == "on_hold" and again.json["name"] is None
    assert MARKER not in again.get_data(as_text=True) and again.json["interviews"] == []
    assert again.json == client.get(f"/api/v1/proposals/{disclosed['proposal']}", headers=bearer(raw)).json


def test_a_repeated_answer_while_disclosed_is_read_again_and_audited(app, client, disclosed):
    raw = make_token(app, disclosed["company"])
    headers = bearer(raw, **{"Idempotency-Key": "k-audit"})
    path = f"/api/v1/proposals/{disclosed['proposal']}/answer"
    assert client.post(path, json={"response": "interested"}, headers=headers).status_code == 200
    before = _identity_reads(app)
    again = client.post(path, json={"response": "interested"}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["name"] == MARKER
    assert _identity_reads(app) == before + 1  # the name shown again is logged, as on a GET


def test_a_repeated_hotline_request_after_consent_is_withdrawn_hides_the_name(app, client, make_user, frozen_today):
    world = hours_fixtures.build_world(app, make_user)
    raw = make_token(app, world["company"])
    headers = bearer(raw, **{"Idempotency-Key": "hot-1"})
    body = {"category": "fravaer", "urgency": "akut", "subject": "Kom ikke i dag",
            "message": "Ingen har hørt noget.", "placement_id": world["named"]}
    first = client.post("/api/v1/hotline/", json=body, headers=headers)
    assert first.status_code == 201 and hours_fixtures.NAME in first.json["placement_label"], first.json
    with app.app_context():
        placement = db.session.get(Placement, world["named"])
        for consent in db.session.scalars(sa.select(Consent)):
            if consent.proposal.citizen_id == placement.citizen_id:
                consent.withdrawn_at = clock.utcnow()
        db.session.commit()
    again = client.post("/api/v1/hotline/", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"] and again.json["id"] == first.json["id"]
    assert hours_fixtures.NAME not in again.get_data(as_text=True)
