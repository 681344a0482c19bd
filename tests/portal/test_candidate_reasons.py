"""The ranking card's "Krav tjekket": one Danish phrase per passed hard limit, built from
structured data (profiles or database rows), never from the engine's English detail."""
from __future__ import annotations

from datetime import date

import pytest

from matching.domain import DEFAULT_ELIGIBILITY, CitizenProfile, ConstraintCheck, Exclusion, OpeningProfile
from matching.ranking import check_hard_constraints
from portal.candidates.reasons import broken_limits, checked_limits
from store.models import Citizen, Opening


def citizen(**kw) -> CitizenProfile:
    base = dict(id="1", version=1, job_goals=("Chauffør",), cv_text="", benefit_group="kontanthjaelp",
                hours_available=7.5, postcode="8722", max_commute_km=30.0,
                driving_licences=frozenset({"CE"}), case_start=date(2026, 1, 1))
    base.update(kw)
    return CitizenProfile(**base)


def opening(**kw) -> OpeningProfile:
    base = dict(id="9", version=1, company_id="3", kind="smaajob", title="Lastbilchauffør",
                hours_min=5.0, hours_max=10.0, postcode="8700", required_licences=frozenset({"C"}))
    base.update(kw)
    return OpeningProfile(**base)


def checks(c: CitizenProfile, o: OpeningProfile) -> tuple[ConstraintCheck, ...]:
    return check_hard_constraints(c, o, DEFAULT_ELIGIBILITY)[0]


def test_every_passed_limit_in_danish_in_the_engines_order():
    c, o = citizen(), opening()
    assert checked_limits(checks(c, o), c, o) == [
        "Opslaget er åbent",
        "Kontanthjælp må tage småjob",
        "7,5 t/uge til rådighed, opslaget kræver mindst 5",
        "Kørekort C kræves; borgeren har CE",
        "Afstand inden for borgerens 30 km",
    ]


def test_no_licence_needed_and_half_kilometres():
    c, o = citizen(driving_licences=frozenset(), max_commute_km=20.5), opening(required_licences=frozenset())
    texts = checked_limits(checks(c, o), c, o)
    assert "Kørekort ikke nødvendigt" in texts and "Afstand inden for borgerens 20,5 km" in texts


def test_a_broken_limit_is_never_shown_as_checked():
    c, o = citizen(hours_available=2.0, driving_licences=frozenset({"B"})), opening()
    texts = checked_limits(checks(c, o), c, o)
    assert len(texts) == 3
    assert not any("t/uge" in t or "Kørekort" in t for t in texts)
    # The same pair's broken limits are what the excluded list says instead.
    excluded = Exclusion(c.id, o.id, "", checks(c, o))
    assert broken_limits(excluded, c, o) == ["Kun 2 t/uge til rådighed, opslaget kræver mindst 5",
                                             "Kørekort C kræves; borgeren har B"]


def test_a_limit_added_to_the_engine_later_is_still_named():
    c, o = citizen(), opening()
    assert checked_limits([ConstraintCheck("age", True, "18+"), ConstraintCheck("x", False, "no")], c, o) \
        == ["age: 18+"]


def test_database_rows_give_the_same_words_as_profiles():
    c, o = citizen(), opening()
    row_c = Citizen(name="X", benefit_group="kontanthjaelp", hours_available=7.5, max_commute_km=30.0,
                    driving_licences=["CE"], postcode="8722")
    row_o = Opening(kind="smaajob", title="Lastbilchauffør", hours_min=5.0, hours_max=10.0,
                    required_licences=["C"], postcode="8700", status="open")
    assert checked_limits(checks(c, o), row_c, row_o) == checked_limits(checks(c, o), c, o)


@pytest.mark.parametrize("group, kind, words", [
    ("dagpenge", "virksomhedspraktik", "Dagpenge må tage virksomhedspraktik"),
    ("ledighedsydelse", "fleksjob", "Ledighedsydelse må tage fleksjob"),
])
def test_eligibility_names_group_and_kind(group, kind, words):
    c, o = citizen(benefit_group=group), opening(kind=kind)
    assert words in checked_limits(checks(c, o), c, o)
