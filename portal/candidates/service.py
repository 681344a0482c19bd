"""Ranking candidates for an opening and recording the consultant's decision."""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.domain import CitizenProfile, Filters, Match
from matching.service import MatchResult

from .. import audit, proposals
from ..extensions import db
from ..matching_runtime import matching_service
from store.models import Citizen, Company, Opening, Proposal, User
from store.models.base import utcnow
from store.profiles import citizen_profiles, is_indexable_citizen, load_citizens, opening_profile

log = logging.getLogger(__name__)


class DbCitizenSource:
    """``matching.service.ProfileSource`` over the database: the truth fills the hits."""

    def __init__(self, session: Session, today: date | None = None) -> None:
        self.session, self.today = session, today
        self.rows: dict[int, Citizen] = {}

    def get(self, ids: Sequence[str]) -> Mapping[str, CitizenProfile]:
        wanted = [int(i) for i in ids if str(i).isdigit()]
        return self._profiles(load_citizens(self.session, wanted).values())

    def all(self) -> Iterable[CitizenProfile]:
        return self._profiles(load_citizens(self.session, None).values()).values()

    def _profiles(self, rows: Iterable[Citizen]) -> dict[str, CitizenProfile]:
        usable = [c for c in rows if is_indexable_citizen(c)]
        self.rows.update((c.id, c) for c in usable)
        profiles = citizen_profiles(self.session, usable, self.today)
        return {str(cid): profile for cid, profile in profiles.items()}


def open_openings(user: User, mine_only: bool) -> list[Opening]:
    """Open openings, newest first; ``mine_only``: companies the consultant owns."""
    query = sa.select(Opening).join(Company).where(Opening.status == "open")
    if mine_only:
        query = query.where(Company.consultant_id == user.id)
    return list(db.session.scalars(query.order_by(Opening.created_at.desc())))


def decided_citizens(opening_id: int) -> dict[int, Proposal]:
    """Proposals already made for the opening, by citizen id (ranked again = noise)."""
    rows = db.session.scalars(sa.select(Proposal).where(Proposal.opening_id == opening_id))
    return {p.citizen_id: p for p in rows}


def rank_for_opening(opening: Opening, filters: Filters, k: int,
                     include_excluded: bool) -> tuple[MatchResult, dict[int, Citizen]]:
    """The ranked candidates and their rows (for names and links).

    Citizens already decided on for this opening are left out of the ranking. A degraded
    result's technical reason (backend host, port, exception text) is logged here and never
    shown: the page gives consultants a plain Danish reason.
    """
    decided = decided_citizens(opening.id)
    filters = dataclasses.replace(filters, exclude_ids=frozenset(str(c) for c in decided))
    source = DbCitizenSource(db.session)
    result = matching_service().rank_candidates(
        opening_profile(opening), k, filters, citizens=source, include_excluded=include_excluded)
    if result.degraded:
        log.warning("reduced matching for opening %s: %s", opening.id, result.reason)
    return result, source.rows


def record_decision(opening: Opening, citizen: Citizen, approve: bool, reason: str,
                    match: Match | None, user: User, shared_goal: str = "") -> Proposal:
    """Store the consultant's decision: approve (proposal to the company) or reject.

    The ranking only advises; this logged human decision is what creates a proposal.
    ``shared_goal`` is the jobmål text the consultant approves for the company (approve only;
    "" shows the company the opening's title).

    Raises:
        ValueError: if a decision for this pair already exists, or (a
            :class:`portal.proposals.TransitionError`) the shared text is refused.
    """
    shared_goal = proposals.check_shared_goal(shared_goal) if approve else ""
    if db.session.scalar(sa.select(Proposal.id).where(
            Proposal.opening_id == opening.id, Proposal.citizen_id == citizen.id)):
        raise ValueError("Der er allerede truffet en beslutning for denne borger og dette opslag.")
    proposal = Proposal(
        citizen_id=citizen.id, opening_id=opening.id,
        status="approved" if approve else "rejected",
        score=match.score if match else None,
        explanation=_explanation_json(match) if match else {},
        decided_by_id=user.id, decided_at=utcnow(), decision_reason=reason, shared_goal=shared_goal,
    )
    db.session.add(proposal)
    audit.record("proposal_approved" if approve else "proposal_rejected", citizen_id=citizen.id,
                 opening_id=opening.id, purpose="matching decision")
    db.session.commit()
    return proposal


def shared_goal_suggestions(result: MatchResult) -> dict[int, str]:
    """Per ranked citizen id, the jobmål title suggested for the company (see
    :func:`portal.proposals.suggest_shared_goal`)."""
    return {int(m.citizen_id): proposals.suggest_shared_goal(m.explanation.matched_goals)
            for m in result.matches}


def _explanation_json(match: Match) -> dict:
    data = dataclasses.asdict(match.explanation)
    data["score"] = round(match.score, 4)
    return data
