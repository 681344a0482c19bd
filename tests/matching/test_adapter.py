"""The occupation adapter (issue 12): loading, mapping, naming, errors and the training loop."""
from __future__ import annotations

import json

import numpy as np
import pytest

from matching.adapter import (
    DEFAULT_ADAPTER,
    AdaptedEncoder,
    Adapter,
    AdapterError,
    load_adapter,
    with_adapter,
)
from matching.encoders import E5Encoder, HashingEncoder, make_encoder
from matching.backends.memory import MemoryBackend
from matching.index_meta import encoder_meta, mismatches
from matching.relevance import RelevanceConfig
from matching.settings import MatchingSettings, encoder_spec

TEXTS = ["lagermedarbejder", "sygeplejerske", "Buschauffør i Hedensted", ""]


def _write(path, meta: dict | None, weight: np.ndarray, bias: np.ndarray | None = None) -> None:
    arrays = {"W": weight.astype(np.float16)}
    if bias is not None:
        arrays["b"] = bias.astype(np.float16)
    if meta is not None:
        arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)


@pytest.fixture()
def hashing_adapter(tmp_path):
    """A random 64-dim adapter trained 'for' the hashing-64 encoder."""
    rng = np.random.default_rng(0)
    path = tmp_path / "occupation-test.npz"
    _write(path, {"version": "occupation-test", "base_encoder": "hashing-64"},
           np.eye(64) + rng.normal(scale=0.1, size=(64, 64)), rng.normal(scale=0.01, size=64))
    return path


SHIPPED = ("occupation-v1", "occupation-v2")


@pytest.mark.parametrize("version", SHIPPED)
def test_shipped_adapter_loads_and_maps_to_unit_rows(version):
    adapter = load_adapter(version)
    assert adapter.version == version and adapter.base_encoder == E5Encoder().name
    vectors = np.random.default_rng(1).normal(size=(5, adapter.dimension)).astype(np.float32)
    mapped = adapter.apply(vectors)
    assert mapped.shape == (5, adapter.dimension) and mapped.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-5)
    assert adapter.meta["summary"]["map"] > adapter.meta["summary"]["baseline_map"]


@pytest.mark.parametrize("version", SHIPPED)
def test_shipped_adapter_has_its_calibration_range(version):
    adapter = load_adapter(version)
    low, high = RelevanceConfig().range_for(f"{E5Encoder().name}+{version}")
    assert high == 1.0
    assert low == pytest.approx(adapter.meta["summary"]["calibration"]["unrelated_median"], abs=0.02)
    assert RelevanceConfig().range_for(E5Encoder().name) == (0.80, 1.00)
    assert adapter.meta["command"].startswith("python -m matching.train") and adapter.meta["trained"]


def test_adapted_encoder_maps_both_roles_and_keeps_empty_text_zero(hashing_adapter):
    base = HashingEncoder(64)
    encoder = with_adapter(base, str(hashing_adapter))
    assert isinstance(encoder, AdaptedEncoder)
    for mine, theirs in ((encoder.encode_queries, base.encode_queries),
                         (encoder.encode_passages, base.encode_passages)):
        vectors = mine(TEXTS)
        assert vectors.shape == (4, 64)
        np.testing.assert_allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
        assert not vectors[3].any()
        assert not np.allclose(vectors[:3], theirs(TEXTS)[:3])
    assert encoder.encode_queries([]).shape == (0, 64)


def test_none_is_the_zero_shot_encoder_bit_for_bit(hashing_adapter):
    base = HashingEncoder(64)
    for spec in ("none", "None", "", None):
        assert with_adapter(base, spec) is base
    plain = make_encoder("hashing:64+none")
    assert plain.name == "hashing-64"
    np.testing.assert_array_equal(plain.encode_queries(TEXTS), base.encode_queries(TEXTS))


def test_the_encoder_name_carries_the_adapter_version(hashing_adapter):
    assert make_encoder("e5").name == f"e5-small-4bit+{DEFAULT_ADAPTER}"
    assert make_encoder("e5", "none").name == "e5-small-4bit"
    assert make_encoder("e5+none").name == "e5-small-4bit"
    assert make_encoder("hashing:64", str(hashing_adapter)).name == "hashing-64+occupation-test"
    # An adapter trained for another encoder leaves this one as it is.
    assert make_encoder("hashing:32", str(hashing_adapter)).name == "hashing-32"


