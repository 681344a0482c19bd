"""The one rule for health details in texts that reach a company (portal.health_words)."""
from __future__ import annotations

import pytest

from portal.health_words import HEALTH_WORDS


@pytest.mark.parametrize("text", [
    "Kok (skånejob pga. rygskade)", "Har ondt i ryggen", "handicap", "handicappet", "Misbrugsproblemer",
    "psykiatrisk patient", "Sygemeldt med stress", "angst", "fleksjob", "Tåler ikke tunge løft: hensyn",
])
def test_health_details_match(text):
    assert HEALTH_WORDS.search(text)


@pytest.mark.parametrize("title", [
    "Handicaphjælper", "Misbrugskonsulent", "Misbrugsbehandler", "Psykiatrisk sygeplejerske",
    "Psykiatrisk social- og sundhedsassistent", "Pædagog", "Lagermedarbejder", "Social- og sundhedshjælper",
])
def test_job_titles_of_the_care_fields_do_not(title):
    assert not HEALTH_WORDS.search(title)


@pytest.mark.parametrize("text", [  # review E1: each passed the old list
    "alkoholbehandling", "PTSD", "skizofreni", "bipolar lidelse", "OCD", "Asperger", "diabetes", "epilepsi",
    "kræft", "kemoterapi", "gravid", "går til psykiater", "tager medicin", "sidder i kørestol", "ludomani",
    "HIV-positiv", "hash", "ordblind",
])
def test_diagnoses_treatment_and_addiction_match(text):
    assert HEALTH_WORDS.search(text)


@pytest.mark.parametrize("title", [
    "Medicinalarbejder", "Medicinsk sekretær", "Dosering af medicin", "Hjælp til kørestolsbrugere",
    "Frivillig i Kræftens Bekæmpelse", "Barselsvikar", "Bartender med alkoholbevilling",
    "prøvede kræfter med arbejdet", "Kræfterne slap aldrig op",
])
def test_the_new_words_leave_work_alone(title):
    assert not HEALTH_WORDS.search(title)


def test_a_word_with_many_hits_is_named_once_whole():
    """»stress« 10 000 times in one word is one word (widened once, not once per hit)."""
    from portal.health_words import health_words_in

    assert health_words_in("Ord: " + "stress" * 10_000 + " og angst") == ["stress" * 10_000, "angst"]
