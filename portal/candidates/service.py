"""Ranking candidates for an opening and recording the consultant's decision.

:func:`filter_effect` says what the consultant's own filters hide (eligible citizens left
out by the benefit-group, readiness or distance filter), so a list the filters emptied is
never presented as an opening without candidates. Filters only choose who is shown: no
one's score depends on them.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, joinedload, load_only, selectinload

from matching.domain import DEFAULT_PRIORITY, CitizenProfile, Exclusion, Filters, Match
from matching.geo import UnknownPostcode
from matching.ranking import citizen_passes, distance_km, exclusion
from matching.relevance import similarity_band
from matching.service import MatchResult

from .. import audit, matching_runtime, proposals
from .. import shared_goal as goals
from ..i18n import format_date
from ..extensions import db
from ..matching_runtime import matching_service
from ..notifications.proposed import announce_proposed
from ..webhooks import events as webhook_events
from . import opening_done
from .reasons import broken_limits
from store.models import AuditEvent, Citizen, Company, Opening, Proposal, User
from store.index_status import expected_count
from store.models.base import utcnow
from store.profiles import (ProfileCache, citizen_profiles, is_indexable_citizen, load_rules,
                            matchable_profiles, opening_profile)

# The nearest excluded candidates shown when no good match is left.
NEAREST_EXCLUDED = 10

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class CandidateRow:
    """What a ranking card shows of a citizen besides the engine's explanation.

    The attribute names are the citizen row's, so :func:`.reasons.checked_limits` and the
    template read it as they would a row; built from the profile the ranking scored.
    """

    id: int
    name: str
    benefit_group: str
    readiness_group: str
    hours_available: float
    max_commute_km: float
    driving_licences: frozenset[str]

    @classmethod
    def of(cls, profile: CitizenProfile, name: str) -> CandidateRow:
        return cls(int(profile.id), name, profile.benefit_group, profile.readiness_group,
                   profile.hours_available, profile.max_commute_km, profile.driving_licences)


class DbCitizenSource:
    """``matching.service.ProfileSource`` over the database: the truth fills the hits.

    Reads only the columns a profile needs (``store.profiles.matchable_profiles``), no ORM
    rows: a ranking fills its whole candidate pool from here.
    """

    def __init__(self, session: Session, today: date | None = None,
                 cache: ProfileCache | None = None) -> None:
        self.session, self.today, self.cache = session, today, cache
        self.rows: dict[int, CandidateRow] = {}
        self.profiles: dict[str, CitizenProfile] = {}

    def get(self, ids: Sequence[str]) -> Mapping[str, CitizenProfile]:
        wanted = [int(i) for i in ids if str(i).isdigit()]
        return self._profiles(wanted)

    def all(self) -> Iterable[CitizenProfile]:
        return self._profiles(None).values()

    def count(self) -> int:
        """How many citizens can be matched: one count query, no profile read."""
        return expected_count(self.session, "citizen")

    def _profiles(self, ids: list[int] | None) -> dict[str, CitizenProfile]:
        profiles, names = matchable_profiles(self.session, ids, self.today, self.cache)
        self.rows.update((cid, CandidateRow.of(p, names[cid])) for cid, p in profiles.items())
        found = {str(cid): profile for cid, profile in profiles.items()}
        self.profiles.update(found)
        return found


@dataclasses.dataclass(frozen=True)
class ExcludedRow:
    """An excluded candidate for the page: the row (None if gone) and why, in Danish."""

    citizen_id: int
    citizen: CandidateRow | None
    reasons: list[str]


@dataclasses.dataclass(frozen=True)
class Ranking:
    """A ranking for the page: the engine's result, the rows behind it, the excluded ones."""

    result: MatchResult
    rows: dict[int, CandidateRow]
    excluded: list[ExcludedRow]


