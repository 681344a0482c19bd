"""An empty index is not "nobody fits" when the caller has profiles to match.

An index recreated and not refilled yet (the indexer's worker rebuilds it within minutes)
answers every search with nothing. The service then ranks in reduced mode from the caller's
profiles, as for a missing index, with ``cause == "empty"``, and each pair keeps the score
and band it has over the built index. Whether there is anything to match is asked of the
source's ``count()`` (the portal: one count query), never by reading every profile.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from matching.backends import BackendUnavailable, MemoryBackend
from matching.domain import Filters
from matching.encoders import HashingEncoder
from matching.index_meta import LEXICAL_KEY, LastKnownLexical, index_lexical_stats, index_meta_for
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import DEGRADED_CAUSES, MappingSource, MatchingService

from .test_reduced_scores import CITIZENS, OPENINGS, TODAY, Outage


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


class WatchedSource(MappingSource):
    """A source that records whether it was counted and whether everything was read."""

    def __init__(self, profiles) -> None:
        super().__init__(profiles)
        self.counted = self.read_all = 0

    def count(self) -> int:
        self.counted += 1
        return super().count()

    def all(self):
        self.read_all += 1
        return super().all()


def _service(encoder, backend, memory=None) -> MatchingService:
    return MatchingService(encoder, backend, clock=lambda: TODAY, lexical_memory=memory)


def _scores(result) -> dict[str, tuple[float, str, float]]:
    return {m.citizen_id: (m.explanation.relevance, m.explanation.similarity_band, m.score) for m in result.matches}


def _cleared(backend: MemoryBackend, kind: str) -> None:
    backend.clear(kind)  # its documents gone, what it was built with kept (the memory backend)


def _recreated(backend: MemoryBackend, kind: str) -> None:
    backend.clear(kind)
    backend.set_index_meta(kind, {})  # a new index without metadata (e.g. Elasticsearch's, made anew)


EMPTYING: dict[str, Callable[[MemoryBackend, str], None]] = {"cleared": _cleared, "recreated": _recreated}


@pytest.mark.parametrize("empty", EMPTYING.values(), ids=EMPTYING.keys())
def test_an_empty_citizen_index_ranks_from_the_source_with_the_same_scores(encoder, backend, empty):
    memory = LastKnownLexical()
    normal = _service(encoder, backend, memory).rank_candidates(OPENINGS[0], k=20, citizens=CITIZENS)
    assert not normal.degraded and normal.matches
    empty(backend, "citizen")
    reduced = _service(encoder, backend, memory).rank_candidates(OPENINGS[0], k=20, citizens=CITIZENS)
    assert reduced.degraded and reduced.cause == "empty" and "empty" in DEGRADED_CAUSES
    assert "citizen index is empty" in reduced.reason
    assert not reduced.approximate
    assert _scores(reduced) == _scores(normal)
    assert [m.citizen_id for m in reduced.matches] == [m.citizen_id for m in normal.matches]


def test_an_empty_opening_index_ranks_the_openings_of_a_citizen_from_the_source(encoder, backend):
    anna = CITIZENS["anna"]
    memory = LastKnownLexical()
    normal = _service(encoder, backend, memory).rank_openings(anna, k=5, openings={o.id: o for o in OPENINGS})
    _recreated(backend, "opening")
    reduced = _service(encoder, backend, memory).rank_openings(anna, k=5, openings={o.id: o for o in OPENINGS})
    assert reduced.degraded and reduced.cause == "empty" and not reduced.approximate
    assert [(m.opening_id, m.explanation.relevance, m.explanation.similarity_band) for m in reduced.matches] == \
        [(m.opening_id, m.explanation.relevance, m.explanation.similarity_band) for m in normal.matches] != []


def test_the_nearest_excluded_alone_also_come_from_the_source(encoder, backend):
    """Asked only for the excluded (k = 0), an empty index still is not "none excluded"."""
    strict = Filters()
    normal = _service(encoder, backend).rank_candidates(OPENINGS[0], k=0, filters=strict, citizens=CITIZENS,
                                                        include_excluded=True, excluded_limit=10)
    _cleared(backend, "citizen")
    reduced = _service(encoder, backend).rank_candidates(OPENINGS[0], k=0, filters=strict, citizens=CITIZENS,
                                                         include_excluded=True, excluded_limit=10)
    assert reduced.degraded and reduced.cause == "empty" and reduced.matches == ()
    assert {e.citizen_id for e in reduced.excluded} == {e.citizen_id for e in normal.excluded}


def test_an_empty_index_with_nothing_to_match_is_an_empty_list_read_cheaply(encoder, backend):
    _cleared(backend, "citizen")
    source = WatchedSource({})
    result = _service(encoder, backend).rank_candidates(OPENINGS[0], k=20, citizens=source)
    assert not result.degraded and result.matches == () and result.cause is None
    assert source.counted == 1 and source.read_all == 0  # counted, never read whole


def test_a_search_the_filters_empty_is_no_empty_index(encoder, backend):
    """Nobody passes the consultant's filters: a built index's empty answer stands, and the
    source is neither counted nor read."""
    source = WatchedSource(CITIZENS)
    result = _service(encoder, backend).rank_candidates(
        OPENINGS[0], k=20, filters=Filters(benefit_groups=frozenset({"sygedagpenge"})), citizens=source)
    assert not result.degraded and result.matches == ()
    assert source.counted == 0 and source.read_all == 0


def test_a_ranking_that_finds_someone_never_counts_the_source(encoder, backend):
    source = WatchedSource(CITIZENS)
    result = _service(encoder, backend).rank_candidates(OPENINGS[0], k=20, citizens=source)
    assert not result.degraded and result.matches
    assert source.counted == 0 and source.read_all == 0


def test_without_fallback_an_empty_index_raises(encoder, backend):
    _cleared(backend, "citizen")
    service = MatchingService(encoder, backend, clock=lambda: TODAY, fallback=False)
    with pytest.raises(BackendUnavailable, match="index is empty"):
        service.rank_candidates(OPENINGS[0], k=20, citizens=CITIZENS)


def test_an_empty_index_without_statistics_gives_the_ones_last_read(encoder, backend):
    memory = LastKnownLexical()
    built = index_lexical_stats(backend, memory)
    _recreated(backend, "citizen")
    assert backend.index_meta("citizen").get(LEXICAL_KEY) is None
    again = index_lexical_stats(backend, memory)
    assert again.known and again.stats is not None and again.stats.version == built.stats.version
    never_read = index_lexical_stats(backend, LastKnownLexical())
    assert not never_read.known  # the scores will move once it is built: approximate


def test_a_built_index_without_statistics_is_read_as_before(encoder, backend):
    """Not empty (an index from before the statistics were stored): no IDF, not approximate."""
    memory = LastKnownLexical()
    built = index_lexical_stats(backend, memory)
    backend.set_index_meta("citizen", {})
    found = index_lexical_stats(backend, memory)
    assert found.known and found.stats.version != built.stats.version  # the openings' alone


def _hours_excluded(backend):
    """Every citizen breaks the opening's minimum hours: all of them are excluded pairs."""
    opening = dataclasses.replace(OPENINGS[0], hours_min=30.0, hours_max=37.0)
    _cleared(backend, "citizen")
    return opening


