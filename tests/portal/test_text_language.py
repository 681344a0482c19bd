"""A CV in another language is marked with its language (WCAG 3.1.2, review D9): a screen
reader reads an English CV with English pronunciation, not with the page's Danish rules."""
from __future__ import annotations

import pytest

from portal.i18n import text_language
from tests.portal.citizen_fixtures import make_citizen

ENGLISH = ("Profile: Hardworking and reliable, with 4 years of experience in kitchen work and "
           "cleaning. I am looking for work in a restaurant or canteen.")
DANISH = ("Erfaren lagermedarbejder med truckcertifikat. Har arbejdet med varemodtagelse, pluk "
          "og pak i fem år og søger arbejde på et lager.")


def test_only_a_confident_other_language_is_named():
    assert text_language(ENGLISH) == "en"
    assert text_language(DANISH) is None  # the page's own language: no attribute
    assert text_language("") is None and text_language(None) is None


@pytest.mark.parametrize("cv_text, marked", [(ENGLISH, ' lang="en"'), (DANISH, "")])
def test_the_citizen_page_marks_the_cv_s_language(app, client, auth, make_user, cv_text, marked):
    consultant = make_user("consultant")
    cid = make_citizen(app, vk_id=consultant.id, cv_text=cv_text)
    auth.login(consultant.email)
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert f'<blockquote data-testid="cv-excerpt"{marked}>' in html
