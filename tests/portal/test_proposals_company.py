"""Identity release as a company sees it: pseudonyms, the name only once disclosed, responses."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.extensions import db
from store.models import AuditEvent, Proposal
from portal.pseudonyms import pseudonym
from tests.portal.proposal_fixtures import MARKER, actions, build_world, load, set_status


@pytest.fixture
def world(app, make_user):
    return build_world(app, make_user)


# --- the company's view ------------------------------------------------------------------


def company_page(client, auth, world) -> str:
    auth.login(world["company"].email)
    html = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    auth.logout()
    return html


def test_company_sees_the_name_only_while_disclosed(app, client, auth, world):
    with app.app_context():
        code = pseudonym(world["citizen"], world["opening"])
    for status, consent in [("approved", False), ("consented", True)]:
        set_status(app, world["proposal"], status, consent=consent)
        html = company_page(client, auth, world)
        assert code in html and "Kok" in html and "12,5" in html
        assert "Stærkt match" not in html and "Match:" not in html  # no band for the company (review BG 5)
        assert "skånejob" not in html and "rygskade" not in html  # the free-text jobmål never
        assert MARKER not in html and "Markersen" not in html
    with app.app_context():
        proposals.disclose(*load(world))
    assert MARKER in company_page(client, auth, world)
    with app.app_context():
        viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "identity_viewed")).one()
        assert (viewed.citizen_id, viewed.user_id) == (world["citizen"], world["company"].id)
    with app.app_context():
        proposals.withdraw(*load(world))
    html = company_page(client, auth, world)
    # the name goes; the candidate stays listed as no longer relevant, by pseudonym, never why (review B1)
    assert MARKER not in html and 'data-testid="shared-candidate"' not in html
    assert f'{code}</a>: <span data-testid="candidate-status">Ikke længere aktuel.</span>' in html
    assert "samtykke tilbage" not in html


def test_rejected_proposals_are_invisible_to_the_company(app, client, auth, world):
    set_status(app, world["proposal"], "rejected")
    html = company_page(client, auth, world)
    assert 'data-testid="shared-candidate"' not in html and MARKER not in html


def test_pseudonyms_differ_across_openings(app, client, auth, world):
    with app.app_context():
        db.session.add(Proposal(citizen_id=world["citizen"], opening_id=world["opening2"], status="approved"))
        db.session.commit()
        first, second = (pseudonym(world["citizen"], world[k]) for k in ("opening", "opening2"))
    assert first != second
    auth.login(world["company"].email)
    page2 = client.get(f"/opslag/{world['opening2']}").get_data(as_text=True)
    assert second in page2 and first not in page2


def respond(client, auth, world, opening_key="opening", **data):
    auth.login(world["company"].email)
    data["csrf_token"] = auth.csrf_token(f"/opslag/{world['opening']}")
    return client.post(f"/opslag/{world[opening_key]}/kandidat/{world['proposal']}/svar", data=data)


def test_company_response_is_saved_and_extra_fields_ignored(app, client, auth, world):
    response = respond(client, auth, world, response="interested", note="Ring på mandag",
                       status="disclosed", consent="true", company_id=str(world["other"].company_id))
    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.status, proposal.company_response) == ("approved", "interested")
        assert proposal.company_response_note == "Ring på mandag" and not proposal.consents
        assert proposal.company_responded_at is not None
    assert "company_response" in actions(app)
    assert "Ring på mandag" in client.get(f"/opslag/{world['opening']}").get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"response": "approved", "note": ""},
    {"response": "", "note": "x"},
    {"response": "hired", "note": "x" * 501},
    {"response": "<script>alert(1)</script>"},
])
def test_bad_company_response_writes_nothing(app, client, auth, world, data):
    assert respond(client, auth, world, **data).status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None


def test_another_company_gets_404(app, client, auth, world):
    auth.login(world["other"].email)
    assert client.get(f"/opslag/{world['opening']}").status_code == 404
    token = auth.csrf_token("/opslag/ny")
    response = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                           data={"csrf_token": token, "response": "hired"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None


@pytest.mark.parametrize("case", ["wrong_opening", "rejected", "missing"])
def test_proposal_outside_the_company_view_is_404(app, client, auth, world, case):
    if case == "rejected":
        set_status(app, world["proposal"], "rejected")
    opening_key = "opening2" if case == "wrong_opening" else "opening"
    if case == "missing":
        world = world | {"proposal": 9999}
    assert respond(client, auth, world, opening_key=opening_key, response="hired").status_code == 404


# --- hired only after disclosure; the opening shows its places (review findings) -----------


def test_hired_is_offered_and_accepted_only_once_the_name_is_shared(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    html = company_page(client, auth, world)
    assert '<option value="hired"' not in html and "kan vælges, når jobcentret har delt navnet" in html
    response = respond(client, auth, world, response="hired")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None
    assert "I kan først melde kandidaten ansat" in client.get(response.location).get_data(as_text=True)
    auth.logout()

    with app.app_context():
        proposals.disclose(*load(world))
    html = company_page(client, auth, world)
    assert '<option value="hired"' in html and 'data-testid="opening-places">1<' in html
    response = respond(client, auth, world, response="hired", confirmed="1")
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response == "hired"
    html = client.get(response.location).get_data(as_text=True)
    assert "Jobcentret har fået besked og starter forløbet" in html
    assert 'data-testid="opening-places">1: 1 meldt ansat (jobcentret starter forløbet); ingen ledige<' in html
    # a hire whose placement has ended waits for nothing: the seat is free again
    with app.app_context():
        from datetime import date

        from store.models import Placement
        db.session.add(Placement(citizen_id=world["citizen"], opening_id=world["opening"],
                                 company_id=world["company"].company_id, kind="virksomhedspraktik",
                                 start_date=date(2026, 1, 5), end_date=date(2026, 2, 5), end_reason="forloeb_slut",
                                 weekly_hours=10))
        db.session.commit()
    html = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert 'data-testid="opening-places">1<' in html and "meldt ansat" not in html.split("opening-places")[1][:80]


def test_a_hire_reported_while_named_can_be_saved_again_after_the_consent_ends(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"  # reported while named
        db.session.commit()
    html = company_page(client, auth, world)
    assert '<option value="hired" selected>' in html  # the stored answer stays shown
    respond(client, auth, world, response="hired", note="Startede 1. december")
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.company_response, proposal.company_response_note) == ("hired", "Startede 1. december")


def test_an_answer_returns_to_the_answered_card(app, client, auth, world):
    response = respond(client, auth, world, response="interested")
    assert response.location.endswith(f"/opslag/{world['opening']}#kandidat-{world['proposal']}")
    assert f'id="kandidat-{world["proposal"]}"' in client.get(response.location).get_data(as_text=True)
