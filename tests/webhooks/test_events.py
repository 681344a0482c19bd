"""Each event point queues deliveries for the subscribed, active endpoints of the right company
and of the job centre only; a company's payload holds no citizen data."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.candidates import sharing
from portal.eligibility import seed_defaults
from portal.extensions import db
from portal.hotline import service as hotline
from portal.interviews import booking
from portal.placements import lifecycle
from portal.webhooks import service
from store.models import Citizen, HotlineRequest, Interview, Placement, Proposal, User
from store.models.api import WEBHOOK_EVENTS, WebhookDelivery
from tests.portal.proposal_fixtures import MARKER, build_world, set_status

from .conftest import add_endpoint

EXTERNAL_ID = "SAG-4711"


@pytest.fixture
def world(app, make_user, frozen_today):
    return make_world(app, make_user, frozen_today)


def make_world(app, make_user, frozen_today) -> dict:
    """Two companies' endpoints and the job centre's, on every event, about the proposal of
    :func:`build_world`."""
    app.config["PORTAL_URL"] = "http://localhost"  # links come from it alone (review AS 6)
    world = build_world(app, make_user)
    with app.app_context():
        seed_defaults(db.session)
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.external_id = EXTERNAL_ID
        db.session.commit()
        company_a, company_b = world["company"].company_id, world["other"].company_id
    every = tuple(WEBHOOK_EVENTS)
    world["endpoints"] = {
        "a_all": add_endpoint(app, "https://8.8.8.8/a", company_id=company_a, events=every),
        "a_inactive": add_endpoint(app, "https://8.8.8.8/a2", company_id=company_a, events=every, active=False),
        "a_none": add_endpoint(app, "https://8.8.8.8/a3", company_id=company_a, events=()),
        "b_all": add_endpoint(app, "https://8.8.8.8/b", company_id=company_b, events=every),
        "jc_all": add_endpoint(app, "https://8.8.8.8/jc", events=every),
        "jc_hotline": add_endpoint(app, "https://8.8.8.8/jc2", events=("hotline.answered",)),
    }
    world["today"] = frozen_today
    return world


def queued(app, world) -> dict[str, list[dict]]:
    """Payloads queued per endpoint name (only names that got something)."""
    names = {v: k for k, v in world["endpoints"].items()}
    out: dict[str, list[dict]] = {}
    with app.app_context():
        for row in db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)):
            body = json.loads(row.payload)
            assert body["type"] == row.event and body["id"] == row.event_id
            out.setdefault(names[row.endpoint_id], []).append(body)
    return out


def documented(body: dict, *, jobcenter: bool) -> None:
    """The body's ``data`` has exactly the fields the OpenAPI document lists for its event (review AS 7)."""
    from portal.api import webhook_docs

    fields = set(webhook_docs.DATA[body["type"]]) | (set(webhook_docs.CITIZEN_FIELDS) if jobcenter else set())
    assert set(body["data"]) == fields


def check(app, world, event: str) -> tuple[dict, dict]:
    """Exactly one ``event`` for a_all and jc_all (jc_hotline too for hotline); returns both bodies."""
    got = queued(app, world)
    expected = {"a_all", "jc_all"} | ({"jc_hotline"} if event == "hotline.answered" else set())
    assert set(got) == expected
    assert all([body["type"] for body in bodies] == [event] for bodies in got.values())
    company, jobcenter = got["a_all"][0], got["jc_all"][0]
    documented(company, jobcenter=False)
    documented(jobcenter, jobcenter=True)
    text = json.dumps(company, ensure_ascii=False)
    assert MARKER not in text and "citizen" not in text and EXTERNAL_ID not in text
    urls = app.url_map.bind("localhost")
    for body in (company, jobcenter):
        for link in body["links"].values():  # the portal page and the API resource exist
            assert link.startswith("http://localhost/")
            urls.match(urlsplit(link).path, method="GET")
    return company, jobcenter