def open_openings(user: User, mine_only: bool) -> list[Opening]:
    """Open openings, newest first, with their companies; ``mine_only``: companies the consultant owns."""
    query = (sa.select(Opening).join(Company).where(Opening.status == "open")
             .options(contains_eager(Opening.company)))
    if mine_only:
        query = query.where(Company.consultant_id == user.id)
    return list(db.session.scalars(query.order_by(Opening.created_at.desc())))


@dataclasses.dataclass(frozen=True)
class DoneOpening:
    """A filled or closed opening and the proposals still waiting on it (:func:`.opening_done.waiting`)."""

    opening: Opening
    waiting: list[Proposal]


def done_openings_waiting(user: User, mine_only: bool) -> list[DoneOpening]:
    """The filled or closed openings with proposals still waiting on them, most recently changed
    first; ``mine_only``: companies the consultant owns.

    They are no longer ranked, so »Opslag og kandidater« lists them apart: a start that fills an
    opening, or a company that closes it, leaves its other candidates to be told and ended on the
    opening's candidate page, and this is the way there. Only openings with a live proposal that
    is no hire are looked at; :func:`.opening_done.waiting` decides which of them wait.
    """
    query = (sa.select(Opening).join(Company).where(
        Opening.status.in_(proposals.OPENING_DONE),
        sa.exists().where(Proposal.opening_id == Opening.id, Proposal.status.in_(proposals.ENDABLE),
                          Proposal.company_response.is_distinct_from("hired")))
        .options(contains_eager(Opening.company)))
    if mine_only:
        query = query.where(Company.consultant_id == user.id)
    found = [DoneOpening(o, opening_done.waiting(o.id))
             for o in db.session.scalars(query.order_by(Opening.updated_at.desc(), Opening.id.desc()))]
    return [row for row in found if row.waiting]


def opening_or_404(opening_id: int) -> Opening:
    """The opening to rank, with its company (the page's heading names it).

    :raise 404: if the opening does not exist.
    """
    return db.get_or_404(Opening, opening_id, options=[joinedload(Opening.company)])


def decided_citizens(opening_id: int) -> dict[int, Proposal]:
    """Proposals already made for the opening, by citizen id (ranked again = noise), with
    their citizens' names (the page names them) and the company's answer.

    Only the columns the ranking page shows are read: not the stored explanations and
    shared profiles (JSON), nor the citizens' other columns.
    """
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.opening_id == opening_id)
        .options(load_only(Proposal.citizen_id, Proposal.status, Proposal.decision_reason,
                           Proposal.decided_at, Proposal.decided_by_id,  # »Beslutning«: who and when
                           Proposal.company_response, Proposal.company_responded_at),
                 joinedload(Proposal.citizen).load_only(Citizen.name, Citizen.case_closed)))
    # A proposal that ended (the case closed, or the opening was done) is open for a new
    # decision once the case and the opening are open again.
    return {p.citizen_id: p for p in rows if not proposals.renewable(p)}


def ended_before(opening_id: int) -> dict[int, Proposal]:
    """Proposals for the opening that ended (the citizen's case closed, or the opening was
    filled or closed), now open for a new decision (:func:`portal.proposals.renewable`), by
    citizen id. The ranking card says the citizen was proposed before, why it ended, and links
    to the ended proposal."""
    rows = db.session.scalars(
        sa.select(Proposal).join(Citizen, Proposal.citizen_id == Citizen.id)
        .where(Proposal.opening_id == opening_id, Proposal.status.in_(proposals.ENDED),
               Citizen.case_closed.is_(None))
        .options(load_only(Proposal.citizen_id, Proposal.status, Proposal.ended_on)))
    return {p.citizen_id: p for p in rows if proposals.renewable(p)}


def renewed(proposal: Proposal) -> bool:
    """Whether the pair took a new decision after the case was reopened
    (:func:`portal.proposals.renew`): its match and decision are then from ``decided_at``,
    not from when the row was first made. The renewal's audit event is the record of it."""
    return proposal.decided_at is not None and db.session.scalar(
        sa.select(sa.exists().where(AuditEvent.action == "proposal_renewed",
                                    AuditEvent.citizen_id == proposal.citizen_id,
                                    AuditEvent.opening_id == proposal.opening_id))) is True


