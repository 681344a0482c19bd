"""Backend filters of a ranking: the consultant's filters and the hard limits one filter can
express (``matching.backends.base.Condition``), and the distance check ranking repeats on the
profiles the backend returns.

The per-citizen commute limit differs per citizen, so for the citizens of an opening it is not
one backend filter: the retrieval radius is then ``MAX_RETRIEVAL_KM`` and ranking checks each
citizen's own limit (``ranking.check_hard_constraints``).
"""

from __future__ import annotations

from matching import licences
from matching.backends.base import Condition, ExcludeIds, GeoDistance, Range, Terms
from matching.domain import CitizenProfile, EligibilityRules, Filters, OpeningProfile
from matching.geo import UnknownPostcode
from matching.ranking import distance_km, known_location

# Retrieval radius when nothing narrower is known; the per-citizen commute limit is then
# enforced by ranking (it differs per citizen, so it is not a single backend filter).
MAX_RETRIEVAL_KM = 100.0


def _narrowed(allowed: frozenset[str] | None, chosen: frozenset[str] | None) -> frozenset[str] | None:
    if allowed is None:
        return chosen
    return allowed if chosen is None else allowed & chosen


def citizen_conditions(opening: OpeningProfile, filters: Filters, rules: EligibilityRules,
                       *, hard: bool = True) -> list[Condition]:
    """Backend filters for the citizens of an opening.

    The consultant's filters, plus (when `hard`) the hard constraints one filter can
    express. The per-citizen commute limit is checked by ranking afterwards.
    """
    conds: list[Condition] = [ExcludeIds(filters.exclude_ids)]
    groups = _narrowed(rules.groups_for(opening.kind) if hard else None, filters.benefit_groups)
    if groups is not None:
        conds.append(Terms("benefit_group", groups))
    if filters.readiness_groups is not None:
        conds.append(Terms("readiness_group", filters.readiness_groups))
    if hard:
        conds.append(Range("hours_available", gte=opening.hours_min))
        if opening.required_licences:  # any one of them (matching.licences)
            conds.append(Terms("driving_licences", opening.required_licences))
    where = known_location(opening)
    km = filters.max_distance_km if filters.max_distance_km is not None else (
        MAX_RETRIEVAL_KM if hard else None)
    if where is not None and km is not None:
        conds.append(GeoDistance("location", *where, km=km))
    return conds


def opening_conditions(citizen: CitizenProfile, filters: Filters, rules: EligibilityRules,
                       *, hard: bool = True) -> list[Condition]:
    """Backend filters for the openings of a citizen (see `citizen_conditions`)."""
    conds: list[Condition] = [ExcludeIds(filters.exclude_ids)]
    kinds = _narrowed(rules.kinds_for(citizen.benefit_group) if hard else None, filters.kinds)
    if kinds is not None:
        conds.append(Terms("kind", kinds))
    if filters.company_ids is not None:
        conds.append(Terms("company_id", filters.company_ids))
    if hard:
        conds.append(Terms("status", frozenset({"open"})))
        conds.append(Range("hours_min", lte=citizen.hours_available))
        conds.append(Terms("licence_options", licences.expand(citizen.driving_licences)
                           | {licences.NOT_REQUIRED}))
    where = known_location(citizen)
    limits = [x for x in (filters.max_distance_km, citizen.max_commute_km if hard else None)
              if x is not None]
    if where is not None and limits:
        conds.append(GeoDistance("location", *where, km=min(limits)))
    return conds


def within_km(citizen: CitizenProfile, opening: OpeningProfile, km: float | None) -> bool:
    """Whether the pair is at most ``km`` apart (the consultant's distance filter, checked again
    on the profiles the backend returns; None: no limit). A pair whose distance is unknown
    passes: ranking excludes it visibly as "location unknown"."""
    if km is None:
        return True
    try:
        return distance_km(citizen, opening) <= km
    except UnknownPostcode:
        return True  # ranking excludes it visibly as "location unknown"

