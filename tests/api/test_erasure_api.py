"""Erasure and retention reach what the API and the notifications kept about the citizen.

A company answers a candidate and files a hotline request about a placement over the API (with
Idempotency-Keys); the citizen is then erased or anonymised. Neither the consultants' notifications
nor their mails, nor a replay of the stored API answers, may still carry what was said about them.
The other citizen's records stay.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from portal.privacy.retention import anonymise_expired
from portal.privacy.scrubbing import ANONYMOUS_NAME
from store.models import Citizen, MailMessage, Notification, Proposal
from store.models.api import IdempotencyRecord
from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures
from tests.portal.hours_fixtures import MARKER

HEALTH = "har været syg tre dage med migræne"


@pytest.fixture
def world(app, make_user, frozen_today):
    return hours_fixtures.build_world(app, make_user)


def _said_about_the_hidden_citizen(app, client, world) -> tuple[str, dict, dict]:
    raw = make_token(app, world["company"])
    with app.app_context():
        proposal_id = db.session.scalar(sa.select(Proposal.id).where(
            Proposal.citizen_id == world["hidden_citizen"]))
    answer = ("post", f"/api/v1/proposals/{proposal_id}/answer",
              {"response": "interested", "note": f"{MARKER} {HEALTH}"}, "k-answer")
    hotline = ("post", "/api/v1/hotline/",
               {"category": "fravaer", "urgency": "akut", "subject": "Fravær i denne uge",
                "message": f"{MARKER}: medarbejderen {HEALTH}", "placement_id": world["hidden"]}, "k-hotline")
    kept = ("post", "/api/v1/hotline/",
            {"category": "andet", "urgency": "normal", "subject": "Spørgsmål om timer",
             "message": "Hvordan skriver vi timer for juli?", "placement_id": world["named"]}, "k-kept")
    for _method, path, body, key in (answer, hotline, kept):
        sent = client.post(path, json=body, headers=bearer(raw, **{"Idempotency-Key": key}))
        assert sent.status_code in (200, 201), sent.json
    return raw, {"answer": answer, "hotline": hotline}, {"kept": kept}


def _replay(client, raw, call):
    _method, path, body, key = call
    return client.post(path, json=body, headers=bearer(raw, **{"Idempotency-Key": key}))


def _texts(app) -> list[str]:
    with app.app_context():
        notes = [text for (text,) in db.session.execute(sa.select(Notification.text))]
        mails = [f"{s} {b}" for s, b in db.session.execute(sa.select(MailMessage.subject, MailMessage.body))]
        return notes + mails


def test_erasure_removes_notifications_mails_and_idempotent_answers_about_the_citizen(app, client, world):
    raw, about, other = _said_about_the_hidden_citizen(app, client, world)
    assert any(MARKER in text for text in _texts(app))  # the consultant was told the name
    with app.app_context():
        sent = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == "company_answered"))
        sent.status, sent.body = "sent", ""  # as the mail worker leaves a sent mail: subject only
        notes_before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
        db.session.commit()
        assert erase_citizen(db.session, world["hidden_citizen"], purpose="test")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) < notes_before
        subject = db.session.get(MailMessage, sent.id).subject
        assert ANONYMOUS_NAME in subject
        assert db.session.scalar(sa.select(sa.func.count(IdempotencyRecord.id))) == 1  # the other citizen's
    for text in _texts(app):
        assert MARKER not in text and HEALTH not in text, text
    for call in about.values():
        again = _replay(client, raw, call)
        assert again.headers.get("Idempotent-Replayed") is None
        assert MARKER not in again.get_data(as_text=True) and HEALTH not in again.get_data(as_text=True)
    kept = _replay(client, raw, other["kept"])
    assert kept.status_code == 201 and kept.headers.get("Idempotent-Replayed") == "true"


def test_retention_anonymisation_also_forgets_notifications_and_idempotent_answers(app, client, world):
    raw, about, _other = _said_about_the_hidden_citizen(app, client, world)
    with app.app_context():
        citizen = db.session.get(Citizen, world["hidden_citizen"])
        citizen.case_closed = date(2019, 1, 1)
        _end_placements(citizen.id, date(2026, 11, 23))
        db.session.commit()
        assert anonymise_expired(db.session, today=date(2026, 11, 23),
                                 retention_days=365) == 1
        db.session.commit()
    for text in _texts(app):
        assert MARKER not in text, text
    again = _replay(client, raw, about["answer"])
    assert again.headers.get("Idempotent-Replayed") is None and HEALTH not in again.get_data(as_text=True)


def _end_placements(citizen_id, today):
    """Retention holds back a case whose placement still runs (review AU 4): end them first."""
    from datetime import timedelta as _td

    from store.models import Placement as _Placement

    for placement in db.session.scalars(sa.select(_Placement).where(_Placement.citizen_id == citizen_id)):
        placement.end_date = max(placement.start_date, today - _td(days=1))
        placement.end_reason = "aflyst" if placement.start_date > today else "afbrudt"
