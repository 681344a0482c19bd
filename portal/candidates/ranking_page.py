"""What an opening's candidate ranking page shows (review BN 7): the route parses the request,
takes the process's ranking turn and renders; the page's facts are gathered here.

:func:`unranked` is the page of an opening that is not ranked (not open, or the filters refused):
the decisions made and where the proposals stand. :func:`ranked` ranks the candidates and adds
what the list needs said around it: how many the consultant's own filters hide when the list is
short or weak (:func:`.service.filter_effect`), the nearest excluded when no good match is left
(:func:`.service.nearest_excluded`), and the citizen sought with ``?borger=``
(:mod:`.sought`): the list is widened to the longest list to reach them, and an eligible citizen
below it, or one the search did not reach, gets a card of their own under the list
(:class:`SoughtCard`, review BP 2), scored as the decision scores the pair
(:func:`.service.score_pair`), so a link to the pair always leads to where it is decided.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from matching.domain import DEFAULT_PRIORITY, Filters, Match
from matching.encoders import EncoderUnavailable
from matching.service import MatchResult

from .. import matching_runtime
from ..citizens.queries import indexer_stalled
from ..extensions import db
from ..matching_runtime import pending_changes
from . import limitations, opening_done, service
from . import sought as sought_citizen
from .forms import MAX_K
from .situation import Situation, situations
from store.models import Opening, Proposal, User

# Who the sought citizen is beyond the longest list: too far down it, or not reached by the search.
BELOW_THE_LIST = ("too_far_down", "not_reached")


@dataclasses.dataclass(frozen=True)
class Asked:
    """What the consultant asked the ranking for (the route's filter form and ``?borger=``).

    Attributes:
        filters: the benefit-group, readiness and distance filters.
        priority: the policy priority ("off", "normal", "strong").
        k: how many candidates to list.
        include_excluded: list the excluded too, with the reason (``vis_frasorterede``).
        sought: a ``?borger=`` that is no citizen number, said as it is (:func:`.sought.bad_id`).
        sought_raw, sought_id: the citizen number looked for (``?borger=``).
        longest: the longest list the sought citizen is looked for on.
    """

    filters: Filters = Filters()
    priority: str = DEFAULT_PRIORITY
    k: int = 20
    include_excluded: bool = False
    sought: sought_citizen.Sought | None = None
    sought_raw: str = ""
    sought_id: int | None = None
    longest: int = MAX_K


@dataclasses.dataclass(frozen=True)
class SoughtCard:
    """The sought citizen's card under the list: eligible, not on the longest list, and the
    pair scored directly (the same facts as on the list and the citizen's own page)."""

    match: Match
    row: service.CandidateRow


@dataclasses.dataclass(frozen=True)
class RankingPage:
    """The page's facts, by the names the template reads (:meth:`context`)."""

    opening: Opening
    pending: int
    indexer_stalled: bool
    decided: dict[int, Proposal]
    ended_before: dict[int, Proposal]
    to_end: list[Proposal]
    held: list[Proposal]
    sought: sought_citizen.Sought | None = None
    result: MatchResult | None = None  # None: not ranked
    rows: dict[int, service.CandidateRow] = dataclasses.field(default_factory=dict)
    excluded: list[service.ExcludedRow] = dataclasses.field(default_factory=list)
    nearest: list[service.ExcludedRow] = dataclasses.field(default_factory=list)
    filter_effect: service.FilterEffect | None = None
    goal_choices: dict[int, list] = dataclasses.field(default_factory=dict)
    suggestions: dict[int, str] = dataclasses.field(default_factory=dict)
    situations: dict[int, Situation] = dataclasses.field(default_factory=dict)
    limited: dict[int, str] = dataclasses.field(default_factory=dict)
    sought_card: SoughtCard | None = None

    def context(self) -> dict:
        """The facts as template variables (a shallow copy: the rows stay the loaded ones)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


def _page(opening: Opening, sought: sought_citizen.Sought | None) -> RankingPage:
    """What every ranking page shows, ranked or not."""
    pending = pending_changes()
    return RankingPage(opening=opening, pending=pending, indexer_stalled=bool(pending) and indexer_stalled(),
                       decided=service.decided_citizens(opening.id), ended_before=service.ended_before(opening.id),
                       to_end=opening_done.waiting(opening.id), held=opening_done.held_on(opening.id), sought=sought)


def unranked(opening: Opening, asked: Asked, today: date) -> RankingPage:
    """The page without a ranking (the opening is not open, or the filters were refused): the
    decisions made are still listed, with what their citizens are doing now."""
    page = _page(opening, asked.sought)
    return dataclasses.replace(page, situations=situations(page.decided, today))


def ranked(opening: Opening, asked: Asked, user: User, today: date) -> RankingPage:
    """The ranked candidates for ``opening`` as ``asked``, and what the page says around them;
    ``user`` is the consultant (who of the shown has skånehensyn is said only with a need to
    know, review AV 4). Call it in the process's ranking turn
    (:func:`portal.matching_runtime.ranking_turn`)."""
    page = _page(opening, asked.sought)
    sought = page.sought
    if asked.sought_id is not None:  # why the citizen cannot be on the list, if so (the list is not widened)
        sought = sought_citizen.reason_before_ranking(asked.sought_raw, asked.sought_id, opening, asked.filters,
                                                      page.decided)

    def rank(k: int) -> service.Ranking:
        return service.rank_for_opening(opening, asked.filters, k=k, include_excluded=asked.include_excluded,
                                        priority=asked.priority, decided=page.decided)

    ranking = rank(asked.k)
    card = None
    if sought is not None and sought.why is None:
        ranking, sought = _seek(sought, ranking, rank, asked, opening)
        card = sought_card(sought, opening, asked.priority)
    result = ranking.result
    filter_effect = nearest = None
    if len(result.matches) < asked.k or result.no_good_match:
        # The list is short or weak: say how many the consultant's own filters hide.
        filter_effect = service.filter_effect(opening, asked.filters, page.decided)
    if result.no_good_match and not asked.include_excluded:
        # A second query: the ranking's pool is retrieved within the hard limits, and the
        # excluded can only be found by one without them (another pool of candidates).
        nearest = service.nearest_excluded(opening, asked.filters, asked.priority, decided=page.decided)
    carded = (card.match,) if card else ()
    goal_choices = service.shared_goal_choices(dataclasses.replace(result, matches=result.matches + carded))
    shown = [int(m.citizen_id) for m in result.matches] + ([card.row.id] if card else [])
    return dataclasses.replace(
        page, sought=sought, result=result, rows=ranking.rows, excluded=ranking.excluded, nearest=nearest or [],
        filter_effect=filter_effect, goal_choices=goal_choices,
        suggestions=service.shared_goal_suggestions(goal_choices),
        # who of the shown has skånehensyn: the fact for the card's approval, never which, and
        # only to a consultant with a need to know (review AV 4)
        limited=limitations.with_limitations(shown, user),
        # what the shown and decided citizens are doing now: one statement for all
        situations=situations(shown + list(page.decided), today), sought_card=card)


def _seek(sought: sought_citizen.Sought, ranking: service.Ranking, rank: Callable[[int], service.Ranking],
          asked: Asked, opening: Opening) -> tuple[service.Ranking, sought_citizen.Sought]:
    """The ranking widened until the sought citizen is on it (at most ``asked.longest``: the top
    k is a prefix of a longer list), and the citizen's place, or why they are not on it."""
    position, longer = _position(ranking, sought.id), ranking
    if position is None and not _excluded_shown(ranking, sought.id) and asked.k < asked.longest:
        longer = rank(asked.longest)
        position = _position(longer, sought.id)
        if position is not None:
            ranking = service.first(longer, position + 1)
    if position is not None:
        return ranking, dataclasses.replace(sought, rank=position + 1)
    if _excluded_shown(ranking, sought.id):
        return ranking, dataclasses.replace(sought, why="excluded")
    return ranking, sought_citizen.reason_after_ranking(sought, opening, asked.priority, longer.result)


def sought_card(sought: sought_citizen.Sought, opening: Opening, priority: str) -> SoughtCard | None:
    """The card of a sought citizen who is eligible but not on the longest list (too far down,
    or not reached by the search: :data:`BELOW_THE_LIST`), scored as the decision scores the
    pair; None for anyone else, or when the pair cannot be scored now."""
    if sought.why not in BELOW_THE_LIST or sought.citizen is None:
        return None
    try:
        outcome = service.score_pair(opening, sought.citizen, priority)
    except EncoderUnavailable:
        return None
    if not isinstance(outcome, Match):
        return None
    source = service.DbCitizenSource(db.session, cache=matching_runtime.profile_cache())
    source.get([str(sought.citizen.id)])
    row = source.rows.get(sought.citizen.id)
    return SoughtCard(outcome, row) if row is not None else None


def _position(ranking: service.Ranking, citizen_id: int | None) -> int | None:
    return next((n for n, m in enumerate(ranking.result.matches) if int(m.citizen_id) == citizen_id), None)


def _excluded_shown(ranking: service.Ranking, citizen_id: int | None) -> bool:
    """Among the excluded shown with their reason (``vis_frasorterede``)."""
    return any(int(x.citizen_id) == citizen_id for x in ranking.result.excluded)
