"""The events an integrator missed (review AS 1 and AS 4): a candidate shown, one to delete or not
to use, times offered, and for the job centre's endpoints a company's answer, a new hotline request
and a company's follow-up; each queued in the transaction of the change, to the right recipients.
And the links: from PORTAL_URL only, never from the request's Host header (AS 6)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.candidates import withdrawal
from portal.citizens import case
from portal.extensions import db
from portal.hotline import service as hotline
from portal.interviews import answers, booking, slots
from portal.pseudonyms import pseudonym
from portal.webhooks import service
from portal.webhooks.forms import EndpointForm
from store.models import Citizen, Proposal, User
from store.models.api import JOBCENTER_ONLY_EVENTS, WEBHOOK_EVENTS, WebhookDelivery
from tests.portal.proposal_fixtures import MARKER, set_status

from .test_events import EXTERNAL_ID, check, documented, make_world, queued


@pytest.fixture
def world(app, make_user, frozen_today):
    return make_world(app, make_user, frozen_today)


PLAIN = {"a_all", "jc_all"}


def _types(got: dict, name: str) -> list[str]:
    return [body["type"] for body in got.get(name, [])]


def _no_person(app, world, body: dict) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert MARKER not in text and EXTERNAL_ID not in text
    with app.app_context():
        assert pseudonym(world["citizen"], world["opening"]) not in text


def test_proposal_approved_tells_the_company_by_ids_only(app, world):
    set_status(app, world["proposal"], "proposed")
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposals.approve(proposal, db.session.get(User, world["consultant"].id), "God match")
    company, jobcenter = check(app, world, "proposal.approved")
    assert company["data"]["proposal_id"] == world["proposal"] and company["data"]["opening_id"] == world["opening"]
    assert set(company["links"]) == {"portal", "api"}
    _no_person(app, world, company)
    assert "God match" not in json.dumps(company, ensure_ascii=False)
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID


def test_a_withdrawn_consent_tells_the_company_to_delete(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.disclosed_at = datetime.now(timezone.utc)
        db.session.commit()
        withdrawal.withdraw(proposal, db.session.get(User, world["consultant"].id))
    got = queued(app, world)
    assert set(got) == PLAIN  # never company B's endpoint
    company = next(b for b in got["a_all"] if b["type"] == "proposal.withdrawn")
    documented(company, jobcenter=False)
    assert company["data"] == {"proposal_id": world["proposal"], "opening_id": world["opening"],
                               "company_id": world["company"].company_id, "reason": "withdrawn",
                               "must_delete": True, "withdrawn_at": company["data"]["withdrawn_at"]}
    assert set(company["links"]) == {"portal"}
    _no_person(app, world, company)
    jobcenter = next(b for b in got["jc_all"] if b["type"] == "proposal.withdrawn")
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID


def test_a_restriction_says_do_not_use_and_its_lifting_shares_again(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        citizen = db.session.get(Citizen, world["citizen"])
        case.restrict(citizen, "rigtighed")
        db.session.commit()
        got = queued(app, world)
        assert _types(got, "a_all") == ["proposal.withdrawn"] and _types(got, "b_all") == []
        data = got["a_all"][0]["data"]
        assert (data["reason"], data["must_delete"]) == ("restricted", False)
        db.session.execute(sa.delete(WebhookDelivery))
        db.session.commit()
        case.lift_restriction(db.session.get(Citizen, world["citizen"]))
        db.session.commit()
    company, _ = check(app, world, "proposal.shared")
    assert company["data"]["proposal_id"] == world["proposal"]


def test_an_erasure_tells_the_company_and_keeps_that_delivery_without_the_citizen(app, world, tmp_path):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        consultant = db.session.get(User, world["consultant"].id)
        case.erase(db.session.get(Citizen, world["citizen"]), MARKER, "Borgerens anmodning", consultant)
        db.session.commit()
    got = queued(app, world)
    assert set(got) == PLAIN
    for name in PLAIN:
        assert _types(got, name) == ["proposal.withdrawn"]
        data = got[name][0]["data"]
        assert (data["proposal_id"], data["reason"], data["must_delete"]) == (world["proposal"], "erased", True)
    assert got["jc_all"][0]["data"]["citizen_id"] is None and got["jc_all"][0]["data"]["citizen_external_id"] is None
    assert got["a_all"][0]["links"]["portal"].endswith(f"/opslag/{world['opening']}")
    assert EXTERNAL_ID not in json.dumps(got, ensure_ascii=False) and MARKER not in json.dumps(got, ensure_ascii=False)


def test_interview_offered(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    start = (datetime.now(timezone.utc) + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        rows = booking.offer(proposal, db.session.get(User, world["company"].id),
                                [slots.Slot(start, 45, "Kantinen"), slots.Slot(start + timedelta(days=1), 30, "Kantinen")])
        ids = [row.id for row in rows]
    company, jobcenter = check(app, world, "interview.offered")
    assert company["data"]["offered_by"] == "company" and company["data"]["replaces_interview_id"] is None
    assert [t["interview_id"] for t in company["data"]["times"]] == ids
    assert company["data"]["times"][0]["starts_at"].endswith("Z") and company["data"]["times"][1]["duration_minutes"] == 30
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID


def test_a_companys_answer_goes_to_the_job_centre_only(app, world):
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        answers.answer(proposal, db.session.get(User, world["company"].id), "interested", f"Note om {MARKER}")
    got = queued(app, world)
    assert set(got) == {"jc_all"} and _types(got, "jc_all") == ["proposal.answered"]
    documented(got["jc_all"][0], jobcenter=True)
    data = got["jc_all"][0]["data"]
    assert (data["response"], data["previous_response"], data["citizen_id"]) == ("interested", None, world["citizen"])
    assert MARKER not in json.dumps(got, ensure_ascii=False)  # never the company's note (nor the name)


def test_a_new_hotline_request_and_a_follow_up_go_to_the_job_centre_only(app, world):
    with app.test_request_context():
        author = db.session.get(User, world["company"].id)
        request = hotline.create_request(author, hotline.RequestData(
            category="fravaer", urgency="akut", subject=f"Om {MARKER}", message=f"Hjælp {MARKER}", placement_id=None))
        got = queued(app, world)
        assert set(got) == {"jc_all"} and _types(got, "jc_all") == ["hotline.created"]
        documented(got["jc_all"][0], jobcenter=True)
        data = got["jc_all"][0]["data"]
        assert (data["request_id"], data["urgency"], data["status"]) == (request.id, "akut", "open")
        assert data["due_at"].endswith("Z") and data["citizen_id"] is None
        db.session.execute(sa.delete(WebhookDelivery))
        db.session.commit()
        hotline.add_message(request, db.session.get(User, world["consultant"].id), "Svar")
        db.session.execute(sa.delete(WebhookDelivery))
        db.session.commit()
        hotline.add_message(request, author, "Til orientering", awaits_answer=False)
        hotline.add_message(request, author, "Vi venter på svar", awaits_answer=True)
    got = queued(app, world)
    assert set(got) == {"jc_all"} and _types(got, "jc_all") == ["hotline.message", "hotline.message"]
    documented(got["jc_all"][0], jobcenter=True)
    info, waiting = (body["data"] for body in got["jc_all"])
    assert (info["awaits_answer"], info["due_at"], info["status"]) == (False, None, "answered")
    assert (waiting["awaits_answer"], waiting["status"]) == (True, "open") and waiting["due_at"].endswith("Z")
    assert MARKER not in json.dumps(got, ensure_ascii=False)


def test_a_company_endpoint_cannot_choose_the_job_centres_events(app, world):
    assert JOBCENTER_ONLY_EVENTS < set(WEBHOOK_EVENTS)
    with app.test_request_context():
        company = db.session.get(User, world["company"].id)
        form = EndpointForm(formdata=None, events=service.events_for(company.company_id))
        assert {c.value for c in form.events.choices} == set(WEBHOOK_EVENTS) - JOBCENTER_ONLY_EVENTS
        endpoint = service.create_endpoint(company, url="https://8.8.8.8/x", description="", events=WEBHOOK_EVENTS)
        assert set(endpoint.events) == set(WEBHOOK_EVENTS) - JOBCENTER_ONLY_EVENTS
        service.update_endpoint(endpoint, url=endpoint.url, description="", events=["hotline.created"], active=True)
        assert endpoint.events == []
        db.session.rollback()


def test_the_openapi_document_describes_every_event(app, client, make_user):
    """Review AS 7: each event (and ping) is an OpenAPI 3.1 webhook with its body's schema."""
    from tests.api.api_fixtures import bearer, make_token

    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("company")))).json
    assert set(spec["webhooks"]) == {*WEBHOOK_EVENTS, "ping"}
    withdrawn = spec["webhooks"]["proposal.withdrawn"]["post"]
    assert {p["name"] for p in withdrawn["parameters"]} == {"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"}
    ref = withdrawn["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = spec["components"]["schemas"][ref]
    assert set(schema["properties"]) == {"id", "type", "created_at", "data", "links"}
    data = schema["properties"]["data"]["properties"]
    # the documented reasons are the ones the portal sends (anonymised: retention deletes the proposals)
    from portal.webhooks.events import WITHDRAWN_REASONS
    assert data["reason"]["enum"] == ["withdrawn", "erased", "anonymised", "restricted"] == list(WITHDRAWN_REASONS)
    assert "must_delete" in data
    for event in JOBCENTER_ONLY_EVENTS:
        assert "kun jobcentrets webhooks" in spec["webhooks"][event]["post"]["summary"]
