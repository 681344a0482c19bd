"""A withdrawn consent tells the company that got the name to delete it (review E6, by the
pseudonym, never the name or the reason), and an erasure keeps, in the audit log, which
companies it told: the proposals that said so are erased with the citizen."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.candidates import withdrawal
from portal.citizens import recipients
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import (AuditEvent, Citizen, Company, Consent, Notification, Opening, Placement, Proposal,
                          User)
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, disclosed_world, set_status
from tests.portal.test_citizens_name_holders import told

pytestmark = pytest.mark.usefixtures("frozen_today")


def withdraw(client, auth, world):
    auth.login(world["consultant"].email)
    path = f"/kandidater/forslag/{world['proposal']}"
    return client.post(f"{path}/tilbagekald", data={"csrf_token": auth.csrf_token(path)})


def test_withdrawing_a_consent_tells_the_company_that_had_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    response = withdraw(client, auth, world)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "withdrawn"
        who = pseudonym(world["citizen"], world["opening"])
    [(kind, text, link)] = told(app, world)  # told() also checks that no notice or mail names the citizen
    assert kind == "candidate_data" and who in text
    assert "ikke længere aktuel" in text and "Slet det, I har fået" in text
    assert "samtykke" not in text.casefold()  # never why
    assert link.endswith(f"/{world['opening']}/kandidat/{world['proposal']}")


def test_a_consent_withdrawn_before_disclosure_tells_no_one(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "consented")  # the company never had the name
    assert withdraw(client, auth, world).status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "withdrawn"
    assert told(app, world) == []


def test_only_the_company_of_the_withdrawn_proposal_is_told(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    other = make_user("company")
    with app.app_context():  # the citizen's name also went to another company, which keeps it
        opening = Opening(company_id=other.company_id, kind="virksomhedspraktik", title="Praktik i butikken",
                          hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
        db.session.add(opening)
        db.session.flush()
        second = Proposal(citizen_id=world["citizen"], opening_id=opening.id, status="approved",
                          explanation={}, shared_goal="Kok", decided_by_id=world["consultant"].id)
        db.session.add(second)
        db.session.commit()
        second_id = second.id
    set_status(app, second_id, "disclosed", consent=True)
    assert withdraw(client, auth, world).status_code == 302
    assert [k for k, _, _ in told(app, world)] == ["candidate_data"]
    with app.app_context():
        assert db.session.scalars(sa.select(Notification).where(Notification.user_id == other.id)).all() == []


def erasure_trace(app, citizen_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.citizen_id == citizen_id, AuditEvent.action == "erasure_recipients_told")))


def test_the_erasure_keeps_which_companies_it_told_in_the_audit_log(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    auth.login(make_user("admin").email)
    path = f"/borgere/{world['citizen']}/slet"
    response = client.post(path, data={"csrf_token": auth.csrf_token(path), "purpose": "J.nr. 2026-1",
                                       "confirm_name": MARKER})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]) is None
        company = db.session.get(Company, world["company"].company_id)
        assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0  # the proposals are gone
        name, cvr = company.name, company.cvr
    [purpose] = erasure_trace(app, world["citizen"])
    assert purpose == f"told companies: {world['company'].company_id}"
    assert MARKER not in purpose and name not in purpose and cvr not in purpose


def test_an_erasure_no_company_knew_of_says_so_in_the_log(app, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "approved")
    result = app.test_cli_runner().invoke(args=["erase-citizen", str(world["citizen"]), "--purpose", "J.nr. 9"])
    assert result.exit_code == 0, result.output
    assert erasure_trace(app, world["citizen"]) == ["no company held the name"]


def test_a_company_without_an_active_user_is_logged_as_not_told(app, make_user):
    world = disclosed_world(app, make_user)
    with app.app_context():
        db.session.get(User, world["company"].id).active = False
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["erase-citizen", str(world["citizen"]), "--purpose", "J.nr. 9"])
    assert result.exit_code == 0, result.output
    assert erasure_trace(app, world["citizen"]) == [f"no active user: {world['company'].company_id}"]


def test_a_long_list_of_companies_stays_within_the_log_s_purpose():
    text = recipients.recipients_purpose(set(range(1000, 1100)), {7})
    assert len(text) <= 200 and text.startswith("told companies: 1000, 1001") and "more" in text
    assert text.endswith("; no active user: 7")


@pytest.mark.parametrize("hidden_by", ["lapsed consent", "restriction"])
def test_a_company_that_got_the_name_is_told_even_if_the_portal_hides_it_now(app, client, auth, make_user,
                                                                             hidden_by):
    world = disclosed_world(app, make_user)
    with app.app_context():
        if hidden_by == "lapsed consent":
            for consent in db.session.scalars(sa.select(Consent)):
                consent.deadline = TODAY - timedelta(days=1)
        else:
            db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
        proposal = db.session.get(Proposal, world["proposal"])
        consultant = db.session.get(User, world["consultant"].id)
        withdrawal.withdraw(proposal, consultant)
        assert db.session.get(Proposal, world["proposal"]).status == "withdrawn"
    assert [k for k, _, _ in told(app, world)] == ["candidate_data"]


def test_a_company_with_a_running_placement_is_not_asked_to_delete(app, client, auth, make_user):
    """The company knows its trainee or employee on another footing: the notice says the
    placement stands and the job centre will contact them, as the candidate's page does."""
    world = disclosed_world(app, make_user)
    with app.app_context():
        db.session.add(Placement(citizen_id=world["citizen"], opening_id=world["opening"],
                                 company_id=world["company"].company_id, kind="virksomhedspraktik",
                                 start_date=TODAY - timedelta(days=10), weekly_hours=10.0))
        db.session.commit()
    assert withdraw(client, auth, world).status_code == 302
    [(kind, text, _link)] = told(app, world)
    assert kind == "candidate_data" and "ikke længere aktuel som kandidat" in text
    assert f"Forløbet fra {(TODAY - timedelta(days=10)).strftime('%d.%m.%Y')} står stadig" in text
    assert "Slet" not in text
