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


def _melo_list(folder, lang, rows):
    """A tiny melo-train list: rows of (query id, title, [element ids]); names per element id."""
    folder.mkdir(parents=True)
    elements = sorted({e for _, _, es in rows for e in es} | {f"C3_{lang}_000"})
    (folder / "corpus_elements.tsv").write_text("".join(f"{e}\tname {e}\n" for e in elements), encoding="utf-8")
    (folder / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t, _ in rows) + "Q9\tunjudged\n",
                                        encoding="utf-8")
    (folder / "annotations.tsv").write_text("".join(f"{q}\t0\t{e}\t1\n" for q, _, es in rows for e in es),
                                            encoding="utf-8")


def test_read_list_keeps_judged_titles_with_their_concepts_and_relevant_elements(tmp_path):
    from matching.concepts import read_list

    _melo_list(tmp_path / "est_q_et_c_et", "et", [("Q1", "Kokk", ["C1_et_000", "C2_et_000"]),
                                                  ("Q2", "Pagar", ["C2_et_000"])])
    data = read_list(tmp_path / "est_q_et_c_et")
    assert data.titles == [("Kokk", ("C1", "C2")), ("Pagar", ("C2",))]
    assert data.relevant == [{"C1_et_000", "C2_et_000"}, {"C2_et_000"}]
    assert [c for _, c, _ in data.names] == ["C1", "C2", "C3"]


def _fake_encode(texts):
    rng = np.random.default_rng(len(texts))
    return _unit(rng.normal(size=(len(texts), 8)))


def test_a_built_table_file_round_trips_and_gives_the_same_profiles(tmp_path):
    from matching.concepts import list_folders, load_table, main, profiles, table_from_lists

    _melo_list(tmp_path / "data" / "est_q_et_c_et", "et", [("Q1", "Kokk", ["C1_et_000"])])
    _melo_list(tmp_path / "data" / "pol_q_pl_c_pl", "pl", [("Q1", "Kucharz", ["C1_pl_000", "C2_pl_000"])])
    out = tmp_path / "concepts-test.npz"
    assert main(["--data", str(tmp_path / "data"), "--out", str(out)], encode=_fake_encode) == 0
    table, meta = load_table(out)
    assert meta["version"] == "concepts-test" and meta["format"] == 1
    assert meta["summary"] == {"titles": 2, "concepts": 3, "lists": ["est_q_et_c_et", "pol_q_pl_c_pl"],
                               "names_per_concept": 3}
    assert table.concepts == ["C1", "C2", "C3"]
    assert table.membership.toarray().tolist() == [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]
    probe = _fake_encode(["a", "b", "c"])
    loaded = profiles(probe, table).toarray()
    built = profiles(probe, table_from_lists(list_folders(tmp_path / "data"), _fake_encode)).toarray()
    assert loaded.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert loaded == pytest.approx(built, abs=0.02)  # int8 title rows, float16 centroids


def test_bad_table_files_and_bad_build_input_are_clear_errors(tmp_path, capsys):
    from matching.concepts import ConceptTableError, load_table, main

    with pytest.raises(ConceptTableError, match="not found"):
        load_table(tmp_path / "missing.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ConceptTableError, match="not a valid table"):
        load_table(broken)
    _melo_list(tmp_path / "data" / "est_q_et_c_et", "et", [("Q1", "Kokk", ["C1_et_000"])])
    newer = tmp_path / "newer.npz"
    assert main(["--data", str(tmp_path / "data"), "--out", str(newer)], encode=_fake_encode) == 0
    with np.load(newer) as data:
        parts = {k: data[k] for k in data.files}
    parts["meta"] = np.array('{"format": 99}')
    np.savez(newer, **parts)
    with pytest.raises(ConceptTableError, match="format 99"):
        load_table(newer)
    assert main(["--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.npz")], encode=_fake_encode) == 2
    assert "no MELO list folders" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "x.npz"), "--exclude-lists", "xyz"],
                encode=_fake_encode) == 2
    assert "no list folder xyz" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "x.txt")], encode=_fake_encode) == 2


def test_top_columns_equal_a_stable_full_sort_with_and_without_ties():
    from matching.concepts import _top_columns

    rng = np.random.default_rng(3)
    scores = rng.normal(size=(40, 300)).astype(np.float32)
    scores[5, [10, 20, 30, 40]] = 9.0  # four tied at the top, k = 3: the first three columns
    scores[6] = 0.0
    for k in (1, 3, 10, 300):
        assert _top_columns(scores, k).tolist() == np.argsort(-scores, axis=1, kind="stable")[:, :k].tolist()


