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
