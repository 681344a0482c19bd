"""scripts/learned_fusion: pair features, candidate sets and the re-ranked AP."""
from __future__ import annotations

import numpy as np
import pytest

from scripts.learned_fusion import FEATURES, fit_model, model_scores, pair_set, reranked_ap, stable_ranks, text_features
from scripts.melo_dev import average_precisions


def test_text_features_are_facts_about_the_two_texts():
    q_chars, d_chars, exact, shared, jaccard, stems = text_features("Kok, køkken", "kok")
    assert exact == 0.0 and shared == 1.0 and jaccard == 0.5 and stems == 1.0
    assert q_chars == pytest.approx(np.log1p(11)) and d_chars == pytest.approx(np.log1p(3))
    assert text_features(" Smed ", "smed")[2] == 1.0
    assert text_features("Lagerarbejder", "Lagerarbejde")[3:] == (0.0, 0.0, 1.0)  # same beginning only


def test_stable_ranks_break_ties_by_index():
    row = np.array([0.5, 0.9, 0.5, 0.1])
    assert stable_ranks(row, np.array([0, 2, 1, 3])).tolist() == [2, 3, 1, 4]


def _pairs(fused, relevant, k, lexical=None):
    n_q, n_d = fused.shape
    zeros = np.zeros((n_q, n_d), dtype=np.float32)
    lexical = zeros if lexical is None else lexical
    return pair_set("toy", [f"q{i}" for i in range(n_q)], [f"d{j}" for j in range(n_d)], relevant, fused,
                    np.zeros((n_q, 4), np.float32), np.zeros((n_d, 4), np.float32), lexical, zeros,
                    zeros.astype(bool), fused, k)


def test_product_order_gives_the_product_ap_and_scores_reorder_only_the_top_k():
    fused = np.array([[0.9, 0.8, 0.7, 0.6, 0.5], [0.1, 0.2, 0.3, 0.4, 0.5]], dtype=np.float32)
    relevant = [[1, 4], [0]]
    pairs = _pairs(fused, relevant, k=3)
    # candidates: the top 3 and, for training, the relevant documents outside them
    assert sorted(pairs.doc[pairs.query == 0].tolist()) == [0, 1, 2, 4]
    assert pairs.label[(pairs.query == 0) & (pairs.doc == 4)].tolist() == [1]
    assert not pairs.in_top[(pairs.query == 1) & (pairs.doc == 0)].any()
    full = average_precisions(fused, [dict.fromkeys(r, 1) for r in relevant])
    assert np.allclose(reranked_ap(pairs, None), full)
    # a score putting document 1 first within query 0's top 3; document 4 stays at rank 5
    scores = np.where((pairs.query == 0) & (pairs.doc == 1), 1.0, 0.0)
    assert reranked_ap(pairs, scores)[0] == pytest.approx((1 / 1 + 2 / 5) / 2)
    assert reranked_ap(pairs, scores)[1] == pytest.approx(full[1])  # query 1's relevant doc is outside its top 3


def test_a_model_learns_from_the_features_and_scores_every_pair():
    rng = np.random.default_rng(0)
    fused = rng.random((60, 30)).astype(np.float32)
    lexical = rng.random((60, 30)).astype(np.float32) * 0.5
    # the relevant document is one of the product's top 10, and the lexical channel knows it
    relevant = [[int(np.argsort(-row, kind="stable")[rng.integers(10)])] for row in fused]
    for i, (j,) in enumerate(relevant):
        lexical[i, j] = 0.9
    pairs = _pairs(fused, relevant, k=10, lexical=lexical)
    model = fit_model("linear", [pairs], FEATURES)
    scores = model_scores(model, pairs, FEATURES)
    assert scores.shape == pairs.label.shape
    assert reranked_ap(pairs, None).mean() < 0.5
    assert reranked_ap(pairs, scores).mean() == pytest.approx(1.0)