def test_reduced_mode_lists_the_nearest_excluded_not_the_first_in_the_sources_order(encoder, backend):
    """Review Y 3: the excluded are ordered by the pair's relevance before the cut, ties by id,
    so »Nærmeste frasorterede« names the nearest whatever order the database gives them in."""
    opening = _hours_excluded(backend)
    anna_last = {i: CITIZENS[i] for i in [*sorted(set(CITIZENS) - {"anna"}), "anna"]}
    service = _service(encoder, backend)
    reduced = service.rank_candidates(opening, k=0, citizens=anna_last, include_excluded=True, excluded_limit=3)
    assert reduced.degraded and len(reduced.excluded) == 3
    assert reduced.excluded[0].citizen_id == "anna"  # the one whose CV and jobmål fit
    reversed_source = dict(reversed(list(anna_last.items())))
    again = service.rank_candidates(opening, k=0, citizens=reversed_source, include_excluded=True,
                                    excluded_limit=3)
    assert [e.citizen_id for e in again.excluded] == [e.citizen_id for e in reduced.excluded]


def test_the_excluded_are_ordered_by_relevance_then_id(encoder, backend, monkeypatch):
    """Equal relevance: the ids decide, so the order is a pure function of the pairs."""
    opening = _hours_excluded(backend)
    service = _service(encoder, backend)
    monkeypatch.setattr(service, "_relevances", lambda plan, vector, profiles, budget=None: [(0.5, ())] * len(profiles))
    shuffled = {i: CITIZENS[i] for i in ["m3", "anna", "m9", "m1", "m0"]}
    reduced = service.rank_candidates(opening, k=0, citizens=shuffled, include_excluded=True, excluded_limit=None)
    assert [e.citizen_id for e in reduced.excluded] == ["anna", "m0", "m1", "m3", "m9"]