def rank_for_opening(opening: Opening, filters: Filters, k: int, include_excluded: bool,
                     priority: str = DEFAULT_PRIORITY,
                     decided: Mapping[int, Proposal] | None = None,
                     excluded_limit: int | None = None) -> Ranking:
    """The ranked candidates, their rows (for names and links) and the excluded ones (the
    first ``excluded_limit`` of them; None: all).

    Citizens already decided on for this opening (``decided``, read when None) are left
    out of the ranking. ``priority``
    ("off", "normal", "strong") is the consultant's per-search policy priority. A degraded
    result's technical reason (backend host, port, exception text) is logged here and never
    shown: the page gives consultants a plain Danish reason.

    Raises:
        ValueError: an unknown priority.
    """
    decided = decided_citizens(opening.id) if decided is None else decided
    filters = dataclasses.replace(filters, exclude_ids=frozenset(str(c) for c in decided))
    source = DbCitizenSource(db.session, cache=matching_runtime.profile_cache())
    profile = opening_profile(opening)
    result = matching_runtime.rank_candidates(  # the learned re-ranking, when one is in use
        profile, k, filters, citizens=source, include_excluded=include_excluded, priority=priority,
        excluded_limit=excluded_limit)
    if result.degraded:
        log.warning("reduced matching for opening %s: %s", opening.id, result.reason)
    excluded = [ExcludedRow(int(x.citizen_id), source.rows.get(int(x.citizen_id)),
                            broken_limits(x, source.profiles.get(x.citizen_id), profile))
                for x in result.excluded]
    return Ranking(result, source.rows, excluded)


def first(ranking: Ranking, n: int) -> Ranking:
    """The first ``n`` matches of ``ranking`` (the top n of a longer list is the list for n:
    a score and its order do not depend on how many are asked for)."""
    return dataclasses.replace(ranking, result=dataclasses.replace(ranking.result, matches=ranking.result.matches[:n]))


def nearest_excluded(opening: Opening, filters: Filters, priority: str = DEFAULT_PRIORITY,
                     limit: int = NEAREST_EXCLUDED,
                     decided: Mapping[int, Proposal] | None = None) -> list[ExcludedRow]:
    """The ``limit`` nearest candidates that break a hard limit, with the reason.

    For "no good match left": who came closest and what stands in the way.
    """
    # Only the excluded are read: no match is asked for (k = 0), so none is scored.
    return rank_for_opening(opening, filters, 0, include_excluded=True, priority=priority,
                            decided=decided, excluded_limit=limit).excluded


@dataclasses.dataclass(frozen=True)
class FilterEffect:
    """What the consultant's filters hide on an opening's ranking.

    ``eligible`` citizens meet every hard limit of the opening and have no decision on it
    (the candidates the ranking draws from without filters); ``hidden`` of them are left out
    by the filters. ``beyond_km`` of the hidden pass the group filters and are left out by
    the distance filter alone; ``nearest_km`` is the distance of the nearest of those (None:
    no distance filter, or it hides nobody the other filters keep).
    """

    eligible: int
    hidden: int
    beyond_km: int = 0
    nearest_km: float | None = None


def filters_in_use(filters: Filters) -> bool:
    """Whether the consultant chose a benefit-group, readiness or distance filter."""
    return (filters.benefit_groups is not None or filters.readiness_groups is not None
            or filters.max_distance_km is not None)


