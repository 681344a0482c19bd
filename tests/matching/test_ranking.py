"""Pure ranking on hand-made cases: constraints, policy weights, explanations, exclusions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from matching.domain import (
    DEFAULT_ELIGIBILITY,
    CitizenProfile,
    EligibilityRules,
    Filters,
    Match,
    OpeningProfile,
    RankingWeights,
)
from matching.geo import UnknownPostcode, haversine_km, postcode_location
from matching.ranking import Candidate, citizen_text, exclusion, rank, score_candidate

TODAY = date(2026, 11, 23)


def citizen(id_: str = "c1", **kw) -> CitizenProfile:
    base = dict(
        id=id_, version=1, job_goals=("lagermedarbejder",), cv_text="Truckcertifikat, pakning.",
        benefit_group="kontanthjaelp", hours_available=15.0, postcode="8722",
        max_commute_km=30.0, driving_licences={"B"}, readiness_group="paa_vej",
        case_start=date(2026, 1, 1), last_company_placement=date(2026, 10, 1),
    )
    base.update(kw)
    return CitizenProfile(**base)


def opening(id_: str = "o1", **kw) -> OpeningProfile:
    base = dict(
        id=id_, version=1, company_id="firma1", kind="smaajob", title="Lagerarbejde",
        description="Pakning af varer på lageret. Truck er en fordel.", hours_min=5.0,
        hours_max=15.0, postcode="8722",
    )
    base.update(kw)
    return OpeningProfile(**base)


def ranked(cands, weights=RankingWeights(), **kw):
    return rank(cands, weights, DEFAULT_ELIGIBILITY, today=TODAY, **kw)


@pytest.mark.parametrize(
    ("citizen_kw", "opening_kw", "broken"),
    [
        ({"hours_available": 4.0}, {"hours_min": 5.0}, "hours"),
        ({"benefit_group": "dagpenge"}, {"kind": "smaajob"}, "eligibility"),
        ({"benefit_group": "kontanthjaelp"}, {"kind": "fleksjob"}, "eligibility"),
        ({"driving_licences": ()}, {"required_licences": {"B"}}, "driving_licence"),
        ({"driving_licences": {"B"}}, {"required_licences": {"C", "CE"}}, "driving_licence"),
        ({"driving_licences": {"C"}}, {"required_licences": {"D1"}}, "driving_licence"),
        ({"postcode": "7000", "max_commute_km": 10.0}, {"postcode": "7130"}, "commute"),
        ({}, {"status": "closed"}, "status"),
        ({"postcode": "9999"}, {}, "commute"),
    ],
)
def test_hard_constraint_is_never_broken_even_with_top_relevance(citizen_kw, opening_kw, broken):
    bad = Candidate(citizen("bad", **citizen_kw), opening(**opening_kw), relevance=1.0, band="x")
    outcome = ranked([bad], include_excluded=True)
    assert outcome.matches == ()
    (exclusion,) = outcome.excluded
    assert exclusion.citizen_id == "bad"
    assert broken in exclusion.reason
    assert [c.name for c in exclusion.constraints if not c.passed] == [broken]


def test_the_hard_limit_check_alone_excludes_as_scoring_does():
    """``exclusion`` (the check without scoring, for "the nearest excluded") gives the very
    exclusion ``score_candidate`` gives, and None where it scores a match."""
    for person, place in [(citizen("bad", hours_available=1.0), opening()),
                          (citizen("far", postcode="9999"), opening()),
                          (citizen("good"), opening())]:
        scored = score_candidate(Candidate(person, place, 0.5, "middel"), RankingWeights(),
                                 DEFAULT_ELIGIBILITY, today=TODAY)
        assert exclusion(person, place, DEFAULT_ELIGIBILITY) == (None if isinstance(scored, Match) else scored)
    assert exclusion(citizen("good"), opening(), DEFAULT_ELIGIBILITY) is None


def test_excluded_are_only_listed_when_asked_for():
    bad = Candidate(citizen("bad", hours_available=1.0), opening(), 0.9, "x")
    good = Candidate(citizen("good"), opening(), 0.1, "x")
    assert [m.citizen_id for m in ranked([bad, good]).matches] == ["good"]
    assert ranked([bad, good]).excluded == ()
    assert [e.citizen_id for e in ranked([bad, good], include_excluded=True).excluded] == ["bad"]


def test_rules_table_is_data_not_code():
    rules = EligibilityRules({"dagpenge": {"smaajob"}})
    cand = Candidate(citizen(benefit_group="dagpenge"), opening(), 0.5, "x")
    assert isinstance(score_candidate(cand, RankingWeights(), rules, today=TODAY), Match)
    # A group absent from the table may take nothing (fails closed).
    other = Candidate(citizen(benefit_group="kontanthjaelp"), opening(), 0.5, "x")
    assert not isinstance(score_candidate(other, RankingWeights(), rules, today=TODAY), Match)


def test_default_eligibility_follows_domain():
    for group in ("kontanthjaelp", "uddannelseshjaelp", "ressourceforloeb", "jobafklaring",
                  "ledighedsydelse"):
        assert DEFAULT_ELIGIBILITY.allows(group, "smaajob")
    assert not DEFAULT_ELIGIBILITY.allows("dagpenge", "smaajob")
    assert DEFAULT_ELIGIBILITY.kinds_for("ledighedsydelse") >= {"fleksjob"}
    with pytest.raises(ValueError, match="unknown opening kind"):
        EligibilityRules({"dagpenge": {"igu-typo"}})


def test_placement_gap_orders_equally_good_matches_and_weight_zero_removes_it():
    near_12 = citizen("b_near12", last_company_placement=date(2025, 12, 1))
    recent = citizen("a_recent", last_company_placement=date(2026, 11, 1))
    cands = [Candidate(recent, opening(), 0.6, "x"), Candidate(near_12, opening(), 0.6, "x")]
    assert [m.citizen_id for m in ranked(cands).matches] == ["b_near12", "a_recent"]
    no_policy = RankingWeights(placement_gap=0.0)
    # Without the focus goal the tie falls back to the stable id order.
    assert [m.citizen_id for m in ranked(cands, no_policy).matches] == ["a_recent", "b_near12"]
    flags = {f.name: f for f in ranked(cands).matches[0].explanation.policy_flags}
    assert flags["placement_gap"].contribution == pytest.approx(0.15 * 357 / 30.44 / 12, rel=1e-3)
    assert "placement_gap" not in {
        f.name for f in ranked(cands, no_policy).matches[0].explanation.policy_flags
    }


def test_policy_weight_change_changes_order_as_documented():
    # "recent" is a slightly better text match (same 0.05 relevance step); the focus goal
    # lifts "waiting" past it only when its weight is raised above the relevance gap.
    waiting = citizen("waiting", last_company_placement=None, case_start=date(2025, 11, 1))
    recent = citizen("recent", last_company_placement=date(2026, 11, 1))
    cands = [Candidate(waiting, opening(), 0.50, "middel"), Candidate(recent, opening(), 0.54, "middel")]
    heavy = RankingWeights(placement_gap=0.5)
    assert [m.citizen_id for m in ranked(cands, heavy).matches] == ["waiting", "recent"]
    # Issue 8: however heavy, the priority never lifts a clearly weaker match (0.50 vs 0.70).
    far_apart = [Candidate(waiting, opening(), 0.50, "middel"), Candidate(recent, opening(), 0.70, "meget høj")]
    assert [m.citizen_id for m in ranked(far_apart, heavy).matches] == ["recent", "waiting"]


def test_readiness_and_distance_weights():
    spring = citizen("spring", readiness_group="paa_spring")
    later = citizen("later", readiness_group="laengere_sigt")
    cands = [Candidate(later, opening(), 0.5, "x"), Candidate(spring, opening(), 0.5, "x")]
    assert [m.citizen_id for m in ranked(cands).matches] == ["spring", "later"]
    near = citizen("near", postcode="8722")
    far = citizen("far", postcode="7000", max_commute_km=40.0)
    cands = [Candidate(far, opening(), 0.5, "x"), Candidate(near, opening(), 0.5, "x")]
    assert [m.citizen_id for m in ranked(cands).matches] == ["near", "far"]
    assert [m.citizen_id for m in ranked(cands, RankingWeights(distance=0)).matches] == [
        "far", "near"]


def test_explanation_names_real_matched_terms_and_goals():
    person = citizen(job_goals=("Lagermedarbejder", "Kok"), cv_text="Har kørt truck i 3 år.")
    match = ranked([Candidate(person, opening(), 0.42, "God")]).matches[0]
    exp = match.explanation
    assert exp.matched_goals == ("Lagermedarbejder",)
    assert "truck" in exp.matched_terms
    assert "lager" in exp.matched_terms
    text = citizen_text(person).casefold()
    assert all(term in text for term in exp.matched_terms)
    assert exp.similarity_band == "God" and exp.relevance == 0.42
    assert exp.distance_km == 0.0 and exp.hours_fit == 1.0
    assert {c.name for c in exp.constraints} == {
        "status", "eligibility", "hours", "driving_licence", "commute"}
    assert all(c.passed for c in exp.constraints)


def test_hours_fit_prefers_citizens_whose_hours_the_opening_uses():
    few = citizen("few", hours_available=10.0)
    full = citizen("full", hours_available=37.0)
    out = ranked([Candidate(full, opening(), 0.5, "x"), Candidate(few, opening(), 0.5, "x")])
    assert [m.citizen_id for m in out.matches] == ["few", "full"]
    assert out.matches[1].explanation.hours_fit == pytest.approx(15 / 37, abs=1e-3)


def test_required_languages_are_a_named_soft_factor():
    english = citizen("b_en", languages=("da", "en"))
    danish = citizen("a_da", languages=("da",))
    job = opening(required_languages=("en",))
    out = ranked([Candidate(danish, job, 0.5, "x"), Candidate(english, job, 0.5, "x")])
    assert [m.citizen_id for m in out.matches] == ["b_en", "a_da"]
    assert out.matches[1].explanation.missing_languages == ("en",)
    assert out.matches[0].explanation.missing_languages == ()
    assert out.matches[0].score - out.matches[1].score == pytest.approx(0.05)


def test_k_limits_matches():
    cands = [Candidate(citizen(f"c{i}"), opening(), i / 10, "x") for i in range(5)]
    assert [m.citizen_id for m in ranked(cands, k=2).matches] == ["c4", "c3"]


def test_profiles_validate_keys():
    with pytest.raises(ValueError, match="benefit group"):
        citizen(benefit_group="kontanthjælp")
    with pytest.raises(ValueError, match="opening kind"):
        opening(kind="praktik")
    with pytest.raises(ValueError):
        opening(hours_min=10, hours_max=5)


def test_geo_table_and_unknown_postcode():
    assert haversine_km(*postcode_location("8722"), *postcode_location("8700")) == pytest.approx(
        13.7, abs=0.2)
    with pytest.raises(UnknownPostcode, match="9999"):
        postcode_location("9999")


def test_filters_validate_keys():
    assert Filters(benefit_groups={"dagpenge"}).benefit_groups == frozenset({"dagpenge"})
    with pytest.raises(ValueError, match="benefit group"):
        Filters(benefit_groups=frozenset({"kontanthjælp"}))
    with pytest.raises(ValueError, match="opening kind"):
        Filters(kinds=frozenset({"praktik"}))
    with pytest.raises(ValueError):
        Filters(max_distance_km=-1)


def test_weights_reject_negative():
    with pytest.raises(ValueError):
        RankingWeights(relevance=-1)
    assert replace(RankingWeights(), distance=0).distance == 0


def test_a_profile_s_text_is_made_once_and_a_changed_profile_gets_its_own(monkeypatch):
    """A ranking explains many pairs of one profile: its text (jobmål repeated, CV, CPR
    redacted) is made once per profile, and a changed profile is a new one with its text."""
    import matching.domain as domain

    calls = []
    real = domain.redact_cpr
    monkeypatch.setattr(domain, "redact_cpr", lambda text: calls.append(text) or real(text))
    person = citizen(cv_text="Lager og truck. CPR 010190-1234.", job_goals=("Lagermedarbejder",))
    first = citizen_text(person)
    assert citizen_text(person) is first and len(calls) == 1
    assert "010190-1234" not in first and first.startswith("Jobmål: Lagermedarbejder.")
    changed = replace(person, job_goals=("Chauffør",))
    assert citizen_text(changed).startswith("Jobmål: Chauffør.") and len(calls) == 2
    assert citizen_text(person) is first


def test_policy_flags_say_one_month_in_the_singular():
    from matching.ranking import policy_flags

    one = citizen("one", last_company_placement=TODAY - timedelta(days=31))
    labels = {f.name: f.label for f in policy_flags(one, RankingWeights(), TODAY)}
    assert labels["placement_gap"] == "1 md. uden virksomhedsrettet forløb"
    month = TODAY.month - 7
    seven = citizen("seven", last_company_placement=TODAY.replace(year=TODAY.year + (month - 1) // 12,
                                                                  month=(month - 1) % 12 + 1))
    assert {f.name: f.label for f in policy_flags(seven, RankingWeights(), TODAY)}["placement_gap"] == \
        "7 mdr. uden virksomhedsrettet forløb"


def test_the_card_counts_whole_months_as_the_goal_lists_do():
    """14.10.2024 to 04.12.2026 is 25 whole months: the card once said 26 (days / 30.44, rounded)."""
    from matching.ranking import policy_flags

    citizen = CitizenProfile(id="c", version=1, job_goals=("Lager",), cv_text="", benefit_group="kontanthjaelp",
                             hours_available=10, postcode="8722", case_start=date(2024, 10, 14))
    texts = [f.label for f in policy_flags(citizen, RankingWeights(), date(2026, 12, 4))]
    assert "25 mdr. på ydelse" in texts and "25 mdr. uden virksomhedsrettet forløb" in texts


def test_the_score_is_its_parts():
    """Relevance, the kept distance, hours and languages parts and the priority make the score
    exactly, so a card can show the sum (review J 2)."""
    weights = RankingWeights()
    people = [citizen("near"), citizen("far", postcode="7000", max_commute_km=40.0, hours_available=37.0),
              citizen("en", languages=("da",))]
    job = opening(required_languages=("en",))
    for match in ranked([Candidate(p, job, 0.37 + i / 10, "x") for i, p in enumerate(people)]).matches:
        e, parts = match.explanation, match.explanation.score_parts
        assert match.score == weights.relevance * e.relevance + parts.distance + parts.hours + parts.languages \
            + match.priority
        assert parts.languages == 0.0 and 0 < parts.hours <= weights.hours_fit  # no one speaks English
    far = next(m for m in ranked([Candidate(people[1], opening(), 0.5, "x")]).matches)
    assert far.explanation.score_parts.distance < weights.distance  # 7000 is ~30 km from 8722


def test_a_gap_before_jobbro_knew_the_citizen_is_said_as_registered_in_jobbro():
    """Review BG 2: an imported citizen whose case started before Jobbro, with no placement known,
    read »14 mdr. uden virksomhedsrettet forløb« as a fact. Said as what Jobbro registered, with
    the same priority; a placement known (in the portal or from the case system), or a case
    started once Jobbro knew the citizen, keeps the plain words."""
    from matching.ranking import policy_flags

    def gap(**kw):
        flags = {f.name: f for f in policy_flags(citizen("c", **kw), RankingWeights(), TODAY)}
        return flags["placement_gap"].label, flags["placement_gap"].contribution

    unknown = gap(case_start=date(2025, 9, 1), last_company_placement=None, placements_known_from=date(2026, 11, 1))
    assert unknown[0] == "14 mdr. uden virksomhedsrettet forløb registreret i Jobbro"
    known = gap(case_start=date(2025, 9, 1), last_company_placement=None, placements_known_from=None)
    assert known == ("14 mdr. uden virksomhedsrettet forløb", unknown[1])
    assert gap(case_start=date(2025, 9, 1), last_company_placement=date(2025, 10, 1),
               placements_known_from=date(2026, 11, 1))[0] == "13 mdr. uden virksomhedsrettet forløb"
    assert gap(case_start=date(2026, 11, 1), last_company_placement=None,
               placements_known_from=date(2026, 11, 1))[0] == "0 mdr. uden virksomhedsrettet forløb"


def test_every_readiness_group_has_its_label_in_a_sentence():
    """The card's »Parathed: …« reads the one list of groups (review BN 5): a group added to
    ``vocab.READINESS_GROUPS`` gets a label, lower-cased as it stands inside a sentence."""
    from matching.ranking import READINESS_LABELS
    from matching.vocab import READINESS_GROUPS

    assert set(READINESS_LABELS) == set(READINESS_GROUPS)
    assert READINESS_LABELS["paa_vej"] == "på vej" and READINESS_LABELS["laengere_sigt"] == "lidt længere sigt"
