"""One contract, run against every backend: memory, the file-backed snapshot the portal and
indexer share (MATCHING_BACKEND=memory), and Elasticsearch via noida-db."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from datetime import date

import numpy as np
import pytest

from matching.backends import (
    BackendError,
    BackendUnavailable,
    Document,
    ExcludeIds,
    GeoDistance,
    MemoryBackend,
    Range,
    Terms,
    make_backend,
)
from matching.backends.snapshot import SnapshotBackend
from matching.conditions import citizen_conditions
from matching.documents import documents_for_citizens
from matching.domain import DEFAULT_ELIGIBILITY, CitizenProfile, Filters, OpeningProfile
from matching.encoders import HashingEncoder
from matching.ranking import distance_km, opening_text
from matching.service import MatchingService

DIM = 8
WIDE = 256  # the hashing encoder's dimension in the ranking tests run on every backend
HEDENSTED, HORSENS, FREDERICIA = (55.77, 9.70), (55.86, 9.85), (55.57, 9.75)
_prefixes = itertools.count()


def vec(*head: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(head)] = head
    return v


def citizen_doc(id_: str, v: np.ndarray, version: int = 1, **fields) -> Document:
    base = {"benefit_group": "kontanthjaelp", "hours_available": 15.0, "driving_licences": ["AM", "B"],
            "location": HEDENSTED}
    base.update(fields)
    return Document("citizen", id_, version, v, text=f"citizen {id_}", fields=base)


BACKENDS = ["memory", "snapshot", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


def built_backend(request, tmp_path, dims: int):
    if request.param == "memory":
        return make_backend("memory")
    if request.param == "snapshot":  # what production's MATCHING_BACKEND=memory really uses
        snapshot = SnapshotBackend(tmp_path / "index.npz")
        snapshot.clear()  # built, empty: the file exists (readers never create it)
        return snapshot
    url = request.getfixturevalue("es_url")
    # A fresh prefix per test keeps tests independent on the shared session server.
    es = make_backend("elasticsearch", url=url, dims=dims, prefix=f"t{next(_prefixes)}",
                      refresh=True, request_timeout=10.0)
    es.clear()  # built, empty: both kinds exist (readers never create them; see TestNotBuilt)
    return es


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    return built_backend(request, tmp_path, DIM)


@pytest.fixture(params=BACKENDS)
def wide_backend(request, tmp_path):
    """A backend for documents of the hashing encoder (``WIDE`` dims), for rankings."""
    return built_backend(request, tmp_path, WIDE)


def person(id_: str, goals: tuple[str, ...], cv: str) -> CitizenProfile:
    return CitizenProfile(id=id_, version=1, job_goals=goals, cv_text=cv, benefit_group="kontanthjaelp",
                          hours_available=20.0, postcode="8722", driving_licences={"B"},
                          case_start=date(2026, 1, 1))


@pytest.fixture
def three(backend):
    docs = [
        citizen_doc("a", vec(1, 0), benefit_group="kontanthjaelp", hours_available=10.0),
        citizen_doc("b", vec(0.8, 0.6), benefit_group="dagpenge", location=HORSENS,
                    driving_licences=["AM", "B", "BE", "C", "C1", "C1E", "CE"]),
        citizen_doc("c", vec(0, 1), driving_licences=[], location=FREDERICIA),
    ]
    assert backend.index(docs) == 3
    return backend


class TestBackendContract:
    def test_search_returns_nearest_first_with_cosine_scores(self, three):
        hits = three.search("citizen", vec(1, 0), k=3)
        assert [h.id for h in hits] == ["a", "b", "c"]
        assert [h.score for h in hits] == pytest.approx([1.0, 0.8, 0.0], abs=0.01)
        assert [h.id for h in three.search("citizen", vec(0, 1), k=1)] == ["c"]
        assert three.count("citizen") == 3 and three.count("opening") == 0

    def test_kinds_are_separate(self, three):
        assert three.search("opening", vec(1, 0), k=5) == []
        opening = Document("opening", "a", 1, vec(0, 1), fields={"kind": "smaajob"})
        assert three.index([opening]) == 1
        assert [h.id for h in three.search("opening", vec(1, 0), k=5)] == ["a"]
        assert three.versions("citizen", ["a"]) == {"a": 1}

    def test_stale_or_repeated_version_is_a_noop(self, three):
        moved = citizen_doc("a", vec(0, 1), version=1)
        assert three.index([moved, citizen_doc("b", vec(0, 1), version=0)]) == 0
        assert three.search("citizen", vec(1, 0), k=1)[0].id == "a"
        assert three.index([citizen_doc("a", vec(0, 1), version=2)]) == 1
        assert three.search("citizen", vec(1, 0), k=1)[0].id == "b"
        assert three.versions("citizen", ["a", "b", "zzz"]) == {"a": 2, "b": 1}
        assert three.count("citizen") == 3

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ([Terms("benefit_group", frozenset({"dagpenge"}))], ["b"]),
            ([Terms("benefit_group", frozenset({"kontanthjaelp", "dagpenge"}))], ["a", "b", "c"]),
            ([Terms("benefit_group", frozenset({"ledighedsydelse"}))], []),
            ([Terms("driving_licences", frozenset({"B"}))], ["a", "b"]),
            ([Terms("driving_licences", frozenset({"C", "D"}))], ["b"]),
            ([Terms("driving_licences", frozenset({"D", "A"}))], []),
            ([Range("hours_available", gte=12.0)], ["b", "c"]),
            ([Range("hours_available", lte=12.0)], ["a"]),
            ([GeoDistance("location", *HEDENSTED, km=15.0)], ["a", "b"]),
            ([GeoDistance("location", *HEDENSTED, km=5.0)], ["a"]),
            ([ExcludeIds(frozenset({"a", "nope"}))], ["b", "c"]),
            ([Terms("driving_licences", frozenset({"B"})), Range("hours_available", gte=12.0),
              GeoDistance("location", *HORSENS, km=1.0)], ["b"]),
        ],
    )
    def test_filters(self, three, filters, expected):
        assert [h.id for h in three.search("citizen", vec(1, 0), k=10, filters=filters)] == expected
        # what a search with these filters could return, counted without searching
        assert three.count_matching("citizen", filters) == len(expected)

    def test_list_fields_follow_updates_and_removals(self, three):
        lorry = [Terms("driving_licences", frozenset({"C"}))]
        three.index([citizen_doc("a", vec(1, 0), version=2, driving_licences=["B", "C", "C1"])])
        assert [h.id for h in three.search("citizen", vec(1, 0), 10, lorry)] == ["a", "b"]
        three.remove("citizen", ["a"])  # the last row moves into a's place
        assert [h.id for h in three.search("citizen", vec(1, 0), 10, lorry)] == ["b"]
        three.index([citizen_doc("b", vec(0.8, 0.6), version=2, driving_licences=["B"])])
        assert three.search("citizen", vec(1, 0), 10, lorry) == []

    def test_documents_without_a_field_never_match_a_filter_on_it(self, backend):
        backend.index([Document("citizen", "bare", 1, vec(1, 0))])
        assert backend.search("citizen", vec(1, 0), 5, [Range("hours_available", gte=0)]) == []
        assert backend.search("citizen", vec(1, 0), 5, [GeoDistance("location", *HEDENSTED, 500)]) == []
        assert [h.id for h in backend.search("citizen", vec(1, 0), 5)] == ["bare"]

    def test_unknown_fields_are_errors_not_silent(self, backend):
        with pytest.raises(ValueError):
            backend.search("citizen", vec(1, 0), 5, [Terms("cpr", frozenset({"x"}))])
        with pytest.raises(ValueError):
            Document("citizen", "x", 1, vec(1), fields={"cpr": "010101-1234"})
        with pytest.raises(ValueError):
            backend.search("employer", vec(1, 0), 5)

    def test_k_limits_results_and_text_does_not_break_search(self, three):
        assert len(three.search("citizen", vec(1, 1), k=2)) == 2
        hits = three.search("citizen", vec(1, 0), k=3, text='citizen * ? ~ /re/ AND "')
        assert {h.id for h in hits} == {"a", "b", "c"}

    def test_remove(self, three):
        assert three.remove("citizen", ["a", "missing"]) == 1
        assert three.count("citizen") == 2
        assert "a" not in {h.id for h in three.search("citizen", vec(1, 0), k=5)}
        assert three.versions("citizen", ["a"]) == {}
        assert three.ids("citizen") == {"b", "c"}
        assert three.search("citizen", vec(1, 0), k=1)[0].id == "b"

    def test_clear_one_kind_or_all(self, three):
        three.index([Document("opening", "o1", 1, vec(1, 0))])
        three.clear("citizen")
        assert three.count("citizen") == 0 and three.count("opening") == 1
        three.clear()
        assert three.count("opening") == 0
        assert three.index([citizen_doc("a", vec(1, 0))]) == 1

    def test_rebuild_swaps_atomically_on_commit(self, three):
        writer = three.begin_rebuild("citizen")
        assert writer.index([citizen_doc("x", vec(1, 0), version=5),
                             citizen_doc("y", vec(0, 1), version=5)]) == 2
        # Until commit the live index answers unchanged.
        assert three.ids("citizen") == {"a", "b", "c"}
        writer.commit()
        assert three.ids("citizen") == {"x", "y"}
        assert three.versions("citizen", ["x"]) == {"x": 5}
        assert [h.id for h in three.search("citizen", vec(1, 0), k=5)] == ["x", "y"]
        with pytest.raises(RuntimeError):
            writer.commit()

    def test_aborted_rebuild_leaves_the_live_index(self, three):
        writer = three.begin_rebuild("citizen")
        writer.index([citizen_doc("x", vec(1, 0))])
        writer.abort()
        assert three.ids("citizen") == {"a", "b", "c"}

    def test_index_metadata_is_stored_replaced_and_swapped_with_a_rebuild(self, three):
        assert three.index_meta("citizen") == {}
        three.set_index_meta("citizen", {"encoder": "hashing-8", "dimension": 8})
        assert three.index_meta("citizen") == {"encoder": "hashing-8", "dimension": 8}
        assert three.index_meta("opening") == {}
        three.set_index_meta("citizen", {"encoder": "other", "dimension": 8})
        assert three.index_meta("citizen") == {"encoder": "other", "dimension": 8}
        writer = three.begin_rebuild("citizen", meta={"encoder": "new", "dimension": 8})
        writer.index([citizen_doc("x", vec(1, 0), version=5)])
        assert three.index_meta("citizen")["encoder"] == "other"  # live until commit
        writer.commit()
        assert three.index_meta("citizen") == {"encoder": "new", "dimension": 8}
        aborted = three.begin_rebuild("citizen", meta={"encoder": "never", "dimension": 8})
        aborted.abort()
        assert three.index_meta("citizen")["encoder"] == "new"

    def test_a_second_vector_field_is_searched_on_its_own_under_the_same_filters(self, backend):
        goal = "goal_vector"
        backend.index([
            Document("citizen", "a", 1, vec(1, 0), fields={"hours_available": 10.0},
                     extra_vectors={goal: vec(0, 1)}),
            Document("citizen", "b", 1, vec(0, 1), fields={"hours_available": 30.0},
                     extra_vectors={goal: vec(0.6, 0.8)}),
            Document("citizen", "bare", 1, vec(0.9, 0.1), fields={"hours_available": 30.0}),
        ])
        assert [h.id for h in backend.search("citizen", vec(1, 0), 5)] == ["a", "bare", "b"]
        # By the jobmål vector: a document without one is never found by it.
        hits = backend.search("citizen", vec(0, 1), 5, field=goal)
        assert [h.id for h in hits] == ["a", "b"]
        assert [h.score for h in hits] == pytest.approx([1.0, 0.8], abs=0.01)
        assert [h.id for h in backend.search("citizen", vec(0, 1), 5, [Range("hours_available", gte=20)],
                                             field=goal)] == ["b"]
        # Updates replace it, removals move rows (memory) without mixing the fields up.
        backend.index([Document("citizen", "b", 2, vec(0, 1), fields={"hours_available": 30.0})])
        backend.remove("citizen", ["a"])
        assert backend.search("citizen", vec(0, 1), 5, field=goal) == []
        assert [h.id for h in backend.search("citizen", vec(1, 0), 5)] == ["bare", "b"]
        with pytest.raises(ValueError):
            backend.search("opening", vec(1, 0), 5, field=goal)  # openings have none
        with pytest.raises(ValueError):
            backend.search("citizen", vec(1, 0), 5, field="cv_vector")
        with pytest.raises(ValueError):
            Document("opening", "o", 1, vec(1, 0), extra_vectors={goal: vec(1, 0)})
        with pytest.raises(ValueError):
            Document("citizen", "c", 1, vec(1, 0), extra_vectors={goal: np.ones(DIM + 1)})

    def test_a_fitting_jobmal_is_ranked_beyond_the_limit_though_its_cv_is_far(self, wide_backend):
        """Beyond ``exhaustive_limit`` eligible, the pool is the nearest by whole text and the
        nearest by jobmål: a citizen whose jobmål is the opening's occupation but whose CV is far
        from it is scored and ranked, as when every eligible is scored (before, the pool was the
        nearest by whole text alone and the citizen was never scored)."""
        encoder = HashingEncoder(WIDE)
        opening = OpeningProfile("o_lager", 1, "f1", "smaajob", "Lagermedarbejder til pakning",
                                 "Pakning af varer på lageret, truck en fordel.", hours_min=5,
                                 hours_max=15, postcode="8722")
        citizens = {f"near{i}": person(f"near{i}", ("Regnskabsassistent",),
                                       "Pakning af varer på lageret, truck en fordel. Pakning af varer.")
                    for i in range(6)}
        citizens["fit"] = person("fit", ("Lagermedarbejder",), " ".join(
            ["Bogføring, regnskab, budget, løn og kontorarbejde i en revisionsvirksomhed."] * 8))
        wide_backend.index(documents_for_citizens(list(citizens.values()), encoder))
        query = encoder.encode_queries([opening_text(opening)])[0]
        assert "fit" not in [h.id for h in wide_backend.search("citizen", query, 2)]  # the old pool

        every = MatchingService(encoder, wide_backend, clock=lambda: date(2026, 12, 1), pool_size=2)
        scored = every.rank_candidates(opening, k=2, citizens=citizens)
        assert scored.scored_of is None and "fit" in [m.citizen_id for m in scored.matches]
        capped = MatchingService(encoder, wide_backend, clock=lambda: date(2026, 12, 1), pool_size=2,
                                 exhaustive_limit=3)
        nearest = capped.rank_candidates(opening, k=2, citizens=citizens)
        assert nearest.scored_of == 3  # seven eligible: the 2 nearest by text and by jobmål, united
        assert nearest.matches == scored.matches  # the same pairs, the same scores

    def test_the_distance_filter_agrees_with_the_rankings_distance_of_the_profiles(self, wide_backend):
        """Review BN 15: the index's ``location`` and the filter's centre are the profiles' own
        coordinates (``store.profiles`` fills them), as the ranking's distance is, whatever the
        installed table holds: every backend keeps exactly the citizens the ranking finds
        within the limit, those just inside and just outside it too."""
        encoder = HashingEncoder(WIDE)
        lat, lon = 56.15, 10.20  # Aarhus C: no postcode of the built-in table is near it
        opening = OpeningProfile("o", 1, "f1", "smaajob", "Lagermedarbejder", hours_min=5, postcode="8000",
                                 lat=lat, lon=lon)
        north = {f"c{km}": km / 111.195 for km in (2.0, 14.9, 15.1, 40.0)}  # degrees of latitude
        citizens = [CitizenProfile(id=cid, version=1, job_goals=("Lagermedarbejder",), cv_text="Lager.",
                                   benefit_group="kontanthjaelp", hours_available=20.0, postcode="8000",
                                   lat=lat + shift, lon=lon, max_commute_km=100.0, case_start=date(2026, 1, 1))
                    for cid, shift in north.items()]
        wide_backend.index(documents_for_citizens(citizens, encoder))
        conditions = citizen_conditions(opening, Filters(max_distance_km=15.0), DEFAULT_ELIGIBILITY)
        assert GeoDistance("location", lat, lon, km=15.0) in conditions
        found = {h.id for h in wide_backend.search("citizen", encoder.encode_queries(["Lager"])[0], 10, conditions)}
        assert found == {c.id for c in citizens if distance_km(c, opening) <= 15.0} == {"c2.0", "c14.9"}

    def test_ids_for_reconcile(self, backend):
        docs = [citizen_doc(str(i), vec(1, i / 100)) for i in range(1200)]
        assert backend.index(docs) == 1200
        assert backend.ids("citizen") == {str(i) for i in range(1200)}
        assert len(backend.search("citizen", vec(1, 0), k=50)) == 50


def test_make_backend_rejects_unknown_names():
    assert isinstance(make_backend("memory"), MemoryBackend)
    with pytest.raises(ValueError, match="unknown matching backend"):
        make_backend("solr")


def test_memory_rejects_mixed_dimensions():
    backend = MemoryBackend()
    backend.index([citizen_doc("a", vec(1))])
    with pytest.raises(ValueError, match="dims"):
        backend.index([Document("citizen", "b", 1, np.ones(3, dtype=np.float32))])


def test_elasticsearch_down_raises_backend_unavailable():
    # Port 9 on loopback (discard) is not an Elasticsearch: connection refused at once.
    backend = make_backend("elasticsearch", url="http://127.0.0.1:9", dims=DIM,
                           request_timeout=1.0)
    with pytest.raises(BackendUnavailable):
        backend.search("citizen", vec(1, 0), k=3)
    with pytest.raises(BackendUnavailable):
        backend.index([citizen_doc("a", vec(1, 0))])
    assert issubclass(BackendUnavailable, BackendError)


class _StubHandler(BaseHTTPRequestHandler):
    """Answers every request with the server's canned status (or stalls)."""

    def _answer(self) -> None:
        if self.server.stall is not None:  # type: ignore[attr-defined]
            self.server.stall.wait(5)  # type: ignore[attr-defined]
        body = json.dumps({"error": {"type": "overloaded", "reason": "busy"},
                           "status": self.server.status}).encode()  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def stub_server(status: int, stall: bool = False):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubHandler)
    server.status, server.stall = status, threading.Event() if stall else None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        if server.stall is not None:
            server.stall.set()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [429, 503])
