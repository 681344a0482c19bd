"""After the company says no, the proposal page says so and offers no step towards sharing the
name; the page shows what the citizen is doing now; a proposal waiting for assessment has one
field for the jobmål the company sees."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal import proposals
from portal.extensions import db
from store.models import Citizen, Company, CvDocument, JobGoal, Placement, Proposal
from tests.clock import TODAY
from tests.portal.proposal_fixtures import IN_90_DAYS, build_world, load, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


def _decline(app, proposal_id: int, response: str = "declined") -> None:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.company_response, proposal.company_response_note = response, "Vi har fundet en anden"
        proposal.company_responded_at = proposal.created_at
        db.session.commit()


def _page(client, world) -> str:
    return client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)


def test_a_declined_proposal_offers_another_candidate_not_the_consent(app, client, auth, make_user):
    world = build_world(app, make_user)
    _decline(app, world["proposal"])
    auth.login(world["consultant"].email)
    html = _page(client, world)
    assert 'data-testid="consent-form"' not in html and 'data-testid="consent-step"' not in html
    assert 'data-testid="profile-form"' not in html
    assert 'data-testid="interview-panel"' not in html  # no interview to arrange or to see
    declined = html.split('data-testid="company-declined"')[1].split("</div></div>")[0]
    assert "Virksomheden har sagt nej" in declined and "Vi har fundet en anden" in declined
    assert f'href="/kandidater/opslag/{world["opening"]}"' in declined  # find another candidate
    # the company changes its mind: the consent step is back
    _decline(app, world["proposal"], "interested")
    again = _page(client, world)
    assert 'data-testid="consent-form"' in again and 'data-testid="interview-panel"' in again


def test_the_state_machine_refuses_consent_and_disclosure_after_a_no(app, make_user):
    world = build_world(app, make_user)
    _decline(app, world["proposal"])
    with app.app_context():
        proposal, user = load(world)
        assert proposals.allowed_next(proposal) == frozenset()
        with pytest.raises(proposals.TransitionError, match="sagt nej"):
            proposals.record_consent(proposal, user, channel="telefon", deadline=IN_90_DAYS)
        db.session.rollback()
    set_status(app, world["proposal"], "consented", consent=True)
    with app.app_context():
        proposal, user = load(world)
        assert proposals.allowed_next(proposal) == frozenset({"withdrawn"})  # hiding is always allowed
        with pytest.raises(proposals.TransitionError, match="sagt nej"):
            proposals.disclose(proposal, user)
        db.session.rollback()
        assert db.session.get(Proposal, world["proposal"]).status == "consented"


def test_the_page_says_what_the_citizen_is_doing_now(app, client, auth, make_user):
    world = build_world(app, make_user)
    with app.app_context():
        other = Company(name="Bostedet Solbakken", cvr="38888888", postcode="8722")
        db.session.add(other)
        db.session.flush()
        placement = Placement(citizen_id=world["citizen"], company_id=other.id, kind="virksomhedspraktik",
                              start_date=date(2026, 10, 30), weekly_hours=15)
        db.session.add(placement)
        db.session.commit()
        placement_id = placement.id
    auth.login(world["consultant"].email)
    box = _page(client, world).split('data-testid="citizen-situation"')[1].split("</div></div>")[0]
    text = " ".join(re.sub(r"<[^>]+>", "", box).split())
    assert "I forløb nu: Virksomhedspraktik hos Bostedet Solbakken siden 30.10.2026" in text
    assert f'href="/forloeb/{placement_id}/konsulent"' in box
    with app.app_context():
        db.session.get(Placement, placement_id).end_date = TODAY - timedelta(days=1)
        db.session.get(Citizen, world["citizen"]).case_closed = TODAY
        db.session.commit()
    text = " ".join(re.sub(r"<[^>]+>", "", _page(client, world).split('data-testid="citizen-situation"')[1]
                           .split("</div></div>")[0]).split())
    assert text.startswith("> Sagen er afsluttet 23.11.2026.") and "I forløb" not in text


def test_a_proposed_proposal_has_one_jobmaal_field_for_the_company(app, client, auth, make_user):
    world = build_world(app, make_user)
    with app.app_context():  # matchable near the opening, so it can be approved
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.postcode, citizen.max_commute_km = world["consultant"].id, "7130", 30
        db.session.add_all([CvDocument(citizen_id=citizen.id, text="Kok i kantine, 5 år. Madlavning og opvask."),
                            JobGoal(citizen_id=citizen.id, title="Kok", position=0)])
        db.session.commit()
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    html = _page(client, world)
    assert html.count('name="shared_goal"') == 1  # the one in the approve form
    assert 'data-testid="shared-goal-form"' not in html
    assert "Vælges sammen med godkendelsen" in html.split('data-testid="shared-goal"')[1].split("</td>")[0]


@pytest.mark.parametrize("status, says, never", [
    ("approved", "Der indhentes ikke samtykke, og navnet deles ikke.", "allerede delt"),
    ("disclosed", "Navnet og profilen var allerede delt og ses af virksomheden, så længe samtykket gælder",
     "navnet deles ikke"),
    ("consented", "Borgeren har givet samtykke, men navnet er ikke delt og deles ikke nu.", "indhentes ikke"),
])
def test_a_no_says_truly_whether_the_name_was_already_shared(app, client, auth, make_user, status, says, never):
    world = build_world(app, make_user)
    set_status(app, world["proposal"], status, consent=status != "approved")
    _decline(app, world["proposal"])
    auth.login(world["consultant"].email)
    declined = _page(client, world).split('data-testid="company-declined"')[1].split("</div></div>")[0]
    assert says in declined and never not in declined
    assert "Fortæl Qzvwxy Markersen, at virksomheden har sagt nej." in declined
