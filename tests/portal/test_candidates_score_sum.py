"""The ranking card's score as a sum the consultant can add up (review J 2)."""
from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.portal.test_candidates import world  # noqa: F401 - the fixture


FACTS = ["match", "afstand", "timer", "sprog", "prioritering"]


def _sums(html: str) -> list[tuple[Decimal, list[tuple[str, Decimal]]]]:
    found = []
    for line in re.findall(r'data-testid="score-sum"[^>]*><strong>Score:</strong> ([^<]+)</p>', html):
        total, _, rest = line.partition(" = ")
        parts = [(label, Decimal(("-" if sign == "−" else "") + value.replace(",", "."))) for sign, label, value in
                 re.findall(r"(?:^|([+−]) )(match|afstand|timer|sprog|prioritering|afrunding) (\d+,\d\d)", rest)]
        found.append((Decimal(total.replace(",", ".")), parts))
    return found


def test_each_card_shows_its_score_as_parts_that_add_up(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}?prioritet=strong").get_data(as_text=True)
    sums = _sums(html)
    headings = [Decimal(s.replace(",", ".")) for s in re.findall(r'class="jobbro-score">score (\d+,\d\d)', html)]
    assert sums and len(sums) == len(headings)
    for (total, parts), heading in zip(sums, headings):
        labels = [label for label, _ in parts]
        assert labels in (FACTS, [*FACTS, "afrunding"])
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
    down left over, and the match stays 0,28 as »samlet match« shows it (review S 4: it was the
    rest, 0,29): the hundredth is its own term, »afrunding«."""
    from matching.domain import Explanation, Hours, Match, ScoreParts
    from portal.candidates.reasons import score_sum

    parts = ScoreParts(0.05, 0.05, 0.05)
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=0.2899,
                              distance_km=1.0, hours_fit=1.0, policy_flags=(), constraints=(),
                              missing_languages=(), priority=0.0, hours=Hours(10, 5, 10), score_parts=parts)
    total, shown = score_sum(Match(1, 2, 0.2899 + 0.15, explanation, 0.0))
    values = dict(shown)
    assert [values["afstand"], values["timer"], values["sprog"]] == [Decimal("0.05")] * 3
    assert values["match"] == Decimal("0.28") and values["afrunding"] == Decimal("0.01")
    assert sum(values.values()) == total == Decimal("0.44")


def test_the_match_stays_in_its_band_when_the_facts_must_take_more_than_rounding():
    """Review N 4: »lav (0,25–0,30)« beside »match 0,31« no more. Timer and sprog at their full
    weight keep 0,05; afstand (0,0777) is 0,07 or 0,08, never 0,09 (review S 4): the last
    hundredth is »afrunding«."""
    from matching.domain import Explanation, Hours, Match, ScoreParts
    from portal.candidates.reasons import score_sum

    parts = ScoreParts(0.0777, 0.05, 0.05)
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=0.2995,
                              distance_km=11.0, hours_fit=1.0, policy_flags=(), constraints=(),
                              missing_languages=(), priority=0.06, hours=Hours(10, 5, 10), score_parts=parts)
    total, shown = score_sum(Match(1, 2, 0.2995 + 0.1777 + 0.06, explanation, 0.06))
    values = dict(shown)
    assert total == Decimal("0.54") and values["match"] == Decimal("0.29")
    assert (values["afstand"], values["timer"], values["sprog"]) == (Decimal("0.08"), Decimal("0.05"),
                                                                    Decimal("0.05"))
    assert values["afrunding"] == Decimal("0.01") and sum(values.values()) == total


def _match(relevance: float, parts: tuple[float, float, float], priority: float, delta: float = 0.0):
    """A Match built as the engine builds it (relevance weight 1), and as the learned re-ranking
    moves it when ``delta`` is not 0 (``matching.rerank``: relevance rounded to 6 places)."""
    from matching.domain import Explanation, Hours, Match, ScoreParts

    score = relevance + sum(parts) + priority + delta
    moved = round(relevance + delta, 6) if delta else relevance
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=moved,
                              distance_km=1.0, hours_fit=1.0, policy_flags=(), constraints=(),
                              missing_languages=(), priority=priority, hours=Hours(10, 5, 10),
                              score_parts=ScoreParts(*parts))
    return Match(1, 2, score, explanation, priority)


def _check(match) -> dict[str, Decimal]:
    """What every score line must hold (review S 4), for one Match; returns its parts."""
    from matching.domain import RankingWeights
    from matching.ranking import RELEVANCE_STEP, relevance_step
    from portal.candidates.reasons import _shown, _shown_floor, score_sum

    weights = RankingWeights()
    total, shown = score_sum(match)
    values = dict(shown)
    labels = [label for label, _ in shown]
    assert labels in (FACTS, [*FACTS, "afrunding"]) and values.get("afrunding", 1) != 0
    assert sum(values.values()) == total == _shown(match.score)
    assert values["prioritering"] == _shown(match.priority)
    # The match lies in the step the card names (and so in its band).
    low = Decimal(relevance_step(match.explanation.relevance)) * Decimal(str(RELEVANCE_STEP))
    assert low <= values["match"] < low + Decimal(str(RELEVANCE_STEP))
    # ... and is »samlet match« as shown, but for a relevance a hair under a step's limit.
    assert abs(values["match"] - _shown_floor(match.explanation.relevance)) <= Decimal("0.01")
    # Each fact between its value rounded down and rounded up, never above its weight.
    parts = match.explanation.score_parts
    for label, exact, weight in (("afstand", parts.distance, weights.distance),
                                 ("timer", parts.hours, weights.hours_fit),
                                 ("sprog", parts.languages, weights.languages)):
        exact = Decimal(str(exact))
        floor, ceiling = (exact.quantize(Decimal("0.01"), rounding=r) for r in (ROUND_FLOOR, ROUND_CEILING))
        assert floor <= values[label] <= ceiling, label
        assert values[label] <= Decimal(str(weight)), label
    assert abs(values.get("afrunding", Decimal(0))) <= Decimal("0.02")
    return values


def test_review_s4_timer_is_never_above_its_weight():
    """/kandidater/opslag/50?k=100, citizen 729: »lav (0,30–0,35)«, the hours term 0,0469. The
    line read »0,53 = match 0,30 + afstand 0,10 + timer 0,06 + sprog 0,05 + prioritering 0,02«."""
    values = _check(_match(0.3050, (0.10, 0.0469, 0.05), 0.0249))
    assert values == {"match": Decimal("0.30"), "afstand": Decimal("0.10"), "timer": Decimal("0.05"),
                      "sprog": Decimal("0.05"), "prioritering": Decimal("0.02"), "afrunding": Decimal("0.01")}


def test_review_s4_the_match_is_the_learned_lines_figure(app):
    """/kandidater/borger/702, opening 4: »middel (0,50–0,55)«, »samlet match 0,53 → 0,54«, and
    the line read »0,83 = match 0,55 + …«. The match is 0,54, the figure after the arrow."""
    match = _match(0.5349, (0.10, 0.05, 0.05), 0.0849, delta=0.01)
    values = _check(match)
    with app.test_request_context():
        rel = app.jinja_env.get_template("macros/match.html").module.rel
        assert str(rel(match.explanation.relevance)).strip() == "0,54"
    assert values["match"] == Decimal("0.54") and values["afrunding"] == Decimal("0.01")


relevances = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
# A relevance a hair from a step's limit: where a rounding of its own would leave the step.
near_limits = st.tuples(st.integers(0, 19), st.sampled_from([-1e-6, -1e-9, -1e-11, 0.0, 1e-11, 1e-9, 1e-6])
                        ).map(lambda t: max(0.0, t[0] * 0.05 + t[1]))


@settings(max_examples=400, deadline=None)
@given(relevance=st.one_of(relevances, near_limits),
       km=st.floats(min_value=0.0, max_value=100.0, allow_nan=False),
       fit=st.one_of(st.just(1.0), st.floats(min_value=0.0, max_value=1.0, allow_nan=False)),
       languages=st.integers(0, 4).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
       priority=st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=0.25, allow_nan=False)),
       delta=st.one_of(st.just(0.0), st.floats(min_value=-0.15, max_value=0.15, allow_nan=False)))
def test_every_score_line_keeps_the_match_in_its_step_and_each_fact_within_its_weight(
        relevance, km, fit, languages, priority, delta):
    """Whatever the pair (the engine's own terms, weights as in the portal, a learned adjustment
    or none): the parts add up to the score as shown, the match lies in the card's step, each
    fact lies within its own rounding and its weight, and the rest is »afrunding«."""
    from matching.domain import RankingWeights

    w = RankingWeights()
    required, missing = languages
    parts = (w.distance * math.exp(-km / w.distance_scale_km), w.hours_fit * fit,
             w.languages * (1.0 - missing / required if required else 1.0))
    _check(_match(relevance, parts, priority, delta))


def test_the_cards_of_a_ranking_keep_the_match_in_the_step_and_the_learned_figure(app, client, auth, world):  # noqa: F811
    """On the rendered cards, with and without a learned model in use: the score line's match is
    in the step beside the band and is the »→« figure of the learned line; each fact is at most
    its weight (afstand 0,10, timer and sprog 0,05)."""
    from tests.portal.test_rerank_pages import NEAR_MODEL, _report, _store

    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}?prioritet=strong"
    for learned in (False, True):
        if learned:
            _store(app, _report(NEAR_MODEL, in_use=True))
        html = client.get(url).get_data(as_text=True)
        cards = html.split('class="card jobbro-match')[1:]
        assert cards
        for card in cards:
            (total, parts), = _sums(card)
            values = dict(parts)
            low, high = (Decimal(v.replace(",", ".")) for v in
                         re.search(r'data-testid="relevance-step">\((\d,\d\d)–(\d,\d\d)\)', card).groups())
            assert low <= values["match"] < high
            assert values["afstand"] <= Decimal("0.10") and values["timer"] <= Decimal("0.05")
            assert values["sprog"] <= Decimal("0.05")
            after = re.search(r"samlet match (?:\d,\d\d → )?(\d,\d\d)\)", card)
            assert (after is not None) == learned
            if learned:
                assert values["match"] == Decimal(after.group(1).replace(",", "."))