def test_elasticsearch_overload_raises_backend_unavailable(status):
    with stub_server(status) as url:
        backend = make_backend("elasticsearch", url=url, dims=DIM, request_timeout=2.0)
        with pytest.raises(BackendUnavailable, match=str(status)):
            backend.search("citizen", vec(1, 0), k=3)


def test_elasticsearch_rejection_is_a_backend_error_not_an_outage():
    with stub_server(400) as url:
        backend = make_backend("elasticsearch", url=url, dims=DIM, request_timeout=2.0)
        with pytest.raises(BackendError) as info:
            backend.count("citizen")
        assert not isinstance(info.value, BackendUnavailable)


def test_elasticsearch_slow_answer_times_out_as_unavailable():
    with stub_server(200, stall=True) as url:
        backend = make_backend("elasticsearch", url=url, dims=DIM, request_timeout=0.3)
        with pytest.raises(BackendUnavailable):
            backend.search("citizen", vec(1, 0), k=3)


def test_snapshot_metadata_survives_a_new_process_and_old_files_read_as_unrecorded(tmp_path):
    path = tmp_path / "index.npz"
    writer = SnapshotBackend(path)
    writer.index([citizen_doc("a", vec(1, 0))])
    writer.set_index_meta("citizen", {"encoder": "hashing-8", "dimension": 8})
    assert SnapshotBackend(path).index_meta("citizen") == {"encoder": "hashing-8", "dimension": 8}
    # A file from before metadata existed: no "meta" array.
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files if name != "meta"}
    np.savez(tmp_path / "old.npz", **arrays)
    old = SnapshotBackend(tmp_path / "old.npz")
    assert old.index_meta("citizen") == {} and old.count("citizen") == 1


