"""Encoders (real ones marked slow), the model-free HashingEncoder and the embedding cache."""
from __future__ import annotations

import time

import numpy as np
import pytest

from matching.cache import CachedEncoder, MemoryEmbeddingCache, cache_key
from matching.encoders import (
    E5Encoder,
    Encoder,
    EncoderUnavailable,
    HashingEncoder,
    SentenceTransformerEncoder,
    make_encoder,
)

DANISH_QUERY = "lagermedarbejder"
DANISH_NEAR = "lagerarbejde og truckkørsel"
DANISH_FAR = "sygeplejerske"


class CountingEncoder:
    """Fake encoder that records every text it is asked to encode."""

    name = "counting"
    dimension = 8

    def __init__(self):
        self.seen: list[str] = []
        self._hashing = HashingEncoder(dimension=8)

    def encode_queries(self, texts):
        self.seen.extend(texts)
        return self._hashing.encode_queries(texts)

    def encode_passages(self, texts):
        self.seen.extend(texts)
        return self._hashing.encode_passages(texts) * -1.0  # roles must not be mixed up


# --- real encoders -------------------------------------------------------------------------

@pytest.fixture(params=["e5_encoder", "minilm_encoder"])
def real_encoder(request) -> Encoder:
    return request.getfixturevalue(request.param)


@pytest.mark.slow
def test_real_encoder_shape_dtype_and_unit_rows(real_encoder):
    for encode in (real_encoder.encode_queries, real_encoder.encode_passages):
        vectors = encode(["kok", "Buschauffør i Hedensted", ""])
        assert vectors.shape == (3, real_encoder.dimension)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        assert encode([]).shape == (0, real_encoder.dimension)


@pytest.mark.slow
def test_real_encoder_danish_sanity(real_encoder):
    query = real_encoder.encode_queries([DANISH_QUERY])[0]
    for encode in (real_encoder.encode_queries, real_encoder.encode_passages):
        near, far = encode([DANISH_NEAR, DANISH_FAR]) @ query
        assert near > far


@pytest.mark.slow
def test_real_encoder_survives_hostile_text(real_encoder):
    hostile = ["a\x00b", "\u202etekst\u200b", "x" * 1_000_000, "lone \ud800 surrogate", "e\u0301" * 500]
    vectors = real_encoder.encode_passages(hostile)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_e5_name_and_dimension(e5_encoder):
    assert e5_encoder.name == "e5-small-4bit"
    assert e5_encoder.dimension == 384


def test_missing_e5_model_is_a_clear_error():
    encoder = E5Encoder(variant="no-such-variant")  # constructing is lazy and succeeds
    with pytest.raises(EncoderUnavailable, match="no-such-variant"):
        encoder.encode_queries(["kok"])


def test_missing_model_directory_is_a_clear_error(tmp_path):
    encoder = SentenceTransformerEncoder(str(tmp_path / "absent"))
    with pytest.raises(EncoderUnavailable, match="does not exist"):
        encoder.encode_passages(["kok"])


# --- hashing encoder and factory -----------------------------------------------------------

def test_hashing_encoder_is_deterministic_across_instances():
    texts = ["Lagermedarbejder", "kok", "Social- og sundhedshjælper"]
    first = HashingEncoder().encode_queries(texts)
    second = HashingEncoder().encode_passages(texts)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-6)


def test_hashing_encoder_spelling_similarity_and_empty_text():
    encoder = HashingEncoder()
    query, near, far, empty = encoder.encode_queries([DANISH_QUERY, DANISH_NEAR, DANISH_FAR, ""])
    assert query @ near > query @ far
    assert not empty.any()  # nothing to hash: zero vector, documented
    assert encoder.encode_queries([]).shape == (0, encoder.dimension)


@pytest.mark.parametrize(("spec", "kind"), [
    ("e5+none", E5Encoder), (" E5 + none", E5Encoder), ("hashing", HashingEncoder), ("minilm", SentenceTransformerEncoder),
    ("sentence-transformers:/models/x", SentenceTransformerEncoder),
])
def test_make_encoder_specs(spec, kind):
    assert isinstance(make_encoder(spec), kind)
    assert isinstance(make_encoder(spec.split("+")[0], "none"), kind)


