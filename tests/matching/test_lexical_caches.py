"""The in-process caches of lexical statistics and models: cachetools LRU caches, so a hit keeps
an entry and the least recently used goes first (review BN, finding 11).

Before, ``index_meta`` kept both kinds' combined statistics (the entry every ranking reads) in a
hand-written LRU that did not count a hit on them as a use: they were evicted as if unused.
"""
from __future__ import annotations

import pytest

from matching import index_meta, relevance
from matching.encoders import HashingEncoder
from matching.index_meta import decode_lexical, lexical_meta, lexical_stats
from matching.lexical import LexicalStats
from matching.relevance import RelevanceConfig, RelevanceScorer


@pytest.fixture(autouse=True)
def _empty_caches():
    index_meta._DECODED.clear()
    relevance._MODELS.clear()
    yield
    index_meta._DECODED.clear()
    relevance._MODELS.clear()


def _meta(n: int) -> dict:
    return lexical_meta([f"lagermedarbejder nummer {n}", f"truckfører {n} år"])


def test_the_combined_statistics_every_ranking_reads_stay_while_they_are_used():
    citizens, openings = _meta(1), _meta(2)
    combined = lexical_stats([citizens, openings])
    for n in range(3, 3 + 2 * index_meta._DECODED.maxsize):
        decode_lexical(_meta(n))  # other indexes' statistics come and go
        assert lexical_stats([citizens, openings]) is combined  # a hit, not combined again


def test_the_least_recently_used_statistics_go_first():
    first, second = _meta(1), _meta(2)
    kept_first, kept_second = decode_lexical(first), decode_lexical(second)
    for n in range(3, 3 + index_meta._DECODED.maxsize - 1):
        assert decode_lexical(first) is kept_first  # used, so kept
        decode_lexical(_meta(n))
    assert decode_lexical(first) is kept_first
    assert decode_lexical(second) is not kept_second  # the least recently used: decoded again
    assert decode_lexical(second).version == kept_second.version


def test_the_least_recently_used_lexical_model_goes_first():
    scorer = RelevanceScorer(HashingEncoder(32), RelevanceConfig(lexical_floor=0))
    stats = [LexicalStats.from_texts([f"kok nummer {n}", f"opvasker {n}"]) for n in range(6)]
    first, second = scorer.lexical_model(stats[0]), scorer.lexical_model(stats[1])
    for more in stats[2:2 + relevance._MODELS.maxsize - 1]:
        assert scorer.lexical_model(stats[0]) is first
        scorer.lexical_model(more)
    assert scorer.lexical_model(stats[0]) is first
    assert scorer.lexical_model(stats[1]) is not second