def test_a_new_adapter_version_makes_the_indexer_rebuild(hashing_adapter, tmp_path):
    rng = np.random.default_rng(2)
    other = tmp_path / "occupation-test2.npz"
    _write(other, {"version": "occupation-test2", "base_encoder": "hashing-64"},
           np.eye(64) + rng.normal(scale=0.1, size=(64, 64)), np.zeros(64))
    first = make_encoder("hashing:64", str(hashing_adapter))
    second = make_encoder("hashing:64", str(other))
    assert first.name != second.name
    backend = MemoryBackend()
    for kind in ("citizen", "opening"):
        backend.set_index_meta(kind, encoder_meta(first))
    assert mismatches(backend, first) == []
    assert len(mismatches(backend, second)) == 2
    assert len(mismatches(backend, HashingEncoder(64))) == 2  # MATCHING_ADAPTER=none


def test_matching_adapter_setting_reaches_the_encoder_spec(tmp_path):
    assert encoder_spec({"MATCHING_ENCODER": "e5"}) == "e5"
    assert encoder_spec({"MATCHING_ENCODER": "e5", "MATCHING_ADAPTER": DEFAULT_ADAPTER}) == "e5"
    assert encoder_spec({"MATCHING_ENCODER": "e5", "MATCHING_ADAPTER": "none"}) == "e5+none"
    settings = MatchingSettings.from_config({"MATCHING_ADAPTER": "none"}, tmp_path)
    assert make_encoder(settings.encoder).name == "e5-small-4bit"


@pytest.mark.parametrize("case", ["missing", "not-npz", "no-meta", "bad-shape", "nan"])
def test_missing_or_corrupt_adapter_is_a_clear_error(tmp_path, case):
    path = tmp_path / f"{case}.npz"
    meta = {"version": case, "base_encoder": "hashing-64"}
    if case == "not-npz":
        path.write_bytes(b"not a zip file at all")
    elif case == "no-meta":
        _write(path, None, np.eye(64), np.zeros(64))
    elif case == "bad-shape":
        _write(path, meta, np.eye(64)[:, :10], np.zeros(64))
    elif case == "nan":
        _write(path, meta, np.full((64, 64), np.nan), np.zeros(64))
    with pytest.raises(AdapterError, match="adapter"):
        load_adapter(str(path))
    with pytest.raises(ValueError):  # what make_encoder's callers catch as a usage error
        make_encoder("hashing:64", str(path))


def test_unknown_shipped_adapter_names_the_choices():
    with pytest.raises(AdapterError, match=f"{DEFAULT_ADAPTER}.*none"):
        load_adapter("occupation-v999")


def test_apply_refuses_vectors_of_the_wrong_width():
    adapter = Adapter("t", "hashing-4", np.eye(4, dtype=np.float32), np.zeros(4, dtype=np.float32))
    with pytest.raises(AdapterError, match="expects"):
        adapter.apply(np.ones((2, 5)))


# --- training on planted concepts (torch; no e5) ------------------------------------------

