"""The ranking page says how its order is made, with the step the ranking uses (the review
found scores that seemed out of order: the order is band, relevance step, then score)."""
from __future__ import annotations

from matching.ranking import RELEVANCE_STEP
from matching.relevance import BANDS
from portal.i18n import format_number
from tests.portal.test_candidates import world  # noqa: F401 - the fixture


def test_the_ranking_says_how_its_order_is_made(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    said = html.split('data-testid="ranking-order"')[1].split("</p>")[0]
    assert f"i trin på {format_number(RELEVANCE_STEP, 2)}" in said
    assert "(" + ", ".join(label for _, label in BANDS) + ", lav)" in said


def test_the_openings_hours_read_as_one_figure_when_the_range_has_equal_ends(app, client, auth, world):  # noqa: F811
    from portal.extensions import db
    from store.models import Opening

    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    assert "· 5–12 timer/uge ·" in client.get(url).get_data(as_text=True)
    with app.app_context():
        opening = db.session.get(Opening, world["opening_id"])
        opening.hours_min = opening.hours_max = 10
        db.session.commit()
    assert "· 10 timer/uge ·" in client.get(url).get_data(as_text=True)
    assert ">10<" in client.get("/kandidater/").get_data(as_text=True)


def test_a_priority_share_below_half_a_hundredth_is_not_shown_as_zero(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        said = render_template_string('{% from "macros/match.html" import share %}'
                                      "{{ share(0.004) }} | {{ share(0.012) }}")
    assert said == "under +0,01 | +0,01"


def test_each_card_shows_the_step_it_is_ordered_by(client, auth, world):  # noqa: F811
    """Band, then the shown step, then the shown score: the order a consultant can check."""
    import re

    from matching.ranking import BAND_ORDER

    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    cards = re.findall(r'Samlet match: ([\w ]+?) <span data-testid="relevance-step">\((\d,\d\d)–(\d,\d\d)\)</span>'
                       r'.*?score (\d,\d\d)', html, re.S)
    assert len(cards) >= 2
    keys = [(BAND_ORDER[band], float(low.replace(",", ".")), float(score.replace(",", ".")))
            for band, low, high, score in cards]
    assert all(round(float(h.replace(",", ".")) - float(lo.replace(",", ".")), 2) == RELEVANCE_STEP
               for _, lo, h, _ in cards)
    assert keys == sorted(keys, reverse=True)
