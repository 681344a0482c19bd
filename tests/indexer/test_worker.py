"""The outbox worker: nothing lost, nothing indexed twice, failures visible."""
from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pytest
from flask import current_app
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.backends.snapshot import SnapshotBackend
from indexer.worker import OutboxWorker, backoff_seconds
from matching.backends import Document, MemoryBackend
from matching.cache import cache_key
from matching.ranking import citizen_text
from portal.extensions import db
from store.index_status import failures, indexer_status
from store.models import Citizen, CvDocument, EmbeddingCacheEntry, OutboxEvent
from store.outbox import record_change
from store.profiles import citizen_profile
from matching.relevance import RelevanceConfig

# Documents are cached under the role the relevance scorer encodes them with.
DOC_ROLE = RelevanceConfig().doc_role


def statuses() -> dict[str, int]:
    return dict(db.session.execute(sa.select(OutboxEvent.status, sa.func.count())
                                   .group_by(OutboxEvent.status)).all())


@pytest.fixture
def backend(tmp_path) -> SnapshotBackend:
    return SnapshotBackend(tmp_path / "index.npz")


@pytest.mark.parametrize("entity, entity_id, op", [
    ("company", 1, "upsert"), ("citizen", 0, "upsert"), ("citizen", -3, "upsert"),
    ("citizen", True, "upsert"), ("citizen", "7", "upsert"), ("opening", 1, "erase"),
])
def test_record_change_refuses_bad_arguments(app, entity, entity_id, op):
    with app.app_context(), pytest.raises(ValueError):
        record_change(db.session, entity, entity_id, op)


def test_record_change_rolls_back_with_the_change(seed):
    citizen_id = seed.citizen()
    citizen = db.session.get(Citizen, citizen_id)
    citizen.hours_available = 30
    record_change(db.session, "citizen", citizen_id)
    db.session.rollback()
    assert statuses() == {"pending": 1}  # only the committed creation


def test_drain_indexes_every_row_with_its_version(seed, backend, encoder):
    citizen_id = seed.citizen()
    opening_id = seed.opening()
    seed.edit_citizen(citizen_id, hours_available=25.0)
    assert statuses() == {"pending": 3}

    total = OutboxWorker(db.session, backend, encoder).drain()

    assert statuses() == {"done": 3}
    assert total.written == 2  # the two citizen events were coalesced into one write
    version = db.session.get(Citizen, citizen_id).version
    assert version == 2
    assert backend.versions("citizen", [str(citizen_id)]) == {str(citizen_id): version}
    assert backend.ids("opening") == {str(opening_id)}


def test_repeated_drain_writes_nothing(seed, backend, encoder):
    citizen_id = seed.citizen()
    OutboxWorker(db.session, backend, encoder).drain()
    record_change(db.session, "citizen", citizen_id)  # e.g. a retried request
    db.session.commit()

    again = OutboxWorker(db.session, backend, encoder).drain()

    assert again.claimed == 1 and again.written == 0
    assert backend.count("citizen") == 1


def test_stale_version_write_is_a_no_op(seed, backend, encoder):
    citizen_id = seed.citizen(cv="Kassedame i ti år")
    stale = citizen_profile(db.session.get(Citizen, citizen_id))
    seed.edit_citizen(citizen_id, hours_available=30.0)
    OutboxWorker(db.session, backend, encoder).drain()
    fresh_version = db.session.get(Citizen, citizen_id).version

    old_doc = Document("citizen", stale.id, stale.version,
                       encoder.encode_passages(["noget helt andet"])[0])
    assert backend.index([old_doc]) == 0
    assert backend.versions("citizen", [stale.id]) == {stale.id: fresh_version}
    hits = backend.search("citizen", encoder.encode_queries([citizen_text(stale)])[0], 1)
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)  # still the real document


def test_change_during_indexing_is_queued_again(seed, backend, encoder):
    """A slower worker's write of an old version is noticed and re-queued, never kept."""
    citizen_id = seed.citizen()
    worker = OutboxWorker(db.session, backend, encoder)
    real_index = backend.index

    def index_then_someone_edits(docs):
        docs = list(docs)
        written = real_index(docs)
        if not docs:
            return written
        with Session(db.engine) as other:  # the portal saves a change meanwhile
            other.get(Citizen, citizen_id).hours_available = 35.0
            record_change(other, "citizen", citizen_id)
            other.commit()
        return written

    backend.index = index_then_someone_edits
    worker.process_batch()
    backend.index = real_index
    worker.drain()

    version = db.session.get(Citizen, citizen_id).version
    assert backend.versions("citizen", [str(citizen_id)]) == {str(citizen_id): version}
    assert statuses() == {"done": 3}


