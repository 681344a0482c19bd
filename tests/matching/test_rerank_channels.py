"""The dense and lexical channels of each jobmål (GoalScore.dense / .lexical): filled by the
service as facts of the pair, read by the learned re-ranking as two features, absent from
explanations stored before they were recorded (then unknown and neutral), and a model of the
format without them is refused."""
from __future__ import annotations

import dataclasses
import json
import math
import random

import pytest

from matching import rerank
from matching.backends import MemoryBackend
from matching.domain import Explanation, GoalScore, Match
from matching.encoders import EncoderUnavailable, HashingEncoder
from matching.ranking import opening_text
from matching.rerank import FEATURE_LABELS, RerankModel, features, match_features
from matching.service import MatchingService
from matching.shared import PairScoreCache
from tests.matching.test_stable_scores import CITIZENS, OPENINGS, TODAY, _index

NEW = ("best_goal_dense", "best_goal_lexical")


@pytest.fixture(scope="module")
def encoder():
    return HashingEncoder(64)


@pytest.fixture(scope="module")
def backend(encoder):
    backend = MemoryBackend()
    _index(backend, encoder)
    return backend


def _service(encoder, backend, **kw) -> MatchingService:
    return MatchingService(encoder, backend, clock=lambda: TODAY, **kw)


# --- the service fills them ------------------------------------------------------------------

def test_each_jobmaal_carries_the_two_channels_its_relevance_is_fused_from(encoder, backend):
    service = _service(encoder, backend)
    opening = OPENINGS[0]
    result = service.rank_candidates(opening, 20, citizens=CITIZENS)
    assert result.matches
    text, lexical = opening_text(opening), service.lexical()
    for match in result.matches:
        for goal in match.explanation.goal_scores:
            alone = service.scorer.score(goal.goal, [text], lexical=lexical)
            assert goal.dense == pytest.approx(float(alone.dense[0]), abs=1e-6)
            assert goal.lexical == pytest.approx(float(alone.lexical[0]), abs=1e-6)
            assert goal.relevance == pytest.approx(float(alone.fused[0]), abs=1e-6)


def test_the_channels_are_facts_of_the_pair_in_both_directions_and_through_the_cache(encoder, backend):
    opening = OPENINGS[1]
    openings = {o.id: o for o in OPENINGS}
    cache = PairScoreCache()
    plain = _service(encoder, backend).rank_candidates(opening, 30, citizens=CITIZENS)
    _service(encoder, backend, pair_cache=cache).rank_candidates(opening, 30, citizens=CITIZENS)
    warm = _service(encoder, backend, pair_cache=cache).rank_candidates(opening, 30, citizens=CITIZENS)
    assert warm.matches == plain.matches  # the cached tuple carries both channels back
    for match in plain.matches[:5]:
        citizen = CITIZENS[match.citizen_id]
        back = _service(encoder, backend).rank_openings(citizen, 5, openings=openings)
        there = next(m for m in back.matches if m.opening_id == opening.id)
        assert there.explanation.goal_scores == match.explanation.goal_scores
        alone = _service(encoder, backend).rank_candidates(opening, 30, citizens={citizen.id: citizen})
        assert alone.matches[0].explanation.goal_scores == match.explanation.goal_scores


class _NoModel(HashingEncoder):
    def encode_queries(self, texts):
        raise EncoderUnavailable("model file missing")


def test_without_the_encoder_the_dense_channel_is_unknown_and_the_lexical_one_is_the_relevance(backend):
    result = _service(_NoModel(64), backend).rank_candidates(OPENINGS[0], 10, citizens=CITIZENS)
    assert result.degraded and result.matches
    goals = [g for m in result.matches for g in m.explanation.goal_scores]
    assert goals and all(g.dense is None and g.lexical == g.relevance for g in goals)
    row = match_features(result.matches[0])
    assert math.isnan(row["best_goal_dense"]) and not math.isnan(row["best_goal_lexical"])


# --- the model reads them ---------------------------------------------------------------------

def _explanation(goals: tuple[GoalScore, ...], relevance: float = 0.5) -> dict:
    return dataclasses.asdict(Explanation(
        matched_goals=(), matched_terms=("lager",), similarity_band="middel", relevance=relevance,
        distance_km=4.0, hours_fit=0.8, policy_flags=(), constraints=(), goal_scores=goals))


def test_the_two_facts_are_read_from_the_jobmaal_closest_to_the_opening():
    goals = (GoalScore("Lagerhjælper", 0.41, "høj", 0.90, dense=0.83, lexical=0.12),  # best band
             GoalScore("Lagermedarbejder", 0.62, "middel", 0.62, dense=0.91, lexical=0.44))
    row = features(json.loads(json.dumps(_explanation(goals))))
    assert row["best_goal_relevance"] == 0.62
    assert (row["best_goal_dense"], row["best_goal_lexical"]) == (0.91, 0.44)
    assert row["best_goal_fit"] == 0.90  # the band's jobmål, as before
    assert set(NEW) <= set(rerank.ALLOWED_FEATURES)
    assert FEATURE_LABELS["best_goal_dense"] != FEATURE_LABELS["best_goal_lexical"]