def test_snapshot_keeps_the_jobmal_vectors_and_an_older_file_reads_without_them(tmp_path):
    path = tmp_path / "index.npz"
    SnapshotBackend(path).index([
        Document("citizen", "a", 1, vec(1, 0), extra_vectors={"goal_vector": vec(0, 1)}),
        Document("citizen", "bare", 1, vec(0, 1)),
    ])
    reader = SnapshotBackend(path)  # another process
    assert [h.id for h in reader.search("citizen", vec(0, 1), 5, field="goal_vector")] == ["a"]
    # A file written before the field existed: its documents have none (and its index records
    # older document fields, so the indexer rebuilds it: test_a_new_vector_field_needs_a_rebuild).
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files if "goal_vector" not in name}
    np.savez(tmp_path / "old.npz", **arrays)
    old = SnapshotBackend(tmp_path / "old.npz")
    assert old.count("citizen") == 2 and old.search("citizen", vec(0, 1), 5, field="goal_vector") == []


def test_a_new_vector_field_needs_a_rebuild(monkeypatch):
    """The document fields an index records (``index_meta.FIELDS_VERSION``) cover the vector
    fields: an index built before the jobmål vector existed is rebuilt by the indexer, never
    searched for a field its documents lack."""
    from matching import index_meta
    from matching.backends import base

    encoder = HashingEncoder(DIM)
    backend = MemoryBackend()
    backend.index([citizen_doc("a", vec(1, 0))])
    # What the indexes built before it record (vector fields were not counted then).
    older = index_meta.fields_version(base.FIELD_TYPES, {kind: () for kind in base.VECTOR_FIELDS})
    assert older != index_meta.FIELDS_VERSION
    backend.set_index_meta("citizen", {**index_meta.encoder_meta(encoder), "fields": older})
    assert "other document fields" in str(index_meta.mismatch(backend, encoder, "citizen"))
    backend.set_index_meta("citizen", index_meta.encoder_meta(encoder))
    assert index_meta.mismatch(backend, encoder, "citizen") is None