def test_proposal_shared(app, world):
    set_status(app, world["proposal"], "consented", consent=True)
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.profile_approved_at = datetime.now(timezone.utc)
        proposal.shared_profile = {"experience": "Køkken"}
        sharing.disclose(proposal, db.session.get(User, world["consultant"].id))
    company, jobcenter = check(app, world, "proposal.shared")
    assert company["data"]["proposal_id"] == world["proposal"]
    assert company["data"]["opening_title"] == "Praktik i kantinen"
    assert f"/kandidat/{world['proposal']}" in company["links"]["portal"]
    assert jobcenter["data"]["citizen_id"] == world["citizen"]
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID


def test_proposal_ended(app, world):
    """A closed case takes the candidate out of the company's opening: both told, no reason."""
    from portal.citizens import case

    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        citizen = db.session.get(Citizen, world["citizen"])
        case.close_case(citizen, world["today"], "flyttet", today=world["today"],
                        user=db.session.get(User, world["consultant"].id))
        db.session.commit()
    company, jobcenter = check(app, world, "proposal.ended")
    assert company["data"]["proposal_id"] == world["proposal"]
    assert set(company["links"]) == {"portal"}  # the API no longer gives the company the proposal
    assert f"/kandidat/{world['proposal']}" in company["links"]["portal"]
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID
    for body in (company, jobcenter):
        assert "flyttet" not in json.dumps(body, ensure_ascii=False).casefold()


