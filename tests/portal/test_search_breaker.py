"""A search backend that fails is not asked again for a few seconds (review BB 3).

A hung Elasticsearch made each ranking page wait ELASTICSEARCH_TIMEOUT for every call (count,
lexical statistics, search; the page may rank twice), and every next page again. The
portal's backend sits behind a circuit breaker (``portal.matching_runtime.BackendBreaker``):
after a failure every call fails at once for ``BREAKER_SECONDS``, and within the request for
good. Counted, never timed.
"""
from __future__ import annotations

from datetime import date

import pytest

from matching.backends import BackendUnavailable, IndexMissing, MemoryBackend
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import HashingEncoder
from matching.service import MatchingService
from portal.matching_runtime import BREAKER_SECONDS, BackendBreaker, _runtime

CITIZEN = CitizenProfile(id="c1", version=1, job_goals=("Lagermedarbejder",), cv_text="Pluk og pak.",
                         benefit_group="kontanthjaelp", hours_available=20.0, postcode="8722",
                         max_commute_km=30.0, readiness_group="paa_vej", case_start=date(2025, 6, 1))
OPENING = OpeningProfile("o1", 1, "f1", "smaajob", "Lagermedarbejder", "Pluk og pak.", hours_min=5,
                         hours_max=25, postcode="8722")


class Hung(MemoryBackend):
    """Every read fails as a timed-out Elasticsearch does, and is counted."""

    def __init__(self, failure: Exception | None = None) -> None:
        super().__init__()
        self.calls = 0
        self.failure = failure if failure is not None else BackendUnavailable("Connection timed out")

    def _read(self, *args, **kwargs):
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return 0

    search = count = count_matching = index_meta = _read


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _rank(backend) -> None:
    service = MatchingService(HashingEncoder(32), backend, clock=lambda: date(2026, 11, 23))
    result = service.rank_candidates(OPENING, 5, citizens={"c1": CITIZEN})
    assert result.degraded and result.matches


def test_after_a_failure_the_next_calls_and_pages_do_not_wait_for_the_backend():
    inner, clock = Hung(), Clock()
    breaker = BackendBreaker(inner, clock=clock)
    _rank(breaker)
    assert inner.calls == 1  # the page's later calls (statistics, count, search) fail at once
    _rank(breaker)
    _rank(breaker)
    assert inner.calls == 1  # the next pages go straight to reduced mode
    assert breaker.open


def test_after_the_pause_one_call_tries_again_and_an_answer_closes_it():
    inner, clock = Hung(), Clock()
    breaker = BackendBreaker(inner, clock=clock)
    _rank(breaker)
    clock.now += BREAKER_SECONDS + 0.1
    _rank(breaker)
    assert inner.calls == 2  # one trial, failed: open again
    clock.now += BREAKER_SECONDS + 0.1
    inner.failure = None
    assert breaker.count("citizen") == 0
    assert not breaker.open
    breaker.count("opening")
    assert inner.calls == 4  # closed: every call goes through


def test_a_missing_index_is_an_answer_not_an_outage():
    inner = Hung(IndexMissing("citizen"))
    breaker = BackendBreaker(inner, clock=Clock())
    for _ in range(3):
        with pytest.raises(IndexMissing):
            breaker.count("citizen")
    assert inner.calls == 3 and not breaker.open


def test_within_a_request_a_failure_stops_further_calls_even_after_the_pause(app):
    inner, clock = Hung(), Clock()
    breaker = BackendBreaker(inner, clock=clock)
    with app.test_request_context("/"):
        with pytest.raises(BackendUnavailable):
            breaker.count("citizen")
        clock.now += BREAKER_SECONDS + 0.1
        with pytest.raises(BackendUnavailable, match="not asked"):
            breaker.count("opening")
    assert inner.calls == 1


def test_the_portal_backend_has_the_breaker(app):
    with app.app_context():
        assert isinstance(_runtime().backend, BackendBreaker)


def test_a_long_app_context_without_a_request_asks_again_after_the_pause(app):
    """A command or loop runs in one app context for long: only the pause applies there."""
    inner, clock = Hung(), Clock()
    breaker = BackendBreaker(inner, clock=clock)
    with app.app_context():
        with pytest.raises(BackendUnavailable):
            breaker.count("citizen")
        clock.now += BREAKER_SECONDS + 0.1
        inner.failure = None
        assert breaker.count("citizen") == 0
    assert inner.calls == 2
