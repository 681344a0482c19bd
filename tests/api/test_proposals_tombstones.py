"""A candidate a company was shown that is no longer relevant comes back in its delta as a
tombstone (review AS 1).

Before, a withdrawn consent (or a proposal the job centre ended) just vanished from
``GET /api/v1/proposals/?updated_since=…``: a syncing company system never learnt it should delete
the name it had pulled, though a direct GET said 410. Now the delta carries the proposal as
``status: ended`` with its ids and when, nothing about the citizen, whatever the reason.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.candidates import withdrawal
from portal.extensions import db
from store.models import AuditEvent, Citizen, Proposal, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import MARKER, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)
SINCE = "updated_since=2026-11-23"  # tests.clock.TODAY: every change below happens on it
TOMBSTONE_KEYS = {"id", "opening_id", "status", "pseudonym", "name", "disclosed_until", "interviews", "updated_at"}


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).decided_at = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
        db.session.commit()
    _age_everything(app)
    return world


def _age_everything(app) -> None:
    with app.app_context():
        for model in (Proposal, Citizen):
            db.session.execute(model.__table__.update().values(updated_at=LONG_AGO))
        db.session.commit()


def _list(client, raw, query=SINCE):
    answer = client.get(f"/api/v1/proposals/?{query}", headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    return answer


def _withdraw(app, world) -> None:
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        withdrawal.withdraw(proposal, db.session.get(User, world["consultant"].id))


def test_a_withdrawn_consent_is_a_tombstone_in_the_delta(app, client, world):
    """The reproduction: the proposal was not in the delta at all."""
    raw = make_token(app, world["company"])
    assert _list(client, raw).json["items"] == []
    _withdraw(app, world)
    answer = _list(client, raw)
    [item] = answer.json["items"]
    assert set(item) == TOMBSTONE_KEYS
    assert (item["id"], item["opening_id"], item["status"]) == (world["proposal"], world["opening"], "ended")
    assert item["name"] is None and item["interviews"] == [] and item["updated_at"].startswith("2026-11-23")
    assert MARKER not in answer.get_data(as_text=True)  # nothing about the citizen
    # the same as a direct GET says
    assert client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw)).status_code == 410
    with app.app_context():  # no name shown, so no identity read audited for the tombstone
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "identity_viewed")) == 0


def test_an_ended_proposal_is_the_same_tombstone_without_its_reason(app, client, world):
    raw = make_token(app, world["company"])
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = "opening_done"
        db.session.commit()
    [item] = _list(client, raw).json["items"]
    assert item["status"] == "ended" and set(item) == TOMBSTONE_KEYS


def test_only_in_the_delta_and_only_after_the_change(app, client, world):
    raw = make_token(app, world["company"])
    _withdraw(app, world)
    assert _list(client, raw, "").json["items"] == []  # a full list holds the current candidates only
    assert _list(client, raw, "updated_since=2026-11-24").json["items"] == []  # changed before
    _age_everything(app)
    with app.app_context():  # a later change to the citizen says nothing more about a tombstone
        db.session.get(Citizen, world["citizen"]).hours_available = 20
        db.session.commit()
    assert _list(client, raw).json["items"] == []


def test_no_tombstone_for_a_candidate_never_shown_nor_for_another_company(app, client, world):
    _withdraw(app, world)
    assert _list(client, make_token(app, world["other"])).json["items"] == []
    with app.app_context():  # ended before the consultant approved it: the company never saw it
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status, proposal.decided_at = "ended", None
        db.session.commit()
    assert _list(client, make_token(app, world["company"])).json["items"] == []


def test_the_status_filter(app, client, world):
    raw = make_token(app, world["company"])
    _withdraw(app, world)
    assert [i["id"] for i in _list(client, raw, f"{SINCE}&status=ended").json["items"]] == [world["proposal"]]
    for status in ("withdrawn", "disclosed", "on_hold", "rejected"):
        assert _list(client, raw, f"{SINCE}&status={status}").json["items"] == []
    assert _list(client, raw, "status=ended").json["items"] == []  # without updated_since, as before


def test_a_restriction_is_on_hold_without_the_name(app, client, world):
    raw = make_token(app, world["company"])
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
    answer = _list(client, raw)
    [item] = answer.json["items"]
    assert item["status"] == "on_hold" and item["name"] is None and MARKER not in answer.get_data(as_text=True)


def test_the_job_centre_still_reads_the_real_status(app, client, world):
    _withdraw(app, world)
    [item] = _list(client, make_token(app, world["consultant"])).json["items"]
    assert item["status"] == "withdrawn" and item["name"] == MARKER


def test_the_document_explains_the_tombstone(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["company"]))).json
    properties = spec["components"]["schemas"]["ProposalOut"]["properties"]
    assert "updated_since" in properties["updated_at"]["description"]
    assert "410" in properties["updated_at"]["description"]
    assert "status ended uden oplysninger om kandidaten" in properties["status"]["description"]
    listing = spec["paths"]["/api/v1/proposals/"]["get"]
    assert "ikke længere" in listing["description"] or "holdt op" in listing["description"]
