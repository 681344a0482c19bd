"""scripts/ft_dense_eval: the dense-only MAP used to compare fine-tunes."""
from __future__ import annotations

import numpy as np

from scripts.ft_dense_eval import dense_map


def test_dense_map_ranks_the_whole_corpus_by_cosine():
    corpus = np.eye(4, dtype=np.float32)
    queries = np.array([[0.9, 0.1, 0, 0], [0, 0.2, 0, 0.8]], dtype=np.float32)
    # query 0: its relevant doc first (AP 1); query 1: relevant doc 1 ranked second (AP 0.5)
    assert dense_map(queries, corpus, [{0: 1}, {1: 1}]) == 0.75
    # two relevant docs at ranks 1 and 2 -> AP 1; at ranks 2 and 3 of query 1 -> (1/2 + 2/3) / 2
    assert abs(dense_map(queries, corpus, [{0: 1, 1: 1}, {1: 1, 0: 1}]) - (1 + (0.5 + 2 / 3) / 2) / 2) < 1e-9
