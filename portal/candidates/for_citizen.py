"""Openings for one citizen: the reverse of the candidate ranking, and the citizen's proposals.

:func:`rank_openings` ranks the open openings for a citizen with the engine's
``MatchingService.rank_openings``, the same facts, bands and learned adjustment as the
candidate ranking gives each pair (:func:`portal.matching_runtime.rank_candidates`), so a pair
reads the same on both pages. The consultant decides on the opening's candidate ranking
(``?borger=<id>``), never here: this page only points there.

:func:`why_not_matchable` says, as structured data, why a citizen cannot be ranked at all;
:func:`citizen_proposals` is what the citizen page lists of the citizen's proposals
(``templates/citizens/_matching.html``, a template global).
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from matching import rerank
from matching.domain import DEFAULT_PRIORITY, Exclusion, Filters, Match, OpeningProfile
from matching.ranking import sort_key
from matching.service import MatchResult

from .. import consents, matching_runtime, proposals, proposals_hold
from ..extensions import db
from . import bp
from .reasons import broken_limits
from store import clock
from store.index_status import expected_count
from store.models import Citizen, Consent, Opening, Proposal
from store.profiles import citizen_profiles, is_indexable_citizen, opening_profile

log = logging.getLogger(__name__)

# How many openings the page ranks, and how many excluded ones it shows when none is left.
TOP_OPENINGS = 20
NEAREST_EXCLUDED = 10


class DbOpeningSource:
    """``matching.service.ProfileSource`` of open openings over the database; keeps the rows
    (with their companies) it filled, for the page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[int, Opening] = {}
        self.profiles: dict[str, OpeningProfile] = {}

    def get(self, ids: Sequence[str]) -> Mapping[str, OpeningProfile]:
        wanted = [int(i) for i in ids if str(i).isdigit()]
        return self._load(Opening.id.in_(wanted)) if wanted else {}

    def all(self) -> Iterable[OpeningProfile]:
        return self._load(sa.true()).values()

    def count(self) -> int:
        """How many openings are open: one count query, no row read."""
        return expected_count(self.session, "opening")

    def _load(self, where) -> dict[str, OpeningProfile]:
        rows = self.session.scalars(sa.select(Opening).where(where, Opening.status == "open")
                                    .options(joinedload(Opening.company)))
        found = {}
        for opening in rows:
            self.rows[opening.id] = opening
            found[str(opening.id)] = opening_profile(opening)
        self.profiles.update(found)
        return found


@dataclasses.dataclass(frozen=True)
class Blocked:
    """Why a citizen is not ranked: ``why`` is "erased", "restricted", "closed" or "missing";
    ``missing`` lists what the profile lacks (CV, jobmål, virksomhedskonsulent), also when the
    case is closed or restricted (it must be put right too)."""

    why: str
    missing: tuple[str, ...] = ()


def why_not_matchable(citizen: Citizen) -> Blocked | None:
    """Why ``citizen`` cannot be matched (the first of: erased, restricted, case closed, a
    missing CV, jobmål or VK), or None when the citizen can."""
    if is_indexable_citizen(citizen):
        return None
    missing = tuple(citizen.missing_for_matching)
    if citizen.anonymised_at is not None:
        return Blocked("erased")
    if citizen.restricted:
        return Blocked("restricted", missing)
    if citizen.case_closed is not None:
        return Blocked("closed", missing)
    return Blocked("missing", missing)


@dataclasses.dataclass(frozen=True)
class OpeningRow:
    """One ranked opening for the page: the match, the opening row and the pair's proposal
    (None: never proposed); ``renewable`` when that proposal ended and a new decision may be
    made on the opening's ranking (:func:`portal.proposals.renewable`)."""

    match: Match
    opening: Opening
    proposal: Proposal | None
    renewable: bool


@dataclasses.dataclass(frozen=True)
class ExcludedOpening:
    """An open opening the citizen breaks a hard limit of, with why (Danish)."""

    opening: Opening
    reasons: list[str]


@dataclasses.dataclass(frozen=True)
class OpeningsForCitizen:
    """The reverse ranking: the engine's result, the page's rows and, when no good match is
    left, the nearest openings a hard limit rules out.

    ``total`` is how many open openings the citizen meets the hard limits of (the ranked
    pool; ``at_least`` when the pool was full, so there may be more), of which ``rows`` are
    the best; the page says so and offers the rest.
    """

    result: MatchResult
    rows: list[OpeningRow]
    nearest: list[ExcludedOpening]
    total: int = 0
    at_least: bool = False

    @property
    def cut(self) -> bool:
        """Whether openings the citizen meets the limits of are left off the page."""
        return self.total > len(self.rows)


