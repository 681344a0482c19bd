"""Fusion of dense and lexical relevance, its comparability across calls, and the bands."""
from __future__ import annotations

import math

import numpy as np
import pytest

from matching.encoders import HashingEncoder
from matching.relevance import RelevanceConfig, RelevanceScorer, similarity_band

POOL = ["Lagerarbejder", "Truckfører på lager", "Sygeplejerske", "Kok", "Buschauffør", "Pædagogmedhjælper"]


@pytest.fixture
def scorer() -> RelevanceScorer:
    return RelevanceScorer(HashingEncoder())


def test_score_shapes_ranges_and_order(scorer):
    result = scorer.score("Lagermedarbejder", POOL)
    for scores in (result.fused, result.dense, result.lexical):
        assert scores.shape == (len(POOL),)
    assert ((result.fused >= 0) & (result.fused <= 1)).all()
    assert result.fused.argmax() == 0
    cross = scorer.cross_language("Lagermedarbejder", POOL)
    np.testing.assert_allclose(result.fused, scorer.fuse(result.dense, result.lexical, cross))


def test_identical_text_scores_top_of_the_range(scorer):
    assert scorer.score("Kok", ["Kok"]).fused[0] == pytest.approx(1.0, abs=1e-5)


def test_scores_are_comparable_across_calls_with_a_shared_lexical_model(scorer):
    lexical = scorer.fit_lexical(POOL)
    alone = scorer.score("Lagermedarbejder", POOL[:1], lexical=lexical)
    among_all = scorer.score("Lagermedarbejder", POOL, lexical=lexical)
    assert alone.fused[0] == pytest.approx(among_all.fused[0], abs=1e-6)


def test_given_vectors_are_used_instead_of_encoding(scorer):
    docs = ["Kok", "Tjener"]
    doc_vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    result = scorer.score("Tjener", docs, query_vector=np.array([0.0, 1.0]), doc_vectors=doc_vectors)
    np.testing.assert_allclose(result.dense, [0.0, 1.0])


def test_encode_docs_follows_doc_role():
    class RoleEncoder:
        name, dimension = "roles", 1

        def encode_queries(self, texts):
            return np.ones((len(texts), 1), dtype=np.float32)

        def encode_passages(self, texts):
            return -np.ones((len(texts), 1), dtype=np.float32)

    assert RelevanceScorer(RoleEncoder()).encode_docs(["x"])[0, 0] == 1.0
    assert RelevanceScorer(RoleEncoder(), RelevanceConfig(doc_role="passage")).encode_docs(["x"])[0, 0] == -1.0


def test_empty_docs_and_mismatched_vectors(scorer):
    result = scorer.score("Kok", [])
    assert result.fused.shape == result.dense.shape == result.lexical.shape == (0,)
    with pytest.raises(ValueError, match="do not fit"):
        scorer.score("Kok", ["a", "b"], doc_vectors=np.zeros((3, 256), dtype=np.float32))


@pytest.mark.parametrize("kwargs", [
    {"dense_weight": 1.5}, {"dense_weight": -0.1}, {"doc_role": "document"}, {"dense_range": (0.9, 0.8)},
])
def test_config_validation(kwargs):
    with pytest.raises(ValueError):
        RelevanceConfig(**kwargs)


def test_dense_range_by_encoder_name():
    config = RelevanceConfig()
    assert config.range_for("e5-small-4bit") == (0.80, 1.00)
    assert config.range_for("something-new") == (0.0, 1.0)
    assert RelevanceConfig(dense_range=(0.2, 0.4)).range_for("e5-small-4bit") == (0.2, 0.4)


@pytest.mark.parametrize(("score", "band"), [
    (1.0, "meget høj"), (0.70, "meget høj"), (0.69, "høj"), (0.55, "høj"), (0.5, "middel"),
    (0.40, "middel"), (0.39, "lav"), (0.0, "lav"), (-1.0, "lav"), (math.nan, "lav"),
])
def test_similarity_band(score, band):
    assert similarity_band(score) == band


@pytest.mark.slow
def test_e5_relevance_in_danish(e5_encoder):
    scorer = RelevanceScorer(e5_encoder)
    docs = ["Sygeplejerske", "Lagerarbejde og truckkørsel", "Kok", "Lagermedarbejder"]
    fused = scorer.score("Lagermedarbejder", docs).fused
    assert list(np.argsort(-fused)[:2]) == [3, 1]
    assert similarity_band(float(fused[3])) == "meget høj"
    assert similarity_band(float(scorer.score("Sygeplejerske", ["Buschauffør"]).fused[0])) == "lav"
