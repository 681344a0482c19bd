"""A citizen sought on a candidate ranking (``?borger=<id>``): where they are, or why not.

The ranking page is opened for one citizen from an ended proposal or from the citizen's
openings (:mod:`.for_citizen`). The list is widened until the citizen is on it; when they
cannot be, the page says the true reason, in this order: the id is not a number, no such
citizen (or erased), processing restricted, the case closed, the profile lacks a CV, jobmål
or VK, a decision already made for the opening, the consultant's own filter, a hard limit (said from the
excluded list when it is shown, else from scoring the pair, :func:`reason_after_ranking`), below
the longest list, and only when the pair cannot be scored now "not among the best, or a hard
limit" (:data:`WHY`). The template words each one.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from matching.domain import Exclusion, Filters
from matching.encoders import EncoderUnavailable
from matching.geo import UnknownPostcode
from matching.ranking import distance_km, sort_key
from matching.service import MatchResult

from ..extensions import db
from .for_citizen import why_not_matchable
from .reasons import broken_limits
from store.models import Citizen, Opening, Proposal
from store.profiles import citizen_profiles, opening_profile

WHY = ("bad_id", "unknown", "restricted", "closed", "missing", "decided", "filtered", "excluded", "broken",
       "too_far_down", "not_reached", "not_listed")


@dataclasses.dataclass(frozen=True)
class Sought:
    """The sought citizen on the page.

    Attributes:
        raw: the ``borger`` value as given.
        id: the citizen's id (None when ``raw`` is no number).
        name: the citizen's name (None: unknown).
        citizen: the citizen's row (None: unknown).
        rank: the place on the (widened) list, when on it.
        why: one of :data:`WHY` when the citizen is not on the list, else None.
        missing: what the profile lacks ("missing", also with "restricted" or "closed").
        proposal: the decision already made ("decided").
        filters: the consultant's filters that hide the citizen ("filtered"): "benefit_groups",
            "readiness_groups", "max_distance_km".
        broken: the hard limits the pair breaks, in Danish ("broken").
        scored_of: how many the search scored, more being eligible ("not_reached").
    """

    raw: str
    id: int | None = None
    name: str | None = None
    citizen: Citizen | None = None
    rank: int | None = None
    why: str | None = None
    missing: tuple[str, ...] = ()
    proposal: Proposal | None = None
    filters: tuple[str, ...] = ()
    broken: tuple[str, ...] = ()
    scored_of: int | None = None


def bad_id(raw: str) -> Sought:
    """A ``borger`` value that is not a citizen number (a long number is one, just unknown)."""
    return Sought(raw, why="unknown" if raw.isdigit() else "bad_id")


def reason_before_ranking(raw: str, citizen_id: int, opening: Opening, filters: Filters,
                          decided: Mapping[int, Proposal]) -> Sought:
    """The sought citizen with the reason they cannot be on the list however long it is, or
    with ``why`` None when they may be (the caller ranks and looks)."""
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None or citizen.anonymised_at is not None:
        return Sought(raw, citizen_id, why="unknown")
    found = Sought(raw, citizen.id, citizen.name, citizen)
    blocked = why_not_matchable(citizen)
    if blocked is not None:
        return dataclasses.replace(found, why=blocked.why, missing=blocked.missing)
    if citizen.id in decided:
        return dataclasses.replace(found, why="decided", proposal=decided[citizen.id])
    hidden = _hidden_by(citizen, opening, filters)
    return dataclasses.replace(found, why="filtered", filters=hidden) if hidden else found


def reason_after_ranking(sought: Sought, opening: Opening, priority: str, listed: MatchResult) -> Sought:
    """A citizen who may be ranked but is not on the longest list (``listed``): the pair is
    scored directly (:func:`.service.score_pair`) to tell a broken hard limit, with which, from
    a place below the list ("too_far_down"), or from a pair the search did not reach
    ("not_reached": more were eligible than the engine scores, ``listed.scored_of``, and the
    pair sorts above the list's last); "not_listed" when the engine cannot score it now."""
    from .service import score_pair  # the service imports the ranking runtime; only needed here

    try:
        outcome = score_pair(opening, sought.citizen, priority)
    except EncoderUnavailable:
        return dataclasses.replace(sought, why="not_listed")
    if isinstance(outcome, Exclusion):
        profile = citizen_profiles(db.session, [sought.citizen]).get(sought.citizen.id)
        return dataclasses.replace(sought, why="broken", broken=tuple(
            broken_limits(outcome, profile, opening_profile(opening))))
    if outcome is None:
        return dataclasses.replace(sought, why="not_listed")
    last = listed.matches[-1] if listed.matches else None
    below = last is not None and sort_key(outcome) > sort_key(last)
    reached = listed.scored_of is None or below
    if reached:
        return dataclasses.replace(sought, why="too_far_down")
    return dataclasses.replace(sought, why="not_reached", scored_of=listed.scored_of)


def _hidden_by(citizen: Citizen, opening: Opening, filters: Filters) -> tuple[str, ...]:
    hidden = []
    if filters.benefit_groups is not None and citizen.benefit_group not in filters.benefit_groups:
        hidden.append("benefit_groups")
    if filters.readiness_groups is not None and citizen.readiness_group not in filters.readiness_groups:
        hidden.append("readiness_groups")
    if filters.max_distance_km is not None:
        profile = citizen_profiles(db.session, [citizen])[citizen.id]
        try:
            if distance_km(profile, opening_profile(opening)) > filters.max_distance_km:
                hidden.append("max_distance_km")
        except UnknownPostcode:  # no distance: the engine's hard limit says so, not the filter
            pass
    return tuple(hidden)
