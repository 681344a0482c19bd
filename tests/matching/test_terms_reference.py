"""The shared words of a pair are those of the plain algorithm: each text's own analysis is
reused across pairs (``matching.terms._Side``), never changing a result.

``reference_terms`` below is the algorithm written out pair by pair (as ``matching.terms``
had it before the analysis was shared): every word of both texts split with the pair's
long words, then each of the opening's words and parts met against the CV's.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import terms
from matching.terms import LEXICON, SUFFIXES, matched_terms


def _reference_meeting(unit: str, others: set[str]) -> str | None:
    if unit in others:
        return unit
    if any(unit + ending in others for ending in terms._INFLECTIONS):
        return unit
    for ending in terms._SHORTEST_FIRST:
        if unit.endswith(ending) and unit[:-len(ending)] in others:
            return unit[:-len(ending)]
    return None


def reference_terms(query: str, doc: str, limit: int = 8) -> list[str]:
    query_words, doc_words = terms._words(query), terms._words(doc)
    extra = frozenset(w for w in (*query_words, *doc_words)
                      if len(w) >= 4 and not terms.is_stopword(w) and w not in SUFFIXES)
    memo: dict[str, tuple[str, ...]] = {}

    def units(word: str) -> tuple[str, ...]:
        if word not in memo:
            memo[word] = (word, *terms._split(word, extra))
        return memo[word]

    doc_set = set(doc_words)
    found = dict.fromkeys(w for w in query_words if w in doc_set and terms._shown(w))
    doc_units = {u for w in doc_words for u in units(w)}
    for word in query_words:
        if len(found) >= limit:
            break
        if word in found:
            continue
        for unit in units(word):
            term = _reference_meeting(unit, doc_units)
            if term is None or term in found or not terms._shown(term) or any(term in f for f in found):
                continue
            found[term] = None
    return list(found)[:limit]


# Words that split into each other's parts: lexicon parts, compounds of them with and without
# a linking letter, inflected forms, and made-up words (which may become parts of the other
# text's compounds: the case where one text changes how the other's words split).
PARTS = sorted(LEXICON)[::3] + ["kvist", "grosser", "fjeld", "brygge", "skov", "sne"]
ENDINGS = ["", "", "e", "en", "er", "erne", "et", "s"]


@st.composite
def word(draw) -> str:
    first = draw(st.sampled_from(PARTS))
    if draw(st.booleans()):
        link = draw(st.sampled_from(["", "", "s", "e"]))
        first = first + link + draw(st.sampled_from(PARTS))
    return first + draw(st.sampled_from(ENDINGS))


texts = st.lists(word(), min_size=0, max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=texts, doc=texts, limit=st.sampled_from([1, 3, 8]))
def test_shared_words_are_those_of_the_plain_algorithm(query, doc, limit):
    terms._matched_terms.cache.clear()
    assert matched_terms(query, doc, limit) == reference_terms(query, doc, limit)


def test_a_part_only_the_other_text_has_changes_the_split():
    # "grosser" is no lexicon word: "lagergrosser" splits only when the opening has it.
    query, doc = "Grosser søges til lager", "Jeg har været lagergrosser og lagermand"
    assert matched_terms(query, doc) == reference_terms(query, doc)
    assert "grosser" in matched_terms(query, doc)
    assert "grosser" not in matched_terms("Kok søges til lager", doc)
