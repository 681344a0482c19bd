"""Review BN 5: »no longer current« (the company was shown the candidate, and it is no longer
relevant) is one rule, portal.proposals.no_longer_current: the opening's page lists by it
(openings.service.ended_candidates, its SQL form) and the company's answer or step is turned
back by it."""
from __future__ import annotations

from datetime import datetime, timezone

from portal import proposals
from portal.extensions import db
from portal.openings import candidate, service
from store.models import Opening, Proposal
from store.models.vocab import PROPOSAL_STATUSES
from tests.portal.proposal_fixtures import build_world


def test_the_rule_and_the_openings_list_agree_on_every_status(app, make_user):
    world = build_world(app, make_user)
    with app.app_context():
        for status in PROPOSAL_STATUSES:
            for decided in (None, datetime(2026, 3, 2, 9, tzinfo=timezone.utc)):
                proposal = db.session.get(Proposal, world["proposal"])
                proposal.status, proposal.decided_at = status, decided
                db.session.commit()
                listed = [c.proposal_id for c in service.ended_candidates(db.session.get(Opening, world["opening"]))]
                expected = status == "withdrawn" or (status in proposals.ENDED and decided is not None)
                assert proposals.no_longer_current(proposal) is expected, (status, decided)
                assert (proposal.id in listed) is expected, (status, decided)


def test_the_opening_pages_read_the_one_rule():
    assert candidate.no_longer_current is proposals.no_longer_current
    assert not hasattr(service, "no_longer_relevant")
