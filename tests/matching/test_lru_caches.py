"""The matching caches evict the least recently used entry first, and a hit refreshes an entry.

The embedding cache has its own test (test_encoders.py); here the pair-score cache, the
lexical count cache and the lexical model's row cache, seen through what they recompute.
"""
from __future__ import annotations

import pytest

from matching import lexical
from matching.cache import MemoryEmbeddingCache
from matching.lexical import LexicalModel
from matching.shared import PairScoreCache


def test_pair_cache_evicts_the_least_recently_used_and_a_get_refreshes():
    cache = PairScoreCache(max_entries=2)
    cache.put_many([("a", (0.1, ())), ("b", (0.2, ()))])
    assert cache.get_many(["a", "x"]) == {"a": (0.1, ())}  # "a" is now the most recent
    cache.put_many([("c", (0.3, ()))])  # so "b" goes
    assert cache.get_many(["a", "b", "c"]) == {"a": (0.1, ()), "c": (0.3, ())}
    cache.put_many([("d", (0.4, ()))])  # "a" was used before "c": "a" goes
    assert set(cache.get_many(["a", "c", "d"])) == {"c", "d"}
    cache.clear()
    assert cache.get_many(["c", "d"]) == {} and cache.max_entries == 2


def _counting(monkeypatch, name: str, target=lexical) -> list[str]:
    """Record the texts passed to ``target.<name>`` (the work a cache miss costs)."""
    seen: list[str] = []
    real = getattr(target, name)

    def spy(arg):
        seen.extend([arg] if isinstance(arg, str) else arg)
        return real(arg)

    monkeypatch.setattr(target, name, spy)
    return seen


def test_count_cache_evicts_the_least_recently_used_and_a_hit_refreshes(monkeypatch):
    analysed = _counting(monkeypatch, "_analyse")
    counts = lexical._CountCache(max_entries=2)
    hasher = lexical._hasher(dict(analyzer="char_wb", ngram_range=(2, 4)))
    first = counts.rows(hasher, ["kok", "tjener"])
    counts.rows(hasher, ["kok"])  # a hit: "kok" is now the most recent
    counts.rows(hasher, ["smed"])  # so "tjener" goes
    analysed.clear()
    again = counts.rows(hasher, ["kok", "smed", "tjener", "kok"])
    assert analysed == ["tjener"]
    assert (again[[0, 2]] != first).nnz == 0 and (again[3] != first[0]).nnz == 0


def test_lexical_row_cache_evicts_the_least_recently_used_and_a_hit_refreshes(monkeypatch):
    model = LexicalModel().with_stats(None)
    model.max_cached_rows = 2
    weighed = _counting(monkeypatch, "_weigh", model)
    model.transform(["kok", "tjener"])
    model.transform(["kok"])  # a hit: "kok" is now the most recent
    model.transform(["smed"])  # so "tjener" goes
    weighed.clear()
    model.transform(["kok", "smed", "tjener"])
    assert weighed == ["tjener"]
    assert model.max_cached_rows == 2


def test_new_row_bound_or_statistics_start_an_empty_row_cache(monkeypatch):
    model = LexicalModel().with_stats(None)
    weighed = _counting(monkeypatch, "_weigh", model)
    model.transform(["kok"])
    model.max_cached_rows = 10
    model.transform(["kok"])
    model.with_stats(None)
    model.transform(["kok"])
    assert weighed == ["kok"] * 3 and model.max_cached_rows == 10


@pytest.mark.parametrize("make", [MemoryEmbeddingCache, PairScoreCache, lexical._CountCache])
@pytest.mark.parametrize("bound", [0, -1])
def test_a_cache_must_hold_at_least_one_entry(make, bound):
    with pytest.raises(ValueError, match="at least 1"):
        make(max_entries=bound)


def test_a_lexical_model_must_cache_at_least_one_row():
    model = LexicalModel()
    with pytest.raises(ValueError, match="at least 1"):
        model.max_cached_rows = 0
    assert model.max_cached_rows == 4096