def _rows(n: int = 300, seed: int = 3, stored_before: float = 0.0):
    """Rows where approval follows the lexical channel; a share of them stored without channels."""
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        lex, dense = rng.uniform(0, 1), rng.uniform(0.7, 1.0)
        goal = GoalScore("Lager", round(0.55 * (dense - 0.7) / 0.3 + 0.45 * lex, 6), "middel", 0.5,
                         dense=dense, lexical=lex)
        if rng.random() < stored_before:
            goal = GoalScore(goal.goal, goal.relevance, goal.band, goal.fit)  # no channels
        rows.append(features(_explanation((goal,), rng.uniform(0.3, 0.7))))
        labels.append(int(lex + rng.gauss(0, 0.1) > 0.5))
    return rows, labels


def test_a_model_learns_from_a_channel_and_says_so_in_danish():
    rows, labels = _rows()
    model = RerankModel.fit(rows, labels)
    weights = dict(zip(model.features, model.coef))
    assert max(weights, key=lambda n: abs(weights[n])) == "best_goal_lexical" and weights["best_goal_lexical"] > 0
    high = features(_explanation((GoalScore("Lager", 0.5, "middel", 0.5, dense=0.85, lexical=0.95),)))
    change = model.adjust(high)
    assert change.delta > 0
    assert change.top(1)[0][0] == "bedste jobmål mod opslaget i fælles orddele"


def test_an_explanation_stored_without_the_channels_still_works_and_they_move_nothing():
    rows, labels = _rows(stored_before=0.3)  # old and new decisions mixed in training
    model = RerankModel.fit(rows, labels)
    assert all(math.isfinite(v) for v in (*model.mean, *model.scale, *model.coef))
    old = features(_explanation((GoalScore("Lager", 0.5, "middel", 0.5),)))
    assert math.isnan(old["best_goal_dense"]) and math.isnan(old["best_goal_lexical"])
    change = model.adjust(old)
    assert math.isfinite(change.delta)
    shares = dict(change.contributions)
    assert shares["best_goal_dense"] == 0.0 and shares["best_goal_lexical"] == 0.0
    # unknown is the training mean: the same adjustment as a pair with the mean values
    means = dict(zip(model.features, model.mean))
    assert change == model.adjust({**old, **{n: means[n] for n in NEW}})
    # an explanation stored with no goal scores at all, as older rows may be
    assert math.isfinite(model.adjust(features({"relevance": 0.4})).delta)


def test_a_model_fitted_only_on_explanations_without_the_channels_ignores_them():
    rows, labels = _rows(stored_before=1.0)
    model = RerankModel.fit(rows, labels)
    weights = dict(zip(model.features, model.coef))
    assert weights["best_goal_dense"] == pytest.approx(0.0, abs=1e-9)
    assert weights["best_goal_lexical"] == pytest.approx(0.0, abs=1e-9)


# --- the format -------------------------------------------------------------------------------

def test_a_model_stored_in_the_format_without_the_channels_is_refused():
    model = RerankModel.fit(*_rows())
    stored = json.loads(json.dumps(model.to_dict()))
    assert stored["format"] == rerank.FORMAT == 7
    assert RerankModel.from_dict(stored) == model
    keep = [i for i, n in enumerate(stored["features"]) if n not in rerank.CHANNEL_FEATURES]
    old = {**stored, "format": 2, **{key: [stored[key][i] for i in keep]
                                     for key in ("features", "mean", "scale", "coef")}}
    assert set(old["features"]) <= set(rerank.ALLOWED_FEATURES)
    with pytest.raises(ValueError, match="format"):
        RerankModel.from_dict(old)  # valid features, but scored the old way: retrained instead


def test_a_live_match_and_its_stored_explanation_give_the_same_features(encoder, backend):
    match = _service(encoder, backend).rank_candidates(OPENINGS[0], 5, citizens=CITIZENS).matches[0]
    assert isinstance(match, Match)
    stored = json.loads(json.dumps(dataclasses.asdict(match.explanation)))
    live, again = match_features(match), features(stored)
    assert live == again and not any(math.isnan(live[n]) for n in NEW)


def test_the_best_jobmals_concept_similarity_is_a_channel_feature():
    goals = [{"relevance": 0.3, "concept": 0.12, "dense": 0.9, "lexical": 0.2},
             {"relevance": 0.5, "concept": 0.41, "dense": 0.95, "lexical": 0.6}]
    row = features({"goal_scores": goals})
    assert row["best_goal_concept"] == 0.41  # the jobmål with the highest relevance
    assert math.isnan(features({"goal_scores": [{"relevance": 0.5}]})["best_goal_concept"])
    assert "best_goal_concept" in rerank.CHANNEL_FEATURES and "best_goal_concept" in rerank.ALLOWED_FEATURES
    assert FEATURE_LABELS["best_goal_concept"] == "bedste jobmåls fælles ESCO-erhverv med titlen"
