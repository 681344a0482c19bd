"""The lexical model's per-text row cache and the short-text token cache change no score."""
from __future__ import annotations

import numpy as np

from matching.lexical import LexicalModel, LexicalStats, tokens

TEXTS = ["Lagermedarbejder med truckcertifikat", "Kontorassistent, bogføring og reception",
         "Chauffør (C/CE) i fleksjob", "SFI-lärare", "Lagermedarbejder med truckcertifikat"]


def _model() -> LexicalModel:
    return LexicalModel().with_stats(LexicalStats.from_texts(TEXTS))


def test_cached_rows_equal_rows_computed_alone_in_any_batch():
    warm = _model()
    warm.transform(TEXTS[2:])  # some rows cached before the batch asks for them
    batch = warm.transform(TEXTS).toarray()
    for i, text in enumerate(TEXTS):
        alone = _model().transform([text]).toarray()[0]
        np.testing.assert_array_equal(batch[i], alone)
    np.testing.assert_array_equal(warm.transform(TEXTS).toarray(), batch)  # all from the cache
    assert warm.transform([]).shape[0] == 0


def test_new_statistics_drop_the_cached_rows():
    model = _model()
    before = model.similarities("lager", TEXTS[:1])
    model.with_stats(LexicalStats.from_texts(TEXTS + ["lager " * 5] * 20))
    fresh = LexicalModel().with_stats(LexicalStats.from_texts(TEXTS + ["lager " * 5] * 20))
    np.testing.assert_array_equal(model.similarities("lager", TEXTS[:1]),
                                  fresh.similarities("lager", TEXTS[:1]))
    assert not np.array_equal(before, fresh.similarities("lager", TEXTS[:1]))


def test_short_text_tokens_are_a_fresh_list_each_time():
    first = tokens("Chauffør (C/CE)")
    first.append("ændret")
    assert tokens("Chauffør (C/CE)") == ["chauffør", "c", "ce"]
    long = "lager " * 100
    assert tokens(long) == ["lager"] * 100