def test_interview_booked(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        interview = Interview(proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(days=3),
                              duration_minutes=45, location="Kantinen", offered_by="company",
                              offered_by_id=world["company"].id, uid="test-uid@jobbro", status="offered")
        db.session.add(interview)
        db.session.commit()
        booking.book(interview, db.session.get(User, world["consultant"].id))
    company, jobcenter = check(app, world, "interview.booked")
    assert company["data"]["duration_minutes"] == 45 and company["data"]["status"] == "booked"
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID


def _booked_interview(world, hours: int = 72, status: str = "booked") -> Interview:
    interview = Interview(proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(hours=hours),
                          duration_minutes=45, location="Kantinen", offered_by="company",
                          offered_by_id=world["company"].id, uid=f"test-{hours}@jobbro", status=status)
    db.session.add(interview)
    db.session.commit()
    return interview


def test_interview_cancelled(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        interview = _booked_interview(world)
        booking.cancel(interview, db.session.get(User, world["company"].id))
        uid = interview.uid
    company, jobcenter = check(app, world, "interview.cancelled")
    assert company["data"]["status"] == "cancelled" and company["data"]["moved"] is False
    assert company["data"]["uid"] == uid and company["data"]["sequence"] == 1  # the .ics CANCEL's UID
    assert set(company["links"]) == {"portal", "api"}
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID


def test_an_offer_withdrawn_is_no_cancellation(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        interview = _booked_interview(world)
        interview.status = "offered"
        db.session.commit()
        booking.cancel(interview, db.session.get(User, world["company"].id))
    assert queued(app, world) == {}  # never in a calendar: nothing to remove


def test_interview_moved_is_the_old_time_cancelled_and_the_new_one_booked(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        old = _booked_interview(world)
        new = _booked_interview(world, hours=96, status="offered")  # one booked time per pair (0028)
        new.offered_by = "jobcenter"
        db.session.commit()
        booking.book(new, db.session.get(User, world["company"].id))
        old_id, new_id = old.id, new.id
    got = queued(app, world)
    assert set(got) == {"a_all", "jc_all"}
    for bodies in got.values():
        cancelled, booked = bodies
        assert (cancelled["type"], booked["type"]) == ("interview.cancelled", "interview.booked")
        assert (cancelled["data"]["interview_id"], cancelled["data"]["moved"]) == (old_id, True)
        assert (booked["data"]["interview_id"], booked["data"]["replaces_interview_id"]) == (new_id, old_id)


def test_interview_cancelled_when_the_consent_is_withdrawn(app, world):
    from portal.candidates import withdrawal
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        _booked_interview(world)
        proposal = db.session.get(Proposal, world["proposal"])
        withdrawal.withdraw(proposal, db.session.get(User, world["consultant"].id))
    got = queued(app, world)
    company = next(b for b in got["a_all"] if b["type"] == "interview.cancelled")
    assert set(company["links"]) == {"portal"} and MARKER not in json.dumps(company, ensure_ascii=False)


def test_hotline_answered(app, world):
    with app.test_request_context():
        request = HotlineRequest(company_id=world["company"].company_id, category="fravaer", urgency="normal",
                                 subject=f"Om {MARKER}", created_by_id=world["company"].id,
                                 due_at=datetime.now(timezone.utc) + timedelta(hours=8))
        db.session.add(request)
        db.session.commit()
        hotline.add_message(request, db.session.get(User, world["consultant"].id), f"Svar om {MARKER}")
    company, jobcenter = check(app, world, "hotline.answered")
    assert company == {**jobcenter, "id": company["id"], "created_at": company["created_at"],
                       "data": company["data"]}
    assert jobcenter["data"] == {**company["data"], "answered_at": jobcenter["data"]["answered_at"],
                                 "citizen_id": None, "citizen_external_id": None}  # about no placement
    assert company["data"]["status"] == "answered" and company["data"]["category"] == "fravaer"


def test_hotline_answered_about_a_placement_names_its_citizen_to_the_job_centre(app, world, tmp_path):
    """Review X 8: the job centre's endpoints got the company's payload, without the citizen's ids
    the README promises; the company's still holds none."""
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        consultant = db.session.get(User, world["consultant"].id)
        started = lifecycle.start_placement(
            db.session.get(Proposal, world["proposal"]),
            lifecycle.StartData(kind="virksomhedspraktik", start_date=world["today"], weekly_hours=10.0), consultant,
            world["today"])
        placement_id = started.placement.id
        db.session.execute(sa.delete(WebhookDelivery))
        request = HotlineRequest(company_id=world["company"].company_id, category="fravaer", urgency="normal",
                                 subject="Fravær", created_by_id=world["company"].id, placement_id=placement_id,
                                 due_at=datetime.now(timezone.utc) + timedelta(hours=8))
        db.session.add(request)
        db.session.commit()
        hotline.add_message(request, consultant, "Vi ringer til borgeren i dag.")
    company, jobcenter = check(app, world, "hotline.answered")  # the company's: no citizen, no external id
    assert company["data"]["placement_id"] == placement_id
    assert jobcenter["data"]["citizen_id"] == world["citizen"]
    assert jobcenter["data"]["citizen_external_id"] == EXTERNAL_ID
    assert queued(app, world)["jc_hotline"][0]["data"] == jobcenter["data"]
    from portal.privacy.erasure import erase_citizen

    with app.test_request_context():  # the unsent deliveries lose the citizen; the request stays
        assert erase_citizen(db.session, world["citizen"], purpose="test")
        db.session.commit()
    left = queued(app, world)
    assert set(left) == {"a_all", "jc_all", "jc_hotline"}
    for bodies in left.values():
        assert [body["data"]["request_id"] for body in bodies] == [company["data"]["request_id"]]
        assert bodies[0]["data"]["placement_id"] is None and bodies[0]["data"].get("citizen_id") is None
    assert EXTERNAL_ID not in json.dumps(left, ensure_ascii=False)


def test_hotline_closed_by_the_job_centre_carries_its_note(app, world):
    """Review AP 7: closing by the job centre emitted nothing; now ``hotline.closed`` with the
    note the company's users were told, in the same shape as ``hotline.answered``."""
    with app.test_request_context():
        request = HotlineRequest(company_id=world["company"].company_id, category="fravaer", urgency="akut",
                                 subject=f"Om {MARKER}", created_by_id=world["company"].id,
                                 due_at=datetime.now(timezone.utc) + timedelta(hours=8))
        db.session.add(request)
        db.session.commit()
        hotline.add_message(request, db.session.get(User, world["company"].id), f"Mere om {MARKER}")
        assert [b["type"] for b in queued(app, world)["jc_all"]] == ["hotline.message"]
        db.session.execute(sa.delete(WebhookDelivery))
        db.session.commit()
        assert hotline.close_request(request, by=db.session.get(User, world["consultant"].id),
                                     note="Sagen er løst telefonisk.")
        request_id = request.id
    company, jobcenter = check(app, world, "hotline.closed")
    assert company["data"] == {"request_id": request_id, "company_id": world["company"].company_id,
                               "placement_id": None, "category": "fravaer", "urgency": "akut",
                               "status": "closed", "closed_at": company["data"]["closed_at"],
                               "closed_by": "jobcenter", "closing_note": "Sagen er løst telefonisk."}
    assert company["data"]["closed_at"].endswith("Z")
    assert jobcenter["data"] == {**company["data"], "citizen_id": None, "citizen_external_id": None}
    assert company["links"] == jobcenter["links"] and company["links"]["portal"].endswith(f"/hotline/{request_id}")


def test_hotline_closed_without_a_note_and_by_the_company_to_the_job_centre_only(app, world):
    with app.test_request_context():
        made = [HotlineRequest(company_id=world["company"].company_id, category="andet", urgency="normal",
                               subject="Emne", created_by_id=world["company"].id,
                               due_at=datetime.now(timezone.utc) + timedelta(hours=8)) for _ in range(2)]
        db.session.add_all(made)
        db.session.commit()
        assert hotline.close_request(made[0], by=db.session.get(User, world["company"].id))  # the company's own
        own = queued(app, world)  # review AX 2: the job centre hears of it, the company does not
        assert set(own) == {"jc_all"} and [b["type"] for b in own["jc_all"]] == ["hotline.closed"]
        documented(own["jc_all"][0], jobcenter=True)
        assert own["jc_all"][0]["data"]["closed_by"] == "company"
        assert own["jc_all"][0]["data"]["closing_note"] is None
        db.session.execute(sa.delete(WebhookDelivery))
        db.session.commit()
        assert hotline.close_request(made[1], by=db.session.get(User, world["consultant"].id))
        assert not hotline.close_request(made[1], by=db.session.get(User, world["consultant"].id))  # once only
    company, _ = check(app, world, "hotline.closed")
    assert company["data"]["request_id"] == made[1].id and company["data"]["closing_note"] is None
    assert company["data"]["closed_by"] == "jobcenter"


def test_placement_started_and_ended(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    today = world["today"]
    with app.test_request_context():
        consultant = db.session.get(User, world["consultant"].id)
        result = lifecycle.start_placement(
            db.session.get(Proposal, world["proposal"]),
            lifecycle.StartData(kind="virksomhedspraktik", start_date=today, weekly_hours=10.0), consultant, today)
        company, jobcenter = check(app, world, "placement.started")
        assert company["data"]["placement_id"] == result.placement.id
        assert jobcenter["data"]["citizen_id"] == world["citizen"]
        db.session.execute(sa.delete(WebhookDelivery))
        db.session.commit()
        lifecycle.end_placement(db.session.get(Placement, result.placement.id), today, "ordinaert_job", "",
                                consultant, today)
    company, _ = check(app, world, "placement.ended")
    assert company["data"]["end_reason"] == "ordinaert_job" and company["data"]["corrected"] is False


def test_emit_refuses_an_unknown_event():
    with pytest.raises(service.UnknownEvent):
        service.emit(None, "citizen.created", company_id=None, payload={})


def test_erasure_drops_every_unsent_delivery_about_the_citizens_proposal(app, world, tmp_path):
    from portal.privacy.erasure import erase_citizen

    set_status(app, world["proposal"], "consented", consent=True)
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.profile_approved_at = datetime.now(timezone.utc)
        proposal.shared_profile = {"experience": "Køkken"}
        sharing.disclose(proposal, db.session.get(User, world["consultant"].id))
    assert set(queued(app, world)) == {"a_all", "jc_all"}
    with app.test_request_context():
        assert erase_citizen(db.session, world["citizen"], purpose="test")
        db.session.commit()
    # the company's body never held the citizen's ids, but its proposal went with the citizen too
    assert not queued(app, world)