def test_citizen_that_stops_being_matchable_leaves_the_index(seed, backend, encoder):
    keep, restrict = seed.citizen(), seed.citizen()
    OutboxWorker(db.session, backend, encoder).drain()
    seed.edit_citizen(restrict, restricted=True)

    OutboxWorker(db.session, backend, encoder).drain()

    assert backend.ids("citizen") == {str(keep)}


def test_two_workers_at_once_index_everything_once(app, seed, backend, encoder):
    ids = [seed.citizen(goal=f"Jobmål {n}", cv=f"CV nummer {n}") for n in range(40)]
    seen: list[list[str]] = [[], []]
    batches: list[int] = []
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    class Recording(MemoryBackend):
        def __init__(self, log):
            super().__init__()
            self.log = log

        def index(self, docs):
            docs = list(docs)
            self.log.extend(d.id for d in docs)
            batches.append(len(docs))
            return backend.index(docs)

    def work(n: int) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                worker = OutboxWorker(session, Recording(seen[n]), encoder, batch_size=5,
                                      worker_id=f"w{n}")
                start.wait()
                worker.drain()
        except BaseException as err:  # surfaced below: a thread's failure must fail the test
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(seen[0] + seen[1], key=int) == [str(i) for i in ids]  # each exactly once
    assert max(batches) <= 5
    assert backend.count("citizen") == 40
    assert statuses() == {"done": 40}


def test_expired_claim_is_taken_over(seed, backend, encoder):
    seed.citizen()
    crashed = OutboxWorker(db.session, backend, encoder, lease=timedelta(seconds=-1))
    assert len(crashed.claim()) == 1  # ... and then the process died

    OutboxWorker(db.session, backend, encoder).drain()

    assert statuses() == {"done": 1} and backend.count("citizen") == 1


def test_erasure_removes_documents_and_cached_embeddings(seed, backend, encoder):
    keep = seed.citizen(cv="Pædagogmedhjælper")
    erase = seed.citizen(cv="Unik tekst om en borger der skal glemmes")
    OutboxWorker(db.session, backend, encoder).drain()
    erased_text = citizen_text(citizen_profile(db.session.get(Citizen, erase)))
    erased_key = cache_key(encoder.name, DOC_ROLE, erased_text)
    assert db.session.get(EmbeddingCacheEntry, erased_key) is not None

    seed.erase_citizen(erase)
    OutboxWorker(db.session, backend, encoder).drain()

    assert backend.ids("citizen") == {str(keep)}
    assert db.session.get(EmbeddingCacheEntry, erased_key) is None
    kept_text = citizen_text(citizen_profile(db.session.get(Citizen, keep)))
    assert db.session.get(EmbeddingCacheEntry, cache_key(encoder.name, DOC_ROLE, kept_text))


def test_unreadable_cv_is_a_visible_failure_not_a_crash(app, seed, backend, encoder, tmp_path,
                                                         client, auth, make_user):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "a1b2c3.pdf").write_bytes(b"%PDF-1.7\n% truncated in transit")
    broken = seed.citizen(cv="")
    cv = db.session.get(Citizen, broken).cv_documents[0]
    cv.stored_name, cv.original_filename, cv.content_type = "a1b2c3.pdf", "cv.pdf", "pdf"
    db.session.commit()
    fine = seed.citizen()

    total = OutboxWorker(db.session, backend, encoder, upload_folder=uploads).drain()

    assert total.failed == 1
    assert backend.ids("citizen") == {str(fine)}
    assert db.session.get(CvDocument, cv.id).extraction_error  # shown on the citizen's page
    [failure] = failures(db.session)
    assert failure.entity_id == broken and failure.reason.startswith("CV'et kunne ikke læses")
    status = indexer_status(db.session, backend, backend_name="memory", encoder_name=encoder.name)
    assert status["failed"] == 1 and status["pending"] == 0

    admin = make_user("admin")
    auth.login(admin.email)
    page = client.get("/admin/indexer").get_data(as_text=True)
    assert "CV&#39;et kunne ikke læses" in page or "CV'et kunne ikke læses" in page
    assert f'<a href="/borgere/{broken}">Borger nr. {broken}</a>' in page  # where it is put right
    assert client.get(f"/borgere/{broken}").status_code == 200