def filter_effect(opening: Opening, filters: Filters,
                  decided: Mapping[int, Proposal] | None = None) -> FilterEffect | None:
    """How many eligible candidates ``filters`` hide for ``opening`` (None: no filter in use).

    Every matchable citizen is checked against the opening's hard limits, as the ranking
    checks them, and then against the filters; no one is scored, so this reads profiles
    and nothing else. Citizens already decided on (``decided``, read when None) are not
    candidates and are not counted.
    """
    if not filters_in_use(filters):
        return None
    decided = decided_citizens(opening.id) if decided is None else decided
    profile = opening_profile(opening)
    rules = load_rules(db.session)
    groups_only = dataclasses.replace(filters, max_distance_km=None)
    eligible = hidden = beyond = 0
    nearest: float | None = None
    for citizen in DbCitizenSource(db.session, cache=matching_runtime.profile_cache()).all():
        if int(citizen.id) in decided or exclusion(citizen, profile, rules) is not None:
            continue
        eligible += 1
        if not citizen_passes(citizen, groups_only):
            hidden += 1
            continue
        if filters.max_distance_km is None:
            continue
        try:
            km = distance_km(citizen, profile)
        except UnknownPostcode:  # excluded above (an unknown location fails the commute limit)
            continue
        if km > filters.max_distance_km:
            hidden, beyond = hidden + 1, beyond + 1
            nearest = km if nearest is None else min(nearest, km)
    return FilterEffect(eligible, hidden, beyond, nearest)


def score_pair(opening: Opening, citizen: Citizen,
               priority: str = DEFAULT_PRIORITY) -> Match | Exclusion | None:
    """One pair scored directly, exactly as a ranking scores it: the same facts, and the
    learned adjustment when a model is in use (a fact about the pair, not about a list).

    So any eligible citizen can be approved, however far down the list.

    Returns:
        The explained ``Match``, the ``Exclusion`` naming the broken hard limit, or None when
        the citizen cannot be matched at all (no CV, jobmål or VK; restricted; case closed).

    Raises:
        matching.encoders.EncoderUnavailable: the encoder is down.
        ValueError: an unknown priority.
    """
    if not is_indexable_citizen(citizen):
        return None
    profile = citizen_profiles(db.session, [citizen])[citizen.id]
    wanted = opening_profile(opening)
    outcome = matching_service().explain_pair(profile, wanted, priority=priority)
    return matching_runtime.with_learned(outcome, wanted) if isinstance(outcome, Match) else outcome


def refusal(outcome: Match | Exclusion | None, citizen: Citizen, opening: Opening) -> str | None:
    """Why ``citizen`` cannot be approved for ``opening`` (Danish), or None if they can."""
    if outcome is None:
        return (f"{citizen.name} kan ikke matches (mangler CV, jobmål eller VK, er spærret, "
                "eller sagen er lukket) og kan ikke godkendes.")
    if isinstance(outcome, Exclusion):
        profiles = citizen_profiles(db.session, [citizen])
        why = broken_limits(outcome, profiles.get(citizen.id), opening_profile(opening))
        return f"{citizen.name} kan ikke godkendes til »{opening.title}«: " + "; ".join(why) + "."
    return None


def record_decision(opening: Opening, citizen: Citizen, approve: bool, reason: str,
                    match: Match | None, user: User, shared_goal: str = "") -> Proposal:
    """Store the consultant's decision: approve (proposal to the company) or reject.

    The ranking only advises; this logged human decision is what creates a proposal.
    ``shared_goal`` is the jobmål the consultant chose for the company, one of the citizen's
    (approve only; "" = none: the company reads "Foreslået af jobcentret til dette opslag").

    A pair whose proposal ended when the citizen's case closed takes a new decision once the
    case is reopened (:func:`portal.proposals.renew`, the same row).

    Raises:
        ValueError: if a decision for this pair already exists (and did not end with a
            reopened case), or (a :class:`portal.proposals.TransitionError`) the jobmål is not
            one of the citizen's (:func:`portal.shared_goal.check_shared_goal`).
    """
    matched = match.explanation.matched_goals if match else ()
    shared_goal = goals.check_shared_goal(shared_goal, citizen, matched) if approve else ""
    existing = db.session.scalar(sa.select(Proposal).where(
        Proposal.opening_id == opening.id, Proposal.citizen_id == citizen.id))
    if existing is not None:  # one proposal per pair: only one that ended with a reopened case takes a new decision
        if not proposals.renewable(existing):
            raise AlreadyDecided(already_decided(existing))
        proposals.renew(existing, user, approve=approve, reason=reason, score=match.score if match else None,
                        explanation=_explanation_json(match) if match else {}, shared_goal=shared_goal)
        proposal = existing
    else:
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
    try:
        _tell_company(proposal)
        db.session.commit()
    except sa.exc.IntegrityError:
        # A colleague's decision on the pair landed between the check above and this insert
        # (review BH 2): nothing of this one is saved, and the answer is the sequential one.
        db.session.rollback()
        existing = db.session.scalar(sa.select(Proposal).where(
            Proposal.opening_id == opening.id, Proposal.citizen_id == citizen.id))
        if existing is None:
            raise
        raise AlreadyDecided(already_decided(existing)) from None
    return proposal


