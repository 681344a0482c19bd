"""Which steps of :mod:`portal.proposals` commit, as its module docstring says (review AA 8).

The steps the consultant or the company takes on their own commit; :func:`~portal.proposals.end`,
:func:`~portal.proposals.end_with_opening` and :func:`~portal.proposals.renew` leave the commit
to their caller (closing a case, ending an opening's candidates, a new decision on the pair), so
a rollback after them undoes them. A caller that trusted the old docstring ("every function
but end commits") would have lost a renewal or an opening's ended proposals.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.extensions import db
from store.models import AuditEvent, Opening, Proposal, User
from tests.portal.proposal_fixtures import TODAY, build_world, load

pytestmark = pytest.mark.usefixtures("frozen_today")


def _prepare(world, status: str, opening_status: str = "open") -> None:
    proposal = db.session.get(Proposal, world["proposal"])
    proposal.status = status
    db.session.get(Opening, world["opening"]).status = opening_status
    db.session.commit()


def _company_user(world) -> User:
    return db.session.get(User, world["company"].id)


# (status before, opening status, the step, the status it leaves, the audit action it writes)
COMMITTING = {
    "approve": ("proposed", "open", lambda p, u, w: proposals.approve(p, u, "ok"), "approved",
                "proposal_approved"),
    "reject": ("proposed", "open", lambda p, u, w: proposals.reject(p, u, "nej"), "rejected",
               "proposal_rejected"),
    "respond": ("approved", "open", lambda p, u, w: proposals.respond(p, _company_user(w), "interested"),
                "approved", "company_response"),
}
NOT_COMMITTING = {
    "end": ("approved", "open", lambda p, u, w: proposals.end(p, u, TODAY), "ended", "proposal_ended"),
    "end_with_opening": ("approved", "filled", lambda p, u, w: proposals.end_with_opening(p, u, TODAY),
                         "opening_done", "proposal_ended"),
    "renew": ("ended", "open", lambda p, u, w: proposals.renew(
        p, u, approve=True, reason="igen", score=None, explanation={}, shared_goal=""), "approved",
        "proposal_renewed"),
}


def _audited(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.mark.parametrize("step", sorted(COMMITTING))
def test_a_step_of_its_own_commits(app, make_user, step):
    before, opening_status, call, after, action = COMMITTING[step]
    world = build_world(app, make_user)
    with app.app_context():
        _prepare(world, before, opening_status)
        call(*load(world), world)
        db.session.rollback()  # nothing left to undo: the step committed
        db.session.expire_all()
        assert db.session.get(Proposal, world["proposal"]).status == after
        assert _audited(action) == 1


@pytest.mark.parametrize("step", sorted(NOT_COMMITTING))
def test_a_part_of_a_larger_change_leaves_the_commit_to_its_caller(app, make_user, step):
    before, opening_status, call, after, action = NOT_COMMITTING[step]
    world = build_world(app, make_user)
    with app.app_context():
        _prepare(world, before, opening_status)
        call(*load(world), world)
        assert db.session.get(Proposal, world["proposal"]).status == after  # done in the session
        db.session.rollback()  # the caller's transaction fails: the step goes with it
        db.session.expire_all()
        assert db.session.get(Proposal, world["proposal"]).status == before
        assert _audited(action) == 0
