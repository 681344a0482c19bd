"""Review B1: a hired citizen withdraws consent while a placement is planned.

The company's pages stay true (the candidate was proposed and is no longer relevant; the
placement still stands, without a name, and the job centre will call) and never say why; the
consultant is led from the proposal to the placement, whose page says what to decide.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from store.models import Placement, Proposal
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")
REASONS = ("samtykke", "trukket")


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response = "hired"
        placement = Placement(citizen_id=world["citizen"], opening_id=world["opening"],
                              company_id=world["company"].company_id, kind="virksomhedspraktik",
                              start_date=TODAY + timedelta(days=30), weekly_hours=12)
        db.session.add(placement)
        db.session.commit()
        world["placement"] = placement.id
    return world


def _withdraw(client, auth, world):
    auth.login(world["consultant"].email)
    token = auth.csrf_token(f"/kandidater/forslag/{world['proposal']}")
    response = client.post(f"/kandidater/forslag/{world['proposal']}/tilbagekald", data={"csrf_token": token})
    assert response.status_code == 302


def test_the_company_sees_a_candidate_no_longer_relevant_and_no_reason(app, client, auth, world):
    _withdraw(client, auth, world)
    auth.switch_to(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kandidaten er ikke længere aktuel" in html
    assert 'data-testid="candidate-ended-placement"' in html and "kontakter jer" in html
    opening = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    for text in (html, opening):
        assert MARKER not in text
        assert not any(word in text.lower() for word in REASONS), "the reason is the citizen's"
    assert 'data-testid="ended-candidates"' in opening
    assert "0 aktuelle kandidater foreslået til jer; 1 er ikke længere aktuel (se nedenfor)." in opening
    assert "har ikke foreslået kandidater" not in opening
    assert 'data-testid="no-current-candidates"' in opening


def test_the_consultant_is_led_to_the_placement_and_told_what_to_decide(app, client, auth, world):
    _withdraw(client, auth, world)
    proposal_page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="withdrawn-placement"' in proposal_page
    assert f"/forloeb/{world['placement']}/konsulent" in proposal_page
    page = client.get(f"/forloeb/{world['placement']}/konsulent").get_data(as_text=True)
    assert 'data-testid="placement-name-hidden"' in page
    assert "afslut det nedenfor" in page and f"/kandidater/forslag/{world['proposal']}#samtykke" in page


def test_no_warning_while_the_name_is_shared(app, client, auth, world):
    auth.login(world["consultant"].email)
    page = client.get(f"/forloeb/{world['placement']}/konsulent").get_data(as_text=True)
    assert 'data-testid="placement-name-hidden"' not in page
