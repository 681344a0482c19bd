"""Nothing is shared with a company while :func:`portal.proposals.sharing_refusal` says why.

- On a filled or closed opening, a candidate who is no hire gets no consent, profile or
  disclosure (the page offers only "Afslut forslaget"); a hire keeps its consent renewable.
- A citizen whose processing is restricted (art. 18) is hidden from the company at once
  (name, profile, CV), the company cannot answer, and the consultant cannot move the
  proposal or change what the company sees; lifting the restriction shows the name again.
"""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Citizen, Opening, Proposal
from tests.portal import test_consent_step
from tests.portal.proposal_fixtures import MARKER
from tests.portal.test_consent_step import PROFILE, consent_data, page_of, post, proposal_row

world = test_consent_step.world  # the consent step's fixture: contact details, a CV file, jobmål

pytestmark = pytest.mark.usefixtures("frozen_today")


def _set(app, model, key, **values) -> None:
    with app.app_context():
        row = db.session.get(model, key)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def _company_page(client, auth, world) -> str:
    auth.switch_to(world["company"].email)
    html = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    auth.switch_to(world["consultant"].email)
    return html


@pytest.mark.parametrize("opening_status", ["filled", "closed"])
def test_a_done_opening_takes_no_consent_profile_or_disclosure(app, client, auth, world, opening_status):
    auth.login(world["consultant"].email)
    _set(app, Opening, world["opening"], status=opening_status)
    html = page_of(client, world)
    assert 'data-testid="sharing-refused"' in html and 'data-testid="consent-form"' not in html
    assert 'data-testid="end-with-opening-confirm"' in html  # what is left to do
    post(client, world, "samtykke", **consent_data())
    assert proposal_row(app, world).status == "approved"
    _set(app, Opening, world["opening"], status="open")  # consent and profile while it was open ...
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    _set(app, Opening, world["opening"], status=opening_status)  # ... then it was filled
    assert 'data-testid="disclose-confirm"' not in page_of(client, world)
    post(client, world, "videregiv")
    assert proposal_row(app, world).status == "consented"  # the name was not shared


def test_a_hire_on_a_filled_opening_keeps_its_consent_renewable(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    post(client, world, "videregiv")
    _set(app, Proposal, world["proposal"], company_response="hired")
    _set(app, Opening, world["opening"], status="filled")
    html = page_of(client, world)
    assert 'data-testid="sharing-refused"' not in html and 'data-testid="renew-consent"' in html
    post(client, world, "samtykke", **consent_data(share_phone="y"))
    with app.app_context():
        assert len(db.session.get(Proposal, world["proposal"]).consents) == 2  # renewed


def test_a_restriction_hides_the_name_from_the_company_and_freezes_the_proposal(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    post(client, world, "videregiv")
    assert MARKER in _company_page(client, auth, world)
    _set(app, Citizen, world["citizen"], restricted=True)
    company_page = _company_page(client, auth, world)
    assert MARKER not in company_page and "Kok i kantine" not in company_page
    auth.switch_to(world["company"].email)
    listing = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    auth.switch_to(world["consultant"].email)
    # one neutral state, no answer form, never a false "consent lapsed" and never why (review E5)
    assert "Kandidaten er ikke aktuel lige nu – jobcentret kontakter jer" in listing
    assert "samtykke er udløbet" not in listing and "/svar" not in listing
    assert "art. 18" not in listing and "begrænset" not in listing
    auth.switch_to(world["company"].email)
    assert client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/cv").status_code == 404
    auth.switch_to(world["consultant"].email)
    html = page_of(client, world)
    assert 'data-testid="sharing-refused"' in html and "art. 18" in html
    assert 'data-testid="renew-consent"' not in html and 'data-testid="shared-goal-form"' not in html
    assert 'data-testid="profile-form"' not in html
    post(client, world, "jobmaal", shared_goal="Kantinemedarbejder")
    post(client, world, "samtykke", **consent_data(share_phone="y"))
    row = proposal_row(app, world)
    assert row.shared_goal != "Kantinemedarbejder" and "phone" not in (row.shared_profile or {})
    auth.switch_to(world["company"].email)
    token = auth.csrf_token(f"/opslag/{world['opening']}")
    client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": token, "response": "hired"})
    assert proposal_row(app, world).company_response is None  # no answer on a restricted citizen
    auth.switch_to(world["consultant"].email)
    _set(app, Citizen, world["citizen"], restricted=False)
    assert MARKER in _company_page(client, auth, world)  # the consent was never touched


@pytest.mark.parametrize("opening_status", ["filled", "closed"])
def test_a_done_opening_takes_no_new_jobmaal_and_gives_one_instruction(app, client, auth, world, opening_status):
    """The company of a filled or closed opening learns nothing new about a candidate who is no
    hire, not even another jobmål; the page says only what is left to do (review J 1, 7)."""
    auth.login(world["consultant"].email)
    before = proposal_row(app, world).shared_goal
    _set(app, Opening, world["opening"], status=opening_status)
    html = page_of(client, world)
    assert 'data-testid="shared-goal-form"' not in html
    assert "Før navnet kan deles, skal borgeren give samtykke" not in html
    post(client, world, "jobmaal", shared_goal="Køkkenmedhjælper")  # one of the citizen's jobmål
    assert proposal_row(app, world).shared_goal == before != "Køkkenmedhjælper"
    _set(app, Opening, world["opening"], status="open")  # while it is open, the jobmål may change
    post(client, world, "jobmaal", shared_goal="Køkkenmedhjælper")
    assert proposal_row(app, world).shared_goal == "Køkkenmedhjælper"
