"""Review F2: a "no" with an interview still booked is said as a no, never as a hire.

After «Ikke interesseret» both sides read "Virksomheden har meldt kandidaten ansat, men samtalen
står stadig". A no has its own words now, and, as a hire does, it asks whether to cancel the
interview still ahead (cancelled in the same transaction) or keep it.
"""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Interview, Proposal
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

HIRE_WORDS = "meldt kandidaten ansat"


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def _decline(client, auth, world, **extra):
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    data = {"csrf_token": auth.csrf_token("/"), "response": "declined", "note": "", "next": "candidate", **extra}
    return client.post(path, data=data)


def _state(app, interview_id: int) -> tuple[str, str | None]:
    with app.app_context():
        return (db.session.get(Interview, interview_id).status,
                db.session.get(Proposal, db.session.get(Interview, interview_id).proposal_id).company_response)


def test_a_no_asks_about_the_interview_ahead_and_cancels_it(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=72)
    auth.switch_to(world["company"].email)
    asked = _decline(client, auth, world)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'data-testid="answer-confirm-interview"' in html
    assert "Skal den aflyses, nu hvor I har sagt nej til kandidaten?" in html and "Sig nej til" in html
    assert "Vælg, om den aftalte samtale" not in html  # asked, not yet an error
    refused = _decline(client, auth, world, confirmed="1")
    assert refused.status_code == 400 and _state(app, interview) == ("booked", None)
    done = _decline(client, auth, world, confirmed="1", interview="cancel")
    assert done.status_code == 302 and _state(app, interview) == ("cancelled", "declined")


def test_a_kept_interview_after_a_no_is_said_as_a_no_on_both_sides(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=72)
    auth.switch_to(world["company"].email)
    _decline(client, auth, world, confirmed="1", interview="keep")
    assert _state(app, interview) == ("booked", "declined")
    company = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="interview-after-decline">I har sagt nej til kandidaten (»Ikke interesseret«)' in company
    assert HIRE_WORDS not in company and 'data-testid="interview-cancel"' in company
    auth.switch_to(world["consultant"].email)
    staff = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    # the company chose to keep it: the consultant is told so, not asked again (review AR 4)
    assert 'data-testid="interview-kept">Virksomheden vil gerne mødes alligevel og beholder samtalen.' in staff
    assert "Ikke interesseret" in staff and 'data-testid="interview-keep-form"' not in staff
    assert HIRE_WORDS not in staff and 'data-testid="interview-cancel"' in staff


def test_a_no_without_an_interview_ahead_is_saved_at_once(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=-3)  # held already: nothing to cancel
    auth.switch_to(world["company"].email)
    # After the held interview a no is the outcome »Ikke ansat«, with its reason (review AS 5).
    assert _decline(client, auth, world, note="Valgte en anden").status_code == 302
    assert _state(app, interview) == ("booked", "declined")
