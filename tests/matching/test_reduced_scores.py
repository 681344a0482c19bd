"""Reduced mode scores a pair as a ranking over the index does (review V 5).

When the index cannot be read (the backend down, the index missing) the service ranks in
process from the caller's profiles. Its lexical channel must use the statistics last read of
the index, not none at all: a score is a fact about one pair and must not change with the
mode. Only when they were never seen (a new install) are the scores approximate, and the
result says so.
"""
from __future__ import annotations

from datetime import date

import pytest

from matching.backends import BackendUnavailable, IndexMissing, MemoryBackend
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import HashingEncoder
from matching.index_meta import LastKnownLexical, index_meta_for
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import MatchingService

TODAY = date(2026, 11, 23)


def person(id_: str, goals: tuple[str, ...], cv: str) -> CitizenProfile:
    return CitizenProfile(id=id_, version=1, job_goals=goals, cv_text=cv, benefit_group="kontanthjaelp",
                          hours_available=20.0, postcode="8722", max_commute_km=30.0,
                          readiness_group="paa_vej", case_start=date(2025, 6, 1))


# Many citizens share "medarbejder": with the collection's IDF it weighs little, without it
# as much as the rare "truck" and "lager", so the pair's lexical similarity moves.
CITIZENS = {c.id: c for c in [
    person("anna", ("Lagermedarbejder",), "Truckcertifikat, pluk og pak på lager."),
    *(person(f"m{i}", (f"{word}medarbejder",), f"Erfaring som {word}medarbejder.")
      for i, word in enumerate(("kontor", "butiks", "køkken", "produktions", "pakke", "service",
                                "rengørings", "kantine", "lager", "administrativ"))),
]}
OPENINGS = [OpeningProfile("o1", 1, "f1", "smaajob", "Lagermedarbejder med truckcertifikat",
                           "Plukning, pakning og truckkørsel på vores lager.", hours_min=5,
                           hours_max=25, postcode="8722")]


class Outage(MemoryBackend):
    """A memory index that can go down (every read unavailable) or lose its indexes."""

    def __init__(self) -> None:
        super().__init__()
        self.failure: Exception | None = None

    def _fail(self, kind: str) -> None:
        if self.failure is not None:
            raise self.failure if not isinstance(self.failure, type) else self.failure(kind)

    def search(self, kind, *args, **kwargs):
        self._fail(kind)
        return super().search(kind, *args, **kwargs)

    def index_meta(self, kind):
        self._fail(kind)
        return super().index_meta(kind)

    def count(self, kind):
        self._fail(kind)
        return super().count(kind)


@pytest.fixture
def encoder():
    return HashingEncoder(64)


@pytest.fixture
def backend(encoder):
    backend = Outage()
    for kind, docs in (("citizen", documents_for_citizens(list(CITIZENS.values()), encoder)),
                       ("opening", documents_for_openings(OPENINGS, encoder))):
        writer = backend.begin_rebuild(kind, meta=index_meta_for(encoder, [d.text for d in docs]))
        writer.index(docs)
        writer.commit()
    return backend


def _anna(encoder, backend, memory):
    service = MatchingService(encoder, backend, clock=lambda: TODAY, lexical_memory=memory)
    result = service.rank_candidates(OPENINGS[0], k=20, citizens=CITIZENS)
    return result, next(m for m in result.matches if m.citizen_id == "anna")


@pytest.mark.parametrize("failure", [BackendUnavailable("connection refused"), IndexMissing],
                         ids=["backend down", "index missing"])
def test_a_pair_has_the_same_score_and_band_in_normal_and_reduced_mode(encoder, backend, failure):
    memory = LastKnownLexical()
    normal, before = _anna(encoder, backend, memory)
    assert not normal.degraded and not normal.approximate
    backend.failure = failure
    reduced, after = _anna(encoder, backend, memory)
    assert reduced.degraded and not reduced.approximate
    assert reduced.cause == ("unavailable" if isinstance(failure, BackendUnavailable) else "missing")
    assert after.explanation.relevance == before.explanation.relevance
    assert after.explanation.similarity_band == before.explanation.similarity_band
    assert after.score == before.score


def test_without_the_statistics_the_scores_differ_so_the_test_above_can_fail(encoder, backend):
    """The same outage without a memory: the channel runs without IDF and the score moves."""
    _, before = _anna(encoder, backend, LastKnownLexical())
    backend.failure = BackendUnavailable("connection refused")
    reduced, after = _anna(encoder, backend, None)
    assert reduced.approximate
    assert after.explanation.relevance != before.explanation.relevance


def test_a_new_process_recalls_them_from_the_durable_memory(encoder, backend):
    """A process that never read the index asks the backing memory (the portal: the database)."""
    durable = LastKnownLexical()
    _, before = _anna(encoder, backend, LastKnownLexical(backing=durable))
    backend.failure = BackendUnavailable("connection refused")
    reduced, after = _anna(encoder, backend, LastKnownLexical(backing=durable))
    assert reduced.degraded and not reduced.approximate
    assert after.explanation.relevance == before.explanation.relevance


def test_one_missing_index_keeps_the_other_kinds_statistics(encoder, backend):
    """Only the opening index lost: the citizens' ranking (normal mode) still scores with both."""
    memory = LastKnownLexical()
    _, before = _anna(encoder, backend, memory)
    original = backend.index_meta

    def opening_missing(kind):
        if kind == "opening":
            raise IndexMissing(kind)
        return original(kind)

    backend.index_meta = opening_missing
    result, after = _anna(encoder, backend, memory)
    assert not result.degraded and not result.approximate
    assert after.explanation.relevance == before.explanation.relevance


def test_never_seen_statistics_make_the_scores_approximate(encoder, backend):
    backend.failure = IndexMissing
    result, _ = _anna(encoder, backend, LastKnownLexical())
    assert result.degraded and result.approximate and result.cause == "missing"


def test_a_refused_memory_value_is_not_recalled():
    memory = LastKnownLexical()
    memory.remember("citizen", {"format": 1})  # no version: not statistics
    assert memory.recall("citizen") is None


class FlakyStore:
    """A durable memory whose writes fail until ``failing`` is cleared (the database locked)."""

    def __init__(self) -> None:
        self.failing, self.writes, self.kept = True, [], {}

    def recall(self, kind):
        return self.kept.get(kind)

    def remember(self, kind, lexical, stored=None):
        self.writes.append((kind, lexical["version"]))
        if self.failing:
            return
        self.kept[kind] = lexical
        if stored is not None:
            stored()


def test_a_failed_durable_write_is_tried_again_on_the_next_read():
    """Review Y 4: a version is counted stored only once the backing memory stored it."""
    store = FlakyStore()
    memory = LastKnownLexical(backing=store)
    stats = {"version": "v1", "format": 1}
    memory.remember("citizen", stats)
    assert store.kept == {} and memory.recall("citizen") == stats  # known here, not stored
    store.failing = False
    memory.remember("citizen", stats)
    assert store.kept == {"citizen": stats}
    memory.remember("citizen", stats)  # stored now: no further write
    assert store.writes == [("citizen", "v1"), ("citizen", "v1")]


def test_a_version_recalled_from_the_durable_memory_is_not_written_back():
    store = FlakyStore()
    store.failing, store.kept["opening"] = False, {"version": "v7"}
    memory = LastKnownLexical(backing=store)
    assert memory.recall("opening") == {"version": "v7"}
    memory.remember("opening", {"version": "v7"})
    assert store.writes == []
