"""Erasure takes the citizen out of every queue: webhook deliveries (the companies' too), queued
mails and notifications.

Before, only the job centre's deliveries naming the citizen's id were dropped: a company's
queued ``hotline.closed`` kept the staff's closing note about a placement of the erased citizen
(and ``placement.started`` the placement), and the worker sent them after the erasure; the
company's ``hotline_closed`` mail and notice kept the note too.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from portal.eligibility import seed_defaults
from portal.extensions import db
from portal.hotline import service as hotline
from portal.placements import lifecycle
from portal.privacy.erasure import erase_citizen
from portal.privacy.scrubbing import ERASED_TEXT
from portal.webhooks import sender
from store.models import AuditEvent, Citizen, HotlineRequest, MailMessage, Notification, Proposal, User
from store.models.api import WEBHOOK_EVENTS, WebhookDelivery
from tests.portal.proposal_fixtures import MARKER, build_world, set_status

from .conftest import add_endpoint

EXTERNAL_ID = "SAG-ZQ-4711"
NOTE = "Borgeren ZQNOTE havde en svær uge; vi har talt med hende."


def _world(app, make_user, today):
    world = build_world(app, make_user)
    with app.app_context():
        seed_defaults(db.session)
        db.session.get(Citizen, world["citizen"]).external_id = EXTERNAL_ID
        db.session.commit()
    every = tuple(WEBHOOK_EVENTS)
    world["company_endpoint"] = add_endpoint(app, "https://8.8.8.8/a", company_id=world["company"].company_id,
                                             events=every)
    world["jobcenter_endpoint"] = add_endpoint(app, "https://8.8.8.8/jc", events=every)
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.test_request_context():
        consultant = db.session.get(User, world["consultant"].id)
        started = lifecycle.start_placement(
            db.session.get(Proposal, world["proposal"]),
            lifecycle.StartData(kind="virksomhedspraktik", start_date=today, weekly_hours=10.0), consultant, today)
        world["placement"] = started.placement.id
        request = HotlineRequest(company_id=world["company"].company_id, category="helbred", urgency="akut",
                                 subject=f"Om {MARKER}", created_by_id=world["company"].id,
                                 placement_id=world["placement"],
                                 due_at=datetime.now(timezone.utc) + timedelta(hours=8))
        db.session.add(request)
        db.session.commit()
        world["request"] = request.id
        assert hotline.close_request(request, by=consultant, note=NOTE)
    return world


def _bodies(app) -> dict[int, list[dict]]:
    """The unsent deliveries' bodies per endpoint id."""
    with app.app_context():
        out: dict[int, list[dict]] = {}
        for row in db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.payload != "")
                                      .order_by(WebhookDelivery.id)):
            out.setdefault(row.endpoint_id, []).append(json.loads(row.payload))
        return out


def _events(bodies: list[dict]) -> list[str]:
    return [body["type"] for body in bodies]


def test_erasure_scrubs_the_companys_queued_hotline_closed_and_drops_the_rest(app, make_user, frozen_today, tmp_path):
    world = _world(app, make_user, frozen_today)
    company, jobcenter = world["company_endpoint"], world["jobcenter_endpoint"]
    before = _bodies(app)
    assert _events(before[company]) == ["placement.started", "hotline.closed"]
    closed = before[company][1]
    assert closed["data"]["closing_note"] == NOTE and closed["data"]["placement_id"] == world["placement"]
    with app.app_context():  # one given up: it could be sent again from the endpoint's page
        first = db.session.scalar(sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == jobcenter)
                                  .order_by(WebhookDelivery.id))
        first.status, first.attempts = "failed", sender.MAX_ATTEMPTS
        db.session.commit()
        mails = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "hotline_closed")).all()
        assert mails and all(NOTE in mail.body for mail in mails)
        placement_notices = sa.select(Notification).where(Notification.kind == "placement_started")
        assert db.session.scalars(placement_notices).all()  # the company was told of the start

    with app.test_request_context():
        assert erase_citizen(db.session, world["citizen"], purpose="test",
                             user=db.session.get(User, world["consultant"].id))
        db.session.commit()

    after = _bodies(app)
    # the placement went with the citizen: its delivery too; the hotline request stays, scrubbed
    assert _events(after[company]) == ["hotline.closed"] and _events(after[jobcenter]) == ["hotline.closed"]
    for bodies in after.values():
        data = bodies[0]["data"]
        assert data["request_id"] == world["request"] and data["status"] == "closed"
        assert data["closing_note"] is None and data["placement_id"] is None
        assert data.get("citizen_id") is None and data.get("citizen_external_id") is None
    text = json.dumps(after, ensure_ascii=False)
    for trace in ("ZQNOTE", MARKER, EXTERNAL_ID, f'"placement_id":{world["placement"]}',
                  f'"proposal_id":{world["proposal"]}', f'"citizen_id":{world["citizen"]}'):
        assert trace not in text
    with app.app_context():
        assert not db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.status == "failed")).all()
        for mail in db.session.scalars(sa.select(MailMessage)):
            assert "ZQNOTE" not in mail.body and "ZQNOTE" not in mail.subject
        assert all(ERASED_TEXT in mail.body for mail in db.session.scalars(
            sa.select(MailMessage).where(MailMessage.kind == "hotline_closed", MailMessage.status == "pending")))
        notices = db.session.scalars(sa.select(Notification).where(Notification.kind == "hotline_closed")).all()
        assert notices and all("ZQNOTE" not in n.text and n.text.endswith("til hotline") for n in notices)
        assert not db.session.scalars(placement_notices).all()
        cleared = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "erasure_queues_cleared")).all()
        assert [(e.citizen_id, e.purpose, e.user_id) for e in cleared] == [
            (world["citizen"], "webhook:4 mail:2", world["consultant"].id)]

    sent: list[bytes] = []

    def fake_send(url, body, headers, config, *, internal=False):
        sent.append(body)
        return sender.Answer(200, "ok")

    with app.app_context():
        result = sender.drain(send=fake_send)
    assert result.sent == 2 and len(sent) == 2  # the two scrubbed closings, nothing else
    for body in sent:
        assert b"ZQNOTE" not in body and json.loads(body)["data"]["closing_note"] is None


def test_anonymisation_clears_the_queues_the_same_way(app, make_user, frozen_today, tmp_path):
    from portal.privacy.retention import anonymise_expired

    world = _world(app, make_user, frozen_today)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).case_closed = frozen_today - timedelta(days=400)
        _end_placements(world["citizen"], frozen_today)
        db.session.commit()
        assert anonymise_expired(db.session, today=frozen_today, retention_days=365) == 1
        db.session.commit()
        cleared = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "erasure_queues_cleared")).all()
        assert [(e.citizen_id, e.purpose) for e in cleared] == [(world["citizen"], "webhook:4 mail:2")]
    after = _bodies(app)
    assert [_events(bodies) for bodies in after.values()] == [["hotline.closed"], ["hotline.closed"]]
    text = json.dumps(after, ensure_ascii=False)
    assert "ZQNOTE" not in text and EXTERNAL_ID not in text and f'"placement_id":{world["placement"]}' not in text


def _end_placements(citizen_id, today):
    """Retention holds back a case whose placement still runs (review AU 4): end them first."""
    from datetime import timedelta as _td

    from store.models import Placement as _Placement

    for placement in db.session.scalars(sa.select(_Placement).where(_Placement.citizen_id == citizen_id)):
        placement.end_date = max(placement.start_date, today - _td(days=1))
        placement.end_reason = "aflyst" if placement.start_date > today else "afbrudt"