def test_a_zero_vector_has_an_empty_profile_and_bad_vectors_are_refused():
    table = _table()
    rows = profiles(np.array([[0, 0, 0], [1, 0, 0]], dtype=np.float32), table).toarray()
    assert rows[0].tolist() == [0.0, 0.0] and rows[1].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="finite"):
        profiles(np.array([[np.nan, 0, 0]], dtype=np.float32), table)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        profiles(np.zeros((2, 4), dtype=np.float32), table)
    with pytest.raises(ValueError, match="temperatures"):
        ProfileSettings(title_temperature=float("nan"))
    with pytest.raises(ValueError, match="whole numbers"):
        ProfileSettings(title_k=0)


def test_a_profile_is_bit_for_bit_the_same_alone_and_in_any_batch(monkeypatch):
    import matching.concepts as concepts

    rng = np.random.default_rng(5)
    titles = [(f"t{i}", (f"C{i % 7}",)) for i in range(600)]
    table = build_table(titles, _unit(rng.normal(size=(600, 64))), [f"C{i}" for i in range(7)],
                        _unit(rng.normal(size=(7, 64))))
    vectors = _unit(rng.normal(size=(9, 64)))
    monkeypatch.setattr(concepts, "CHUNK", 4)  # blocks of 4, 4 and 1
    batch = profiles(vectors, table)
    for i in range(len(vectors)):
        assert (batch[i] != profiles(vectors[i:i + 1], table)).nnz == 0


def _saved(tmp_path, **changes):
    """A valid table file with some of its arrays replaced."""
    from matching.concepts import save_table

    path = tmp_path / "t.npz"
    save_table(_table(), path, {"version": "t"})
    with np.load(path) as data:
        parts = {k: data[k] for k in data.files}
    parts.update(changes)
    np.savez(path, **parts)
    return path


def test_load_table_refuses_maps_and_values_that_would_corrupt_profiles(tmp_path):
    from matching.concepts import ConceptTableError, load_table

    table, _ = load_table(_saved(tmp_path))
    assert table.concepts == ["A", "B"]
    with pytest.raises(ConceptTableError, match="title-concept map"):
        load_table(_saved(tmp_path, M_indices=np.array([5, 6, 7], dtype=np.int32)))
    with pytest.raises(ConceptTableError, match="title-concept map|invalid values"):
        load_table(_saved(tmp_path, M_indices=np.array([-1, 0, 1], dtype=np.int32)))
    with pytest.raises(ConceptTableError, match="invalid values"):
        load_table(_saved(tmp_path, T_scale=np.array([np.nan, 0.01], dtype=np.float32)))
    with pytest.raises(ConceptTableError, match="invalid values"):
        load_table(_saved(tmp_path, M_data=np.array([1.0, 0.2, 0.2], dtype=np.float32)))
    with pytest.raises(ConceptTableError, match="expected 2-d int8"):
        load_table(_saved(tmp_path, T=np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ConceptTableError, match="no format number"):
        load_table(_saved(tmp_path, meta=np.array("{}")))


def test_building_with_every_list_excluded_is_refused(tmp_path, capsys):
    from matching.concepts import main

    _melo_list(tmp_path / "data" / "est_q_et_c_et", "et", [("Q1", "Kokk", ["C1_et_000"])])
    assert main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "x.npz"), "--exclude-lists",
                 "est_q_et_c_et"], encode=_fake_encode) == 2
    assert "leaves no list" in capsys.readouterr().err


def test_read_tsv_names_the_file_and_line_of_a_malformed_row(tmp_path):
    from matching.concepts import read_tsv

    path = tmp_path / "queries.tsv"
    path.write_text("Q1\tKokk\n\nQ2\tPagar\textra\n", encoding="utf-8")
    assert read_tsv(path) == [["Q1", "Kokk"], ["Q2", "Pagar", "extra"]]
    with pytest.raises(ValueError, match=r"queries.tsv:3: 3 fields, expected 2"):
        read_tsv(path, 2)


def test_paired_difference_reports_mean_interval_and_counts():
    from scripts.melo_dev import paired_difference

    mean, low, high, better, worse = paired_difference(np.array([0.5, 0.6, 0.4, 0.9]), np.array([0.4, 0.6, 0.5, 0.5]))
    assert mean == pytest.approx(0.1) and (better, worse) == (2, 1)
    assert low <= mean <= high
