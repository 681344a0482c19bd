"""Idempotency-Key when storing the answer fails after the action committed.

The action's first committing transaction also marks the key's claim as done (guard.COMMITTED);
so if the answer then cannot be stored, the client still gets the real answer, and a repeat of
the key never runs the action a second time (before: the claim was given back, a repeat
created a second opening, and the first client got a 500 for an opening that existed).
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from portal.api import guard
from portal.extensions import db
from store import clock
from store.models import IdempotencyRecord, Opening
from tests.api.api_fixtures import OPENING, bearer, make_token

PATH = "/api/v1/openings/"


def _openings(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Opening.title)))


def _records(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(IdempotencyRecord.status_code)))


def _failing_store(app) -> None:
    """From now on, writing an answer into a claim fails in the database (the claim itself, and
    marking it COMMITTED, still work)."""
    with app.app_context():
        db.session.execute(sa.text(
            "CREATE TRIGGER answer_store_fails BEFORE UPDATE ON idempotency_record "
            "WHEN NEW.status_code >= 100 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"))
        db.session.commit()


def _store_works(app) -> None:
    with app.app_context():
        db.session.execute(sa.text("DROP TRIGGER answer_store_fails"))
        db.session.commit()


def test_a_repeat_after_the_answer_could_not_be_stored_does_not_create_twice(app, client, make_user):
    raw = make_token(app, make_user("company"))
    headers = bearer(raw, **{"Idempotency-Key": "svar-tabt-1"})
    _failing_store(app)
    first = client.post(PATH, json=OPENING, headers=headers)
    # The action happened and the client is told so, with the object.
    assert first.status_code == 201 and first.json["title"] == OPENING["title"]
    assert _openings(app) == [OPENING["title"]]
    assert _records(app) == [guard.COMMITTED]
    _store_works(app)

    again = client.post(PATH, json=OPENING, headers=headers)
    assert again.status_code == 409 and again.headers["Retry-After"]  # as if still running
    with time_machine.travel(clock.utcnow() + guard.CLAIM_TIMEOUT + timedelta(seconds=1)):
        later = client.post(PATH, json=OPENING, headers=headers)
    assert later.status_code == 409 and "allerede udført" in later.json["detail"]
    assert "Retry-After" not in later.headers
    assert _openings(app) == [OPENING["title"]]  # once, and still there
    # Another body under the key is still refused as another request.
    other = client.post(PATH, json=dict(OPENING, title="Noget andet"), headers=headers)
    assert other.status_code == 422
    # After the key's 24 hours it is forgotten, as any other.
    with time_machine.travel(clock.utcnow() + guard.IDEMPOTENCY_TTL + timedelta(hours=1)):
        fresh = client.post(PATH, json=OPENING, headers=headers)
    assert fresh.status_code == 201 and len(_openings(app)) == 2


def test_a_request_that_committed_nothing_gives_its_key_back_when_the_store_fails(app, client, make_user):
    """A refused body wrote nothing: the key is free again, the corrected request runs."""
    raw = make_token(app, make_user("company"))
    headers = bearer(raw, **{"Idempotency-Key": "svar-tabt-2"})
    _failing_store(app)
    refused = client.post(PATH, json=dict(OPENING, hours_min=-1), headers=headers)
    assert refused.status_code == 422
    assert _records(app) == [] and _openings(app) == []
    _store_works(app)
    assert client.post(PATH, json=OPENING, headers=headers).status_code == 201


def test_the_answer_is_stored_as_before_when_the_store_works(app, client, make_user):
    raw = make_token(app, make_user("company"))
    headers = bearer(raw, **{"Idempotency-Key": "svar-gemt"})
    first = client.post(PATH, json=OPENING, headers=headers)
    again = client.post(PATH, json=OPENING, headers=headers)
    assert again.status_code == 201 and again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert _records(app) == [201] and len(_openings(app)) == 1


def test_an_action_that_only_changes_loaded_rows_marks_its_key_committed(app, client, make_user):
    """Review Y 1: a view whose changes reach the database only in its commit's own flush (a
    loaded opening's status set, no flush of its own) left the claim IN_PROGRESS, so a failed
    answer store gave the key back and a repeat ran the action again."""
    raw = make_token(app, make_user("company"))
    opening_id = client.post(PATH, json=OPENING, headers=bearer(raw)).json["id"]
    assert client.post(f"{PATH}{opening_id}/publish", headers=bearer(raw)).status_code == 200
    headers = bearer(raw, **{"Idempotency-Key": "luk-svar-tabt"})
    _failing_store(app)
    first = client.post(f"{PATH}{opening_id}/close", headers=headers)
    assert first.status_code == 200 and first.json["status"] == "closed"
    assert _records(app) == [guard.COMMITTED]
    _store_works(app)
    again = client.post(f"{PATH}{opening_id}/close", headers=headers)
    assert again.status_code == 409
