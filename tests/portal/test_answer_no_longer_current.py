"""Review BH 4: the company's answer (or interview step) for a candidate that stopped being current
while it typed got a bare 404, its note was lost, and the security log got an
»authorisation_denied« row for an ordinary race.

Now a candidate of the company's own opening that it was shown, and that has since ended (case
closed, opening filled) or had its consent withdrawn, sends the company back to the opening with
»Kandidaten er ikke længere aktuel; jeres svar er ikke gemt.«, the text typed shown to copy, and
nothing logged as an authorisation failure. Another company's proposal, or one never shown, stays
a 404 and is logged. Nothing more than the company may see: no name, no reason.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.interviews.access import ANSWER_NOT_SAVED, STEP_NOT_SAVED
from store import clock
from store.models import AuditEvent, Interview, Proposal
from tests.portal.proposal_fixtures import MARKER, add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

NOTE = "Vi vil gerne møde hende på tirsdag"


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def _end(app, proposal_id: int, status: str, *, decided: bool = True) -> None:
    """The consultant's change while the company typed (as proposals.end / withdraw leave it)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = status
        proposal.decided_at = clock.utcnow() if decided else None
        db.session.commit()


def _denied(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "authorisation_denied")))


def _answer(app, world):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        return proposal.company_response, proposal.company_response_note


def _post_answer(client, auth, world, opening_key="opening", note=NOTE):
    return client.post(f"/opslag/{world[opening_key]}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": "declined", "note": note,
                             "next": "candidate"})


@pytest.mark.parametrize("status", ["ended", "opening_done", "withdrawn"])
def test_an_answer_for_a_candidate_no_longer_current_goes_back_to_the_opening_with_the_note(
        app, client, auth, world, status):
    auth.switch_to(world["company"].email)
    auth.csrf_token("/")  # the page was open while the consultant acted
    _end(app, world["proposal"], status)
    sent = _post_answer(client, auth, world)
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/opslag/{world['opening']}#ikke-gemt")
    assert _answer(app, world) == (None, "")
    assert _denied(app) == []  # an ordinary race, not an authorisation failure
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert ANSWER_NOT_SAVED == "Kandidaten er ikke længere aktuel; jeres svar er ikke gemt."
    assert ANSWER_NOT_SAVED in page
    assert 'data-testid="unsent-texts"' in page and f">{NOTE}</textarea>" in page
    # nothing the company may not see: no name, no reason for the ending
    assert MARKER not in page and "sag er lukket" not in page and "trukket tilbage" not in page
    # shown once: the next visit has no kept text
    again = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert 'data-testid="unsent-texts"' not in again and NOTE not in again


def test_without_a_note_it_goes_back_to_the_candidates_line(app, client, auth, world):
    auth.switch_to(world["company"].email)
    _end(app, world["proposal"], "ended")
    sent = _post_answer(client, auth, world, note="")
    assert sent.headers["Location"].endswith(f"/opslag/{world['opening']}#kandidat-{world['proposal']}")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert ANSWER_NOT_SAVED in page and 'data-testid="unsent-texts"' not in page


def test_another_companys_candidate_stays_a_404_and_is_logged(app, client, auth, world):
    _end(app, world["proposal"], "ended")
    auth.switch_to(world["other"].email)
    assert _post_answer(client, auth, world).status_code == 404
    # the own company, the proposal id under its other opening: 404 and logged too
    auth.switch_to(world["company"].email)
    assert _post_answer(client, auth, world, opening_key="opening2").status_code == 404
    assert _denied(app) == [f"Opening:{world['opening']}", f"Proposal:{world['proposal']}"]


@pytest.mark.parametrize("status, decided", [("ended", False), ("rejected", True), ("proposed", False)])
def test_a_candidate_never_shown_to_the_company_stays_a_404_and_is_logged(app, client, auth, world, status, decided):
    auth.switch_to(world["company"].email)
    _end(app, world["proposal"], status, decided=decided)
    assert _post_answer(client, auth, world).status_code == 404
    assert _denied(app) == [f"Proposal:{world['proposal']}"]


def test_an_interview_offer_for_a_candidate_no_longer_current_keeps_the_place(app, client, auth, world):
    auth.switch_to(world["company"].email)
    _end(app, world["proposal"], "ended")
    sent = client.post(f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/tider",
                       data={"csrf_token": auth.csrf_token("/"), "date1": "2026-12-20", "time1": "10:00",
                             "duration": "45", "location": "Kantinen, Vestergade 1"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#ikke-gemt")
    assert _denied(app) == []
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert STEP_NOT_SAVED in page and ">Kantinen, Vestergade 1</textarea>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Interview.id))) == 0


def test_an_outcome_and_a_booking_for_a_candidate_no_longer_current_are_no_404(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=-48)
    auth.switch_to(world["company"].email)
    _end(app, world["proposal"], "withdrawn")
    sent = client.post(f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald",
                       data={"csrf_token": auth.csrf_token("/"), "outcome": "declined", "reason": "Manglede truckcert."})
    assert sent.status_code == 302
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert STEP_NOT_SAVED in page and ">Manglede truckcert.</textarea>" in page
    cancelled = client.post(f"/samtaler/{interview}/aflys", data={"csrf_token": auth.csrf_token("/"), "status": "booked"})
    assert cancelled.status_code == 302
    assert cancelled.headers["Location"].endswith(f"/opslag/{world['opening']}#kandidat-{world['proposal']}")
    assert _denied(app) == []


def test_the_api_answers_a_write_as_the_web_does_410_and_no_denial(app, client, world):
    """The API's writes follow the web (review BK 1): 410 as GET, no authorisation_denied row."""
    from tests.api.api_fixtures import bearer, make_token

    _end(app, world["proposal"], "ended")
    answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer", json={"response": "interested"},
                           headers=bearer(make_token(app, world["company"])))
    assert answered.status_code == 410
    assert _denied(app) == []
