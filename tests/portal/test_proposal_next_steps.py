"""No dead ends: every proposal status has a next step on its page, and "proposed" can be decided there."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Citizen, CvDocument, JobGoal, Opening, Proposal
from store.models.vocab import PROPOSAL_STATUSES
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    """The identity-release world, its citizen matchable (CV, jobmål, VK) and living near the opening."""
    world = build_world(app, make_user)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.postcode, citizen.max_commute_km = world["consultant"].id, "7130", 30
        db.session.add_all([CvDocument(citizen_id=citizen.id, text="Kok i kantine, 5 år. Madlavning og opvask."),
                            JobGoal(citizen_id=citizen.id, title="Kok", position=0)])
        db.session.commit()
    return world


def _next_steps(html: str) -> str:
    match = re.search(r'<section data-testid="next-steps">(.*?)</section>', html, re.DOTALL)
    assert match, "no next-steps section"
    return match.group(1)


@pytest.mark.parametrize("status", sorted(PROPOSAL_STATUSES))
def test_every_status_has_a_next_step_with_a_link_or_form(app, client, auth, world, status):
    set_status(app, world["proposal"], status, consent=status in ("consented", "disclosed"))
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    section = _next_steps(html)
    body = re.sub(r"<h2>Næste skridt</h2>", "", section)
    assert re.sub(r"<[^>]+>|\s", "", body), f"{status}: empty next step"
    assert "<form" in body or "<a " in body, f"{status}: no link or form"
    for link in re.findall(r'<a[^>]* href="([^"]+)"', body):
        if link.startswith("#"):  # a place on this page (e.g. the interview panel): it must be there
            assert f'id="{link[1:]}"' in html, link
        else:
            assert client.get(link).status_code == 200, link


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_proposed_proposal_is_approved_on_its_page(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="assess-approve"' in page and 'data-testid="assess-reject"' in page
    response = client.post(f"/kandidater/forslag/{world['proposal']}/vurdering", data={
        "csrf_token": _csrf(page), "decision": "approve", "reason": "God match", "shared_goal": "Kok"})
    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.status, proposal.decision_reason, proposal.shared_goal) == ("approved", "God match", "Kok")
        assert "proposal_approved" in db.session.scalars(sa.select(AuditEvent.action)).all()
    after = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="consent-form"' in _next_steps(after)


def test_a_proposed_proposal_is_rejected_with_a_reason(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    url = f"/kandidater/forslag/{world['proposal']}/vurdering"
    client.post(url, data={"csrf_token": _csrf(page), "decision": "reject", "reason": ""})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "proposed"  # a reason is required
    # a rejection is final: refused until the box saying so is ticked; both errors at once, the input kept
    client.post(url, data={"csrf_token": _csrf(page), "decision": "reject", "reason": ""})
    refused = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert re.search(r'id="reason-reject-error"[^>]*>.*Skriv en kort begrundelse\.', refused)
    assert re.search(r'id="reject-confirmed-error"[^>]*>.*Sæt kryds ved, at du ved, at fravalget er endeligt\.', refused)
    client.post(url, data={"csrf_token": _csrf(page), "decision": "reject", "reason": "For langt væk"})
    again = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert "Sæt kryds ved" in again and re.search(r'id="reason-reject" [^>]*value="For langt væk"', again)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "proposed"
    client.post(url, data={"csrf_token": _csrf(page), "decision": "reject", "reason": "For langt væk",
                           "confirmed": "y"})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "rejected"
        assert "proposal_rejected" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_approval_is_refused_while_a_hard_limit_is_broken(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    with app.app_context():
        db.session.get(Opening, world["opening"]).status = "closed"
        db.session.commit()
    auth.login(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert "Opslaget er ikke åbent" in _next_steps(page)
    assert 'data-testid="assess-approve"' not in page
    client.post(f"/kandidater/forslag/{world['proposal']}/vurdering", data={
        "csrf_token": _csrf(page), "decision": "approve", "reason": "Alligevel"})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "proposed"


def test_a_company_cannot_assess(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["company"].email)
    token = auth.csrf_token("/")
    response = client.post(f"/kandidater/forslag/{world['proposal']}/vurdering", data={
        "csrf_token": token, "decision": "approve", "reason": "x"})
    assert response.status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "proposed"


def test_a_stale_login_is_sent_to_confirm_and_nothing_is_decided(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    with client.session_transaction() as session:
        del session["password_at"]
    response = client.post(f"/kandidater/forslag/{world['proposal']}/vurdering", data={
        "csrf_token": _csrf(page), "decision": "approve", "reason": "God match"})
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "proposed"


EXPLANATION = {
    "similarity_band": "middel", "relevance": 0.48, "score": 0.5123,
    "matched_goal": "Kok", "matched_goal_band": "høj", "matched_goals": ["Kok"],
    "goal_scores": [{"goal": "Kok", "band": "høj", "relevance": 0.6, "fit": 0.7},
                    {"goal": "Tjener", "band": "lav", "relevance": 0.2, "fit": 0.2}],
    "matched_terms": ["kantine", "madlavning"], "distance_km": 12.34, "hours_fit": 1.0,
    "hours": {"available": 12.5, "opening_min": 10.0, "opening_max": 20.0},
    "missing_languages": [], "policy_flags": [{"name": "long_without", "label": "Lang tid uden forløb",
                                               "contribution": 0.04}],
    "constraints": [{"name": "hours", "passed": True, "detail": "12.5 h available vs. min 10 h"}],
}


def test_a_waiting_proposal_shows_its_match_explanation_and_links_the_citizen(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.explanation, proposal.score = EXPLANATION, 0.5123
        db.session.commit()
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert re.search(rf'<h1><a href="/borgere/{world["citizen"]}"[^>]*>Qzvwxy Markersen</a>', html)
    shown = " ".join(re.sub(r"<[^>]+>", " ", re.search(
        r'data-testid="match-explanation">(.*?)</dl>', html, re.DOTALL).group(1)).split())
    for words in ("Samlet match middel score 0,51", "Jobmål der matcher Kok høj", "Alle jobmål Kok høj · Tjener lav",
                  "Fælles ord kantine madlavning", "Afstand 12 km", "Kan 12,5 t/uge · opslaget 10–20 t/uge",
                  "Lang tid uden forløb +0,04"):
        assert words in shown, words
    assert "available" not in shown  # the engine's English details are not shown


def test_a_proposal_without_a_stored_explanation_says_so(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).explanation = {}
        db.session.commit()
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="no-explanation"' in html and 'data-testid="match-explanation"' not in html


def test_a_company_never_reaches_the_proposal_page(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["company"].email)
    response = client.get(f"/kandidater/forslag/{world['proposal']}")
    assert response.status_code == 403 and "Markersen" not in response.get_data(as_text=True)


def test_the_proposal_page_shows_the_code_the_company_knows_the_candidate_by(app, client, auth, world):
    """Review AD 3: a company phoning about »Kandidat XXXX-XXXX« must be understood: the
    consultant's page shows the per-opening code the company sees before the name is shared."""
    from portal.pseudonyms import pseudonym

    set_status(app, world["proposal"], "approved")
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        code = pseudonym(proposal.citizen_id, proposal.opening_id)
    assert re.search(rf'data-testid="company-code">{re.escape(code)} ', html)
    assert f"Virksomheden ser kandidaten som »{code}«" in _next_steps(html)
