"""The shared-words caches: the long-lived ones keep no citizen's text, and a citizen's
analysed words leave a process within ``terms.DOC_SECONDS`` (erasure must leave nothing)."""
from __future__ import annotations

from matching import terms
from matching.terms import matched_terms

OPENING = "Lagermedarbejder til pluk og pak. Truckcertifikat er en fordel."
CV = "Jobmål: lagerarbejde. Har kørt truck hos Zyxkvist Grossist og boet på Qwærtyvej 7."


def _strings(value):
    if isinstance(value, terms._Side):
        yield from _strings((value.words, value.joined, tuple(value.splits.items()), value.units))
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (bytes, bytearray)):
        yield value.decode("utf-8", "ignore")
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _strings(item)


def test_shared_words_are_found_and_the_caches_hold_only_the_openings_words():
    terms._matched_terms.cache.clear()
    terms._query_side.cache.clear()
    first = matched_terms(OPENING, CV)
    assert "lager" in first and "truck" in first
    assert matched_terms(OPENING, CV) == first  # the cached answer is the same

    held = " ".join(s.lower() for cache in (terms._matched_terms.cache, terms._query_side.cache)
                    for key, value in cache.items() for s in (*_strings(key), *_strings(value)))
    for private in ("zyxkvist", "qwærtyvej", "grossist", "lagerarbejde"):
        assert private not in held


def test_a_changed_cv_is_a_new_key():
    terms._matched_terms.cache.clear()
    assert "truck" in matched_terms(OPENING, CV)
    assert "truck" not in matched_terms(OPENING, CV.replace("truck", "bil"))


def test_a_citizens_analysed_words_are_dropped_after_doc_seconds(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(terms, "_clock", lambda: now[0])
    terms._DOC_SIDES.clear()
    terms._matched_terms.cache.clear()
    matched_terms(OPENING, CV)

    def held() -> str:
        terms._DOC_SIDES.expire()
        return " ".join(s for value in terms._DOC_SIDES.values() for s in _strings(value))

    assert "zyxkvist" in held()  # analysed once per text, not once per pair
    now[0] += terms.DOC_SECONDS - 1
    assert "zyxkvist" in held()
    now[0] += 2
    assert "zyxkvist" not in held()


def test_the_language_cache_is_keyed_by_a_hash_not_the_text():
    from matching import language

    language.language_of.cache.clear()
    language.language_of(CV + " Jeg taler dansk og arbejder på lageret.")
    assert len(language.language_of.cache) == 1
    held = " ".join(s.lower() for key, value in language.language_of.cache.items()
                    for s in (*_strings(key), *_strings(value)))
    assert "zyxkvist" not in held and "qwærtyvej" not in held