def rank_openings(citizen: Citizen, k: int | None = TOP_OPENINGS,
                  priority: str = DEFAULT_PRIORITY) -> OpeningsForCitizen:
    """The ``k`` best open openings for a matchable citizen (see :func:`why_not_matchable`);
    ``k`` None: every opening of the pool (at most the service's ``pool_size``).

    The whole pool is ranked, so the page can say how many openings there are besides the
    ``k`` it shows; the top ``k`` is a prefix of the whole list (a pair's score does not
    depend on the others). Openings the citizen already has a proposal for stay on the list
    (the page says so and links to the proposal). With a learned model in use, the whole
    pool is adjusted pair by pair before the top ``k`` is cut, as the candidate ranking does.

    Raises:
        ValueError: the citizen cannot be matched, or an unknown priority.
    """
    if not is_indexable_citizen(citizen):
        raise ValueError("the citizen cannot be matched")
    profile = citizen_profiles(db.session, [citizen])[citizen.id]
    service = matching_runtime.matching_service()
    source = DbOpeningSource(db.session)
    model = matching_runtime.learned_model()
    pool = max(k or 0, service.pool_size)
    result = service.rank_openings(profile, pool, Filters(), openings=source, priority=priority)
    if result.degraded:
        log.warning("reduced matching for citizen %s: %s", citizen.id, result.reason)
    matches = list(result.matches)
    if model is not None:
        secret = matching_runtime.history_secret()
        matches = sorted((rerank.apply([m], model, title=source.profiles[m.opening_id].title, secret=secret)[0]
                          for m in matches), key=sort_key)
    total = len(matches)
    result = dataclasses.replace(result, matches=tuple(matches[:k]))
    held = _proposals_by_opening(citizen.id, [int(m.opening_id) for m in result.matches])
    rows = [OpeningRow(m, source.rows[int(m.opening_id)], held.get(int(m.opening_id)),
                       int(m.opening_id) in held and proposals.renewable(held[int(m.opening_id)]))
            for m in result.matches]
    nearest: list[ExcludedOpening] = []
    if result.no_good_match:
        excluded = service.rank_openings(profile, 0, Filters(), openings=source, include_excluded=True,
                                         priority=priority, excluded_limit=NEAREST_EXCLUDED).excluded
        nearest = [ExcludedOpening(source.rows[int(x.opening_id)], _broken(x, profile, source))
                   for x in excluded if int(x.opening_id) in source.rows]
    return OpeningsForCitizen(result, rows, nearest, total, at_least=total >= pool)


def _broken(exclusion: Exclusion, profile, source: DbOpeningSource) -> list[str]:
    return broken_limits(exclusion, profile, source.profiles[exclusion.opening_id])


def _proposals_by_opening(citizen_id: int, opening_ids: list[int]) -> dict[int, Proposal]:
    if not opening_ids:
        return {}
    rows = db.session.scalars(sa.select(Proposal).where(
        Proposal.citizen_id == citizen_id, Proposal.opening_id.in_(opening_ids)))
    return {p.opening_id: p for p in rows}


@dataclasses.dataclass(frozen=True)
class ProposalLine:
    """One of the citizen's proposals as the citizen page lists it.

    ``consent`` is the consent in force (None: none); ``last_consent`` the newest one
    recorded, to say how it ended when none is in force.
    """

    proposal: Proposal
    # The company sees the citizen's name now: released (portal.proposals.identity_released) and
    # not on hold after a change of the opening's requirements (``held``), as the company's pages
    # and the API show it.
    named: bool
    consent: Consent | None
    last_consent: Consent | None
    held: bool = False  # live and on hold (portal.proposals_hold.held): the company sees no name


@bp.app_template_global("citizen_proposals")
def citizen_proposals(citizen_id: int, today: date | None = None) -> list[ProposalLine]:
    """The citizen's proposals, newest first, with the opening, the company and the consents
    (one statement each), and whether the company has the name now."""
    today = today or clock.today()
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.citizen_id == citizen_id)
        .options(joinedload(Proposal.opening).joinedload(Opening.company), selectinload(Proposal.consents))
        .order_by(Proposal.id.desc()))
    rows = list(rows)
    on_hold = proposals_hold.held(p for p in rows if p.status in proposals.ENDABLE)
    lines = []
    for p in rows:
        last = max(p.consents, key=lambda c: (c.given_at, c.id), default=None)
        held = p.id in on_hold
        lines.append(ProposalLine(p, proposals.identity_released(p, today) and not held,
                                  consents.active_consent(p, today), last, held))
    return lines