@pytest.mark.parametrize("spec", ["bert", "", "sentence-transformers:", "hashing2"])
def test_make_encoder_rejects_unknown_specs_listing_the_choices(spec):
    with pytest.raises(ValueError) as error:
        make_encoder(spec)
    for choice in ("e5", "minilm", "hashing", "sentence-transformers:"):
        assert choice in str(error.value)


# --- cache ---------------------------------------------------------------------------------

def test_cache_key_separates_encoder_role_and_text():
    base = cache_key("e5-small-4bit", "query", "kok")
    assert base == cache_key("e5-small-4bit", "query", "kok")
    assert len(base) == 64
    others = [cache_key("minilm", "query", "kok"), cache_key("e5-small-4bit", "passage", "kok"),
              cache_key("e5-small-4bit", "query", "kok "), cache_key("e5-small-4bi", "query", "tkok")]
    assert base not in others
    with pytest.raises(ValueError, match="role"):
        cache_key("e5", "document", "kok")


def test_second_encode_does_not_call_the_inner_encoder():
    inner = CountingEncoder()
    cached = CachedEncoder(inner, MemoryEmbeddingCache())
    first = cached.encode_passages(["kok", "tjener", "kok"])
    assert inner.seen == ["kok", "tjener"]  # duplicates within a call are encoded once
    second = cached.encode_passages(["tjener", "kok"])
    assert inner.seen == ["kok", "tjener"]
    np.testing.assert_array_equal(second, first[[1, 0]])
    np.testing.assert_array_equal(first, inner.encode_passages(["kok", "tjener", "kok"]))


def test_query_and_passage_vectors_are_cached_separately():
    inner = CountingEncoder()
    cached = CachedEncoder(inner, MemoryEmbeddingCache())
    query = cached.encode_queries(["kok"])
    passage = cached.encode_passages(["kok"])
    assert inner.seen == ["kok", "kok"]
    np.testing.assert_array_equal(query, -passage)


def test_delete_many_removes_entries_so_they_are_encoded_again():
    inner, cache = CountingEncoder(), MemoryEmbeddingCache()
    cached = CachedEncoder(inner, cache)
    cached.encode_passages(["kok", "tjener"])
    assert cache.delete_many(cached.keys(["kok", "ukendt"], "passage")) == 1
    assert len(cache) == 1
    cached.encode_passages(["kok", "tjener"])
    assert inner.seen == ["kok", "tjener", "kok"]


def test_memory_cache_is_a_bounded_lru_holding_private_copies():
    cache = MemoryEmbeddingCache(max_entries=2)
    vector = np.ones(3, dtype=np.float32)
    cache.put_many({"a": vector, "b": vector})
    vector[:] = 5  # the caller's array changing must not change the cache
    cache.get_many(["a"])  # "a" is now most recent, so "b" is evicted next
    cache.put_many({"c": np.zeros(3)})
    found = cache.get_many(["a", "b", "c"])
    assert set(found) == {"a", "c"}
    np.testing.assert_array_equal(found["a"], np.ones(3))


def test_cached_encoder_overhead_is_small_on_misses():
    """On misses the wrapper costs far less than 10% of e5's ~6 ms per text."""
    texts = [f"jobmål nummer {i}" for i in range(5000)]

    class FreeEncoder:
        name, dimension = "free", 384

        def encode_queries(self, batch):
            return np.zeros((len(batch), 384), dtype=np.float32)

        encode_passages = encode_queries

    started = time.perf_counter()
    CachedEncoder(FreeEncoder(), MemoryEmbeddingCache()).encode_passages(texts)
    per_text = (time.perf_counter() - started) / len(texts)
    assert per_text < 200e-6, f"{per_text * 1e6:.0f} µs per text"


def test_encoders_satisfy_the_protocol_without_loading_a_model():
    e5 = E5Encoder(variant="no-such-variant")  # would raise if isinstance loaded it
    for encoder in (e5, HashingEncoder(), CachedEncoder(HashingEncoder(), MemoryEmbeddingCache())):
        assert isinstance(encoder, Encoder)
        assert encoder.name
