"""scripts/ce_residual: the re-ranking arithmetic of the cross-encoder residual (research tool)."""
from __future__ import annotations

import numpy as np

from scripts.ce_residual import average_precision, rerank


def test_weight_zero_keeps_the_first_stage_order_and_the_top_above_the_rest():
    first = np.array([0.2, 0.9, 0.5, 0.7, 0.1], dtype=np.float32)
    top = np.array([1, 3, 2])
    residual = np.array([-10.0, 5.0, 0.0])
    order = np.argsort(-rerank(first, residual, top, 0.0), kind="stable")
    assert order.tolist() == np.argsort(-first, kind="stable").tolist()
    # with weight, only the top candidates change places, and they stay above the rest
    order = np.argsort(-rerank(first, residual, top, 1.0), kind="stable")
    assert order.tolist() == [3, 2, 1, 0, 4]


def test_a_candidate_outside_the_top_is_never_lifted():
    first = np.array([0.9, 0.8, 0.1], dtype=np.float32)
    scores = rerank(first, np.array([-100.0, -100.0]), np.array([0, 1]), 1.0)
    assert scores[2] < scores[0] and scores[2] < scores[1]


def test_average_precision_with_ties_in_corpus_order():
    relevant = np.array([False, True, False, True])
    assert average_precision(np.array([1.0, 1.0, 0.5, 0.0]), relevant) == (1 / 2 + 2 / 4) / 2
    assert average_precision(np.array([0.0, 1.0, 0.0, 0.9]), relevant) == 1.0
    assert average_precision(np.array([1.0, 0.5, 0.5, 0.5]), np.zeros(4, dtype=bool)) == 0.0
