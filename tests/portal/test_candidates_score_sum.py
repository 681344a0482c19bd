"""The ranking card's score as a sum the consultant can add up (review J 2)."""
from __future__ import annotations

import re
from decimal import Decimal

from tests.portal.test_candidates import world  # noqa: F401 - the fixture


def _sums(html: str) -> list[tuple[Decimal, list[tuple[str, Decimal]]]]:
    found = []
    for line in re.findall(r'data-testid="score-sum"[^>]*><strong>Score:</strong> ([^<]+)</p>', html):
        total, _, rest = line.partition(" = ")
        parts = [(label, Decimal(value.replace(",", "."))) for label, value in
                 re.findall(r"(match|afstand|timer|sprog|prioritering) (\d+,\d\d)", rest)]
        found.append((Decimal(total.replace(",", ".")), parts))
    return found


def test_each_card_shows_its_score_as_parts_that_add_up(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}?prioritet=strong").get_data(as_text=True)
    sums = _sums(html)
    headings = [Decimal(s.replace(",", ".")) for s in re.findall(r'class="jobbro-score">score (\d+,\d\d)', html)]
    assert sums and len(sums) == len(headings)
    for (total, parts), heading in zip(sums, headings):
        assert [label for label, _ in parts] == ["match", "afstand", "timer", "sprog", "prioritering"]
        assert sum(v for _, v in parts) == total == heading


def test_the_match_part_is_rounded_as_the_card_shows_samlet_match(app):
    """One figure for one thing: the sum's match is rounded as the ``rel`` macro shows »samlet
    match« (down, to agree with the band), never a hundredth above it."""
    from portal.candidates.reasons import _shown_floor

    with app.test_request_context():
        macro = app.jinja_env.get_template("macros/match.html").module.rel
        for i in range(0, 10001, 7):
            value = i / 10000
            assert str(macro(value)).strip() == f"{_shown_floor(value):.2f}".replace(".", ","), value
    assert _shown_floor(0.5496) == Decimal("0.54") and _shown_floor(0.31 - 1e-12) == Decimal("0.31")


def test_the_rest_of_the_rounding_goes_to_the_parts_shown_only_here():
    """Score 0,3549 → 0,35; match 0,3099 → 0,30 (rounded down); the three facts 0,0150 each →
    0,02 each would make 0,36: largest remainder takes the extra hundredth back from one of them."""
    from matching.domain import Explanation, Hours, Match, ScoreParts
    from portal.candidates.reasons import score_sum

    parts = ScoreParts(0.0150, 0.0150, 0.0150)
    relevance = 0.3099
    score = relevance + parts.distance + parts.hours + parts.languages
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=relevance,
                              distance_km=1.0, hours_fit=0.3, policy_flags=(), constraints=(),
                              missing_languages=(), priority=0.0, hours=Hours(10, 5, 10), score_parts=parts)
    total, shown = score_sum(Match(1, 2, score, explanation, 0.0))
    values = dict(shown)
    assert total == Decimal("0.35") and values["match"] == Decimal("0.30")
    assert values["prioritering"] == Decimal("0.00")
    assert sorted([values["afstand"], values["timer"], values["sprog"]]) == [Decimal("0.01"), Decimal("0.02"),
                                                                            Decimal("0.02")]
    assert sum(values.values()) == total


def test_a_sum_of_zero_facts_leaves_them_at_zero():
    """Weights set to zero: afstand, timer and sprog stay 0,00; the match carries its own rounding."""
    from matching.domain import Explanation, Hours, Match, ScoreParts
    from portal.candidates.reasons import score_sum

    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=0.4449,
                              distance_km=1.0, hours_fit=0.3, policy_flags=(), constraints=(),
                              missing_languages=(), priority=0.0, hours=Hours(10, 5, 10),
                              score_parts=ScoreParts(0.0, 0.0, 0.0))
    total, shown = score_sum(Match(1, 2, 0.4449 + 0.0051, explanation, 0.0051))
    values = dict(shown)
    assert [values["afstand"], values["timer"], values["sprog"]] == [Decimal("0.00")] * 3
    assert sum(values.values()) == total == Decimal("0.45")


def test_no_fact_is_shown_beyond_its_own_value_rounded_up():
    """Timer and sprog at their full weight (0,05) cannot take the hundredth the match's rounding
    down left over: they stay 0,05, and the match is the rest (0,29, not 0,28)."""
    from matching.domain import Explanation, Hours, Match, ScoreParts
    from portal.candidates.reasons import score_sum

    parts = ScoreParts(0.05, 0.05, 0.05)
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=0.2899,
                              distance_km=1.0, hours_fit=1.0, policy_flags=(), constraints=(),
                              missing_languages=(), priority=0.0, hours=Hours(10, 5, 10), score_parts=parts)
    total, shown = score_sum(Match(1, 2, 0.2899 + 0.15, explanation, 0.0))
    values = dict(shown)
    assert [values["afstand"], values["timer"], values["sprog"]] == [Decimal("0.05")] * 3
    assert values["match"] == Decimal("0.29") and sum(values.values()) == total == Decimal("0.44")


def test_the_match_stays_in_its_band_when_the_facts_must_take_more_than_rounding():
    """Review N 4: »lav (0,25–0,30)« beside »match 0,31« no more. Timer and sprog at their full
    weight keep 0,05; afstand (0,0777, not a whole hundredth) takes the rest: 0,09."""
    from matching.domain import Explanation, Hours, Match, ScoreParts
    from portal.candidates.reasons import score_sum

    parts = ScoreParts(0.0777, 0.05, 0.05)
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=0.2995,
                              distance_km=11.0, hours_fit=1.0, policy_flags=(), constraints=(),
                              missing_languages=(), priority=0.06, hours=Hours(10, 5, 10), score_parts=parts)
    total, shown = score_sum(Match(1, 2, 0.2995 + 0.1777 + 0.06, explanation, 0.06))
    values = dict(shown)
    assert total == Decimal("0.54") and values["match"] == Decimal("0.29")
    assert (values["afstand"], values["timer"], values["sprog"]) == (Decimal("0.09"), Decimal("0.05"),
                                                                    Decimal("0.05"))
    assert sum(values.values()) == total