def test_snapshot_removes_a_killed_writers_temporary_files(tmp_path):
    path = tmp_path / "index.npz"
    leftover = tmp_path / "index.npz.424242.tmp"
    leftover.write_bytes(b"half a file")
    unrelated = tmp_path / "notes.tmp"
    unrelated.write_text("keep")
    SnapshotBackend(path).index([citizen_doc("a", vec(1, 0))])
    assert not leftover.exists() and unrelated.exists() and path.exists()


@pytest.mark.elasticsearch
def test_elasticsearch_rebuild_bulks_skip_the_refresh_and_commit_makes_them_searchable(es_url, monkeypatch):
    """A rebuild writes into an index nobody searches yet: no refresh per bulk (each one made
    a small segment and, with "wait_for", waited); the swap refreshes once, so the documents
    are all found right after commit. Live writes keep the backend's read-your-writes policy."""
    backend = make_backend("elasticsearch", url=es_url, dims=DIM, prefix=f"t{next(_prefixes)}",
                           refresh="wait_for", request_timeout=10.0)
    policies = []
    bulk = backend._bulk
    monkeypatch.setattr(backend, "_bulk", lambda target, ops, refresh=None, **kw: (
        policies.append(refresh), bulk(target, ops, refresh, **kw))[1])
    rebuild = backend.begin_rebuild("citizen")
    rebuild.index([citizen_doc(str(i), vec(1.0, i / 10)) for i in range(3)])
    assert policies == [False]
    rebuild.commit()
    assert {h.id for h in backend.search("citizen", vec(1.0), 10, [])} == {"0", "1", "2"}
    backend.index([citizen_doc("3", vec(1.0, 0.5))])
    assert policies == [False, None]  # None: the backend's own "wait_for"
    assert "3" in {h.id for h in backend.search("citizen", vec(1.0), 10, [])}


