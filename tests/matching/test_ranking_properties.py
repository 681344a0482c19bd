"""Property tests of the pure ranking (issue 11): whatever the pairs, no hard constraint is
ever broken by a listed match, every pair is either listed or excluded, scores stay in range,
and a pair's score does not depend on who else is in the list or on k."""
from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.domain import (
    DEFAULT_ELIGIBILITY, CitizenProfile, OpeningProfile, RankingWeights,
)
from matching.geo import POSTCODES, haversine_km
from matching.licences import IMPLIES
from matching.ranking import Candidate, rank
from matching.vocab import BENEFIT_GROUPS, OPENING_KINDS, READINESS_GROUPS

TODAY = date(2026, 11, 23)
WEIGHTS = RankingWeights()
KNOWN = sorted(POSTCODES)
CATEGORIES = sorted(IMPLIES)
# The largest score a pair can reach: every component at 1, every policy factor at its cap.
SCORE_CAP = (WEIGHTS.relevance + WEIGHTS.distance + WEIGHTS.hours_fit + WEIGHTS.languages
             + WEIGHTS.placement_gap + WEIGHTS.readiness * max(WEIGHTS.readiness_bonus.values())
             + WEIGHTS.benefit_duration)


def held_closure(held: frozenset[str]) -> set[str]:
    """The categories a licence covers, by the plain fixed point over the direct implications."""
    covered = set(held)
    while True:
        more = {implied for category in covered for implied in IMPLIES[category]} - covered
        if not more:
            return covered
        covered |= more


hours = st.floats(min_value=0, max_value=80, allow_nan=False).map(lambda h: round(h, 1))
postcodes = st.one_of(st.sampled_from(KNOWN), st.sampled_from(["0000", "9999", "12"]))
licence_sets = st.frozensets(st.sampled_from(CATEGORIES), max_size=3)
days_ago = st.one_of(st.none(), st.integers(min_value=0, max_value=4000))


@st.composite
def citizens(draw, index: int = 0):
    start = draw(days_ago)
    last = draw(days_ago)
    return CitizenProfile(
        id=f"c{index}", version=1,
        job_goals=tuple(draw(st.lists(st.sampled_from(["lager", "kok", "chauffør", "pædagog", ""]),
                                      max_size=3))),
        cv_text=draw(st.sampled_from(["", "Truckcertifikat, lager og pakning.", "Kok i kantine", "chauffør med CE"])),
        benefit_group=draw(st.sampled_from(sorted(BENEFIT_GROUPS))),
        hours_available=draw(hours),
        postcode=draw(postcodes),
        max_commute_km=draw(st.floats(min_value=0, max_value=200, allow_nan=False)),
        driving_licences=draw(licence_sets),
        languages=tuple(draw(st.lists(st.sampled_from(["da", "en", "de", "ar"]), min_size=1, max_size=3))),
        readiness_group=draw(st.sampled_from(sorted(READINESS_GROUPS))),
        case_start=None if start is None else TODAY - timedelta(days=start),
        last_company_placement=None if last is None else TODAY - timedelta(days=last),
    )


@st.composite
def openings(draw):
    low = draw(hours)
    high = draw(st.one_of(st.none(), hours.filter(lambda h: h >= low)))
    return OpeningProfile(
        id="o1", version=1, company_id="firma", kind=draw(st.sampled_from(sorted(OPENING_KINDS))),
        title=draw(st.sampled_from(["Lagerarbejde", "Køkkenhjælp", "Chauffør", ""])), hours_min=low, hours_max=high,
        postcode=draw(postcodes), required_licences=draw(licence_sets),
        required_languages=tuple(draw(st.lists(st.sampled_from(["da", "en", "de"]), max_size=2))),
        status=draw(st.sampled_from(["open", "open", "open", "draft", "closed", "filled"])),
    )


@st.composite
def pools(draw):
    opening = draw(openings())
    size = draw(st.integers(min_value=1, max_value=8))
    pairs = []
    for index in range(size):
        relevance = draw(st.floats(min_value=0, max_value=1, allow_nan=False))
        pairs.append(Candidate(draw(citizens(index)), opening, relevance,
                               draw(st.sampled_from(["lav", "middel", "høj", "meget høj"]))))
    return pairs


def allowed(citizen: CitizenProfile, opening: OpeningProfile) -> bool:
    """Every hard constraint, worked out here from the raw facts."""
    if opening.status != "open":
        return False
    if opening.kind not in DEFAULT_ELIGIBILITY.table.get(citizen.benefit_group, frozenset()):
        return False
    if citizen.hours_available < opening.hours_min:
        return False
    if opening.required_licences and not held_closure(citizen.driving_licences) & opening.required_licences:
        return False
    if citizen.postcode not in POSTCODES or opening.postcode not in POSTCODES:
        return False
    _, c_lat, c_lon = POSTCODES[citizen.postcode]
    _, o_lat, o_lon = POSTCODES[opening.postcode]
    return haversine_km(c_lat, c_lon, o_lat, o_lon) <= citizen.max_commute_km


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(pools())
def test_no_listed_match_breaks_a_hard_constraint_and_every_pair_is_accounted_for(pairs):
    outcome = rank(pairs, WEIGHTS, DEFAULT_ELIGIBILITY, today=TODAY, include_excluded=True)
    by_id = {pair.citizen.id: pair for pair in pairs}
    listed = {m.citizen_id for m in outcome.matches}
    excluded = {e.citizen_id for e in outcome.excluded}
    assert listed | excluded == set(by_id) and not listed & excluded
    for citizen_id, pair in by_id.items():
        assert (citizen_id in listed) == allowed(pair.citizen, pair.opening), citizen_id
    for exclusion in outcome.excluded:
        assert any(not check.passed for check in exclusion.constraints) or "location" in exclusion.reason


@PROPERTY
@given(pools())
def test_scores_are_finite_and_in_range(pairs):
    for match in rank(pairs, WEIGHTS, DEFAULT_ELIGIBILITY, today=TODAY).matches:
        assert math.isfinite(match.score)
        assert 0.0 <= match.score <= SCORE_CAP + 1e-9
        assert 0.0 <= match.explanation.hours_fit <= 1.0
        assert match.explanation.distance_km >= 0.0
        assert all(flag.contribution > 0 for flag in match.explanation.policy_flags)


@PROPERTY
@given(pools(), st.integers(min_value=1, max_value=8), st.data())
def test_a_pairs_score_ignores_the_rest_of_the_list_and_k(pairs, k, data):
    whole = {m.citizen_id: m.score for m in rank(pairs, WEIGHTS, DEFAULT_ELIGIBILITY, today=TODAY).matches}
    subset = data.draw(st.lists(st.sampled_from(pairs), min_size=1, unique_by=lambda p: p.citizen.id))
    part = rank(subset, WEIGHTS, DEFAULT_ELIGIBILITY, today=TODAY, k=k).matches
    assert len(part) <= k
    for match in part:
        assert match.score == whole[match.citizen_id]
    top = [m.citizen_id for m in rank(pairs, WEIGHTS, DEFAULT_ELIGIBILITY, today=TODAY).matches]
    assert [m.citizen_id for m in rank(pairs, WEIGHTS, DEFAULT_ELIGIBILITY, today=TODAY, k=k).matches] == top[:k]
