"""Review B 3: the company is told when the job centre proposes a candidate for its opening
(portal.notifications.proposed), by pseudonym only, once per recipient and decision."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.candidates import service as candidates
from portal.extensions import db
from portal.notifications.proposed import announce_proposed
from portal.pseudonyms import pseudonym
from store.models import Citizen, MailMessage, Notification, Opening, Proposal, User
from tests.portal.proposal_fixtures import MARKER, build_world


@pytest.fixture
def world(app, make_user):
    world = build_world(app, make_user)
    with app.app_context():
        company = db.session.get(User, world["company"].id).company
    world["colleague"] = make_user("company", company=company)
    world["former"] = make_user("company", company=company, active=False)
    return world


def decide(app, world, approve: bool, citizen_id: int | None = None) -> int:
    with app.app_context():
        proposal = candidates.record_decision(
            db.session.get(Opening, world["opening2"]), db.session.get(Citizen, citizen_id or world["citizen"]),
            approve, "Passer til lageret", None, db.session.get(User, world["consultant"].id))
        return proposal.id


def told(app, kind: str = "candidate_proposed") -> list[tuple[int, str, str]]:
    with app.app_context():
        return [(n.user_id, n.text, n.link) for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind == kind).order_by(Notification.user_id))]


def test_an_approval_tells_the_companys_active_users_by_pseudonym(app, client, auth, world):
    proposal_id = decide(app, world, approve=True)
    with app.app_context():
        who = pseudonym(world["citizen"], world["opening2"])
        mails = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "candidate_proposed")).all()
        assert sorted(m.to_address for m in mails) == sorted([world["company"].email, world["colleague"].email])
        assert all(MARKER not in m.body and MARKER not in m.subject and who in m.body for m in mails)
    link = f"/opslag/{world['opening2']}/kandidat/{proposal_id}"
    text = f"Jobcentret har foreslået en kandidat til »Praktik på lageret«: {who}. Svar om I er interesserede."
    assert told(app) == [(world["company"].id, text, link), (world["colleague"].id, text, link)]
    auth.switch_to(world["company"].email)  # the link is the candidate's page, where the company answers
    page = client.get(link)
    assert page.status_code == 200 and who in page.get_data(as_text=True)
    with app.app_context():  # told once: a repeated call adds nothing
        assert announce_proposed(db.session.get(Proposal, proposal_id)) == 0
        db.session.commit()
    assert len(told(app)) == 2


def test_the_mail_greets_the_reader_and_is_signed_by_the_job_centre(app, world):
    """Review AD 6: the same frame as every other mail, the link once, from the job centre."""
    app.config["ORGANISATION_NAME"] = "Jobcenter Vejle"
    proposal_id = decide(app, world, approve=True)
    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.to_address == world["company"].email))
        link = f"/opslag/{world['opening2']}/kandidat/{proposal_id}"
        assert mail.subject == "Ny kandidat foreslået til »Praktik på lageret«"
        assert mail.body.startswith(f"Goddag {world['company'].name}\n\nJobcentret har foreslået en kandidat")
        assert mail.body.count(link) == 1 and f"\n\nSe det i Jobbro: {link}\n" in mail.body
        assert mail.body.endswith("Venlig hilsen\nJobcenter Vejle\n\n"
                                  "(Mailen er sendt automatisk fra Jobbro og kan ikke besvares.)\n")


def test_a_rejection_tells_no_one(app, world):
    decide(app, world, approve=False)
    assert told(app) == []


def test_the_company_can_choose_mail_for_it(app, client, auth, world):
    auth.switch_to(world["company"].email)
    assert "Jobcentret har foreslået en kandidat" in client.get("/beskeder/indstillinger").get_data(as_text=True)


def test_another_companys_users_are_not_told(app, world):
    decide(app, world, approve=True)
    assert world["other"].id not in {user_id for user_id, _, _ in told(app)}


def test_a_new_decision_after_a_reopened_case_tells_again(app, world):
    proposal_id = decide(app, world, approve=True)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = "ended"
        proposal.citizen.case_closed = None
        db.session.commit()
        assert proposals.renewable(proposal)
        proposals.renew(proposal, db.session.get(User, world["consultant"].id), approve=True, reason="Igen",
                        score=None, explanation={}, shared_goal="")
        assert announce_proposed(proposal) == 2
        db.session.commit()
    assert len(told(app)) == 4

