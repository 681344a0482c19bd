"""The opening form tells a first-time company the rules of the two subsidised kinds (review AT 1).

Løntilskud: the company pays the ordinary wage and gets a subsidy, for a limited period, and
the job must be extra (merbeskæftigelse). Virksomhedspraktik: unpaid, typically 4–13 weeks
(DOMAIN.md). Both: the number of people in praktik and løntilskud depends on the company's
ordinary staff (rimelighedskravet), which the job centre assesses. The duration and the
capacity get advice that does not refuse (``OpeningForm.warnings``): the job centre decides.
"""
from __future__ import annotations

import re

import lxml.html
import sqlalchemy as sa

from portal.extensions import db
from store.models import Opening
from tests.portal.test_openings import company, logged_in, post_new  # noqa: F401 (fixtures)


def _kinds_help(html: str) -> dict[str, str]:
    tree = lxml.html.fromstring(html)
    box = next(d for d in tree.iter("details") if "forskellen på typerne" in d.text_content())
    names = [" ".join(dt.text_content().split()) for dt in box.iter("dt")]
    texts = [" ".join(dd.text_content().split()) for dd in box.iter("dd")]
    return dict(zip(names, texts))


def test_the_kinds_are_explained_with_what_they_mean_for_the_company(client, logged_in):  # noqa: F811
    kinds = _kinds_help(client.get("/opslag/ny").get_data(as_text=True))
    loen, praktik = kinds["Løntilskud"], kinds["Virksomhedspraktik"]
    assert "betaler almindelig løn" in loen and "tilskud til lønnen" in loen
    assert "op til 6 måneder" in loen and "merbeskæftigelse" in loen and "ikke erstatte en medarbejder" in loen
    assert "I betaler ingen løn" in praktik and "4–13 uger" in praktik
    for text in (loen, praktik):
        assert "rimelighedskravet" in text and "ordinært ansatte" in text and "jobcentret vurderer det" in text
    assert "rimelighedskravet" not in kinds["Småjob"]


def test_the_duration_and_capacity_hints_speak_of_both_kinds(client, logged_in):  # noqa: F811
    html = client.get("/opslag/ny").get_data(as_text=True)
    assert "løntilskud i en privat virksomhed oftest op til 26 uger" in html
    assert "afhænger af antallet af ordinært ansatte" in html


def _warnings(client, response) -> list[str]:
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return [" ".join(m.split()) for m in re.findall(r'alert-warning[^>]*>\s*<div class="alert-body">'
                                                    r'<p class="alert-text">(.*?)</p>', page, re.S)]


def test_several_praktik_places_are_saved_with_a_note_on_the_ratio_to_the_staff(app, client, auth, logged_in):  # noqa: F811
    notes = _warnings(client, post_new(client, auth, kind="virksomhedspraktik", capacity="12", duration_weeks="8"))
    assert any(n.startswith("Bemærk: opslaget har 12 pladser.") and "rimelighedskravet" in n for n in notes), notes
    with app.app_context():
        assert db.session.scalar(sa.select(Opening.capacity)) == 12  # advice, not a refusal


def test_one_praktik_place_of_typical_length_gets_no_note(client, auth, logged_in):  # noqa: F811
    assert _warnings(client, post_new(client, auth, kind="virksomhedspraktik", capacity="1", duration_weeks="8")) == []


def test_a_loentilskud_without_or_beyond_the_usual_period_is_saved_with_a_note(app, client, auth, logged_in):  # noqa: F811
    notes = _warnings(client, post_new(client, auth, kind="loentilskud", hours_min="37", hours_max="37",
                                       duration_weeks=""))
    assert any("løntilskud gives i en afgrænset periode" in n for n in notes), notes
    notes = _warnings(client, post_new(client, auth, kind="loentilskud", hours_min="37", hours_max="37",
                                       duration_weeks="40", title="Lagermedarbejder i løntilskud"))
    assert any("oftest højst 6 måneder (26 uger)" in n for n in notes), notes
    assert _warnings(client, post_new(client, auth, kind="loentilskud", hours_min="37", hours_max="37",
                                      duration_weeks="26", title="Chauffør i løntilskud")) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Opening.id))) == 3
