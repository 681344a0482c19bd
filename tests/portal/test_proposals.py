"""Identity release per (citizen, opening): the state machine and the consultant's page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import consents, proposals
from portal.extensions import db
from store.models import AuditEvent, Consent, Proposal
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, TODAY, actions, build_world, load, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")  # the portal lives on TODAY too


@pytest.fixture
def world(app, make_user):
    return build_world(app, make_user)


# --- the pure state machine --------------------------------------------------------------

STEPS = {
    "approved": lambda p, u: proposals.approve(p, u, "ok"),
    "consented": lambda p, u: proposals.record_consent(p, u, channel="telefon", deadline=IN_90_DAYS),
    "disclosed": lambda p, u: proposals.disclose(p, u),
    "withdrawn": lambda p, u: proposals.withdraw(p, u),
}


@pytest.mark.parametrize("start", sorted(proposals.TRANSITIONS))
@pytest.mark.parametrize("target", sorted(STEPS))
def test_every_transition_follows_the_table(app, world, start, target):
    set_status(app, world["proposal"], start, consent=start in ("consented", "disclosed"))
    with app.app_context():
        proposal, user = load(world)
        if target == "consented" and start in proposals.RENEWABLE:
            STEPS[target](proposal, user)  # a renewal: a new consent, and the status stays
            assert db.session.get(Proposal, world["proposal"]).status == start
            assert len(proposal.consents) == 2 and proposal.consents[0].replaced_at is not None
        elif target in proposals.TRANSITIONS[start]:
            STEPS[target](proposal, user)
            assert db.session.get(Proposal, world["proposal"]).status == target
        else:
            # the same step again says it is done (review AH 6), anything else what cannot be
            served, already = proposals._ALREADY.get(target, ((), ""))
            with pytest.raises(proposals.TransitionError,
                               match=re.escape(already) if start in served else "kan ikke gå fra"):
                STEPS[target](proposal, user)
            db.session.rollback()
            assert db.session.get(Proposal, world["proposal"]).status == start


def test_table_has_no_shortcuts():
    assert "disclosed" not in proposals.TRANSITIONS["approved"]
    assert proposals.TRANSITIONS["rejected"] == frozenset()
    assert all("disclosed" not in nxt for status, nxt in proposals.TRANSITIONS.items() if status != "consented")


@pytest.mark.parametrize("changes, message", [
    ({"deadline": TODAY - timedelta(days=1)}, "efter i dag"),
    ({"deadline": TODAY}, "efter i dag"),
    ({"deadline": TODAY + timedelta(days=366)}, "højst gælde ét år"),
    ({"channel": "sms"}, "samtykke"),
    ({"channel": ""}, "samtykke"),
    ({"text_version": "samtykke-v0"}, "gældende version"),
])
def test_bad_consent_is_refused(app, world, changes, message):
    values = {"channel": "brev", "deadline": IN_90_DAYS} | changes
    with app.app_context():
        proposal, user = load(world)
        with pytest.raises(proposals.TransitionError, match=message):
            proposals.record_consent(proposal, user, **values)
        db.session.rollback()
        assert db.session.get(Proposal, world["proposal"]).status == "approved"
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_expired_consent_blocks_disclosure_and_hides_identity(app, world):
    with app.app_context():
        proposal, user = load(world)
        proposals.record_consent(proposal, user, channel="moede", deadline=TODAY + timedelta(days=1))
        later = TODAY + timedelta(days=2)
        with pytest.raises(proposals.TransitionError, match="udløbet"):
            proposals.disclose(proposal, user, today=later)
        db.session.rollback()
        proposals.disclose(proposal, user)
        assert proposals.identity_released(proposal)
        assert not proposals.identity_released(proposal, today=later)


def test_consent_can_be_given_again_after_withdrawal(app, world):
    with app.app_context():
        proposal, user = load(world)
        proposals.record_consent(proposal, user, channel="digital", deadline=IN_90_DAYS)
        proposals.withdraw(proposal, user)
        assert proposal.consents[0].withdrawn_at is not None
        with pytest.raises(proposals.TransitionError):
            proposals.disclose(proposal, user)
        db.session.rollback()
        proposals.record_consent(proposal, user, channel="telefon", deadline=IN_90_DAYS)
        proposals.disclose(proposal, user)
        assert proposal.status == "disclosed" and len(proposal.consents) == 2


# --- the consultant's page ---------------------------------------------------------------


def consultant_post(client, auth, world, step: str, **data):
    path = f"/kandidater/forslag/{world['proposal']}"
    data["csrf_token"] = auth.csrf_token(path)
    return client.post(f"{path}/{step}", data=data)


def test_consultant_walks_the_flow_and_every_step_is_audited(app, client, auth, world):
    auth.login(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert "Registrér samtykke" in page and 'data-testid="disclose"' not in page
    assert MARKER in page and "proposal_viewed" in actions(app)
    response = consultant_post(client, auth, world, "samtykke", channel="telefon",
                               deadline=IN_90_DAYS.isoformat(), text_read="y")
    assert response.status_code == 302
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="disclose-blocked"' in page and consents.CONSENT_TEXT_VERSION in page
    assert consultant_post(client, auth, world, "profil", experience="Kok i kantine i 5 år.", goals="Kok",
                           hours="12", languages="dansk").status_code == 302
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="disclose"' in page
    assert consultant_post(client, auth, world, "videregiv").status_code == 302
    assert consultant_post(client, auth, world, "tilbagekald").status_code == 302
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert proposal.status == "withdrawn"
        consent = proposal.consents[0]
        assert (consent.channel, consent.text_version, consent.deadline) == (
            "telefon", consents.CONSENT_TEXT_VERSION, IN_90_DAYS)
        assert consent.recorded_by_id == world["consultant"].id and consent.withdrawn_at
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(
            ["consent_recorded", "profile_approved", "identity_disclosed", "consent_withdrawn"]))).all()
        assert [e.action for e in events] == [
            "consent_recorded", "profile_approved", "identity_disclosed", "consent_withdrawn"]
        assert all(e.citizen_id == world["citizen"] and e.user_id == world["consultant"].id for e in events)


@pytest.mark.parametrize("data", [
    {"channel": "telefon", "deadline": "2027-02-31", "text_read": "y"},  # no such date
    {"channel": "telefon", "deadline": "12/31/2026", "text_read": "y"},  # a shape the field does not read
    {"channel": "telefon", "deadline": (TODAY - timedelta(days=1)).isoformat(), "text_read": "y"},
    {"channel": "telefon", "deadline": (TODAY + timedelta(days=400)).isoformat(), "text_read": "y"},
    {"channel": "<script>", "deadline": IN_90_DAYS.isoformat(), "text_read": "y"},
    {"channel": "telefon", "deadline": IN_90_DAYS.isoformat()},  # text not confirmed
    {"channel": "telefon", "deadline": ""},
])
def test_bad_consent_form_writes_nothing(app, client, auth, world, data):
    auth.login(world["consultant"].email)
    response = consultant_post(client, auth, world, "samtykke", **data)
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "approved"
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_extra_fields_on_consent_form_are_ignored(app, client, auth, world):
    auth.login(world["consultant"].email)
    consultant_post(client, auth, world, "samtykke", channel="brev", deadline=IN_90_DAYS.isoformat(),
                    text_read="y", status="disclosed", text_version="hacked", recorded_by_id="999")
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert proposal.status == "consented"
        assert proposal.consents[0].text_version == consents.CONSENT_TEXT_VERSION
        assert proposal.consents[0].recorded_by_id == world["consultant"].id


def test_disclose_without_consent_is_refused_over_http(app, client, auth, world):
    auth.login(world["consultant"].email)
    response = consultant_post(client, auth, world, "videregiv")
    assert response.status_code == 302
    assert "kan ikke gå fra" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "approved"


def test_disclose_needs_a_fresh_login(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    token = auth.csrf_token(f"/kandidater/forslag/{world['proposal']}")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.post(f"/kandidater/forslag/{world['proposal']}/videregiv", data={"csrf_token": token})
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "consented"


@pytest.mark.parametrize("role", ["company"])
def test_companies_cannot_use_the_consultant_page(client, auth, world, role):
    auth.login(world[role].email)
    assert client.get(f"/kandidater/forslag/{world['proposal']}").status_code == 403


def test_ranking_links_decided_proposals_to_their_page(client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening']}").get_data(as_text=True)
    assert f'href="/kandidater/forslag/{world["proposal"]}"' in html
