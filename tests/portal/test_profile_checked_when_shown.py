"""A profile approved before a check caught a private detail is filtered when a company is
shown it (review AE 2: »Egen virksomhed, Somalia« approved before origin was caught in any
phrasing): the company sees nothing of those sentences, the consultant is told, and approving
the profile again without them ends the note."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from portal.extensions import db
from store.models import Proposal
from tests.portal.proposal_fixtures import disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

KEPT = "Kører truck med certifikat B."
# As stored by an approval before 8bcbd94: the check then let a bare country name through.
STORED = {"experience": f"Truckfører, Egen virksomhed, Somalia (2019–2022). {KEPT} "
                        "Jeg arbejdede som truckfører i Somalia i tre år.",
          "goals": "Truckfører", "hours": 12, "licences": ["B"], "languages": "dansk, engelsk", "start": "",
          "phone": "12 34 56 78"}


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.shared_profile = STORED
        proposal.profile_approved_at = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
        proposal.profile_approved_by_id = world["consultant"].id
        db.session.commit()
    return world


def company_page(client, auth, world) -> str:
    auth.switch_to(world["company"].email)
    response = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_company_sees_nothing_of_a_sentence_naming_a_country(app, client, auth, world):
    html = company_page(client, auth, world)
    fields = html.split('data-testid="profile-fields"')[1].split("</table>")[0]
    assert KEPT in fields and "Truckfører" in fields  # the rest of the profile, the jobmål line
    assert "Somalia" not in html and "Egen virksomhed" not in html and "2019" not in html
    assert "12 34 56 78" in html  # the contact detail the citizen agreed to share is not a text checked
    with app.app_context():  # filtered where shown, not changed where stored
        assert db.session.get(Proposal, world["proposal"]).shared_profile == STORED


def test_the_consultant_is_told_and_approving_again_ends_it(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    page = f"/kandidater/forslag/{world['proposal']}"
    html = client.get(page).get_data(as_text=True)
    note = html.split('data-testid="profile-withheld"')[1].split("</div>")[0]
    assert "oprindelse" in note and "»Somalia«" in note and "godkend den igen" in note
    client.post(f"{page}/profil", data={"csrf_token": auth.csrf_token(page), "experience": KEPT,
                                        "goals": "Truckfører", "hours": "12", "licences": "B",
                                        "languages": "dansk, engelsk", "start": ""})
    assert 'data-testid="profile-withheld"' not in client.get(page).get_data(as_text=True)
    assert KEPT in company_page(client, auth, world)


def test_a_profile_approved_under_todays_check_is_shown_whole(app, client, auth, world):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.shared_profile = {**STORED, "experience": f"Truckfører på havnen i Fredericia. {KEPT}"}
        db.session.commit()
    assert f"Truckfører på havnen i Fredericia. {KEPT}" in company_page(client, auth, world)
    auth.switch_to(world["consultant"].email)
    assert 'data-testid="profile-withheld"' not in client.get(
        f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)


def test_the_company_sees_nothing_of_a_sentence_with_a_nationality_adjective(app, client, auth, world):
    """A profile approved before nationality adjectives were caught (»eritreisk«, »afghansk
    kørekort«): the company page leaves those sentences out and keeps the languages, a skill."""
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.shared_profile = {**STORED, "languages": "tigrinya, arabisk, dansk",
                                   "experience": f"Eritreisk truckfører i seks år. {KEPT} Har afghansk kørekort."}
        db.session.commit()
    html = company_page(client, auth, world)
    fields = html.split('data-testid="profile-fields"')[1].split("</table>")[0]
    assert KEPT in fields and "tigrinya, arabisk, dansk" in fields
    assert "ritreisk" not in html and "afghansk" not in html and "seks år" not in html
    auth.switch_to(world["consultant"].email)
    note = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True).split(
        'data-testid="profile-withheld"')[1].split("</div>")[0]
    assert "»Eritreisk«" in note and "»afghansk«" in note