class AlreadyDecided(ValueError):
    """The pair has a decision already (a colleague's, perhaps just now): this one is not saved."""


def already_decided(proposal: Proposal) -> str:
    """The refusal of a second decision on a pair, naming who decided what, and when."""
    said = "Der er allerede truffet en beslutning for denne borger og dette opslag"
    who = db.session.get(User, proposal.decided_by_id) if proposal.decided_by_id else None
    if who is None:
        return said + "."
    what = "fravalgt" if proposal.status == "rejected" else "godkendt og foreslået"
    when = f" ({format_date(proposal.decided_at)})" if proposal.decided_at else ""
    return f"{said}: {who.name} har {what} borgeren{when}."


def _tell_company(proposal: Proposal) -> None:
    """The one place a ranking decision tells the company of an approved candidate, for a new
    pair and a renewed one alike (review AX 1): its users' ``candidate_proposed`` notice and
    the ``proposal.approved`` webhook, in the decision's transaction. A rejection tells nobody."""
    if proposal.status != "approved":
        return
    announce_proposed(proposal)  # flushes, so the new row has its id
    webhook_events.proposal_approved(db.session, proposal)


def shared_goal_choices(result: MatchResult) -> dict[int, list[goals.GoalChoice]]:
    """Per ranked citizen id, the jobmål the consultant may show the company
    (:func:`portal.shared_goal.shared_goal_choices`; the ones the match found first)."""
    ids = [int(m.citizen_id) for m in result.matches]
    citizens = {c.id: c for c in db.session.scalars(
        sa.select(Citizen).where(Citizen.id.in_(ids)).options(selectinload(Citizen.job_goals)))}
    return {int(m.citizen_id): goals.shared_goal_choices(citizens[int(m.citizen_id)], m.explanation.matched_goals)
            for m in result.matches if int(m.citizen_id) in citizens}


def shared_goal_suggestions(choices: dict[int, list[goals.GoalChoice]]) -> dict[int, str]:
    """Per citizen id, the jobmål chosen in advance: the first one the match found ("" when
    the match found none: the consultant then chooses, or shows none)."""
    return {cid: next((c.title for c in options if c.matched), "") for cid, options in choices.items()}


def _explanation_json(match: Match) -> dict:
    """The explanation stored with a decision: the ranking's own facts about the pair (what the
    re-ranking learns from, so never its own adjustment), and under "learned" what the learned
    model made of them (the band and relevance the consultant was shown, and the company is)."""
    data = dataclasses.asdict(match.explanation)
    data["score"] = round(match.score, 4)
    learned = getattr(match, "learned", None)
    if learned is not None:
        data["learned"] = {"delta": learned.delta, "relevance": data["relevance"],
                           "similarity_band": data["similarity_band"]}
        data["relevance"] = learned.hand_relevance
        data["similarity_band"] = similarity_band(learned.hand_relevance)
        data["score"] = round(match.score - learned.delta, 4)
    return data