def test_admin_page_is_for_administrators_only(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    assert client.get("/admin/indexer").status_code == 403


def test_admin_page_shows_pending_encoder_and_backend(seed, client, auth, make_user):
    seed.citizen()
    seed.opening()
    auth.login(make_user("admin").email)
    page = client.get("/admin/indexer").get_data(as_text=True)
    assert '<td data-testid="pending">2</td>' in page
    assert "hashing-256" in page and "I portalens hukommelse" in page


def test_backoff_is_bounded_and_jittered():
    assert backoff_seconds(50, cap=60.0, rng=lambda: 1.0) == 60.0
    assert backoff_seconds(1, rng=lambda: 0.5) == 1.0
    assert backoff_seconds(3, rng=lambda: 0.0) == 0.0


def _dead_url() -> str:
    import socket

    with socket.socket() as sock:  # bound and closed again: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.elasticsearch
def test_backend_down_loses_nothing_and_indexes_once_when_back(seed, encoder, indexer_es_server):
    from matching.backends.elasticsearch import ElasticsearchBackend

    prefix = f"jobbro-test-{threading.get_ident()}-{id(seed)}"
    down = ElasticsearchBackend(_dead_url(), dims=encoder.dimension, prefix=prefix,
                                request_timeout=0.5)
    citizen_id = seed.citizen()
    opening_id = seed.opening()
    seed.edit_citizen(citizen_id, hours_available=12.0)  # the portal keeps working

    during = OutboxWorker(db.session, down, encoder).drain(max_wait=0)

    assert during.unavailable and during.written == 0
    assert statuses() == {"pending": 3}
    events = db.session.scalars(sa.select(OutboxEvent)).all()
    assert all(e.attempts == 1 and e.last_error and e.claimed_until is None for e in events)

    up = ElasticsearchBackend(indexer_es_server.url, dims=encoder.dimension, prefix=prefix)
    after = OutboxWorker(db.session, up, encoder).drain()

    assert statuses() == {"done": 3} and after.written == 2
    version = db.session.get(Citizen, citizen_id).version
    assert up.versions("citizen", [str(citizen_id)]) == {str(citizen_id): version}
    assert up.ids("citizen") == {str(citizen_id)} and up.ids("opening") == {str(opening_id)}
    assert up.count("citizen") == 1
    record_change(db.session, "citizen", citizen_id)
    db.session.commit()
    assert OutboxWorker(db.session, up, encoder).drain().written == 0  # a repeat is a no-op
    assert up.versions("citizen", [str(citizen_id)]) == {str(citizen_id): version}


def test_one_bad_row_does_not_block_the_batch(seed, backend, encoder):
    from matching.backends import BackendError

    good = [seed.citizen(goal=f"Mål {n}") for n in range(3)]
    poison = seed.citizen(goal="Giftig")
    real_index = backend.index

    def refuse_poison(docs):
        docs = list(docs)
        if any(d.id == str(poison) for d in docs):
            raise BackendError("mapper_parsing_exception")
        return real_index(docs)

    backend.index = refuse_poison
    db.session.execute(sa.update(OutboxEvent).where(OutboxEvent.entity_id == poison)
                       .values(attempts=4))  # this is its last chance
    db.session.commit()

    OutboxWorker(db.session, backend, encoder).drain()

    assert backend.ids("citizen") == {str(i) for i in good}
    [failure] = failures(db.session)
    assert failure.entity_id == poison and "afviste" in failure.reason
    assert statuses() == {"done": 3, "failed": 1}


def test_removal_from_an_old_state_is_corrected(seed, backend, encoder):
    """Removing a restricted citizen while the restriction is lifted must not lose them."""
    citizen_id = seed.citizen()
    OutboxWorker(db.session, backend, encoder).drain()
    seed.edit_citizen(citizen_id, restricted=True)
    real_remove = backend.remove

    def lifted_meanwhile(kind, ids):
        removed = real_remove(kind, ids)
        with Session(db.engine) as other:  # another worker already handled this change
            other.get(Citizen, citizen_id).restricted = False
            other.commit()
        return removed

    backend.remove = lifted_meanwhile
    OutboxWorker(db.session, backend, encoder).process_batch()
    backend.remove = real_remove
    OutboxWorker(db.session, backend, encoder).drain()

    version = db.session.get(Citizen, citizen_id).version
    assert backend.versions("citizen", [str(citizen_id)]) == {str(citizen_id): version}


@pytest.mark.postgres
def test_two_workers_on_postgresql_index_everything_once(pg_seed, backend, encoder):
    """The SKIP LOCKED claim and the PostgreSQL upsert of cache entries, for real."""
    ids = [pg_seed.citizen(goal=f"Jobmål {n}", cv=f"CV {n}") for n in range(30)]
    seen: list[list[str]] = [[], []]
    batches: list[int] = []
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    app = current_app._get_current_object()

    class Recording(MemoryBackend):
        def __init__(self, log):
            super().__init__()
            self.log = log

        def index(self, docs):
            docs = list(docs)
            self.log.extend(d.id for d in docs)
            batches.append(len(docs))
            return backend.index(docs)

    def work(n: int) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                worker = OutboxWorker(session, Recording(seen[n]), encoder, batch_size=4)
                start.wait()
                worker.drain()
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(seen[0] + seen[1], key=int) == [str(i) for i in ids]
    assert max(batches) <= 4  # a claim never takes more than its batch size
    assert statuses() == {"done": 30}
    # Each citizen's whole text and its jobmål (the document's goal_vector), each cached once.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmbeddingCacheEntry)) == 60


def test_erasure_sweeps_embeddings_the_portal_cached_for_an_unindexed_citizen(seed, backend, encoder):
    from store.embedding_store import DbEmbeddingCache

    citizen_id = seed.citizen(vk_id=None, cv="Ikke matchbar endnu")  # never indexed
    OutboxWorker(db.session, backend, encoder).drain()
    text = citizen_text(citizen_profile(db.session.get(Citizen, citizen_id)))
    key = cache_key(encoder.name, "query", text)
    DbEmbeddingCache(db.session, encoder.name).put_many({key: np.ones(encoder.dimension, np.float32)})
    db.session.commit()  # e.g. a consultant ranked openings for this citizen

    seed.erase_citizen(citizen_id)
    OutboxWorker(db.session, backend, encoder).drain()

    assert db.session.get(EmbeddingCacheEntry, key) is None


def test_the_portal_can_save_while_the_worker_encodes(seed, backend, encoder):
    """No SQLite write lock is held while (slow) encoding runs."""
    first = seed.citizen(goal="Første")
    seed.opening()
    saved: list[int] = []

    class SavingEncoder:
        name, dimension = encoder.name, encoder.dimension

        def encode_passages(self, texts):
            with Session(db.engine) as portal:
                portal.execute(sa.text("PRAGMA busy_timeout=200"))  # fail fast if locked
                portal.get(Citizen, first).hours_available = 11.0
                record_change(portal, "citizen", first)
                portal.commit()
            saved.append(len(texts))
            return encoder.encode_passages(texts)

        encode_queries = encode_passages

    OutboxWorker(db.session, backend, SavingEncoder()).process_batch()

    assert saved == [2, 1]  # a citizen text and its jobmål, one opening text: both saves went through


def test_run_survives_a_database_error_and_stops_on_request(seed, backend, encoder):
    from sqlalchemy.exc import OperationalError

    seed.citizen()
    worker = OutboxWorker(db.session, backend, encoder)
    real_claim, calls, waits = worker.claim, [], []

    def flaky_claim():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE outbox_event", {}, Exception("database is locked"))
        return real_claim()

    worker.claim = flaky_claim
    worker.run(should_stop=lambda: statuses() == {"done": 1} or len(calls) > 5,
               wait=waits.append, idle_seconds=0)

    assert statuses() == {"done": 1} and backend.count("citizen") == 1
    assert len(waits) == 1  # one back-off after the error


def test_a_sweep_keeps_what_rankings_stored_for_live_citizens_and_openings(seed, backend, encoder):
    """Erasing one citizen sweeps its jobmål's vectors and concept profiles, and only its: the
    other citizens' and the openings' stay, so the next ranking need not compute them again."""
    from matching.concept_channel import occupation_title, profile_key
    from store.embedding_store import DbEmbeddingCache

    kept_id = seed.citizen(goal="Tømrer")
    gone_id = seed.citizen(goal="Kok")
    seed.opening(title="Småjob: Gartner 8 timer om ugen")
    OutboxWorker(db.session, backend, encoder, concept_version="concepts-test").drain()
    title = occupation_title("Småjob: Gartner 8 timer om ugen")
    keys = {name: cache_key(encoder.name, "query", name) for name in ("Tømrer", "Kok", title)}
    profiles = {name: profile_key(encoder.name, "concepts-test", "query", name) for name in ("Tømrer", "Kok", title)}
    DbEmbeddingCache(db.session, encoder.name).put_many(
        {key: np.ones(encoder.dimension, np.float32) for key in [*keys.values(), *profiles.values()]})
    db.session.commit()  # as a ranking leaves them

    seed.erase_citizen(gone_id)
    OutboxWorker(db.session, backend, encoder, concept_version="concepts-test").drain()

    def kept(key: str) -> bool:
        return db.session.get(EmbeddingCacheEntry, key) is not None

    assert kept(keys["Tømrer"]) and kept(profiles["Tømrer"]) and kept(keys[title]) and kept(profiles[title])
    assert not kept(keys["Kok"]) and not kept(profiles["Kok"])
    assert db.session.get(Citizen, kept_id) is not None
