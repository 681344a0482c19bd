"""The shared-words caches keep no citizen's text (erasure must leave nothing in a process)."""
from __future__ import annotations

from matching import terms
from matching.terms import matched_terms

OPENING = "Lagermedarbejder til pluk og pak. Truckcertifikat er en fordel."
CV = "Jobmål: lagerarbejde. Har kørt truck hos Zyxkvist Grossist og boet på Qwærtyvej 7."


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (bytes, bytearray)):
        yield value.decode("utf-8", "ignore")
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _strings(item)


def test_shared_words_are_found_and_the_caches_hold_only_the_openings_words():
    terms._matched_terms.cache.clear()
    terms._query_words.cache.clear()
    first = matched_terms(OPENING, CV)
    assert "lager" in first and "truck" in first
    assert matched_terms(OPENING, CV) == first  # the cached answer is the same

    held = " ".join(s.lower() for cache in (terms._matched_terms.cache, terms._query_words.cache)
                    for key, value in cache.items() for s in (*_strings(key), *_strings(value)))
    for private in ("zyxkvist", "qwærtyvej", "grossist", "lagerarbejde"):
        assert private not in held


def test_a_changed_cv_is_a_new_key():
    terms._matched_terms.cache.clear()
    assert "truck" in matched_terms(OPENING, CV)
    assert "truck" not in matched_terms(OPENING, CV.replace("truck", "bil"))
