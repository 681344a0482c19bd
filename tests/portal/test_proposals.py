"""Identity release per (citizen, opening): the state machine, the consultant's page, the company's view."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.extensions import db
from portal.models import AuditEvent, Citizen, Consent, Opening, Proposal, User
from portal.pseudonyms import pseudonym

MARKER = "Qzvwxy Markersen"  # a name string that cannot appear on a page by accident
TODAY = date.today()
IN_90_DAYS = TODAY + timedelta(days=90)


@pytest.fixture
def world(app, make_user):
    """A consultant, two companies, an opening of the first company and an approved proposal."""
    consultant = make_user("consultant")
    company = make_user("company")
    other = make_user("company")
    with app.app_context():
        citizen = Citizen(name=MARKER, postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=12.5)
        openings = [Opening(company_id=company.company_id, kind="virksomhedspraktik", title=title,
                            hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
                    for title in ("Praktik i kantinen", "Praktik på lageret")]
        db.session.add_all([citizen, *openings])
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=openings[0].id, status="approved",
                            explanation={"similarity_band": "Stærkt match", "matched_goals": ["Kok"]},
                            decided_by_id=consultant.id)
        db.session.add(proposal)
        db.session.commit()
        return {"consultant": consultant, "company": company, "other": other, "citizen": citizen.id,
                "opening": openings[0].id, "opening2": openings[1].id, "proposal": proposal.id}


def load(world, key: str = "proposal") -> tuple[Proposal, User]:
    return db.session.get(Proposal, world[key]), db.session.get(User, world["consultant"].id)


def set_status(app, proposal_id: int, status: str, consent: bool = False) -> None:
    """Put a proposal straight into ``status`` (optionally with a live consent)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = status
        if consent:
            db.session.add(Consent(proposal=proposal, text_version=proposals.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=IN_90_DAYS,
                                   recorded_by_id=proposal.decided_by_id))
        db.session.commit()


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


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
        if target in proposals.TRANSITIONS[start]:
            STEPS[target](proposal, user)
            assert db.session.get(Proposal, world["proposal"]).status == target
        else:
            with pytest.raises(proposals.TransitionError, match="kan ikke gå fra"):
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
    assert 'data-testid="disclose"' in page and proposals.CONSENT_TEXT_VERSION in page
    assert consultant_post(client, auth, world, "videregiv").status_code == 302
    assert consultant_post(client, auth, world, "tilbagekald").status_code == 302
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert proposal.status == "withdrawn"
        consent = proposal.consents[0]
        assert (consent.channel, consent.text_version, consent.deadline) == (
            "telefon", proposals.CONSENT_TEXT_VERSION, IN_90_DAYS)
        assert consent.recorded_by_id == world["consultant"].id and consent.withdrawn_at
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(
            ["consent_recorded", "identity_disclosed", "consent_withdrawn"]))).all()
        assert [e.action for e in events] == ["consent_recorded", "identity_disclosed", "consent_withdrawn"]
        assert all(e.citizen_id == world["citizen"] and e.user_id == world["consultant"].id for e in events)


@pytest.mark.parametrize("data", [
    {"channel": "telefon", "deadline": "2027-02-31", "text_read": "y"},  # no such date
    {"channel": "telefon", "deadline": "31-12-2026", "text_read": "y"},  # wrong format
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
        assert proposal.consents[0].text_version == proposals.CONSENT_TEXT_VERSION
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
        assert code in html and "Stærkt match" in html and "Kok" in html and "12,5" in html
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
    assert MARKER not in html and code not in html


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


def test_ranking_links_decided_proposals_to_their_page(client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening']}").get_data(as_text=True)
    assert f'href="/kandidater/forslag/{world["proposal"]}"' in html
