"""The company allow-list has one home (review AA 12): portal.openings.service.shared_candidate,
read by the opening's page, the candidate's page and the API, which no longer strips a name a
second time. A candidate on hold or restricted shows no name, even with the name shared before."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.openings import service
from store.models import Citizen, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import MARKER, disclosed_world
from tests.portal.test_held_followups import hold

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    """The citizen disclosed to the company under a live consent: the name is shared."""
    return disclosed_world(app, make_user)


def _name_shown(app, client, world, held: bool = False) -> tuple[str | None, bool, bool]:
    """The allow-list's name, and whether the API's list and the candidate's page hold the name."""
    with app.app_context():
        shared = service.shared_candidate(db.session.get(Proposal, world["proposal"]), held=held)
    raw = make_token(app, world["company"])
    listed = client.get("/api/v1/proposals/", headers=bearer(raw)).get_data(as_text=True)
    one = client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw)).get_data(as_text=True)
    return shared.name, MARKER in listed, MARKER in one


def test_a_shared_name_is_shown_by_the_allow_list_and_the_api(app, client, world):
    assert _name_shown(app, client, world) == (MARKER, True, True)


def test_a_held_candidate_has_no_name_in_the_allow_list_nor_the_api(app, client, world):
    hold(app, world)
    assert _name_shown(app, client, world, held=True) == (None, False, False)


def test_a_restricted_citizen_has_no_name_in_the_allow_list_nor_the_api(app, client, world):
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
    assert _name_shown(app, client, world) == (None, False, False)
