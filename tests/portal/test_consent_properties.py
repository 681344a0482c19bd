"""The consent state machine under any sequence of actions (hypothesis, stateful).

Whatever the consultant clicks, in whatever order, and however the days pass: an identity is
released only while the proposal is disclosed with a consent that is neither withdrawn nor
expired, and a withdrawal hides it again at once. Refused steps change nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from portal import proposals
from portal.extensions import db
from store.models import Citizen, Opening, Proposal, User

START = date(2026, 11, 23)


def _live(proposal: Proposal, today: date) -> bool:
    return any(c.withdrawn_at is None and c.deadline >= today for c in proposal.consents)


def test_no_sequence_releases_an_identity_without_a_live_consent(app, make_user):
    consultant = make_user("consultant")
    company = make_user("company")

    class ConsentMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.today = START
            citizen = Citizen(name="Egenskab Testesen", phone="12345678", postcode="8722",
                              benefit_group="kontanthjaelp", readiness_group="i_gang",
                              case_start=date(2026, 1, 5), hours_available=12.5)
            opening = Opening(company_id=company.company_id, kind="smaajob", title="Lager",
                              hours_min=1.0, hours_max=10.0, postcode="7130", status="open")
            db.session.add_all([citizen, opening])
            db.session.flush()
            self.proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="proposed")
            db.session.add(self.proposal)
            db.session.commit()
            self.user = db.session.get(User, consultant.id)

        def _try(self, step) -> None:
            before = (self.proposal.status, len(self.proposal.consents))
            try:
                step()
            except proposals.TransitionError:
                db.session.rollback()
                assert (self.proposal.status, len(self.proposal.consents)) == before
            else:
                db.session.commit()

        @rule()
        def approve(self):
            self._try(lambda: proposals.approve(self.proposal, self.user, "ok"))

        @rule()
        def reject(self):
            self._try(lambda: proposals.reject(self.proposal, self.user, "nej"))

        @rule(days=st.integers(min_value=-5, max_value=400), phone=st.booleans())
        def record_consent(self, days, phone):
            self._try(lambda: proposals.record_consent(
                self.proposal, self.user, channel="telefon", deadline=self.today + timedelta(days=days),
                today=self.today, share_phone=phone))

        @rule()
        def disclose(self):
            was_live = _live(self.proposal, self.today)
            self._try(lambda: proposals.disclose(self.proposal, self.user, today=self.today))
            if self.proposal.status == "disclosed":
                assert was_live or _live(self.proposal, self.today)

        @rule()
        def withdraw(self):
            status = self.proposal.status
            self._try(lambda: proposals.withdraw(self.proposal, self.user))
            if status in ("consented", "disclosed"):
                assert self.proposal.status == "withdrawn"
                assert not proposals.identity_released(self.proposal, self.today)
                assert not (self.proposal.shared_profile or {}).get("phone")

        @precondition(lambda self: self.today < START + timedelta(days=500))
        @rule(days=st.integers(min_value=1, max_value=120))
        def time_passes(self, days):
            self.today += timedelta(days=days)

        @invariant()
        def released_only_with_a_live_consent(self):
            if proposals.identity_released(self.proposal, self.today):
                assert self.proposal.status == "disclosed"
                assert _live(self.proposal, self.today)
            if self.proposal.status == "rejected":
                assert not self.proposal.consents

    with app.app_context():
        run_state_machine_as_test(ConsentMachine, settings=settings(
            max_examples=40, stateful_step_count=20, deadline=None,
            suppress_health_check=[HealthCheck.too_slow]))
