"""Filling an opening's last seat names the other proposals still waiting for it (start form, flash)."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.placements import lifecycle
from store.models import Citizen, Opening, Placement, Proposal
from tests.clock import TODAY
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")

WAITING = "Ventende Vibeke"


@pytest.fixture
def world(app, make_user):
    """build_world's proposal, disclosed, and helpers for more proposals on the same opening."""
    world = build_world(app, make_user)
    set_status(app, world["proposal"], "disclosed", consent=True)
    return world


def add_proposal(app, opening_id: int, name: str, status: str, response: str | None = None,
                 anonymised: bool = False) -> int:
    with app.app_context():
        citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2026, 1, 5), hours_available=20)
        if anonymised:
            citizen.anonymised_at = db.func.now()
        proposal = Proposal(citizen=citizen, opening_id=opening_id, status=status, company_response=response)
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def start_page(client, auth, world) -> str:
    auth.switch_to(world["consultant"].email)
    response = client.get(f"/forloeb/ny/{world['proposal']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_start_form_names_the_proposals_left_without_a_seat(app, client, auth, world):
    other = add_proposal(app, world["opening"], WAITING, "disclosed", "interested")
    html = start_page(client, auth, world)
    notice = html.split('data-testid="waiting-proposals"')[1].split("</div></div>")[0]
    assert f'<a href="/kandidater/forslag/{other}">{WAITING}</a>' in notice
    assert "virksomhedens svar »Interesseret«" in notice
    assert "Giv hver af dem og virksomheden besked om, at pladsen er besat" in notice
    assert "fjern fluebenet" in notice
    assert 'aria-describedby="mark_filled-hint"' in html


def test_no_notice_when_the_start_leaves_seats_free(app, client, auth, world):
    add_proposal(app, world["opening"], WAITING, "disclosed", "interested")
    with app.app_context():
        db.session.get(Opening, world["opening"]).capacity = 2
        db.session.commit()
    html = start_page(client, auth, world)
    assert WAITING not in html and 'data-testid="waiting-proposals"' not in html


def test_no_notice_when_nobody_else_waits(app, client, auth, world):
    add_proposal(app, world["opening2"], WAITING, "disclosed", "interested")  # another opening
    html = start_page(client, auth, world)
    assert "Markér opslaget som besat" in html
    assert 'data-testid="waiting-proposals"' not in html and WAITING not in html


def test_only_live_undeclined_unplaced_proposals_wait(app, world):
    ids = {status: add_proposal(app, world["opening"], f"Borger {status}", status)
           for status in ("proposed", "approved", "consented", "disclosed", "rejected", "withdrawn", "ended")}
    declined = add_proposal(app, world["opening"], "Borger nej", "disclosed", "declined")
    hired = add_proposal(app, world["opening"], "Borger ansat", "disclosed", "hired")
    add_proposal(app, world["opening"], "Borger anonym", "approved", anonymised=True)
    placed = add_proposal(app, world["opening"], "Borger placeret", "disclosed", "hired")
    with app.app_context():
        proposal = db.session.get(Proposal, placed)
        db.session.add(Placement(citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                                 company_id=proposal.opening.company_id, kind="virksomhedspraktik",
                                 start_date=date(2026, 10, 1), weekly_hours=10))
        db.session.commit()
        opening = db.session.get(Opening, world["opening"])
        waiting = [p.id for p in lifecycle.other_live_proposals(opening, world["proposal"], TODAY)]
        everyone = [p.id for p in lifecycle.other_live_proposals(opening, None, TODAY)]
    assert waiting == [ids["approved"], ids["consented"], ids["disclosed"], hired]
    assert declined not in waiting
    assert everyone == [world["proposal"], *waiting]


def test_filling_the_opening_says_who_still_waits(app, client, auth, world):
    add_proposal(app, world["opening"], WAITING, "disclosed", "interested")
    auth.switch_to(world["consultant"].email)
    response = client.post(f"/forloeb/ny/{world['proposal']}", data={
        "kind": "virksomhedspraktik", "start_date": "2026-12-01", "weekly_hours": "12,5", "mark_filled": "y",
        "csrf_token": auth.csrf_token("/")})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"1 andet forslag venter stadig på det ({WAITING})" in page
    # It leads to where they are ended: the opening's candidate page (every item told of links on).
    assert f'<a href="/kandidater/opslag/{world["opening"]}">afslut forslagene på opslagets kandidatside</a>' in page


def test_leaving_the_opening_open_says_nothing_of_the_others(app, client, auth, world):
    add_proposal(app, world["opening"], WAITING, "disclosed", "interested")
    auth.switch_to(world["consultant"].email)
    response = client.post(f"/forloeb/ny/{world['proposal']}", data={
        "kind": "virksomhedspraktik", "start_date": "2026-12-01", "weekly_hours": "12,5",
        "csrf_token": auth.csrf_token("/")})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Opening, world["opening"]).status == "open"
    assert WAITING not in client.get(response.headers["Location"]).get_data(as_text=True)
