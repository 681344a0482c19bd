"""Nordic normalisation, the TF-IDF channel and matched terms for explanations."""
from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import sparse

from matching.lexical import LexicalModel, normalise
from matching.terms import matched_terms


@pytest.mark.parametrize(("raw", "expected"), [
    ("Lagermedarbejder", "lagermedarbejder"),
    ("lager\u200bmedarbejder", "lagermedarbejder"),          # zero-width space
    ("\u202eredjebra\u202c kok", "redjebra kok"),           # RTL override / pop
    ("kok\x00tjener", "kok tjener"),                        # NUL
    ("AARHUS og Aabenraa", "århus og åbenrå"),               # pre-1948 "aa"
    ("Kassörska i Malmö", "kassørska i malmø"),             # Swedish ä/ö fold to æ/ø
    ("a\u030arhus", "århus"),                               # combining ring composes
    ("zalgo\u0336\u0337\u0338", "zalgo"),                   # stray combining marks vanish
    ("ＬＡＧＥＲ ﬁsk", "lager fisk"),                         # NFKC: full width, ligature
    ("  truck\t\n fører  ", "truck fører"),
    ("Straße", "strasse"),                                  # casefold, not lower
    ("", ""),
    ("\u200b\u200d\ufeff", ""),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_normalise_huge_input_is_linear():
    text = "Lagermedarbejder\u200b i Hedensted " * 40_000  # ~1.2 million characters
    started = time.perf_counter()
    result = normalise(text)
    assert time.perf_counter() - started < 10
    assert result.startswith("lagermedarbejder i hedensted lagermedarbejder")
    assert "\u200b" not in result


def test_matched_terms_finds_shared_compound_parts():
    assert matched_terms("Lagermedarbejder", "lagerarbejde og truckkørsel") == ["lager"]
    # The town is shared too, but a town is the distance's business, never a shared term.
    # "hjælper" is shared too, but it is the head of titles of every trade (boilerplate).
    assert matched_terms("Hjemmehjælper til Hedensted", "SOSU-hjælper og hjemmepleje i Hedensted") == ["hjemme"]


def test_matched_terms_are_really_in_both_texts():
    pairs = [
        ("Social- og sundhedshjælper, nattevagt", "SOSU-hjælper, sundhedsassistent"),
        ("Køkkenmedhjælper til kantine", "køkkenassistent og opvasker i kantinen"),
        ("Truckfører med certifikat B", "lagerarbejder, truckcertifikat"),
        ("Chauffør (C/CE)", "lastbilchauffør med CE-kørekort"),
    ]
    for query, doc in pairs:
        terms = matched_terms(query, doc)
        assert terms, (query, doc)
        for term in terms:
            assert term in normalise(query) and term in normalise(doc), term


def test_matched_terms_leaves_out_stopwords_unrelated_texts_and_respects_limit():
    assert matched_terms("Kok og tjener", "sygeplejerske og jordemoder") == []
    many = " ".join(f"ord{i}x" for i in range(50))
    assert len(matched_terms(many, many, limit=3)) == 3


def test_matched_terms_on_hostile_huge_input_is_bounded():
    huge = "lager " * 100_000 + "x" * 1_000_000 + "\x00\u202e"
    started = time.perf_counter()
    assert matched_terms(huge, "lagerarbejde " + huge) == ["lager"]
    assert time.perf_counter() - started < 10


DOCS = ["Lagerarbejder", "Sygeplejerske", "Truckfører på lager", "Kok", ""]


def test_lexical_similarities_rank_the_shared_spelling_first():
    model = LexicalModel().fit(DOCS)
    scores = model.similarities("lagermedarbejder", DOCS)
    assert scores.shape == (5,)
    assert scores.dtype == np.float32
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores.argmax() == 0
    assert scores[4] == 0.0
    assert model.similarities("Sygeplejerske", DOCS)[1] == pytest.approx(1.0, abs=1e-5)


def test_lexical_matrix_input_and_unseen_docs_agree_with_fitted_texts():
    model = LexicalModel().fit(DOCS)
    fitted = model.similarities("lager", DOCS)
    np.testing.assert_allclose(model.similarities("lager", model.transform(DOCS)), fitted, atol=1e-6)
    np.testing.assert_allclose(model.similarities("lager", list(DOCS[:2])), fitted[:2], atol=1e-6)
    assert sparse.issparse(model.transform(["kok"]))


def test_lexical_edge_cases():
    with pytest.raises(RuntimeError, match="before fit"):
        LexicalModel().transform(["kok"])
    empty = LexicalModel().fit(["", "!!", "\u200b"])
    assert not empty.similarities("kok", ["", "!!", "\u200b"]).any()
    with pytest.raises(ValueError):
        LexicalModel(char_ngrams=None, word_weight=0)
    words_only = LexicalModel(char_ngrams=None, word_weight=1).fit(DOCS)
    assert words_only.similarities("kok", DOCS).argmax() == 3
