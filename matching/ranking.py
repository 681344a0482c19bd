"""Pure ranking: hard constraints, soft factors, policy priorities and explanations.

No I/O and no model: the caller supplies profiles and a relevance score per pair (from
`matching.relevance`). Hard constraints are checked before any scoring and are never traded
against a score; a pair that breaks one becomes an `Exclusion` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from matching.domain import (
    CitizenProfile,
    ConstraintCheck,
    EligibilityRules,
    Exclusion,
    Explanation,
    Filters,
    Hours,
    Match,
    OpeningProfile,
    PolicyFlag,
    RankingWeights,
    ScoreParts,
)
from matching import licences
from matching.geo import UnknownPostcode, haversine_km, locate
from matching.terms import matched_terms
from matching.vocab import READINESS_GROUPS

DAYS_PER_MONTH = 30.44
# The readiness groups' names as they read inside a sentence (»Parathed: på vej«), from the one
# list of groups, so a new group has its label (review BN 5).
READINESS_LABELS = {key: name[0].lower() + name[1:] for key, name in READINESS_GROUPS.items()}


@dataclass(frozen=True)
class Candidate:
    """A pair to rank, with its fused relevance (higher is better) and band label."""

    citizen: CitizenProfile
    opening: OpeningProfile
    relevance: float
    band: str


@dataclass(frozen=True)
class RankingOutcome:
    """Matches best first; `excluded` is filled only when asked for."""

    matches: tuple[Match, ...]
    excluded: tuple[Exclusion, ...] = ()


def citizen_text(citizen: CitizenProfile) -> str:
    """The text that represents a citizen: jobmål first (repeated), then the CV.

    CPR numbers are redacted (:mod:`matching.redact`): this text is embedded, fitted and
    written to the index. Made once per profile (``CitizenProfile.text``).
    """
    return citizen.text


def opening_text(opening: OpeningProfile) -> str:
    """The text that represents an opening: title, description, requirements (CPR redacted;
    made once per profile, ``OpeningProfile.text``)."""
    return opening.text


def location(profile: CitizenProfile | OpeningProfile) -> tuple[float, float]:
    """Where a profile is, (lat, lon): its own coordinates.

    The profiles the portal and the indexer rank and index carry them: ``store.profiles``
    fills ``lat`` and ``lon`` from the installed postcode table when it builds a profile (review
    BN 15), so the commute limit, the distance on a card and the index's ``location`` are
    functions of the profiles alone, never of the table this process holds at ranking time.
    Only a profile without coordinates (one built by hand: tests, benchmarks, tools such as
    ``matching.bench`` and ``scripts/demo_eval.py``, or a postcode the table does not hold)
    falls back to the installed table (:func:`matching.geo.locate`).

    Raises:
        UnknownPostcode: no coordinates and a postcode the installed table does not hold.
    """
    return locate(profile.lat, profile.lon, profile.postcode)


def known_location(profile: CitizenProfile | OpeningProfile) -> tuple[float, float] | None:
    """:func:`location`, or None when it is unknown (not indexed with a location: the
    backends' distance filters leave such a document out)."""
    try:
        return location(profile)
    except UnknownPostcode:
        return None


def distance_km(citizen: CitizenProfile, opening: OpeningProfile) -> float:
    """Commute distance in km (great circle) between the two profiles' :func:`location`.

    Raises:
        UnknownPostcode: if either side has no coordinates and an unknown postcode.
    """
    return haversine_km(*location(citizen), *location(opening))


def check_hard_constraints(
    citizen: CitizenProfile, opening: OpeningProfile, rules: EligibilityRules
) -> tuple[tuple[ConstraintCheck, ...], float | None]:
    """Evaluate every hard constraint for a pair.

    Returns:
        (checks, distance_km); distance is None when a location is unknown, in which case
        the commute check fails (it cannot be verified, so it is not assumed).
    """
    try:
        km: float | None = distance_km(citizen, opening)
    except UnknownPostcode as err:
        km = None
        commute = ConstraintCheck("commute", False, f"location unknown: {err}")
    else:
        commute = ConstraintCheck(
            "commute", km <= citizen.max_commute_km,
            f"{km:.1f} km vs. max {citizen.max_commute_km:g} km",
        )
    checks = (
        ConstraintCheck("status", opening.status == "open", f"opening status {opening.status}"),
        ConstraintCheck(
            "eligibility", rules.allows(citizen.benefit_group, opening.kind),
            f"{citizen.benefit_group} -> {opening.kind}",
        ),
        ConstraintCheck(
            "hours", citizen.hours_available >= opening.hours_min,
            f"{citizen.hours_available:g} h available vs. min {opening.hours_min:g} h",
        ),
        ConstraintCheck(
            "driving_licence",
            licences.satisfies(citizen.driving_licences, opening.required_licences),
            licences.reason(citizen.driving_licences, opening.required_licences),
        ),
        commute,
    )
    return checks, km


def hours_fit(citizen: CitizenProfile, opening: OpeningProfile) -> float:
    """Share of the citizen's available hours the opening can use, in [0, 1]."""
    if opening.hours_max is None or citizen.hours_available <= opening.hours_max:
        return 1.0
    return opening.hours_max / citizen.hours_available


def missing_languages(citizen: CitizenProfile, opening: OpeningProfile) -> tuple[str, ...]:
    """The opening's required languages the citizen does not list."""
    spoken = {lang.casefold() for lang in citizen.languages}
    return tuple(lang for lang in opening.required_languages if lang.casefold() not in spoken)


def whole_months(first: date, last: date) -> int:
    """Whole calendar months from ``first`` to ``last`` (0 if ``last`` is earlier): what the
    card says and the goals' lists count (14.10.2024 to 04.12.2026 is 25, not 26)."""
    months = (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day)
    return max(months, 0)


def _months(start: date | None, today: date) -> str:
    """The whole months since ``start`` in Danish: "1 md.", "7 mdr."."""
    whole = 0 if start is None else whole_months(start, today)
    return f"{whole} {'md.' if whole == 1 else 'mdr.'}"


def _months_between(start: date | None, today: date) -> float:
    """Months since ``start`` as a fraction (the priority grows smoothly with it)."""
    return 0.0 if start is None else max(0.0, (today - start).days / DAYS_PER_MONTH)


def policy_flags(
    citizen: CitizenProfile, weights: RankingWeights, today: date, strength: float = 1.0
) -> tuple[PolicyFlag, ...]:
    """The policy priorities for a citizen, each with its score contribution (> 0 only).

    ``strength`` multiplies every contribution (the per-search "off" / "normal" / "strong").
    """
    gap_from = citizen.last_company_placement or citizen.case_start
    gap = _months_between(gap_from, today)
    # Without a placement known, a case started before the portal knew the citizen's placements
    # may have had one in the case system: said as what Jobbro registered (review BG 2).
    unknown_before = (citizen.last_company_placement is None and citizen.placements_known_from is not None
                      and gap_from is not None and gap_from < citizen.placements_known_from)
    on_benefit = _months_between(citizen.case_start, today)
    readiness = weights.readiness_bonus.get(citizen.readiness_group, 0.0)
    flags = (
        PolicyFlag(
            "placement_gap", f"{_months(gap_from, today)} uden virksomhedsrettet forløb"
                             + (" registreret i Jobbro" if unknown_before else ""),
            strength * weights.placement_gap * min(1.0, gap / weights.placement_gap_months),
        ),
        PolicyFlag(
            "readiness", f"Parathed: {READINESS_LABELS[citizen.readiness_group]}",
            strength * weights.readiness * readiness,
        ),
        PolicyFlag(
            "benefit_duration", f"{_months(citizen.case_start, today)} på ydelse",
            strength * weights.benefit_duration * min(1.0, on_benefit / weights.benefit_duration_months),
        ),
    )
    return tuple(f for f in flags if f.contribution > 0)


def _matched_goals(citizen: CitizenProfile, text: str) -> tuple[str, ...]:
    return tuple(g for g in citizen.job_goals if g.strip() and matched_terms(text, g, limit=1))


def exclusion(citizen: CitizenProfile, opening: OpeningProfile,
              rules: EligibilityRules) -> Exclusion | None:
    """The `Exclusion` of a pair that breaks a hard constraint, else None: the check
    :func:`score_candidate` starts with, without scoring (relevance plays no part in it)."""
    return _exclusion(citizen, opening, *check_hard_constraints(citizen, opening, rules))


def _exclusion(citizen: CitizenProfile, opening: OpeningProfile,
               checks: tuple[ConstraintCheck, ...], km: float | None) -> Exclusion | None:
    broken = [c for c in checks if not c.passed]
    if not broken and km is not None:
        return None
    return Exclusion(citizen.id, opening.id, "; ".join(f"{c.name}: {c.detail}" for c in broken), checks)


def score_candidate(
    candidate: Candidate, weights: RankingWeights, rules: EligibilityRules, *, today: date,
    strength: float = 1.0, evidence: bool = True,
) -> Match | Exclusion:
    """Check, score and explain one pair.

    ``strength`` scales the policy priority (0: off). The score is a function of the pair.
    ``evidence``: find the shared jobmål and words of the two texts (False: left empty, for a
    caller that fills them in for the pairs it keeps, e.g. :func:`matching.explain.explain`;
    they never enter the score).

    Returns:
        An `Exclusion` naming the first broken hard constraint, else a scored `Match`.
    """
    citizen, opening = candidate.citizen, candidate.opening
    checks, km = check_hard_constraints(citizen, opening, rules)
    excluded = _exclusion(citizen, opening, checks, km)
    if excluded is not None:
        return excluded
    assert km is not None  # an unknown distance fails the commute check: excluded above
    fit = hours_fit(citizen, opening)
    flags = policy_flags(citizen, weights, today, strength)
    priority = sum(f.contribution for f in flags)
    missing = missing_languages(citizen, opening)
    required = len(opening.required_languages)
    distance_part = weights.distance * math.exp(-km / weights.distance_scale_km)
    hours_part = weights.hours_fit * fit
    languages_part = weights.languages * (1.0 - len(missing) / required if required else 1.0)
    score = weights.relevance * candidate.relevance + distance_part + hours_part + languages_part + priority
    shared_goals: tuple[str, ...] = ()
    shared_terms: tuple[str, ...] = ()
    if evidence:
        text = opening_text(opening)
        shared_goals = _matched_goals(citizen, text)
        shared_terms = tuple(matched_terms(text, citizen_text(citizen)))
    explanation = Explanation(
        matched_goals=shared_goals,
        matched_terms=shared_terms,
        similarity_band=candidate.band,
        relevance=candidate.relevance,
        distance_km=round(km, 1),
        hours_fit=round(fit, 3),
        policy_flags=flags,
        constraints=checks,
        missing_languages=missing,
        priority=priority,
        hours=Hours(citizen.hours_available, opening.hours_min, opening.hours_max),
        score_parts=ScoreParts(distance_part, hours_part, languages_part),
    )
    return Match(citizen.id, opening.id, score, explanation, priority)


# Bands from low to high; the ranking orders by band before score.
BAND_ORDER = {label: rank for rank, label in enumerate(("lav", "middel", "høj", "meget høj"))}


# "Similar relevance": the same 0.05-wide step of relevance. The band limits (0.40, 0.55,
# 0.70) are multiples of it, so every step lies inside one band.
RELEVANCE_STEP = 0.05


def sort_key(match: Match) -> tuple:
    """Band, then relevance step (higher first), then score, then ids: relevance first.

    The policy priority and the soft factors (distance, hours, languages) order candidates of
    similar relevance (the same ``RELEVANCE_STEP``); they never lift a candidate over one in a
    higher step, so never over one in a higher band.
    """
    return order_key(match.band, match.explanation.relevance, match.score, match.citizen_id,
                     match.opening_id)


def relevance_step(relevance: float) -> int:
    """The ``RELEVANCE_STEP`` a relevance falls in (0.47 -> 9, i.e. 0.45-0.50): what orders
    pairs within a band before the score does (the ranking card shows it)."""
    return math.floor(relevance / RELEVANCE_STEP + 1e-9)


def order_key(band: str, relevance: float, score: float, citizen_id: str, opening_id: str) -> tuple:
    """:func:`sort_key` of a pair from its values, for a caller that orders pairs before
    it builds their matches (the learned re-ranking, which keeps only the first k)."""
    return (-BAND_ORDER.get(band, 0), -relevance_step(relevance), -score, citizen_id, opening_id)


def rank(
    candidates: Iterable[Candidate],
    weights: RankingWeights,
    rules: EligibilityRules,
    *,
    today: date,
    k: int | None = None,
    include_excluded: bool = False,
    strength: float = 1.0,
    evidence: bool = True,
) -> RankingOutcome:
    """Rank pairs best first (`sort_key`: band, then relevance step, then score, then ids), so
    the order is stable and the policy priority and soft factors only order pairs of similar
    relevance (the same ``RELEVANCE_STEP``).

    Args:
        today: Denmark's day (the service's clock), which the policy flags count from.
        strength: multiplier of the policy priority (0: off).
        k: keep at most this many matches (None: all).
        include_excluded: also return the pairs that broke a hard constraint.
        evidence: see :func:`score_candidate`.
    """
    matches: list[Match] = []
    excluded: list[Exclusion] = []
    for candidate in candidates:
        result = score_candidate(candidate, weights, rules, today=today, strength=strength,
                                 evidence=evidence)
        (matches if isinstance(result, Match) else excluded).append(result)
    matches.sort(key=sort_key)
    return RankingOutcome(
        tuple(matches if k is None else matches[:k]),
        tuple(excluded) if include_excluded else (),
    )


def citizen_passes(citizen: CitizenProfile, filters: Filters) -> bool:
    """Whether a citizen passes the consultant's filters (distance is checked separately)."""
    return (
        citizen.id not in filters.exclude_ids
        and (filters.benefit_groups is None or citizen.benefit_group in filters.benefit_groups)
        and (filters.readiness_groups is None
             or citizen.readiness_group in filters.readiness_groups)
    )


def opening_passes(opening: OpeningProfile, filters: Filters) -> bool:
    """Whether an opening passes the consultant's filters (distance is checked separately)."""
    return (
        opening.id not in filters.exclude_ids
        and (filters.kinds is None or opening.kind in filters.kinds)
        and (filters.company_ids is None or opening.company_id in filters.company_ids)
    )
