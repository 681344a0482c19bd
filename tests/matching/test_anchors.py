"""Concept anchors on top of an adapter (issue 12, "Levers of another kind"): the run-time
move toward the nearest ESCO concept centroids, loading, the shipped file and the build command.
No e5 model is loaded."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matching import adapter as adapter_module
from matching import anchors as anchors_module
from matching import train
from matching.adapter import Adapter, AdapterError, anchor, anchor_weights, length_anchoring, load_adapter
from matching.encoders import E5Encoder, HashingEncoder, make_encoder
from matching.relevance import RelevanceConfig


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_vector_moves_toward_the_mean_of_its_nearest_anchors():
    table = np.eye(4, dtype=np.float32)
    v = _unit(np.array([[0.9, 0.3, 0.1, 0.0]]))
    one = anchor(v, table, k=1, weight=1.0)
    np.testing.assert_allclose(one, _unit(v + table[[0]]), atol=1e-6)
    two = anchor(v, table, k=2, weight=0.5)
    np.testing.assert_allclose(two, _unit(v + 0.5 * (table[0] + table[1]) / 2), atol=1e-6)
    assert one[0] @ table[0] > v[0] @ table[0]
    np.testing.assert_allclose(anchor(v, table, k=3, weight=0.0), v, atol=1e-7)


def test_anchoring_keeps_unit_rows_and_empty_text_zero():
    rng = np.random.default_rng(0)
    table = _unit(rng.normal(size=(20, 8)))
    vectors = np.vstack([_unit(rng.normal(size=(3, 8))), np.zeros((1, 8), np.float32)])
    out = anchor(vectors, table, k=3, weight=0.3)
    assert out.dtype == np.float32 and out.shape == (4, 8)
    np.testing.assert_allclose(np.linalg.norm(out[:3], axis=1), 1.0, atol=1e-6)
    assert not out[3].any()
    assert anchor(np.zeros((0, 8), np.float32), table, 3, 0.3).shape == (0, 8)


def test_a_row_is_anchored_alike_in_any_batch(monkeypatch):
    """A vector (and so a pair's score) must not depend on the other texts of a batch."""
    monkeypatch.setattr(adapter_module, "ANCHOR_ROWS", 7)  # several blocks, a ragged last one
    rng = np.random.default_rng(1)
    table = _unit(rng.normal(size=(50, 16)))
    vectors = _unit(rng.normal(size=(30, 16)))
    together = anchor(vectors, table, k=3, weight=0.3)
    for i in (0, 6, 7, 29):
        np.testing.assert_array_equal(together[i], anchor(vectors[i:i + 1], table, 3, 0.3)[0])
    np.testing.assert_array_equal(together[::-1], anchor(vectors[::-1], table, 3, 0.3))


def test_anchors_can_turn_a_wrong_nearest_text_into_the_right_one():
    """The mechanism behind the MELO gains (docs/matching.md): a title and the other language's
    name of its concept share little surface (dimension 2 is the second language), while a name
    of another concept shares a misleading part (dimension 3). Both sides move toward their
    nearest concept centroid, and the right name comes first."""
    table = np.eye(4, dtype=np.float32)[:2]  # the centroids of concepts A and B
    title = _unit(np.array([[0.7, 0.5, 0.3, 0.4]]))  # concept A
    names = _unit(np.array([[0.7, 0.1, 0.6, 0.0],  # concept A, in the other language
                            [0.5, 0.6, 0.0, 0.5]]))  # concept B
    assert np.argmax(title @ names.T) == 1
    assert np.argmax(anchor(title, table, 1, 0.5) @ anchor(names, table, 1, 0.5).T) == 0


def _write(path: Path, anchors: np.ndarray | None, settings: dict | None, dim: int = 8) -> None:
    meta = {"version": path.stem, "base_encoder": f"hashing-{dim}"}
    if settings is not None:
        meta["anchors"] = settings
    arrays = {"W": np.eye(dim, dtype=np.float16), "b": np.zeros(dim, np.float16), "meta": np.array(json.dumps(meta))}
    if anchors is not None:
        arrays["A"] = anchors.astype(np.float16)
    np.savez(path, **arrays)


def test_an_adapter_file_with_anchors_applies_them(tmp_path):
    table = _unit(np.random.default_rng(2).normal(size=(12, 8)))
    path = tmp_path / "anchored-test.npz"
    _write(path, table, {"k": 2, "weight": 0.4})
    loaded = load_adapter(str(path))
    assert loaded.anchors.shape == (12, 8) and loaded.anchor_k == 2 and loaded.anchor_weight == 0.4
    vectors = _unit(np.random.default_rng(3).normal(size=(5, 8)))
    np.testing.assert_allclose(loaded.apply(vectors),
                               anchor(vectors, table.astype(np.float16).astype(np.float32), 2, 0.4), atol=1e-6)
    plain = Adapter("plain", "hashing-8", np.eye(8, dtype=np.float32), np.zeros(8, np.float32))
    assert not np.allclose(loaded.apply(vectors), plain.apply(vectors))


@pytest.mark.parametrize("case", ["no-settings", "bad-k", "bad-weight", "wrong-width", "nan"])
def test_bad_anchors_are_a_clear_error(tmp_path, case):
    path = tmp_path / f"{case}.npz"
    table = _unit(np.random.default_rng(4).normal(size=(6, 8)))
    settings = {"k": 3, "weight": 0.3}
    if case == "no-settings":
        settings = None
    elif case == "bad-k":
        settings = {"k": 7, "weight": 0.3}  # more than there are anchors
    elif case == "bad-weight":
        settings = {"k": 3, "weight": -1}
    elif case == "wrong-width":
        table = table[:, :5]
    elif case == "nan":
        table = np.full((6, 8), np.nan)
    _write(path, table, settings)
    with pytest.raises(AdapterError, match="anchor"):
        load_adapter(str(path))


def test_the_shipped_anchored_adapter_is_occupation_v1_plus_its_anchors():
    anchored = load_adapter("occupation-v1-anchored")
    source = load_adapter("occupation-v1")
    assert anchored.base_encoder == E5Encoder().name
    np.testing.assert_array_equal(anchored.weight, source.weight)
    np.testing.assert_array_equal(anchored.bias, source.bias)
    assert anchored.anchors.shape == (3561, 384) and (anchored.anchor_k, anchored.anchor_weight) == (3, 0.3)
    np.testing.assert_allclose(np.linalg.norm(anchored.anchors, axis=1), 1.0, atol=2e-3)
    vectors = np.random.default_rng(5).normal(size=(4, 384)).astype(np.float32)
    mapped = anchored.apply(vectors)
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(mapped, source.apply(vectors))
    low, high = RelevanceConfig().range_for(f"{E5Encoder().name}+occupation-v1-anchored")
    assert high == 1.0 and low == pytest.approx(anchored.meta["summary"]["anchors"]["range_low"], abs=0.001)
    assert RelevanceConfig().range_for(f"{E5Encoder().name}+occupation-v1") == (0.24, 1.0)
    assert anchored.meta["command"].startswith("python -m matching.train --mode anchors")
    # Selected like any shipped version (MATCHING_ADAPTER, "e5+<version>"); the model is not loaded.
    assert make_encoder("e5+occupation-v1-anchored").name == "e5-small-4bit+occupation-v1-anchored"
    assert make_encoder("e5", "occupation-v1-anchored").adapter is anchored


def _lists(root: Path) -> Path:
    for name, rows in {"aaa_q_xx_c_xx": ["C000001_xx_000\tLagerist", "C000001_xx_001\tLagerhelfer",
                                         "C000002_xx_000\tPflegefachkraft"],
                       "bbb_q_yy_c_yy": ["C000001_yy_000\tmagazynier", "C000003_yy_000\tpiekarz"]}.items():
        (root / name).mkdir()
        (root / name / "corpus_elements.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_build_command_writes_a_loadable_anchored_adapter(tmp_path, monkeypatch, capsys):
    (tmp_path / "melo-train").mkdir()
    data = _lists(tmp_path / "melo-train")
    fake = HashingEncoder(384)
    seen: list[list[str]] = []

    def encode(texts, workers=2, cached_only=False):
        seen.append(list(texts))
        return fake.encode_queries(texts)

    monkeypatch.setattr(train, "encode_cached", encode)
    out = tmp_path / "zs-anchored.npz"
    code = train.main(["--mode", "anchors", "--adapter", "none", "--lists", "aaa_q_xx_c_xx", "bbb_q_yy_c_yy",
                       "--k", "1", "--weight", "0.5", "--data", str(data), "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["names"] == 5 and summary["concepts"] == 3
    assert seen == [["Lagerist", "Lagerhelfer", "Pflegefachkraft", "magazynier", "piekarz"]]
    built = load_adapter(str(out))
    assert built.version == "zs-anchored" and built.base_encoder == E5Encoder().name
    assert built.anchors.shape == (3, 384) and (built.anchor_k, built.anchor_weight) == (1, 0.5)
    # Concept C000001's centroid is the mean of its names in both lists.
    names = fake.encode_queries(["Lagerist", "Lagerhelfer", "magazynier"])
    np.testing.assert_allclose(built.anchors[0], _unit(names.sum(axis=0, keepdims=True))[0], atol=2e-3)
    assert built.meta["anchors"] == {"k": 1, "weight": 0.5}


def test_build_command_refuses_an_unknown_list_or_bad_settings(tmp_path, capsys):
    data = _lists(tmp_path)
    out = tmp_path / "x.npz"
    assert anchors_module.main(["--adapter", "none", "--lists", "zzz", "--data", str(data), "--out", str(out)],
                               encode=lambda texts: np.zeros((len(texts), 384))) == 2
    assert "zzz" in capsys.readouterr().err
    assert anchors_module.main(["--k", "0", "--data", str(data), "--out", str(out)]) == 2
    assert anchors_module.main(["--data", str(data), "--out", str(tmp_path / "x.txt")]) == 2
    assert not out.exists()


# --- anchoring by text length (titles and jobmål anchored, CVs and whole openings not) ------


def test_anchor_weights_shrink_with_the_length_of_each_text_alone():
    texts = ["Lagermedarbejder", "  " + "x" * 100 + "  ", "x" * 150, "x" * 200, "x" * 900, ""]
    weights = anchor_weights(texts, 0.3, 100, 200)
    np.testing.assert_allclose(weights, [0.3, 0.3, 0.15, 0.0, 0.0, 0.3])
    # One text's weight never depends on the texts beside it.
    for i, text in enumerate(texts):
        assert anchor_weights([text], 0.3, 100, 200)[0] == weights[i]


def test_anchor_takes_a_weight_per_row_and_leaves_weight_zero_rows_exactly_as_they_are():
    rng = np.random.default_rng(6)
    table = _unit(rng.normal(size=(20, 8)))
    vectors = _unit(rng.normal(size=(3, 8)))
    out = anchor(vectors, table, 3, np.array([0.3, 0.0, 0.1]))
    np.testing.assert_array_equal(out[0], anchor(vectors[:1], table, 3, 0.3)[0])
    np.testing.assert_array_equal(out[1], vectors[1])
    np.testing.assert_array_equal(out[2], anchor(vectors[2:], table, 3, 0.1)[0])


def _length_adapter(tmp_path, version="titles-test", chars=(20, 40)):
    table = _unit(np.random.default_rng(7).normal(size=(12, 8)))
    path = tmp_path / f"{version}.npz"
    _write(path, table, {"k": 2, "weight": 0.4, "full_chars": chars[0], "zero_chars": chars[1]})
    return path


def test_an_adapter_anchoring_by_length_anchors_titles_and_leaves_long_texts(tmp_path):
    loaded = load_adapter(str(_length_adapter(tmp_path)))
    assert loaded.anchor_chars == (20, 40) and loaded.anchor_weight == 0.4
    plain = Adapter("plain", "hashing-8", np.eye(8, dtype=np.float32), np.zeros(8, np.float32))
    vectors = _unit(np.random.default_rng(8).normal(size=(3, 8)))
    texts = ["Smed", "Smed i virksomhedspraktik, 30 timer", "Jobmål: Smed. " + "CV " * 40]
    out = loaded.apply(vectors, texts)
    np.testing.assert_allclose(out[0], anchor(vectors[:1], loaded.anchors, 2, 0.4)[0], atol=1e-6)
    np.testing.assert_allclose(out[1], anchor(vectors[1:2], loaded.anchors, 2, 0.4 * 5 / 20)[0], atol=1e-6)
    np.testing.assert_array_equal(out[2], plain.apply(vectors[2:])[0])
    with pytest.raises(AdapterError, match="texts"):
        loaded.apply(vectors)  # without the texts it cannot know how far to move them
    with pytest.raises(AdapterError, match="texts"):
        loaded.apply(vectors, texts[:2])


def test_the_adapted_encoder_hands_the_texts_to_a_length_anchoring_adapter(tmp_path):
    path = _length_adapter(tmp_path)
    encoder = make_encoder("hashing:8", str(path))
    assert encoder.name == "hashing-8+titles-test"
    texts = ["Lagermedarbejder", "Jobmål: Lagermedarbejder. " + "Jeg har arbejdet på lager i fem år. " * 5]
    for role in ("encode_queries", "encode_passages"):
        got = getattr(encoder, role)(texts)
        base = getattr(HashingEncoder(8), role)(texts)
        np.testing.assert_array_equal(got, load_adapter(str(path)).apply(base, texts))
        np.testing.assert_array_equal(got[1], base[1])  # identity map: the long text is left alone


def test_changing_the_length_rule_is_a_new_version_and_so_a_new_encoder_name(tmp_path):
    """Vectors change with the rule, so the name must too: the cache and the index are rebuilt."""
    every = tmp_path / "anchored-test.npz"
    _write(every, _unit(np.random.default_rng(7).normal(size=(12, 8))), {"k": 2, "weight": 0.4})
    titles = _length_adapter(tmp_path)
    names = {make_encoder("hashing:8", str(p)).name for p in (every, titles)}
    assert names == {"hashing-8+anchored-test", "hashing-8+titles-test"}


@pytest.mark.parametrize("settings", [
    {"full_chars": 20}, {"zero_chars": 40}, {"full_chars": 40, "zero_chars": 40},
    {"full_chars": -1, "zero_chars": 40}, {"full_chars": 20.5, "zero_chars": 40}, {"full_chars": True, "zero_chars": 40},
])
def test_bad_length_settings_are_a_clear_error(tmp_path, settings):
    path = tmp_path / "bad-chars.npz"
    _write(path, _unit(np.random.default_rng(9).normal(size=(6, 8))), {"k": 3, "weight": 0.3, **settings})
    with pytest.raises(AdapterError, match="full_chars"):
        load_adapter(str(path))


def test_evaluate_hands_the_texts_to_a_length_anchoring_adapter(tmp_path):
    from matching.evaluate import _encode_cached

    encoder = make_encoder("hashing:8", str(_length_adapter(tmp_path)))
    texts = ["Svejser", "Svejser med certifikat og mange års erfaring fra værft"]
    for cache_dir in (None, tmp_path / "eval"):
        np.testing.assert_array_equal(_encode_cached(encoder, "query", texts, "t", cache_dir),
                                      encoder.encode_queries(texts))


def test_build_command_records_the_length_rule(tmp_path, monkeypatch, capsys):
    data = _lists(tmp_path)
    out = tmp_path / "zs-titles.npz"
    code = anchors_module.main(["--adapter", "none", "--lists", "aaa_q_xx_c_xx", "--k", "1", "--weight", "0.5",
                                "--title-chars", "60", "120", "--data", str(data), "--out", str(out)],
                               encode=HashingEncoder(384).encode_queries)
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["full_chars"], summary["zero_chars"]) == (60, 120)
    built = load_adapter(str(out))
    assert built.anchor_chars == (60, 120) and built.meta["anchors"] == {"k": 1, "weight": 0.5, "full_chars": 60,
                                                                         "zero_chars": 120}
    assert anchors_module.main(["--adapter", "none", "--lists", "aaa_q_xx_c_xx", "--title-chars", "120", "60",
                                "--data", str(data), "--out", str(tmp_path / "y.npz")]) == 2
    assert not (tmp_path / "y.npz").exists()


class _NameOnly:
    """A wrapper that keeps an encoder's name and nothing else (as the portal's lock does)."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        return self.inner.encode_passages(texts)


def test_a_pair_is_on_the_anchored_scale_only_when_both_texts_are_title_like(tmp_path, monkeypatch):
    from matching import relevance
    from matching.adapter import length_anchoring
    from matching.relevance import RelevanceScorer

    encoder = make_encoder("hashing:8", str(_length_adapter(tmp_path)))
    monkeypatch.setitem(relevance.DENSE_RANGES, "hashing-8+titles-test", (0.3, 1.0))
    monkeypatch.setitem(relevance.DENSE_RANGES, "hashing-8", (0.1, 1.0))  # the source's range
    rule = length_anchoring("hashing-8+titles-test")
    assert (rule.full_chars, rule.zero_chars, rule.source_name) == (20, 40, "hashing-8")
    title, other, long = "Smed", "Svejser", "Jobmål: Smed. Jeg har svejset i ti år på et værft."
    for wrapped in (encoder, _NameOnly(encoder)):  # found by name, whatever wraps the encoder
        scorer = RelevanceScorer(wrapped)
        np.testing.assert_allclose(scorer.dense_lows(title, [other, long, "x" * 30]), [0.3, 0.1, 0.2], atol=1e-6)
        np.testing.assert_allclose(scorer.dense_lows(long, [other]), [0.1], atol=1e-6)  # symmetric
        together = scorer.score(title, [other, long]).fused
        assert together[0] == scorer.score(title, [other]).fused[0]  # never depends on the other docs
        assert together[1] == scorer.score(title, [long]).fused[0]
        assert scorer.score(long, [title]).fused[0] == pytest.approx(together[1], abs=1e-6)
    assert RelevanceScorer(make_encoder("hashing:8")).dense_lows(title, [other]) is None
    assert length_anchoring("hashing-8") is None and length_anchoring("e5-small-4bit+occupation-v1") is None


def test_the_shipped_title_anchored_adapter_is_occupation_v1_anchored_on_titles_only():
    titles = load_adapter("occupation-v1-anchored-titles")
    every = load_adapter("occupation-v1-anchored")
    for part in ("weight", "bias", "anchors"):
        np.testing.assert_array_equal(getattr(titles, part), getattr(every, part))
    assert titles.anchor_chars == (120, 240) and (titles.anchor_k, titles.anchor_weight) == (3, 0.3)
    name = f"{E5Encoder().name}+occupation-v1-anchored-titles"
    assert make_encoder("e5+occupation-v1-anchored-titles").name == name  # a new name: the index is rebuilt
    rule = length_anchoring(name)
    assert rule.source_name == f"{E5Encoder().name}+occupation-v1"
    vectors = np.random.default_rng(10).normal(size=(2, 384)).astype(np.float32)
    texts = ["Lagermedarbejder", "Jobmål: Lagermedarbejder. " + "Erfaring med pluk og pak. " * 10]
    mapped = titles.apply(vectors, texts)
    # (allclose: the map's float32 product may round its last bit by batch size)
    np.testing.assert_allclose(mapped[0], every.apply(vectors[:1])[0], atol=1e-6)  # a title: as anchored
    np.testing.assert_allclose(mapped[1], load_adapter("occupation-v1").apply(vectors[1:])[0], atol=1e-6)  # a CV: as v1
    assert RelevanceConfig().range_for(name) == RelevanceConfig().range_for(f"{E5Encoder().name}+occupation-v1-anchored")