def _planted(seed: int = 0):
    """Concepts planted in 8 of 32 dimensions, drowned in noise across all of them."""
    rng = np.random.default_rng(seed)
    concepts = np.repeat(np.arange(60), 8)
    vectors = rng.normal(size=(len(concepts), 32)) * 2.0
    vectors[:, :8] += rng.normal(size=(60, 32))[concepts][:, :8] * 1.5
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lists = np.tile(np.arange(2), len(concepts) // 2)
    is_query = np.tile([True, False, False, False], len(concepts) // 4)
    return vectors.astype(np.float32), concepts, lists, is_query


def test_training_improves_the_held_out_metric_and_is_reproducible(tmp_path):
    from matching.train import save_adapter, train_adapter

    data = _planted()
    settings = {"epochs": 8, "batch": 64, "lr": 3e-2, "temperature": 0.1}
    first = train_adapter(*data, seed=0, **settings)
    again = train_adapter(*data, seed=0, **settings)
    assert first["heldout"]["map"] > first["heldout"]["baseline_map"] + 0.02
    assert first["heldout"]["best_epoch"] > 0
    np.testing.assert_array_equal(first["W"], again["W"])
    assert first["heldout"] == again["heldout"]

    path = tmp_path / "occupation-planted.npz"
    save_adapter(first, path, {"version": "occupation-planted", "base_encoder": "planted-32"})
    adapter = load_adapter(str(path))
    mapped = adapter.apply(data[0])
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-3)


def test_mlp_adapter_learns_and_numpy_applies_what_torch_trained(tmp_path):
    """The residual MLP improves the held-out metric, and the shipped numpy path reproduces it."""
    from matching.train import heldout_map, save_adapter, split_concepts, train_adapter

    vectors, concepts, lists, is_query = _planted(1)
    result = train_adapter(vectors, concepts, lists, is_query, seed=0, epochs=8, batch=64, lr=3e-2,
                           temperature=0.1, kind="mlp", hidden=16)
    assert result["heldout"]["map"] > result["heldout"]["baseline_map"] + 0.02
    assert result["W2"].any()  # the residual block was trained, not left at its zero start
    path = tmp_path / "occupation-mlp.npz"
    save_adapter(result, path, {"version": "occupation-mlp", "base_encoder": "planted-32"})
    adapter = load_adapter(str(path))
    assert adapter.hidden is not None and adapter.hidden[0].shape == (32, 16)
    held = split_concepts(concepts, 0)
    mapped = adapter.apply(vectors[held])
    assert heldout_map(mapped, concepts[held], lists[held], is_query[held]) == pytest.approx(
        result["heldout"]["map"], abs=0.01)  # float16 weights, same ranking


def test_hard_negatives_come_from_the_nearest_other_concepts():
    from matching.train import HardNegatives

    # Concepts 0 and 1 are near each other, 2 and 3 too; the pairs are far apart.
    centres = np.array([[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0, 0, 1, 0], [0, 0, 0.9, 0.1]], dtype=np.float32)
    concepts = np.repeat([3, 1, 0, 2], 5)  # unsorted labels: positions must still be right
    vectors = centres[concepts] + np.random.default_rng(0).normal(scale=0.01, size=(20, 4))
    miner = HardNegatives(vectors.astype(np.float32), concepts, neighbours=1)
    anchors = np.array([0, 1, 2, 3] * 25)
    drawn = miner.sample(anchors, 3, np.random.default_rng(0))
    assert drawn.shape == (100, 3)
    expected = {0: 1, 1: 0, 2: 3, 3: 2}
    assert all((concepts[row] == expected[a]).all() for a, row in zip(anchors, drawn))
    assert len(set(drawn[anchors == 0].ravel())) > 1  # random texts of the neighbour, not one


def test_training_with_hard_negatives_improves_and_is_reproducible():
    from matching.train import train_adapter

    data = _planted(2)
    settings = {"epochs": 6, "batch": 64, "lr": 3e-2, "temperature": 0.1, "hard_negatives": 4,
                "neighbours": 5, "mine_every": 2}
    first = train_adapter(*data, seed=0, **settings)
    again = train_adapter(*data, seed=0, **settings)
    assert first["heldout"]["map"] > first["heldout"]["baseline_map"] + 0.02
    np.testing.assert_array_equal(first["W"], again["W"])
    plain = train_adapter(*data, seed=0, **{**settings, "hard_negatives": 0})
    assert not np.array_equal(first["W"], plain["W"])  # the hard negatives reached the loss


@pytest.mark.slow
def test_adapted_e5_keeps_danish_occupations_apart(e5_encoder):
    """Trained without Danish, the adapter still puts a Danish warehouse job nearer warehouse work."""
    encoder = AdaptedEncoder(e5_encoder, load_adapter(DEFAULT_ADAPTER))
    query = encoder.encode_queries(["lagermedarbejder"])[0]
    near, far = encoder.encode_queries(["lagerarbejde og truckkørsel", "sygeplejerske"]) @ query
    assert near > far
    low, _ = RelevanceConfig().range_for(encoder.name)
    assert near > low  # a related pair lands inside the calibrated range
