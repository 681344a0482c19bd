"""Language-aware fusion (issue 12): the lexical channel only counts within a language."""
from __future__ import annotations

import numpy as np
import pytest

from matching.encoders import HashingEncoder
from matching.language import cross_language, language_of
from matching.relevance import RelevanceConfig, RelevanceScorer

DANISH = "Pædagogmedhjælper i børnehave med erfaring fra vuggestue"
SWEDISH = "Barnskötare på förskola med erfarenhet av småbarn"
ENGLISH = "Warehouse worker with forklift licence and experience from logistics"


def test_languages_are_detected_and_the_nordic_ones_are_one_family():
    assert language_of(ENGLISH) == "en"
    assert language_of(DANISH) == language_of(SWEDISH) == "nordic"
    assert language_of("1234 !!") is None  # nothing to detect: unsure, never "different"


def test_cross_language_is_a_fact_about_each_pair():
    docs = [DANISH, ENGLISH, SWEDISH, "???"]
    flags = cross_language(DANISH, docs)
    assert flags.tolist() == [False, True, False, False]
    for i, doc in enumerate(docs):
        assert cross_language(DANISH, [doc])[0] == flags[i]


def test_same_language_pairs_fuse_as_before_and_cross_language_pairs_drop_lexical():
    encoder = HashingEncoder()
    aware = RelevanceScorer(encoder)
    plain = RelevanceScorer(encoder, RelevanceConfig(cross_language_dense_weight=None))
    docs = [SWEDISH, ENGLISH]
    mine, before = aware.score(DANISH, docs), plain.score(DANISH, docs)
    assert mine.fused[0] == pytest.approx(before.fused[0], abs=1e-7)
    low, high = aware.config.range_for(encoder.name)
    dense_only = np.clip((mine.dense[1] - low) / (high - low), 0, 1)
    assert mine.fused[1] == pytest.approx(dense_only, abs=1e-6)
    assert mine.fused[1] != pytest.approx(before.fused[1], abs=1e-6)


def test_a_partial_cross_language_weight_mixes_in_some_lexical():
    scorer = RelevanceScorer(HashingEncoder(), RelevanceConfig(cross_language_dense_weight=0.9))
    fused = scorer.fuse(np.array([0.5, 0.5]), np.array([1.0, 1.0]), np.array([False, True]))
    assert fused.tolist() == pytest.approx([0.55 * 0.5 + 0.45, 0.9 * 0.5 + 0.1])


def test_cross_language_weight_is_validated():
    with pytest.raises(ValueError, match="cross_language_dense_weight"):
        RelevanceConfig(cross_language_dense_weight=1.5)