class TestNotBuilt:
    """A missing index is its own state, never an empty one a reader made (review V 1)."""

    def test_snapshot_without_its_file_is_missing_until_written(self, tmp_path):
        from matching.backends import IndexMissing

        path = tmp_path / "index.npz"
        snapshot = SnapshotBackend(path)
        for read in (lambda: snapshot.search("citizen", vec(1, 0), 5), lambda: snapshot.count("opening"),
                     lambda: snapshot.ids("citizen"), lambda: snapshot.versions("citizen", ["a"]),
                     lambda: snapshot.index_meta("opening")):
            with pytest.raises(IndexMissing):
                read()
        assert not path.exists()
        snapshot.index([citizen_doc("a", vec(1, 0))])  # a writer creates it
        assert snapshot.count("citizen") == 1 and snapshot.count("opening") == 0
        path.unlink()  # lost, e.g. a volume not restored
        with pytest.raises(IndexMissing):
            snapshot.count("citizen")

    @pytest.mark.elasticsearch
    def test_elasticsearch_readers_never_create_an_index(self, es_url):
        from elasticsearch import Elasticsearch

        from matching.backends import IndexMissing

        prefix = f"nb{next(_prefixes)}"
        es = make_backend("elasticsearch", url=es_url, dims=DIM, prefix=prefix, refresh=True)
        for read in (lambda: es.search("citizen", vec(1, 0), 5), lambda: es.count("citizen"),
                     lambda: es.ids("citizen"), lambda: es.versions("citizen", ["a"]),
                     lambda: es.index_meta("citizen")):
            with pytest.raises(IndexMissing) as caught:
                read()
            assert caught.value.kind == "citizen" and isinstance(caught.value, BackendUnavailable)
        with Elasticsearch(es_url) as client:
            assert client.indices.get_alias(index=f"{prefix}-*").body == {}
        writer = es.begin_rebuild("citizen")  # a rebuild of a missing index swaps it in
        writer.index([citizen_doc("a", vec(1, 0))])
        writer.commit()
        assert es.count("citizen") == 1
        with pytest.raises(IndexMissing):
            es.count("opening")

    @pytest.mark.elasticsearch
    def test_a_rebuild_deletes_the_leftovers_of_failed_ones(self, es_url):
        from elasticsearch import Elasticsearch

        prefix = f"st{next(_prefixes)}"
        es = make_backend("elasticsearch", url=es_url, dims=DIM, prefix=prefix, refresh=True)
        es.clear()
        failed = es.begin_rebuild("citizen")  # a rebuild killed mid-way: never committed
        failed.index([citizen_doc("a", vec(1, 0))])
        with Elasticsearch(es_url) as client:  # another deployment's index is never touched
            client.indices.create(index=f"{prefix}x-citizen-20260101000000-000000001")
        assert es.stray_indices("citizen") == [failed.index_name]
        [cleared] = es.live_indices("citizen")  # the one behind the alias (review BL 3)
        assert cleared != failed.index_name
        done = es.begin_rebuild("citizen")
        done.index([citizen_doc("b", vec(0, 1))])
        done.commit()
        assert es.stray_indices("citizen") == []
        assert es.live_indices("citizen") == [done.index_name]
        with Elasticsearch(es_url) as client:
            names = set(client.indices.get_alias(index=f"{prefix}*").body)
        assert names == {done.index_name, f"{prefix}x-citizen-20260101000000-000000001",
                         *(n for n in names if n.startswith(f"{prefix}-opening-"))}
        assert es.ids("citizen") == {"b"}

    @pytest.mark.elasticsearch
    def test_a_write_after_the_index_was_lost_never_makes_a_plain_index_of_the_alias(self, es_url):
        from elasticsearch import Elasticsearch

        from matching.backends import IndexMissing

        prefix = f"lw{next(_prefixes)}"
        es = make_backend("elasticsearch", url=es_url, dims=DIM, prefix=prefix, refresh=True)
        es.index([citizen_doc("a", vec(1, 0))])  # a live write creates the aliased index
        with Elasticsearch(es_url) as client:
            for name in client.indices.get_alias(index=f"{prefix}-*").body:
                client.indices.delete(index=name)  # the server's data lost under a running worker
            with pytest.raises(IndexMissing):
                es.index([citizen_doc("b", vec(0, 1))])
            assert not client.indices.exists(index=f"{prefix}-citizen")  # no plain index by that name
            es.index([citizen_doc("b", vec(0, 1))])  # the retry looks again and makes the alias
            assert client.indices.exists_alias(name=f"{prefix}-citizen")
        assert es.ids("citizen") == {"b"}


def test_elasticsearch_client_logs_no_tracebacks():
    import logging

    import matching.backends.elasticsearch  # noqa: F401 - its import quiets the client's loggers

    transport = logging.getLogger("elastic_transport.transport")
    assert not transport.isEnabledFor(logging.WARNING) and transport.isEnabledFor(logging.ERROR)
    record = transport.makeRecord(transport.name, logging.ERROR, __file__, 1, "node failed", (),
                                  (ValueError, ValueError("x"), None))
    assert transport.filter(record) and record.exc_info is None
