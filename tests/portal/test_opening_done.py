"""Ending the proposals still waiting on a filled or closed opening (portal.candidates.opening_done).

The consultant ends them, one from the proposal page or all of an opening's from its candidate
page; the start page lists them. Future interviews are cancelled, the consent stops (marked as
ended with the proposal, not withdrawn by the citizen), the status becomes "opening_done";
the hire and a pair with a placement are never ended; the company's systems get
``proposal.ended``; reopening the opening allows a new decision.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import consents, proposals
from portal.candidates import opening_done
from portal.extensions import db
from store.models import (AuditEvent, Citizen, Consent, Interview, Notification, Opening, Placement, Proposal,
                          User)
from tests.clock import TODAY
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def told(monkeypatch) -> list[int]:
    """The proposals ``proposal.ended`` was emitted for."""
    from portal.webhooks import events

    calls: list[int] = []
    monkeypatch.setattr(events, "proposal_ended", lambda session, proposal: calls.append(proposal.id))
    return calls


@pytest.fixture
def world(app, make_user):
    """The citizen (VK: the consultant) disclosed to the company's first opening under a live
    consent, with a booked future interview; a "proposed" pair on the second opening; a hired
    pair of a second citizen on the first opening; then the first opening is filled."""
    world = build_world(app, make_user)
    now = datetime.now(timezone.utc)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id = world["consultant"].id
        disclosed = db.session.get(Proposal, world["proposal"])
        disclosed.status, disclosed.decided_at = "disclosed", now - timedelta(days=10)
        disclosed.shared_profile = {"experience": "Kok", "phone": "+45 11 22 33 44"}
        db.session.add(Consent(proposal=disclosed, text_version=consents.CONSENT_TEXT_VERSION,
                               channel="telefon", deadline=IN_90_DAYS, recorded_by_id=world["consultant"].id))
        db.session.add(Interview(proposal_id=disclosed.id, starts_at=now + timedelta(days=2), duration_minutes=45,
                                 location="Kantinen", offered_by="company", offered_by_id=world["company"].id,
                                 status="booked", uid="booked@jobbro"))
        proposed = Proposal(citizen_id=citizen.id, opening_id=world["opening2"], status="proposed")
        hired_citizen = Citizen(name="Hanne Ansat", postcode="8722", benefit_group="kontanthjaelp",
                                readiness_group="i_gang", case_start=TODAY, vk_id=world["consultant"].id)
        db.session.add_all([proposed, hired_citizen])
        db.session.flush()
        hired = Proposal(citizen_id=hired_citizen.id, opening_id=world["opening"], status="disclosed",
                         company_response="hired", decided_at=now, decided_by_id=world["consultant"].id)
        db.session.add(hired)
        db.session.get(Opening, world["opening"]).status = "filled"
        db.session.commit()
        return world | {"proposed": proposed.id, "hired": hired.id}


def _post(client, auth, world, path: str, page: str):
    auth.switch_to(world["consultant"].email)
    return client.post(path, data={"csrf_token": auth.csrf_token(page)}, follow_redirects=True)


def end_one(client, auth, world, key="proposal"):
    page = f"/kandidater/forslag/{world[key]}"
    return _post(client, auth, world, f"{page}/afslut", page)


def status(app, proposal_id: int) -> str:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).status


def test_ending_one_stops_the_consent_cancels_the_interview_and_tells_the_companys_systems(
        app, client, auth, world, told):
    page = end_one(client, auth, world)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Forslaget er afsluttet, fordi opslaget er besat eller lukket" in html
    assert "Den aftalte samtale" in html  # the cancelled booking is named
    assert 'data-testid="proposal-ended"' in html and "Afsluttet, fordi opslaget var besat eller lukket" in html
    assert "Stoppet" in html and "da forslaget blev afsluttet" in html and "Trukket tilbage" not in html
    with app.app_context():
        ended = db.session.get(Proposal, world["proposal"])
        assert (ended.status, ended.ended_on) == ("opening_done", TODAY)
        assert [(c.withdrawn_at is not None, c.ended_with_proposal) for c in ended.consents] == [(True, True)]
        assert ended.shared_profile == {"experience": "Kok"} and not proposals.identity_released(ended)
        assert db.session.scalar(sa.select(Interview.status).where(Interview.uid == "booked@jobbro")) == "cancelled"
        assert db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "proposal_ended")).all() \
            == [f"opening filled {TODAY.isoformat()}"]
        assert told == [world["proposal"]]
        # the company filled the opening itself: no notice (one on hold is told: test_candidates_held)
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "candidate_ended")) == 0
        assert db.session.get(Proposal, world["hired"]).status == "disclosed"  # the hire stays


def test_the_company_sees_no_longer_relevant_without_the_name(app, client, auth, world):
    end_one(client, auth, world)
    auth.switch_to(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert "Kandidaten er ikke længere aktuel" in page and MARKER not in page


def test_an_open_opening_ends_nothing(app, client, auth, world):
    with app.app_context():
        db.session.get(Opening, world["opening"]).status = "open"
        db.session.commit()
    html = end_one(client, auth, world).get_data(as_text=True)
    assert "Opslaget er stadig åbent" in html and status(app, world["proposal"]) == "disclosed"
    with app.app_context():
        assert opening_done.waiting(world["opening"]) == []


def test_a_pair_with_a_placement_and_a_hire_are_never_ended(app, world):
    with app.app_context():
        hired = db.session.get(Proposal, world["hired"])
        user = db.session.get(User, world["consultant"].id)
        assert not opening_done.endable(hired)
        with pytest.raises(proposals.TransitionError):
            opening_done.end(hired, user)
        placed = db.session.get(Proposal, world["proposal"])
        db.session.add(Placement(citizen_id=placed.citizen_id, opening_id=placed.opening_id,
                                 company_id=world["company"].company_id, kind="virksomhedspraktik",
                                 start_date=TODAY))
        db.session.commit()
        with pytest.raises(proposals.TransitionError, match="forløb"):
            opening_done.end(placed, user)
        assert db.session.get(Proposal, world["proposal"]).status == "disclosed"


def test_the_ranking_page_ends_all_waiting_in_one_step(app, client, auth, world, told):
    with app.app_context():
        db.session.get(Opening, world["opening2"]).status = "closed"
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    page = client.get(f"/kandidater/opslag/{world['opening2']}").get_data(as_text=True)
    assert 'data-testid="end-waiting-confirm"' in page and "Ét forslag venter stadig" in page
    response = _post(client, auth, world, f"/kandidater/opslag/{world['opening2']}/afslut-ventende",
                     f"/kandidater/opslag/{world['opening2']}")
    assert "Et forslag er afsluttet" in response.get_data(as_text=True)
    assert status(app, world["proposed"]) == "opening_done"
    assert told == []  # the company never saw a proposal waiting for assessment
    assert 'data-testid="end-waiting-confirm"' not in response.get_data(as_text=True)


def test_the_start_page_lists_them_until_ended(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('data-testid="queue-opslag-slut"'):]
    section = section[:section.index("</section>")]
    assert "Praktik i kantinen" in section and f"/kandidater/forslag/{world['proposal']}" in section
    assert f"/kandidater/forslag/{world['hired']}" not in section  # the hire is the placement's matter
    end_one(client, auth, world)
    page = client.get("/").get_data(as_text=True)
    assert 'data-count="0"' in page[page.index('data-testid="figure-opslag-slut"') - 5:][:80]


def test_reopening_the_opening_allows_a_new_decision(app, client, auth, world):
    from portal.candidates import service as candidates

    end_one(client, auth, world)
    with app.app_context():
        assert world["citizen"] in candidates.decided_citizens(world["opening"])
        db.session.get(Opening, world["opening"]).status = "open"
        db.session.commit()
        assert world["citizen"] not in candidates.decided_citizens(world["opening"])
        assert world["citizen"] in candidates.ended_before(world["opening"])
        renewed = candidates.record_decision(db.session.get(Opening, world["opening"]),
                                             db.session.get(Citizen, world["citizen"]), True, "Igen",
                                             None, db.session.get(User, world["consultant"].id), shared_goal="Kok")
        assert (renewed.id, renewed.status) == (world["proposal"], "approved")


def test_each_proposal_is_on_one_start_page_list_and_a_restricted_citizen_on_none(app, world):
    """One list per proposal, but for a booked interview still ahead: it stays on the interview
    list beside the line to end, with why it may not be wanted (review AC 4)."""
    from portal.main import queue

    now = datetime.now(timezone.utc)
    with app.app_context():
        user = db.session.get(User, world["consultant"].id)
        done = [p.id for p in queue.on_done_openings(user)]
        assert world["proposal"] in done and world["hired"] not in done
        standing = {i.proposal.id: i.action for i in queue.interviews_to_arrange(user, now)}
        assert standing == {world["proposal"]: "Opslaget er besat: aflys eller behold samtalen den"}
        db.session.get(Opening, world["opening"]).status = "open"  # the same pair on an open opening
        db.session.commit()
        assert {i.proposal.id: i.action for i in queue.interviews_to_arrange(user, now)} == {
            world["proposal"]: "Samtale aftalt"}
        assert world["proposal"] not in [p.id for p in queue.on_done_openings(user)]
        db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
        assert world["proposal"] not in [i.proposal.id for i in queue.interviews_to_arrange(user, now)]
        assert world["proposed"] not in [p.id for p in queue.pending_proposals(user)]


def test_no_new_interview_on_a_done_opening_for_a_candidate_who_is_no_hire(app, world):
    from datetime import time

    from portal.interviews import booking, common, queries, slots
    from store.clock import LOCAL

    start = datetime.combine(TODAY + timedelta(days=7), time(10), LOCAL)
    with app.test_request_context():  # the notices build links
        proposal = db.session.get(Proposal, world["proposal"])
        company = db.session.get(User, world["company"].id)
        with pytest.raises(common.InterviewError, match="Opslaget er besat"):
            booking.offer(proposal, company, [slots.Slot(start, 45, "Kantinen")])
        proposal.company_response = "hired"  # a hire keeps its interviews
        db.session.commit()
        booking.cancel(queries.booked(proposal), company)
        assert len(booking.offer(proposal, company, [slots.Slot(start, 45, "Kantinen")])) == 1
