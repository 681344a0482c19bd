"""Reduced mode encodes a bounded number of texts per ranking (review BB 1).

With the backend down and no stored vectors (an encoder or adapter change, a restore before
the first index), the in-process ranking encoded every CV inside the web request: a page ran
for more than 17 minutes. Now at most ``reduced_encode_limit`` texts no cache holds are
encoded; the other profiles are scored by the lexical channel alone, and the result names them
(a different, stated score). The vectors made are cached, so the next ranking gets further.
"""
from __future__ import annotations

from datetime import date

from matching.backends import BackendUnavailable, MemoryBackend
from matching.cache import CachedEncoder, MemoryEmbeddingCache
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import HashingEncoder
from matching.service import MatchingService, documents_for_citizens

TODAY = date(2026, 11, 23)
WORDS = ("lager", "kontor", "butik", "køkken", "produktion", "pakke", "service", "rengøring", "kantine", "lager")


def person(i: int) -> CitizenProfile:
    word = WORDS[i % len(WORDS)]
    return CitizenProfile(id=f"c{i:02d}", version=1, job_goals=(f"{word}medarbejder",),
                          cv_text=f"Erfaring som {word}medarbejder nummer {i}.", benefit_group="kontanthjaelp",
                          hours_available=20.0, postcode="8722", max_commute_km=30.0,
                          readiness_group="paa_vej", case_start=date(2025, 6, 1))


CITIZENS = {p.id: p for p in (person(i) for i in range(30))}
OPENING = OpeningProfile("o1", 1, "f1", "smaajob", "Lagermedarbejder", "Pluk og pak på vores lager.",
                         hours_min=5, hours_max=25, postcode="8722")


class Down(MemoryBackend):
    def _down(self, *args, **kwargs):
        raise BackendUnavailable("connection refused")

    search = count = count_matching = index_meta = _down


class Counting(HashingEncoder):
    """Counts every text it encodes."""

    def __init__(self) -> None:
        super().__init__(64)
        self.texts: list[str] = []

    def encode_queries(self, texts):
        self.texts.extend(texts)
        return super().encode_queries(texts)

    def encode_passages(self, texts):
        self.texts.extend(texts)
        return super().encode_passages(texts)


def service(inner, cache, limit: int = 10) -> MatchingService:
    return MatchingService(CachedEncoder(inner, cache), Down(), reduced_encode_limit=limit, clock=lambda: TODAY)


# The opening's own texts (its whole text as the query, its occupation title) are always encoded.
QUERY_SIDE = 2


def test_a_ranking_with_no_stored_vector_encodes_at_most_the_limit():
    inner, cache = Counting(), MemoryEmbeddingCache()
    result = service(inner, cache).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert result.degraded and result.cause == "unavailable"
    assert len(inner.texts) <= 10 + QUERY_SIDE
    assert len(result.matches) == 30  # every eligible citizen is still ranked
    # each citizen needs two texts (CV and one jobmål): 5 got their vector, 25 did not
    assert result.unvectored_count == 25
    assert len(result.unvectored) == 25
    assert "25 scored without their vector" in result.reason
    for match in result.matches:
        dense = [g.dense for g in match.explanation.goal_scores]
        assert (match.citizen_id in result.unvectored) == (dense == [None])


def test_the_vectors_made_are_kept_so_the_next_ranking_encodes_the_next_ones():
    inner, cache = Counting(), MemoryEmbeddingCache()
    first = service(inner, cache).rank_candidates(OPENING, 30, citizens=CITIZENS)
    inner.texts.clear()
    second = service(inner, cache).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert len(inner.texts) <= 10
    assert 0 < second.unvectored_count < first.unvectored_count
    done = service(inner, cache, limit=1000).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert done.unvectored == () and done.unvectored_count == 0


def test_a_pair_scored_without_its_vector_gets_the_lexical_score_and_with_it_the_usual_one():
    inner, cache = Counting(), MemoryEmbeddingCache()
    reduced = service(inner, cache, limit=0).rank_candidates(OPENING, 30, citizens=CITIZENS)
    lexical_only = MatchingService(HashingEncoder(64), Down(), clock=lambda: TODAY)
    assert set(reduced.unvectored) == set(CITIZENS)
    usual = service(Counting(), MemoryEmbeddingCache(), limit=1000).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert usual.unvectored == ()
    by_id = {m.citizen_id: m.explanation.relevance for m in usual.matches}
    for match in reduced.matches:
        text = lexical_only.lexical().similarities(lexical_only_query(), [CITIZENS[match.citizen_id].text])
        assert match.explanation.relevance >= float(text[0]) - 1e-6  # the best jobmål may lift it
        assert match.explanation.relevance != by_id[match.citizen_id]


def lexical_only_query() -> str:
    from matching.ranking import opening_text

    return opening_text(OPENING)


def test_the_excluded_encode_nothing():
    inner, cache = Counting(), MemoryEmbeddingCache()
    far = {**CITIZENS, "x": CitizenProfile(id="x", version=1, job_goals=("lagermedarbejder",), cv_text="Lager.",
                                           benefit_group="kontanthjaelp", hours_available=2.0, postcode="8722",
                                           max_commute_km=30.0, readiness_group="paa_vej",
                                           case_start=date(2025, 6, 1))}
    result = service(inner, cache).rank_candidates(OPENING, 30, citizens=far, include_excluded=True)
    assert [e.citizen_id for e in result.excluded] == ["x"]
    assert len(inner.texts) <= 10 + QUERY_SIDE
    # Ordered without its vector, but never ranked or scored on the page: not counted as ranked
    # so, and the count is the one a ranking without the excluded gives (review BE 1).
    assert "x" not in result.unvectored
    without = service(Counting(), MemoryEmbeddingCache()).rank_candidates(OPENING, 30, citizens=far)
    assert result.unvectored_count == without.unvectored_count
    inner.texts.clear()
    only = service(inner, cache).rank_candidates(OPENING, 0, citizens=far, include_excluded=True)
    assert [e.citizen_id for e in only.excluded] == ["x"]
    assert only.unvectored == () and only.unvectored_count == 0
    assert set(inner.texts) <= {lexical_only_query(), "Lagermedarbejder"}  # the opening's side alone


def test_with_the_backend_up_nothing_is_bounded():
    inner = Counting()
    backend = MemoryBackend()
    backend.index(documents_for_citizens(list(CITIZENS.values()), HashingEncoder(64)))
    result = MatchingService(CachedEncoder(inner, MemoryEmbeddingCache()), backend, reduced_encode_limit=0,
                             clock=lambda: TODAY).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert not result.degraded
    assert result.unvectored == () and result.unvectored_count == 0


def test_an_encoder_without_a_cache_is_not_bounded_nothing_it_made_would_be_kept():
    result = MatchingService(HashingEncoder(64), Down(), reduced_encode_limit=0,
                             clock=lambda: TODAY).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert result.degraded and result.unvectored == () and result.unvectored_count == 0
