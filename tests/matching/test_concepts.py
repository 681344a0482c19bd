"""matching.concepts: concept profiles read from judged titles and concept centroids (issue 12)."""
from __future__ import annotations

import numpy as np
import pytest

from matching.concepts import ProfileSettings, build_table, combine, concept_similarity, profiles, topk_softmax


def _unit(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_topk_softmax_keeps_k_entries_per_row_summing_to_one_and_breaks_ties_by_column():
    scores = np.array([[0.9, 0.1, 0.9, 0.5], [0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    weights = topk_softmax(scores, 2, 0.05).toarray()
    assert weights.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert weights[0].tolist() == pytest.approx([0.5, 0.0, 0.5, 0.0])
    assert weights[1].tolist() == pytest.approx([0.5, 0.5, 0.0, 0.0])  # a tie: the first columns
    sharper = topk_softmax(np.array([[0.9, 0.8]], dtype=np.float32), 2, 0.01).toarray()[0]
    assert sharper[0] > 0.99


def _table():
    # concepts A and B; title t0 judged A, t1 judged A and B; names: two of A, one of B
    titles = [("t0", ("A",)), ("t1", ("A", "B"))]
    title_vectors = _unit([[1, 0, 0], [0, 1, 0]])
    names = _unit([[1, 0.1, 0], [1, -0.1, 0], [0, 0, 1]])
    return build_table(titles, title_vectors, ["A", "A", "B"], names)


def test_build_table_spreads_a_title_evenly_over_its_concepts_and_normalises_centroids():
    table = _table()
    assert table.concepts == ["A", "B"]
    assert table.membership.toarray().tolist() == [[1.0, 0.0], [0.5, 0.5]]
    assert table.centroids[0] == pytest.approx([1.0, 0.0, 0.0])
    assert np.linalg.norm(table.centroids, axis=1) == pytest.approx([1.0, 1.0])


def test_a_profile_sums_to_one_and_reads_concepts_through_similar_titles():
    table = _table()
    near_t1 = _unit([[0, 1, 0]])
    only_titles = profiles(near_t1, table, ProfileSettings(title_share=1.0, title_k=1)).toarray()[0]
    assert only_titles.tolist() == pytest.approx([0.5, 0.5])  # t1's judgement, though no name is near
    mixed = profiles(near_t1, table, ProfileSettings(title_share=0.5, title_k=1, concept_k=1)).toarray()[0]
    assert mixed.sum() == pytest.approx(1.0)


def test_concept_similarity_is_symmetric_bounded_and_independent_of_the_other_rows():
    table = _table()
    settings = ProfileSettings(title_k=2, concept_k=2)
    left = _unit([[1, 0.2, 0], [0, 0.3, 1]])
    right = _unit([[0.9, 0, 0.1], [0, 1, 0], [0, 0, 1]])
    pl, pr = profiles(left, table, settings), profiles(right, table, settings)
    similarity = concept_similarity(pl, pr)
    assert similarity.shape == (2, 3)
    assert similarity == pytest.approx(concept_similarity(pr, pl).T)
    assert (similarity >= 0).all() and (similarity <= 1 + 1e-6).all()
    alone = concept_similarity(profiles(left[:1], table, settings), profiles(right[2:], table, settings))
    assert alone[0, 0] == pytest.approx(similarity[0, 2])


def test_lift_keeps_a_pair_without_shared_concepts_and_stays_within_one():
    fused = np.array([0.3, 0.3, 0.9], dtype=np.float32)
    similarity = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    lifted = combine(fused, similarity, 1.6, "lift")
    assert lifted[0] == pytest.approx(0.3)
    assert lifted[1] == pytest.approx(0.3 + 0.7 * 0.8)
    assert lifted[2] == pytest.approx(1.0)
    assert combine(fused, similarity, 1.6, "add").tolist() == pytest.approx([0.3, 1.1, 2.5])
    with pytest.raises(ValueError, match="unknown combination"):
        combine(fused, similarity, 1.0, "max")


def test_int8_rows_keep_cosines_to_within_a_hundredth_and_zero_rows_stay_zero():
    from matching.concepts import dequantise_rows, quantise_rows

    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(50, 384)))
    vectors[7] = 0.0
    rows, scales = quantise_rows(vectors)
    assert rows.dtype == np.int8 and scales.dtype == np.float32
    back = dequantise_rows(rows, scales)
    assert not back[7].any()
    keep = np.arange(50) != 7
    assert np.abs((back @ back.T - vectors @ vectors.T)[keep][:, keep]).max() < 0.01
