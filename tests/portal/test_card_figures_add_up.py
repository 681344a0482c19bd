"""A card's figures are facts about the pair and add up as shown (review BP 3, 4, 5): the
priority line's parts make its total, the learned line's »before« is the hand-set figure, and
missing languages are named in Danish."""
from __future__ import annotations

import dataclasses
import decimal
import re
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.domain import Explanation, Hours, Match, PolicyFlag, ScoreParts
from matching.rerank import Adjustment, LearnedMatch
from portal.candidates.reasons import learned_line, priority_parts
from store.profiles import language_codes, language_names

D = decimal.Decimal

# Review BP 3: Dmytro Melnyk's card said »lagde +0,07 (… +0,06; … +0,01; … +0,01)«.
DMYTRO = (PolicyFlag("placement_gap", "11 mdr. uden virksomhedsrettet forløb", 0.0563),
          PolicyFlag("readiness", "Parathed: i gang", 0.0080),
          PolicyFlag("benefit_duration", "11 mdr. på ydelse", 0.0072))


def _card(app, m: Match) -> str:
    with app.test_request_context():
        module = app.jinja_env.get_template("candidates/_match.html").module
        citizen = SimpleNamespace(hours_available=20.0)
        return str(module.match_facts(m, citizen, SimpleNamespace(), "normal"))


def _match(flags=DMYTRO, relevance=0.4868, missing=(), learned=None) -> Match:
    explanation = Explanation((), (), "middel", relevance, 3.0, 1.0, flags, (), missing_languages=missing,
                              priority=sum(f.contribution for f in flags), hours=Hours(20.0, 10.0, 25.0),
                              score_parts=ScoreParts(0.05, 0.1, 0.1))
    score = relevance + 0.25 + explanation.priority
    if learned is None:
        return Match("c1", "o1", score, explanation, explanation.priority)
    return LearnedMatch("c1", "o1", score, explanation, explanation.priority, learned)


def test_the_priority_parts_add_up_to_the_total_shown():
    parts = priority_parts(DMYTRO, sum(f.contribution for f in DMYTRO))
    assert parts == [("11 mdr. uden virksomhedsrettet forløb", D("0.05")), ("Parathed: i gang", D("0.01")),
                     ("11 mdr. på ydelse", D("0.01"))]
    # a stored explanation (dicts), with and without its total
    stored = [dataclasses.asdict(f) for f in DMYTRO]
    assert priority_parts(stored, None) == parts == priority_parts(stored, 0.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0001, 0.08, allow_nan=False), min_size=1, max_size=3))
def test_the_parts_always_make_the_total_and_each_is_within_a_hundredth(contributions):
    flags = [PolicyFlag(f"f{i}", f"fakta {i}", c) for i, c in enumerate(contributions)]
    total = sum(contributions)
    parts = [v for _, v in priority_parts(flags, total)]
    assert sum(parts) == D(str(total)).quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP)
    assert all(abs(D(str(c)) - v) < D("0.01") for c, v in zip(contributions, parts))


def test_the_card_and_the_proposal_say_parts_that_add_up(app):
    card = _card(app, _match())
    line = card.split('data-testid="priority-added"')[1].split("</p>")[0]
    assert "lagde +0,07 til scoren (11 mdr. uden virksomhedsrettet forløb +0,05; Parathed: i gang +0,01; " \
           "11 mdr. på ydelse +0,01)" in line
    with app.test_request_context():
        macros = app.jinja_env.get_template("macros/match.html").module
        stored = {**dataclasses.asdict(_match().explanation), "score": 0.8}
        html = str(macros.stored_explanation(stored, 0.8))
    assert "<dt>Prioritering</dt><dd>11 mdr. uden virksomhedsrettet forløb +0,05; Parathed: i gang +0,01; " \
           "11 mdr. på ydelse +0,01</dd>" in html


def _adjustment(hand: float, delta: float) -> Adjustment:
    return Adjustment(delta, hand, (("proximity", delta * 0.7), ("hours_fit", delta * 0.3)),
                      {"proximity": 1, "hours_fit": 1})


def test_the_learned_line_shows_the_true_hand_set_figure_before():
    """Caroline Lund: hand-set 0,3968 (»lav«, shown 0,39), +0,0935 to 0,4903: the card said
    »+0,09 (samlet match 0,40 → 0,49)«, where 0,40 is »middel«."""
    m = _match(relevance=0.4903, learned=_adjustment(0.3968, 0.0935))
    line = learned_line(m)
    assert (line["before"], line["after"], line["change"]) == (D("0.39"), D("0.49"), D("0.10"))
    assert sum(v for _, v in line["parts"]) + line["rest"] == line["change"]
    assert sum(v for _, v in line["every"]) + line["every_rest"] == line["change"]
    assert learned_line(_match()) is None


def test_the_card_shows_the_true_before_and_after_and_the_reasons_add_up(app):
    card = _card(app, _match(relevance=0.4903, learned=_adjustment(0.3968, 0.0935)))
    line = card.split('data-testid="learned-adjustment"')[1].split("</p>")[0]
    assert "Justeret af lært model:</strong> +0,10 (samlet match 0,39 → 0,49)" in line
    shown = [float(v.replace("−", "-").replace(",", ".")) for v in
             re.findall(r" ([+−]\d,\d\d)(?=;|$)", line.split("Hvorfor:")[1])]
    assert round(sum(shown), 2) == 0.10
    # a change that moves no shown figure: no »+0,01 (0,53 → 0,53)«, and no »0,52 → 0,53«
    still = _card(app, _match(relevance=0.5385, learned=_adjustment(0.530, 0.0085)))
    still = still.split('data-testid="learned-adjustment"')[1].split("</p>")[0]
    assert "ingen mærkbar justering (samlet match 0,53)" in still


def test_missing_languages_are_named_in_danish(app):
    assert language_names(language_codes("Dansk, engelsk, Farsi, klingon")) == ("dansk", "engelsk", "persisk",
                                                                                  "klingon")
    card = _card(app, _match(missing=("en", "ar")))
    assert "<strong>Mangler sprog:</strong> engelsk, arabisk</p>" in card
    with app.test_request_context():
        macros = app.jinja_env.get_template("macros/match.html").module
        html = str(macros.stored_explanation({**dataclasses.asdict(_match(missing=("en",)).explanation)}))
    assert "<dt>Mangler sprog</dt><dd>engelsk</dd>" in html
