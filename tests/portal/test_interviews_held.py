"""No new interview for a candidate a change of the opening's requirements put on hold
(portal.openings.requirements): neither side offers or chooses a time, each is told so in
Danish (the company never why), and a booked time can still be cancelled."""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest

from portal.extensions import db
from portal.interviews import refusals
from portal.openings import requirements
from store.clock import LOCAL
from store.models import Interview, Opening
from tests.clock import TODAY
from tests.portal import test_interviews
from tests.portal.test_candidates_held import hold
from tests.portal.test_interviews import offer_as, post, rows

world = test_interviews.world  # the interview tests' fixture: disclosed, with a live consent

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def add_offer(app, world, side: str) -> int:
    """A time ``side`` offered for the world's proposal, two days ahead at 10.00."""
    with app.app_context():
        user = world["company"] if side == "company" else world["consultant"]
        interview = Interview(proposal_id=world["proposal"], status="offered", duration_minutes=45,
                              starts_at=datetime.combine(TODAY + timedelta(days=2), time(10), LOCAL),
                              location="Kantinen", offered_by=side, offered_by_id=user.id,
                              uid=f"{uuid.uuid4()}@jobbro")
        db.session.add(interview)
        db.session.commit()
        return interview.id


def flashed(client, response) -> str:
    return client.get(response.location).get_data(as_text=True)


def test_neither_side_offers_times_for_a_held_candidate(app, client, auth, world):
    hold(app, world)
    page = flashed(client, offer_as(client, auth, world["consultant"].email, world))
    assert refusals.HELD_FOR_JOBCENTER in page
    company = flashed(client, offer_as(client, auth, world["company"].email, world))
    assert "Kandidaten er ikke aktuel lige nu – jobcentret kontakter jer. Der aftales ikke samtaler" in company
    assert "opslagets krav" not in company  # never why
    assert rows(app, world["proposal"]) == []
    # the consultant's page says so instead of the times form
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="interview-on-hold"' in html and 'data-testid="interview-offer-form"' not in html


def test_neither_side_chooses_an_offered_time_but_a_booked_one_can_be_cancelled(app, client, auth, world):
    company_offer = add_offer(app, world, "company")
    jobcentre_offer = add_offer(app, world, "jobcenter")
    hold(app, world)
    auth.switch_to(world["consultant"].email)
    assert refusals.HELD_FOR_JOBCENTER in flashed(client, post(client, auth, f"/samtaler/{company_offer}/vaelg"))
    auth.switch_to(world["company"].email)
    company = flashed(client, post(client, auth, f"/samtaler/{jobcentre_offer}/vaelg"))
    assert "Kandidaten er ikke aktuel lige nu" in company and "opslagets krav" not in company
    assert {status for _id, status, _side, _seq in rows(app, world["proposal"])} == {"offered"}
    # a time agreed before the change still leaves both calendars
    with app.app_context():  # the opening fits again (its mark clears): a time is booked
        opening = db.session.get(Opening, world["opening"])
        opening.kind = "virksomhedspraktik"
        requirements.remark(opening, ["kind"], TODAY)
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    post(client, auth, f"/samtaler/{company_offer}/vaelg")
    assert dict((i, s) for i, s, _side, _seq in rows(app, world["proposal"]))[company_offer] == "booked"
    hold(app, world)
    auth.switch_to(world["consultant"].email)
    cancelled = flashed(client, post(client, auth, f"/samtaler/{company_offer}/aflys"))
    assert "Samtalen er aflyst" in cancelled
    assert dict((i, s) for i, s, _side, _seq in rows(app, world["proposal"]))[company_offer] == "cancelled"
