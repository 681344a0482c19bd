"""Idempotency-Key claimed before the action runs: two POSTs of one key at once create one object.

The first request inserts its record ("in progress") in its own transaction before the view
runs; a repeat arriving meanwhile gets 409 with Retry-After and creates nothing, and once the
first has answered a repeat replays that answer. A first request whose answer is not kept (a
500) gives the key back, so the client can send it again, unless it has committed a change.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session

from portal.api import guard
from portal.extensions import db
from portal.openings import service as openings_service
from store import clock
from store.models import ApiToken, IdempotencyRecord, Opening
from tests.api.api_fixtures import OPENING, bearer, make_token

PATH = "/api/v1/openings/"


def openings(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Opening.id)))


def records(app) -> list[tuple[str, int]]:
    with app.app_context():
        return list(db.session.execute(sa.select(IdempotencyRecord.key, IdempotencyRecord.status_code)))


@pytest.fixture
def raw(app, make_user):
    return make_token(app, make_user("company"))


@pytest.fixture
def held(monkeypatch):
    """Holds every create_opening until ``release`` is set; ``creating`` says one has started."""
    creating, release = threading.Event(), threading.Event()
    real = openings_service.create_opening

    def slow_create(*args, **kwargs):
        creating.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(openings_service, "create_opening", slow_create)
    return creating, release


def send_in_thread(app, headers: dict, body: dict, answers: dict, name: str) -> threading.Thread:
    def send():
        with app.app_context():
            answers[name] = app.test_client().post(PATH, json=body, headers=headers)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_a_repeat_while_the_first_runs_gets_409_and_creates_nothing(app, client, raw, held):
    creating, release = held
    headers = bearer(raw, **{"Idempotency-Key": "samtidig-1"})
    answers: dict = {}
    first = send_in_thread(app, headers, OPENING, answers, "first")
    try:
        assert creating.wait(10)
        started = time.monotonic()
        second = client.post(PATH, json=OPENING, headers=headers)
        assert time.monotonic() - started < 9  # the first is held up to 10 s: waiting for it would take longer
    finally:
        release.set()
        first.join(10)
    assert second.status_code == 409 and second.content_type == "application/problem+json"
    assert second.json["detail"] == "En anmodning med samme Idempotency-Key er i gang. Prøv igen om lidt."
    assert 1 <= int(second.headers["Retry-After"]) <= 10
    assert "Idempotent-Replayed" not in second.headers
    assert answers["first"].status_code == 201
    assert openings(app) == 1
    # Once the first has answered, the repeat is its answer again.
    third = client.post(PATH, json=OPENING, headers=headers)
    assert third.status_code == 201 and third.headers["Idempotent-Replayed"] == "true"
    assert third.json == answers["first"].json and third.headers["Location"] == answers["first"].headers["Location"]
    assert openings(app) == 1 and records(app) == [("samtidig-1", 201)]


def test_two_posts_at_the_same_moment_run_the_action_once(app, raw, held):
    """Both sent before either has created anything: one creates, the other is told to wait."""
    creating, release = held
    headers = bearer(raw, **{"Idempotency-Key": "samtidig-2"})
    answers: dict = {}
    threads = [send_in_thread(app, headers, OPENING, answers, name) for name in ("a", "b")]
    assert creating.wait(10)
    time.sleep(0.3)  # the other one has arrived as well
    release.set()
    for thread in threads:
        thread.join(10)
    assert sorted(a.status_code for a in answers.values()) == [201, 409]
    assert openings(app) == 1


def test_another_body_with_a_key_in_progress_is_refused_as_before(app, client, raw, held):
    creating, release = held
    headers = bearer(raw, **{"Idempotency-Key": "samtidig-3"})
    answers: dict = {}
    first = send_in_thread(app, headers, OPENING, answers, "first")
    try:
        assert creating.wait(10)
        other = client.post(PATH, json=dict(OPENING, title="Noget andet"), headers=headers)
    finally:
        release.set()
        first.join(10)
    assert other.status_code == 422 and "Idempotency-Key er allerede brugt" in other.json["detail"]
    assert answers["first"].status_code == 201 and openings(app) == 1


def test_a_first_request_that_fails_gives_the_key_back(app, client, raw, monkeypatch):
    real = openings_service.create_opening

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(openings_service, "create_opening", broken)
    headers = bearer(raw, **{"Idempotency-Key": "fejl-1"})
    failed = client.post(PATH, json=OPENING, headers=headers)
    assert failed.status_code == 500 and records(app) == []
    monkeypatch.setattr(openings_service, "create_opening", real)
    retried = client.post(PATH, json=OPENING, headers=headers)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert openings(app) == 1


def test_a_refused_body_is_still_answered_once_and_replayed(app, client, raw):
    """A 422 for the fields is kept, as it always was: the same request gets the same answer."""
    headers = bearer(raw, **{"Idempotency-Key": "ugyldig-1"})
    bad = dict(OPENING, hours_min=-3)
    first = client.post(PATH, json=bad, headers=headers)
    again = client.post(PATH, json=bad, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert records(app) == [("ugyldig-1", 422)] and openings(app) == 0


def test_a_claim_left_by_a_request_that_never_answered_expires(app, client, raw):
    """A process that died mid-request leaves its claim; after CLAIM_TIMEOUT the key is free."""
    headers = bearer(raw, **{"Idempotency-Key": "forladt-1"})
    with app.test_request_context(PATH, method="POST", json=OPENING):
        db.session.add(IdempotencyRecord(
            token_id=db.session.scalar(sa.select(ApiToken.id)), key="forladt-1", method="POST", path=PATH,
            request_hash=guard._request_hash(), status_code=guard.IN_PROGRESS, created_at=clock.utcnow()))
        db.session.commit()
    assert client.post(PATH, json=OPENING, headers=headers).status_code == 409
    with time_machine.travel(clock.utcnow() + guard.CLAIM_TIMEOUT + timedelta(seconds=1)):
        taken = client.post(PATH, json=OPENING, headers=headers)
    assert taken.status_code == 201 and "Idempotent-Replayed" not in taken.headers
    assert openings(app) == 1 and records(app) == [("forladt-1", 201)]


def test_a_request_that_breaks_after_its_view_keeps_the_key_it_committed(app, client, raw, monkeypatch):
    """Its answer could not be recorded, but its opening was created: the claim, marked
    COMMITTED in the opening's own transaction, stays, so a repeat cannot create a second one
    (test_idempotency_answer_lost.py: what the repeat is told)."""
    def broken(claim_id, response):
        raise RuntimeError("record not written")

    monkeypatch.setattr(guard, "_resolve", broken)
    headers = bearer(raw, **{"Idempotency-Key": "efter-1"})
    with pytest.raises(RuntimeError):  # TESTING propagates it; in production a 500
        client.post(PATH, json=OPENING, headers=headers)
    assert records(app) == [("efter-1", guard.COMMITTED)] and openings(app) == 1
    monkeypatch.undo()
    assert client.post(PATH, json=OPENING, headers=headers).status_code == 409
    assert openings(app) == 1


def _insert_race(app, raw: str, held) -> None:
    """The first request's claim is written but not yet committed when the second comes: the
    unique (token, key) decides (PostgreSQL: the second insert waits for the first transaction,
    then fails on the key; SQLite: the second waits for the write lock), and the second answers
    409 while the first's action runs."""
    creating, release = held
    flushed, first_thread = threading.Event(), {}

    def hold_claim(session, _context) -> None:
        if threading.get_ident() == first_thread.get("id") and not flushed.is_set() and any(
                isinstance(obj, IdempotencyRecord) for obj in session.identity_map.values()):
            flushed.set()
            time.sleep(0.5)  # the claim's row is written, its transaction still open

    headers = bearer(raw, **{"Idempotency-Key": "indsæt-1"})
    answers: dict = {}
    sa.event.listen(Session, "after_flush_postexec", hold_claim)
    try:
        def send():
            first_thread["id"] = threading.get_ident()
            with app.app_context():
                answers["first"] = app.test_client().post(PATH, json=OPENING, headers=headers)

        first = threading.Thread(target=send)
        first.start()
        try:
            assert flushed.wait(10)
            with app.app_context():
                answers["second"] = app.test_client().post(PATH, json=OPENING, headers=headers)
        finally:
            release.set()
            first.join(10)
    finally:
        sa.event.remove(Session, "after_flush_postexec", hold_claim)
    assert answers["first"].status_code == 201
    assert answers["second"].status_code == 409, answers["second"].get_data(as_text=True)
    assert openings(app) == 1


def test_two_claims_inserted_at_once_on_sqlite(app, raw, held):
    _insert_race(app, raw, held)


@pytest.mark.postgres
def test_two_claims_inserted_at_once_on_postgresql(postgres_url, password_hash, held):
    """On PostgreSQL the second insert waits for the first transaction, then fails on the key."""
    from flask_migrate import upgrade

    from portal import create_app
    from tests.conftest import user_factory
    from tests.postgres_server import fresh_database

    app = create_app({"TESTING": True, "DATABASE_URL": fresh_database(postgres_url, "t_idempotency_race"),
                      "SECRET_KEY": "t", "PSEUDONYM_KEY": "p", "MATCHING_ENCODER": "hashing",
                      "MATCHING_BACKEND": "memory"})
    with app.app_context():
        upgrade()
    try:
        _insert_race(app, make_token(app, user_factory(app, password_hash)("company")), held)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
