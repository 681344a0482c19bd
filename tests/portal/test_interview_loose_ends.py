"""Review B10: the loose ends of the interview flow.

A hire reported while an interview is still ahead asks whether to cancel it or keep it (and a
kept one can still be cancelled); the confirmation after offering times names who gets them;
a time that was never booked has no calendar file.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from store.models import Interview, Proposal
from tests.clock import TODAY
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def _answer(client, auth, world, **extra):
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    data = {"csrf_token": auth.csrf_token("/"), "response": "hired", "note": "", "next": "candidate", **extra}
    return client.post(path, data=data)


def _status(app, interview_id: int) -> str:
    with app.app_context():
        return db.session.get(Interview, interview_id).status


def test_a_hire_asks_about_the_interview_still_ahead_and_cancels_it(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=72)
    auth.switch_to(world["company"].email)
    asked = _answer(client, auth, world).get_data(as_text=True)
    assert 'data-testid="answer-confirm-interview"' in asked and "Skal den aflyses" in asked
    refused = _answer(client, auth, world, confirmed="1")  # confirmed without saying which
    assert refused.status_code == 400 and "Vælg, om den aftalte samtale" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None
    done = _answer(client, auth, world, confirmed="1", interview="cancel")
    assert done.status_code == 302 and _status(app, interview) == "cancelled"
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response == "hired"


def test_a_kept_interview_stands_and_can_still_be_cancelled(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=72)
    auth.switch_to(world["company"].email)
    _answer(client, auth, world, confirmed="1", interview="keep")
    assert _status(app, interview) == "booked"
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="interview-after-hire"' in page and 'data-testid="interview-cancel"' in page


def test_no_interview_question_without_an_interview_ahead(app, client, auth, world):
    add_interview(app, world, hours_from_now=-3)  # held already
    auth.switch_to(world["company"].email)
    assert 'answer-confirm-interview' not in _answer(client, auth, world).get_data(as_text=True)


def test_the_offer_confirmation_names_who_gets_the_times(app, client, auth, world):
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/tider"
    day = (TODAY + timedelta(days=7)).isoformat()
    response = client.post(path, data={"csrf_token": auth.csrf_token("/"), "date1": day, "time1": "10:00",
                                       "duration": "45", "location": "Kantinen"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Tiderne er sendt til jobcentret" in html and "den anden part" not in html


def test_only_a_time_that_was_booked_has_a_calendar_file(app, client, auth, world):
    booked = add_interview(app, world, hours_from_now=72)
    never = add_interview(app, world, hours_from_now=96, status="declined")
    offered = add_interview(app, world, hours_from_now=120, status="offered")
    auth.switch_to(world["company"].email)
    assert client.get(f"/samtaler/{booked}/samtale.ics").status_code == 200
    assert client.get(f"/samtaler/{never}/samtale.ics").status_code == 404
    assert client.get(f"/samtaler/{offered}/samtale.ics").status_code == 404
    token = auth.csrf_token("/")
    client.post(f"/samtaler/{offered}/aflys", data={"csrf_token": token})  # an offer withdrawn
    assert _status(app, offered) == "cancelled"
    assert client.get(f"/samtaler/{offered}/samtale.ics").status_code == 404
    client.post(f"/samtaler/{booked}/aflys", data={"csrf_token": token})  # a booked time cancelled
    cancelled = client.get(f"/samtaler/{booked}/samtale.ics")
    assert cancelled.status_code == 200 and "METHOD:CANCEL" in cancelled.get_data(as_text=True)
