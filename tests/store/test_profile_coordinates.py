"""Review BN 15: a profile carries its coordinates, resolved from the installed postcode table
when ``store.profiles`` builds it, so the ranking (the commute limit, the distance on a card)
is a function of the two profiles and never reads the table's module globals."""
from __future__ import annotations

from datetime import date

import pytest

from matching import geo
from matching.domain import DEFAULT_ELIGIBILITY, RankingWeights
from matching.ranking import Candidate, distance_km, rank
from portal.extensions import db
from store.models import Citizen, CvDocument, JobGoal, Opening
from store.profiles import citizen_profile, coordinates, limits_profile, matchable_profiles, opening_profile

TODAY = date(2026, 12, 2)
# A job centre's own table (MATCHING_POSTCODES) without Hedensted's postcodes.
AARHUS = "postnr;bynavn;lat;lon\n8000;Aarhus C;56,15;10,20\n8200;Aarhus N;56,19;10,19\n"


@pytest.fixture(autouse=True)
def builtin_table_afterwards():
    geo.install_postcodes(None)
    yield
    geo.install_postcodes(None)


def _citizen(postcode: str = "8722", vk_id: int | None = None) -> Citizen:
    citizen = Citizen(name="Ane", postcode=postcode, benefit_group="kontanthjaelp", hours_available=20,
                      readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id,
                      max_commute_km=30, driving_licences=["B"], languages="dansk", version=1)
    citizen.job_goals.append(JobGoal(title="Lagermedarbejder", position=0))
    citizen.cv_documents.append(CvDocument(text="Truck og lager."))
    return citizen


def _opening(postcode: str = "8700") -> Opening:
    return Opening(id=7, version=1, company_id=3, kind="smaajob", title="Lagerhjælp", postcode=postcode,
                   hours_min=5, hours_max=20, status="open")


def test_profiles_carry_the_coordinates_of_the_installed_table():
    citizen = _citizen()
    citizen.id = 1
    assert (citizen_profile(citizen).lat, citizen_profile(citizen).lon) == (55.77, 9.70)
    assert (limits_profile(citizen).lat, limits_profile(citizen).lon) == (55.77, 9.70)
    assert (opening_profile(_opening()).lat, opening_profile(_opening()).lon) == (55.86, 9.85)
    geo.install_postcodes(geo.read_postcodes(AARHUS))
    assert (opening_profile(_opening("8000")).lat, opening_profile(_opening("8000")).lon) == (56.15, 10.20)
    assert coordinates(" 8200 ") == (56.19, 10.19)
    # A postcode the table does not hold: no coordinates (the ranking: "location unknown").
    assert (opening_profile(_opening("8722")).lat, opening_profile(_opening("8722")).lon) == (None, None)
    assert coordinates(None) == (None, None)


def test_the_rankings_read_of_the_pool_fills_them_too(app, make_user):
    with app.app_context():
        citizen = _citizen(vk_id=make_user("consultant").id)
        db.session.add(citizen)
        db.session.commit()
        profiles, _ = matchable_profiles(db.session, [citizen.id], TODAY)
    assert (profiles[citizen.id].lat, profiles[citizen.id].lon) == (55.77, 9.70)


def test_a_ranking_of_built_profiles_reads_no_postcode_table(monkeypatch):
    """Built under one table, the pair is ranked alike whatever table is installed after, and
    the table is not read at all: before, a profile without coordinates looked its postcode up
    at ranking time, so another table made the pair "location unknown"."""
    citizen = _citizen()
    citizen.id = 1
    pair = Candidate(citizen_profile(citizen), opening_profile(_opening()), 0.6, "høj")
    before = rank([pair], RankingWeights(), DEFAULT_ELIGIBILITY, today=TODAY)
    assert before.matches and before.matches[0].explanation.distance_km == 13.7

    geo.install_postcodes(geo.read_postcodes(AARHUS))  # holds neither 8722 nor 8700

    def no_table(postcode):
        raise AssertionError(f"the ranking read the postcode table for {postcode}")

    monkeypatch.setattr(geo, "postcode_location", no_table)
    after = rank([pair], RankingWeights(), DEFAULT_ELIGIBILITY, today=TODAY, include_excluded=True)
    assert after.matches == before.matches and after.excluded == ()
    assert distance_km(pair.citizen, pair.opening) == pytest.approx(13.7, abs=0.05)
