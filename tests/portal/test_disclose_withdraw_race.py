"""Sharing the name and withdrawing the consent at the same moment (review AF 3).

Two consultants read the same consented proposal; one withdraws the consent while the other
shares the name. Whichever commits second finds the other's result (:func:`portal.proposals.lock`)
and is refused with a Danish message: nothing of it is written, and no notice is queued for
the refused step. Each test reads the proposal in one session, lets the other step commit in a
second session (its own application context), then runs the first step.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal import consents, proposals
from portal.candidates import sharing, withdrawal
from portal.extensions import db
from store.models import AuditEvent, Consent, Notification, Proposal, User
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    """A consented proposal with a live consent and an approved profile."""
    world = build_world(app, make_user)
    set_status(app, world["proposal"], "consented", consent=True)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.profile_approved_at = datetime.now(timezone.utc)
        proposal.shared_profile = {"experience": "Køkken"}
        db.session.commit()
    return world


def read(world) -> tuple[Proposal, User]:
    """The proposal as a page reads it, its consents included."""
    proposal = db.session.get(Proposal, world["proposal"])
    assert consents.active_consent(proposal) is not None and proposal.status == "consented"
    return proposal, db.session.get(User, world["consultant"].id)


def meanwhile(app, world, step) -> None:
    """``step(proposal, user)`` done and committed by another consultant, in another session."""
    with app.app_context(), app.test_request_context():
        step(*read(world))


def notices(app, kind: str) -> int:
    with app.app_context():
        return len(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)).all())


def test_a_share_after_a_withdrawal_meanwhile_is_refused_and_tells_no_one(app, world):
    with app.test_request_context():
        proposal, user = read(world)
        meanwhile(app, world, withdrawal.withdraw)
        with pytest.raises(proposals.TransitionError) as refused:
            sharing.disclose(proposal, user)
        db.session.rollback()
    assert "»Samtykke trukket tilbage«" in str(refused.value)
    assert proposals.DISCLOSE_NOT_DONE in str(refused.value)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.status, proposal.disclosed_at) == ("withdrawn", None)
        assert all(consent.withdrawn_at is not None for consent in proposal.consents)
    assert notices(app, "candidate_shared") == 0


def test_a_withdrawal_after_a_share_meanwhile_is_refused_then_done_again_with_the_company_told(app, world):
    with app.test_request_context():
        proposal, user = read(world)
        meanwhile(app, world, sharing.disclose)
        assert notices(app, "candidate_shared") == 1
        with pytest.raises(proposals.TransitionError) as refused:
            withdrawal.withdraw(proposal, user)
        db.session.rollback()
    assert "»Navn og profil delt med virksomheden«" in str(refused.value)
    assert "ikke trukket tilbage endnu" in str(refused.value)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "disclosed"
        assert db.session.scalars(sa.select(Consent.withdrawn_at)).all() == [None]
    assert notices(app, "candidate_data") == 0  # the refused step told no one
    # Done again from the page as it is now, the withdrawal tells the company that got the name.
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        withdrawal.withdraw(proposal, db.session.get(User, world["consultant"].id))
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "withdrawn"
    assert notices(app, "candidate_data") == 1


@pytest.mark.parametrize("step, said, kind", [
    (sharing.disclose, "Navnet er allerede delt, og virksomheden har fået besked.", "candidate_shared"),
    (withdrawal.withdraw, "Samtykket gælder ikke længere, så der er intet at trække tilbage.", "consent_withdrawn"),
])
def test_the_same_step_twice_at_once_is_done_once_and_the_second_told_so(app, world, step, said, kind):
    with app.test_request_context():
        proposal, user = read(world)
        meanwhile(app, world, step)
        with pytest.raises(proposals.TransitionError) as refused:
            step(proposal, user)
        db.session.rollback()
    assert str(refused.value).endswith(said)
    with app.app_context():
        assert len(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.in_(("identity_disclosed", "consent_withdrawn")))).all()) == 1
    if kind == "candidate_shared":
        assert notices(app, kind) == 1  # one notice, not two


def test_a_step_on_the_proposal_as_it_is_still_goes_through(app, world):
    """The lock refuses only a change made meanwhile: taken twice in one step, it holds."""
    with app.test_request_context():
        proposal, user = read(world)
        proposals.lock(proposal, "disclosed")
        sharing.disclose(proposal, user)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "disclosed"
    assert notices(app, "candidate_shared") == 1


@pytest.mark.parametrize("step", [sharing.disclose, withdrawal.withdraw])
def test_a_step_holds_the_proposal_row_with_one_lock(app, world, step):
    """The consultant's step takes the state machine's lock once, before what it tells the company
    (review BN 9: it took its own first, then the state machine's again in the same transaction)."""
    locks = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"UPDATE proposal SET status=proposal\.status, updated_at=\? WHERE", statement):
            locks.append(statement)

    with app.test_request_context():
        proposal, user = read(world)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            step(proposal, user)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(locks) == 1
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == step.__name__.replace("disclose", "disclosed") \
            .replace("withdraw", "withdrawn")
