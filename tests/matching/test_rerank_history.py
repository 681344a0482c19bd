"""Earlier decisions on the same jobmål and title (``goal_history``): keyed hashes that hold no text, values
read only from earlier decisions and from pairs decided for enough citizens, kept with the model
and read by it when it re-ranks."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random

import pytest

from matching import rerank
from matching.domain import Explanation, GoalScore, Match
from matching.rerank import (
    FEATURE_LABELS, HISTORY_MIN_CITIZENS, HISTORY_SMOOTHING, DecisionHistory, HistoryCounter, RerankModel, apply,
    features, history_keys, history_secret, key_check,
)

SECRET = history_secret("installation key")
CHECK = key_check(SECRET)


def test_history_keys_read_the_occupation_of_the_title_and_hold_no_text():
    plain = history_keys("Lagermedarbejder", ["Truckfører"], SECRET)
    assert plain == history_keys("Småjob: Lagermedarbejder 8 timer om ugen", ["  truckfører "], SECRET)
    assert plain != history_keys("Lagermedarbejder", ["Kok"], SECRET) != history_keys("Kok", ["Truckfører"], SECRET)
    assert len(history_keys("Lagermedarbejder", ["Kok", "kok", " ", "Truckfører"], SECRET)) == 2
    assert not any("truck" in key.lower() or "lager" in key.lower() for key in plain)


def test_history_keys_are_keyed_so_guessing_the_texts_finds_nothing_without_the_installations_key():
    mine = history_keys("Lagermedarbejder", ["Truckfører"], SECRET)
    assert mine != history_keys("Lagermedarbejder", ["Truckfører"], history_secret("another installation"))
    unkeyed = hashlib.sha256("lagermedarbejder\x1ftruckfører".encode()).hexdigest()[:24]
    assert unkeyed not in mine
    assert history_secret("installation key") == SECRET != history_secret(b"installation key!")
    with pytest.raises(ValueError):
        history_secret("")


def test_a_history_tells_whether_it_can_be_read_with_a_key_and_a_model_refuses_another():
    history = DecisionHistory(0.5, {"k": (2, 1)}, CHECK)
    assert history.readable_with(SECRET) and not history.readable_with(history_secret("rotated"))
    assert CHECK not in SECRET.hex() and len(CHECK) == 16
    model = _model(history)
    with pytest.raises(ValueError, match="another key"):
        model.history_value("Kok", ["Kok"], history_secret("rotated"))
    with pytest.raises(ValueError, match="secret"):
        apply([_match("a", "Kok", 0.5)], model, title="Kok")  # a title needs the key
    with pytest.raises(ValueError):
        DecisionHistory(0.5, {"k": (2, 1)})  # no check: refused


def test_a_decision_reads_only_earlier_decisions_on_pairs_decided_for_enough_citizens():
    assert HISTORY_MIN_CITIZENS == 2
    keys = history_keys("Lagermedarbejder", ["Truckfører"], SECRET)
    counter = HistoryCounter()
    assert math.isnan(counter.value(keys)) and counter.prior == 0.5  # nothing decided yet
    counter.add(keys, 1, citizen=1)
    counter.add(keys, 1, citizen=1)
    assert math.isnan(counter.value(keys))  # one citizen's decisions only: not read
    counter.add(keys, 0, citizen=2)
    assert counter.prior == pytest.approx(3 / 5)  # the decisions so far, (approved + 1) / (decided + 2)
    expected = (2 + HISTORY_SMOOTHING * 0.6) / (3 + HISTORY_SMOOTHING) - 0.6
    assert counter.value(keys) == pytest.approx(expected)
    history = counter.history(CHECK)
    assert history.counts == {keys[0]: (2, 1)} and history.value(keys) == pytest.approx(expected)
    assert math.isnan(history.value(history_keys("Lagermedarbejder", ["Kok"], SECRET)))


def test_the_best_jobmaal_with_a_history_counts():
    good, bad = history_keys("Kok", ["Kok"], SECRET)[0], history_keys("Kok", ["Tømrer"], SECRET)[0]
    history = DecisionHistory(0.5, {good: (4, 0), bad: (0, 4)}, CHECK)
    both = history.value(history_keys("Kok", ["Tømrer", "Kok"], SECRET))
    assert both == pytest.approx(history.value([good])) and both > 0 > history.value([bad])


@pytest.mark.parametrize("prior, counts", [
    (1.5, {}), (True, {}), ("0.5", {}), (float("nan"), {}), (0.5, {"k": (0, 0)}), (0.5, {"k": (-1, 2)}),
    (0.5, {"k": (1.7, 2)}), (0.5, {"k": (10**400, 1)}), (0.5, {"k": (1, 2, 3)}), (0.5, {"k": "ab"})])
def test_a_malformed_history_is_refused(prior, counts):
    with pytest.raises(ValueError):
        DecisionHistory(prior, counts, CHECK)


def _match(citizen_id: str, goal: str, relevance: float) -> Match:
    goals = (GoalScore(goal, relevance, "middel", relevance),)
    explanation = Explanation(matched_goals=(), matched_terms=(), similarity_band="middel", relevance=relevance,
                              distance_km=5.0, hours_fit=0.8, policy_flags=(), constraints=(), goal_scores=goals)
    return Match(citizen_id, "o1", relevance, explanation, 0.0)


def _model(history: DecisionHistory | None) -> RerankModel:
    rng = random.Random(4)
    rows, labels = [], []
    for _ in range(200):
        value, relevance = rng.uniform(-0.4, 0.4), rng.uniform(0.3, 0.7)
        rows.append(features({"relevance": relevance, "goal_scores": [{"relevance": relevance}]}, history=value))
        labels.append(int(value + (relevance - 0.5) + rng.gauss(0, 0.1) > 0))
    return dataclasses.replace(RerankModel.fit(rows, labels, names=("relevance", "best_goal_relevance", "goal_history")),
                               history=history)


def test_a_model_keeps_its_history_and_moves_a_pair_by_it_with_a_danish_reason():
    key = history_keys("Lagermedarbejder", ["Truckfører"], SECRET)[0]
    history = DecisionHistory(0.4, {key: (6, 0)}, CHECK)
    model = _model(history)
    stored = json.loads(json.dumps(model.to_dict()))
    assert stored["format"] == rerank.FORMAT == 7 and RerankModel.from_dict(stored) == model
    matches = [_match("a", "Truckfører", 0.5), _match("b", "Kok", 0.58)]
    ranked = apply(matches, model, title="Småjob: Lagermedarbejder", secret=SECRET)
    assert [m.citizen_id for m in ranked] == ["a", "b"]  # the approved pair moves up
    assert ranked[0].learned.contributions[0][0] == "goal_history"
    assert FEATURE_LABELS["goal_history"] in dict(ranked[0].learned.top())
    # The card says what it read, so a consultant can weigh it: the counts of that jobmål.
    reason = ranked[0].learned.reasons()[0][0][0]
    assert reason == "samme jobmål til samme titel er oftere godkendt før (godkendt i 6 af 6 beslutninger)"
    assert ranked[1].learned.history is None  # "Kok" has no history
    unread = apply(matches, model)  # no title: no history read, nothing it moves
    assert [m.citizen_id for m in unread] == ["b", "a"]
    assert all(name != "goal_history" or value == 0 for m in unread for name, value in m.learned.contributions)


@pytest.mark.parametrize("history", [
    {"prior": 0.4, "counts": {"k": "x"}}, {"prior": 1e400, "counts": {}}, {"prior": 0.4, "counts": {"k": [1e400, 1]}},
    {"prior": 0.4, "counts": {"k": [10**400, 1]}}, {"prior": 0.4}, "history", None,
    {"prior": 0.4, "counts": {"k": [1, 1]}}, {"prior": 0.4, "counts": {"k": [1, 1]}, "check": 7}])
def test_a_stored_model_with_a_malformed_or_missing_history_is_refused(history):
    stored = json.loads(json.dumps(_model(DecisionHistory(0.4, {"k": (1, 1)}, CHECK)).to_dict()))
    with pytest.raises(ValueError):
        RerankModel.from_dict({**stored, "history": history})  # None: it reads goal_history without one


def test_a_stored_model_that_is_not_a_mapping_is_refused():
    with pytest.raises(ValueError):
        RerankModel.from_dict(["not", "a", "model"])