"""Reduced mode encodes a bounded number of texts per ranking (review BB 1).

With the backend down and no stored vectors (an encoder or adapter change, a restore before
the first index), the in-process ranking encoded every CV inside the web request: a page ran
for more than 17 minutes. Now at most ``reduced_encode_limit`` texts no cache holds are
encoded; the other profiles are scored by the lexical channel alone, and the result names them
(a different, stated score). The vectors made are cached, so the next ranking gets further.
"""
from __future__ import annotations

import math
from datetime import date

import pytest

from matching.backends import BackendUnavailable, MemoryBackend
from matching.cache import CachedEncoder, MemoryEmbeddingCache
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import HashingEncoder
from matching.documents import documents_for_citizens
from matching.service import MatchingService
from matching.shared import EncodeBudget

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


class Clock:
    """A fake monotonic clock the encoder below moves on: one second per text encoded."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Slow(Counting):
    """Counts its texts, and each takes one second of ``clock``'s time."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def encode_queries(self, texts):
        self.clock.now += len(texts)
        return super().encode_queries(texts)

    def encode_passages(self, texts):
        self.clock.now += len(texts)
        return super().encode_passages(texts)


def test_encoding_stops_once_the_budgets_seconds_are_spent():
    """Review BF: 20 texts could still take long on a slow host; the budget bounds the time too."""
    clock = Clock()
    inner, cache = Slow(clock), MemoryEmbeddingCache()
    budget = EncodeBudget(texts=100, seconds=3.0, clock=clock)
    result = MatchingService(CachedEncoder(inner, cache), Down(), encode_budget=budget,
                             clock=lambda: TODAY).rank_candidates(OPENING, 30, citizens=CITIZENS)
    # two texts (two seconds) a citizen: the first at 0 s, the second at 2 s, then 4 s are spent
    assert budget.spent == 4.0 and budget.texts_left == 96
    assert len(inner.texts) == 4 + QUERY_SIDE
    assert result.unvectored_count == 28 and len(result.unvectored) == 28
    assert "28 scored without their vector" in result.reason
    for match in result.matches:  # the page's marks are true: each unmarked has its vector
        dense = [g.dense for g in match.explanation.goal_scores]
        assert (match.citizen_id in result.unvectored) == (dense == [None])


def test_with_the_time_spent_a_profile_whose_texts_are_stored_is_still_scored_as_usual():
    inner, cache = Counting(), MemoryEmbeddingCache()
    first = service(inner, cache).rank_candidates(OPENING, 30, citizens=CITIZENS)
    inner.texts.clear()
    spent = EncodeBudget(texts=100, seconds=0.0)
    second = MatchingService(CachedEncoder(inner, cache), Down(), encode_budget=spent,
                             clock=lambda: TODAY).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert inner.texts == []  # the opening's side is stored too
    assert set(second.unvectored) == set(first.unvectored)


def test_rankings_given_one_budget_share_it():
    """Review BF: each ranking of a page had a bound of its own; one budget is shared by all."""
    other = OpeningProfile("o2", 1, "f1", "smaajob", "Kontormedarbejder", "Post, telefon og arkiv.",
                           hours_min=5, hours_max=25, postcode="8722")
    inner, cache = Counting(), MemoryEmbeddingCache()
    budget = EncodeBudget(texts=10, seconds=math.inf)

    def rank(opening):
        return MatchingService(CachedEncoder(inner, cache), Down(), encode_budget=budget,
                               clock=lambda: TODAY).rank_candidates(opening, 30, citizens=CITIZENS)

    first = rank(OPENING)
    inner.texts.clear()
    second = rank(other)
    assert budget.texts_left == 0
    assert len(inner.texts) == QUERY_SIDE  # the other opening's own texts, no citizen's
    # the five encoded for the first ranking are stored: scored as usual in the second too
    assert set(second.unvectored) == set(first.unvectored) and second.unvectored_count == 25
    # a service without a shared budget gives each ranking its own
    inner.texts.clear()
    service(inner, cache).rank_candidates(other, 30, citizens=CITIZENS)
    assert len(inner.texts) == 10


@pytest.mark.parametrize("seconds", [0.0, 3.0])
def test_a_pair_scored_without_its_vector_scores_the_same_whoever_else_is_ranked(seconds):
    """A score is a fact about the pair: a citizen scored without the vector gets the same score
    ranked among all as ranked alone or among others, however the budget ran out."""
    clock = Clock()
    among_all = MatchingService(CachedEncoder(Slow(clock), MemoryEmbeddingCache()), Down(),
                                encode_budget=EncodeBudget(texts=100, seconds=seconds, clock=clock),
                                clock=lambda: TODAY).rank_candidates(OPENING, 30, citizens=CITIZENS)
    relevance = {m.citizen_id: m.explanation.relevance for m in among_all.matches}
    assert among_all.unvectored
    for ids in (among_all.unvectored[:1], among_all.unvectored[-3:], sorted(among_all.unvectored)[::4]):
        few = MatchingService(CachedEncoder(Counting(), MemoryEmbeddingCache()), Down(),
                              encode_budget=EncodeBudget(texts=0), clock=lambda: TODAY,
                              ).rank_candidates(OPENING, 30, citizens={i: CITIZENS[i] for i in ids})
        assert set(few.unvectored) == set(ids)
        assert {m.citizen_id: m.explanation.relevance for m in few.matches} == {i: relevance[i] for i in ids}


@pytest.mark.parametrize("texts, seconds", [(0, 10.0), (10, 0.0), (-3, math.inf)])
def test_an_empty_budget_encodes_nothing_new(texts, seconds):
    inner = Counting()
    result = MatchingService(CachedEncoder(inner, MemoryEmbeddingCache()), Down(),
                             encode_budget=EncodeBudget(texts, seconds), clock=lambda: TODAY,
                             ).rank_candidates(OPENING, 30, citizens=CITIZENS)
    assert len(inner.texts) <= QUERY_SIDE and result.unvectored_count == 30
