"""A proposal ended with the citizen's case over the API: gone for the company, listed for the
job centre, and documented in the schema."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from portal.extensions import db
from store.models import Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, build_world


@pytest.fixture
def world(app, make_user, frozen_today):
    world = build_world(app, make_user)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status, proposal.ended_on = "ended", TODAY
        proposal.decided_at = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)  # approved: shown to the company
        db.session.commit()
    return world


def test_the_company_no_longer_gets_an_ended_candidate(app, client, world):
    raw = make_token(app, world["company"])
    listed = client.get("/api/v1/proposals/", headers=bearer(raw))
    assert listed.status_code == 200 and listed.json["items"] == []
    gone = client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw))
    # shown to the company once, so 410 "no longer relevant" (as its page says), not "never existed"
    assert gone.status_code == 410 and "ikke længere aktuel" in gone.json["detail"]
    assert MARKER not in gone.get_data(as_text=True)
    other = client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(make_token(app, world["other"])))
    assert other.status_code == 404  # another company's: nothing said
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).decided_at = None  # ended before any approval
        db.session.commit()
    assert client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw)).status_code == 404
    answer = client.post(f"/api/v1/proposals/{world['proposal']}/answer", json={"response": "interested"},
                         headers=bearer(raw, **{"Idempotency-Key": "k-ended-1"}))
    assert answer.status_code == 404 and MARKER not in answer.get_data(as_text=True)


def test_the_job_centre_lists_ended_proposals_and_the_schema_documents_the_status(app, client, world):
    raw = make_token(app, world["consultant"])
    listed = client.get("/api/v1/proposals/?status=ended", headers=bearer(raw))
    assert listed.status_code == 200, listed.json
    assert [(p["id"], p["status"]) for p in listed.json["items"]] == [(world["proposal"], "ended")]
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    status = spec["components"]["schemas"]["ProposalOut"]["properties"]["status"]
    assert "ended" in status["enum"] and "ended (afsluttet af jobcentret" in status["description"]
