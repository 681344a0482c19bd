"""updated_since sees every change a poller needs (review G 4): a company's answer and a consent
withdrawal or restriction on proposals, logged hours on placements, later messages on hotline
requests."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store import clock
from store.models import Citizen, Consent, HotlineRequest, Placement, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures, proposal_fixtures

LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)
SINCE = "?updated_since=2026-11-23"  # tests.clock.TODAY: every change below happens on it


def _age_everything(app) -> None:
    with app.app_context():
        for model in (Proposal, Placement, HotlineRequest, Citizen):
            db.session.execute(model.__table__.update().values(updated_at=LONG_AGO))
        db.session.commit()


def _ids(client, raw, area: str) -> list[int]:
    answer = client.get(f"/api/v1/{area}/{SINCE}", headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    return [item["id"] for item in answer.json["items"]]


def test_answers_consent_and_restriction_show_up_on_proposals(app, client, make_user, frozen_today):
    world = proposal_fixtures.disclosed_world(app, make_user)
    company, staff = make_token(app, world["company"]), make_token(app, world["consultant"])
    _age_everything(app)
    assert _ids(client, company, "proposals") == [] and _ids(client, staff, "proposals") == []
    answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer", json={"response": "interested"},
                           headers=bearer(company))
    assert answered.status_code == 200, answered.json
    assert _ids(client, company, "proposals") == _ids(client, staff, "proposals") == [world["proposal"]]

    _age_everything(app)
    with app.app_context():
        consent = db.session.scalar(sa.select(Consent).where(Consent.proposal_id == world["proposal"]))
        consent.withdrawn_at = clock.utcnow()  # a child row: the proposal itself is not written
        db.session.commit()
    assert _ids(client, staff, "proposals") == [world["proposal"]]

    _age_everything(app)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).restricted = True  # the company now reads on_hold
        db.session.commit()
    assert _ids(client, company, "proposals") == [world["proposal"]]


def test_hours_and_messages_show_up_on_placements_and_hotline(app, client, make_user, frozen_today):
    world = hours_fixtures.build_world(app, make_user)
    company = make_token(app, world["company"])
    created = client.post("/api/v1/hotline/", headers=bearer(company), json={
        "category": "fravaer", "urgency": "normal", "subject": "Fravær i dag", "message": "Kom ikke.",
        "placement_id": world["named"]})
    assert created.status_code == 201, created.json
    _age_everything(app)
    assert _ids(client, company, "placements") == [] and _ids(client, company, "hotline") == []
    logged = client.put(f"/api/v1/placements/{world['named']}/hours", json={"month": "2026-11", "hours": "12,5"},
                        headers=bearer(company))
    assert logged.status_code == 200, logged.json
    assert _ids(client, company, "placements") == [world["named"]]
    message = client.post(f"/api/v1/hotline/{created.json['id']}/messages", headers=bearer(company),
                          json={"body": "Han er her nu.", "awaits_answer": False})
    assert message.status_code == 201, message.json
    assert _ids(client, company, "hotline") == [created.json["id"]]

    _age_everything(app)
    with app.app_context():  # the consent behind the placement's name ends: its label changes
        for consent in db.session.scalars(sa.select(Consent)):
            consent.withdrawn_at = clock.utcnow()
        db.session.commit()
    assert _ids(client, company, "placements") == [world["named"]]


@pytest.mark.parametrize("since", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59",
                                   "9999-12-31"])
def test_updated_since_at_the_ends_of_the_calendar_is_no_error(app, client, make_user, since):
    """Review G 5: a first full sync "from the beginning" got a 500 (OverflowError)."""
    staff = make_token(app, make_user("consultant"))
    for area in ("openings", "proposals", "placements", "hotline", "citizens"):
        answer = client.get(f"/api/v1/{area}/", query_string={"updated_since": since}, headers=bearer(staff))
        assert answer.status_code == 200, (area, since, answer.json)


def test_updated_since_from_the_beginning_gives_everything(app, client, make_user, frozen_today):
    world = hours_fixtures.build_world(app, make_user)
    company = make_token(app, world["company"])
    everything = client.get("/api/v1/placements/", headers=bearer(company)).json["items"]
    since = client.get("/api/v1/placements/?updated_since=0001-01-01", headers=bearer(company)).json["items"]
    assert len(since) == len(everything) == 2
    assert client.get("/api/v1/placements/?updated_since=9999-12-31T23:59:59-23:59",
                      headers=bearer(company)).json["items"] == []
