"""The pair-score cache (MatchingService(pair_cache=...)) changes no result and never serves a
score for a text that has changed."""
from __future__ import annotations

import dataclasses

import pytest

from matching.backends import MemoryBackend
from matching.encoders import HashingEncoder
from matching.service import MatchingService
from matching.shared import PairScoreCache
from tests.matching.test_stable_scores import CITIZENS, OPENINGS, TODAY, _index


@pytest.fixture(scope="module")
def encoder():
    return HashingEncoder(64)


@pytest.fixture(scope="module")
def backend(encoder):
    backend = MemoryBackend()
    _index(backend, encoder)
    return backend


def _service(encoder, backend, cache=None) -> MatchingService:
    return MatchingService(encoder, backend, clock=lambda: TODAY, pair_cache=cache)


@pytest.mark.parametrize("opening", OPENINGS, ids=lambda o: o.id)
def test_cached_rankings_equal_uncached_ones_in_both_directions(encoder, backend, opening):
    cache = PairScoreCache()
    plain = _service(encoder, backend).rank_candidates(opening, 30, citizens=CITIZENS)
    cold = _service(encoder, backend, cache).rank_candidates(opening, 30, citizens=CITIZENS)
    warm = _service(encoder, backend, cache).rank_candidates(opening, 30, citizens=CITIZENS)
    short = _service(encoder, backend, cache).rank_candidates(opening, 7, citizens=CITIZENS)
    assert plain.matches and cold.matches == plain.matches == warm.matches
    assert short.matches == plain.matches[:7]

    citizen = CITIZENS[plain.matches[0].citizen_id]
    openings = {o.id: o for o in OPENINGS}
    assert (_service(encoder, backend, cache).rank_openings(citizen, 5, openings=openings).matches
            == _service(encoder, backend).rank_openings(citizen, 5, openings=openings).matches)


def test_a_changed_cv_or_jobmaal_is_scored_again(encoder, backend):
    cache = PairScoreCache()
    opening = OPENINGS[0]
    first = _service(encoder, backend, cache).rank_candidates(opening, 60, citizens=CITIZENS)
    top = CITIZENS[first.matches[0].citizen_id]
    changed = dict(CITIZENS)
    changed[top.id] = dataclasses.replace(top, version=top.version + 1, job_goals=("Frisør",),
                                          cv_text="Klipning og farvning af hår.")

    cached = _service(encoder, backend, cache).rank_candidates(opening, 60, citizens=changed)
    fresh = _service(encoder, backend).rank_candidates(opening, 60, citizens=changed)

    assert cached.matches == fresh.matches
    before = next(m for m in first.matches if m.citizen_id == top.id)
    after = next(m for m in cached.matches if m.citizen_id == top.id)
    assert after.explanation.relevance != before.explanation.relevance


def test_the_cache_holds_no_text_of_a_citizen(encoder, backend):
    """Erasure removes a citizen's texts; a process's cache must not keep their jobmål."""
    cache = PairScoreCache()
    opening = OPENINGS[0]
    _service(encoder, backend, cache).rank_candidates(opening, 30, citizens=CITIZENS)
    goals = {g.strip() for c in CITIZENS.values() for g in c.job_goals if g.strip()}
    assert goals and cache._items

    def texts(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                yield from texts(item)
        elif dataclasses.is_dataclass(value):
            yield from texts(dataclasses.astuple(value))

    held = {t for key, value in cache._items.items() for t in texts(value)}
    assert not held & goals
