"""Proposals (citizen × opening) and the consent that releases identity."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db import db
from .base import UTCDateTime, enum_of, utcnow
from .citizens import Citizen
from .openings import Opening
from .vocab import COMPANY_RESPONSES, CONSENT_CHANNELS, PROPOSAL_STATUSES


class Proposal(db.Model):
    """A citizen proposed for an opening; the identity-release state machine.

    proposed → approved (consultant) → consented (citizen, recorded) → disclosed;
    withdrawn hides the identity again. ``rejected`` ends a proposal; ``ended`` ends a live
    one when the citizen's case is closed (``ended_on`` is the case's closing date), and
    ``opening_done`` when the consultant ends it because the opening was filled or closed
    (``ended_on`` is that day).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("opening.id"), index=True)
    status: Mapped[str] = mapped_column(enum_of(PROPOSAL_STATUSES, "proposal_status"), default="proposed")
    score: Mapped[Optional[float]]
    explanation: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    company_response: Mapped[Optional[str]] = mapped_column(enum_of(COMPANY_RESPONSES, "company_response"),
                                                            active_history=True)
    company_response_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    # active_history: the answer replaced is known at the flush (kept as a ProposalAnswer).
    company_responded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), active_history=True)
    # When the name was shared with the company (the last time, if shared again after a renewal;
    # the earlier times are kept as ProposalDisclosure rows). active_history: the moment replaced
    # is known at the flush.
    disclosed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), active_history=True)
    # The jobmål as the company sees it: a text the consultant approved for sharing ("" = none
    # yet, the company sees the opening's title). Never the citizen's free-text jobmål.
    shared_goal: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # The candidate profile the company sees after disclosure, written or approved by the
    # consultant: {"experience", "goals", "hours", "licences", "languages", "start",
    # "phone", "email"} (contact details only those the citizen agreed to share). Empty = none.
    shared_profile: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # The contact details the company was ever given on this proposal, as field names ("phone",
    # "email"; never their values): added when the name is shared and when a consent renewed
    # while it is shared shows other choices (portal.consents.contacts_given), and kept when
    # the consent is withdrawn, runs out or ends with the proposal, and when the pair is
    # decided anew, since the company still has what it got: a correction (GDPR art. 19,
    # portal.citizens.rectification) reaches it by these. Deleted with the proposal (erasure).
    # None: not known (a name shared before migration 0036 whose history did not say).
    shared_contacts: Mapped[Optional[list]] = mapped_column(sa.JSON(none_as_null=True), default=list)
    # The citizen consented to share the CV file itself with this company.
    share_cv: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    profile_approved_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    profile_approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Changed: any column, or a child row (store.models.touch): what the API's updated_since reads.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The closing date of the citizen's case that ended the proposal (status "ended"), or the
    # day the consultant ended it on a filled or closed opening ("opening_done"); kept when the
    # case is reopened, so the page can still say why it ended.
    ended_on: Mapped[Optional[date]]

    citizen: Mapped[Citizen] = relationship()
    opening: Mapped[Opening] = relationship()
    consents: Mapped[list["Consent"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Consent.id"
    )
    # The company's earlier answers, replaced by a new one or cleared when the pair was decided
    # anew, oldest first: each was contact with the citizen on its day (the policy goals).
    earlier_answers: Mapped[list["ProposalAnswer"]] = relationship(
        cascade="all, delete-orphan", order_by="(ProposalAnswer.answered_at, ProposalAnswer.id)"
    )
    # The earlier days the name was shared with the company, before it was shared again (after
    # the pair was decided anew, or a consent withdrawn and given again), oldest first: each was
    # contact with the citizen on its day (the policy goals).
    earlier_disclosures: Mapped[list["ProposalDisclosure"]] = relationship(
        cascade="all, delete-orphan", order_by="(ProposalDisclosure.disclosed_at, ProposalDisclosure.id)"
    )

    __table_args__ = (
        sa.UniqueConstraint("citizen_id", "opening_id", name="uq_proposal_pair"),
        # Ids are shown outside (API, webhooks, links): never reused after an erasure (migration 0015).
        {"sqlite_autoincrement": True},
    )


class ProposalAnswer(db.Model):
    """An earlier answer of the company on a proposal (review T 2): ``response`` given at
    ``answered_at``, since replaced by another answer or cleared when the pair was decided anew
    (``portal.proposals.renew``). The current answer stays on the proposal. Written by the flush
    hook below on every path that changes ``Proposal.company_responded_at``."""

    __tablename__ = "proposal_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    response: Mapped[Optional[str]] = mapped_column(enum_of(COMPANY_RESPONSES, "company_response"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


@event.listens_for(Session, "before_flush")
def _keep_replaced_answer(session: Session, _context, _instances) -> None:
    """Keep the company's answer when a later one replaces it or it is cleared: the moment it
    was given and what it was (the response as it was loaded)."""
    for proposal in list(session.dirty):
        if not isinstance(proposal, Proposal):
            continue
        state = inspect(proposal)
        moments = state.attrs.company_responded_at.history
        if not (moments.has_changes() and moments.deleted and moments.deleted[0] is not None):
            continue
        responses = state.attrs.company_response.history
        response = responses.deleted[0] if responses.deleted else proposal.company_response
        session.add(ProposalAnswer(proposal_id=proposal.id, response=response, answered_at=moments.deleted[0]))


class ProposalDisclosure(db.Model):
    """An earlier time the citizen's name was shared with the company on a proposal (review
    T 2): at ``disclosed_at``, since shared again (``portal.proposals.disclose`` after the pair
    was decided anew, or after a consent was withdrawn and given again), which moved
    ``Proposal.disclosed_at`` to the new moment. The latest disclosure stays on the proposal.
    Written by the flush hook below on every path that changes ``Proposal.disclosed_at``.

    A table of its own rather than rows of :class:`ProposalAnswer`: a disclosure is the job
    centre's step, not the company's answer, and has no response; mixed in, every reader of
    the answers would have to tell the two apart."""

    __tablename__ = "proposal_disclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime())


@event.listens_for(Session, "before_flush")
def _keep_replaced_disclosure(session: Session, _context, _instances) -> None:
    """Keep the moment the name was shared when a later disclosure (or anything else) replaces
    or clears ``Proposal.disclosed_at``."""
    for proposal in list(session.dirty):
        if not isinstance(proposal, Proposal):
            continue
        moments = inspect(proposal).attrs.disclosed_at.history
        if moments.has_changes() and moments.deleted and moments.deleted[0] is not None \
                and moments.deleted[0] != proposal.disclosed_at:
            session.add(ProposalDisclosure(proposal_id=proposal.id, disclosed_at=moments.deleted[0]))


class Consent(db.Model):
    """A citizen's consent to disclose identity to one company, as recorded by a consultant.

    In force while neither withdrawn nor replaced and the deadline has not passed
    (:meth:`in_force`, :meth:`in_force_clause`); a proposal has at most one in force.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str] = mapped_column(enum_of(CONSENT_CHANNELS, "consent_channel"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # A newer consent for the same proposal took this one's place (renewed or changed choices).
    replaced_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # Stopped because its proposal ended (the case closed, or the opening was filled or closed),
    # not by the citizen: ``withdrawn_at`` is then when the proposal ended.
    ended_with_proposal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    proposal: Mapped[Proposal] = relationship(back_populates="consents")

    def in_force(self, today: date) -> bool:
        """Not withdrawn, not replaced by a newer consent, and ``today`` within its deadline."""
        return self.withdrawn_at is None and self.replaced_at is None and self.deadline >= today

    @classmethod
    def in_force_clause(cls, today: date) -> sa.ColumnElement[bool]:
        """:meth:`in_force` as SQL."""
        return sa.and_(cls.withdrawn_at.is_(None), cls.replaced_at.is_(None), cls.deadline >= today)
