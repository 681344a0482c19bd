"""A company's own system cancels an interview through the API, as »Aflys samtalen« does on the web.

Before, the API could cancel a booked interview only inside an answer (``booked_interview``):
an HR system that learnt the meeting was off had no call for it. ``POST
/api/v1/proposals/<id>/interviews/<id>/cancel`` calls the web's own step
(:func:`portal.interviews.booking.cancel`), so both paths leave the same trace: a calendar
CANCEL to both sides, the consultants told, ``interview.cancelled`` and the audit event.
"""
from __future__ import annotations

import sqlalchemy as sa
import pytest

from portal.extensions import db
from portal.interviews import refusals
from store.models import AuditEvent, Consent, Interview, MailMessage, Notification
from store.models.api import WebhookDelivery, WebhookEndpoint
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

PATH = "/api/v1/proposals/{proposal}/interviews/{interview}/cancel"
DOC_PATH = "/api/v1/proposals/{proposal_id}/interviews/{interview_id}/cancel"


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    with app.app_context():
        db.session.add_all([
            WebhookEndpoint(company_id=world["company"].company_id, url="https://8.8.8.8/a", secret="whsec_a",
                            events=["interview.cancelled"]),
            WebhookEndpoint(company_id=None, url="https://8.8.8.8/jc", secret="whsec_jc",
                            events=["interview.cancelled"])])
        db.session.commit()
    world["interview"] = add_interview(app, world, hours_from_now=72)
    return world


def _cancel(client, raw: str, world, interview: int | None = None, **headers):
    path = PATH.format(proposal=world["proposal"], interview=interview or world["interview"])
    return client.post(path, headers=bearer(raw, **headers))


def _status(app, interview_id: int) -> str:
    with app.app_context():
        return db.session.get(Interview, interview_id).status


def _effects(app, world) -> dict:
    """What the cancellation set going, without ids or times: web and API must agree."""
    with app.app_context():
        interview = db.session.get(Interview, world["interview"])
        notices = db.session.execute(sa.select(Notification.user_id, Notification.kind, Notification.text,
                                               Notification.read_at.is_not(None))
                                     .order_by(Notification.id)).all()
        mails = db.session.execute(sa.select(MailMessage.user_id, MailMessage.kind, MailMessage.ics)
                                   .order_by(MailMessage.id)).all()
        hooks = db.session.execute(sa.select(WebhookDelivery.endpoint_id, WebhookDelivery.event)
                                   .order_by(WebhookDelivery.id)).all()
        audited = db.session.execute(sa.select(AuditEvent.user_id, AuditEvent.action, AuditEvent.purpose)
                                     .where(AuditEvent.action.like("interview_%")).order_by(AuditEvent.id)).all()
        return {"interview": (interview.status, interview.sequence),
                "notices": [tuple(n) for n in notices],
                "mails": [(user_id, kind, "METHOD:CANCEL" in (ics or "")) for user_id, kind, ics in mails],
                "webhooks": [event for _endpoint, event in hooks],
                "audit": [tuple(a) for a in audited]}


def _nothing_written(app, world) -> None:
    effects = _effects(app, world)
    assert effects["notices"] == [] and effects["mails"] == [] and effects["webhooks"] == []
    assert effects["audit"] == []


def test_a_company_cancels_its_booked_interview(app, client, world):
    """The reproduction: there was no such call (404 from the API's router)."""
    done = _cancel(client, make_token(app, world["company"]), world)
    assert done.status_code == 200, done.json
    assert done.json["id"] == world["proposal"]
    assert [(i["id"], i["status"]) for i in done.json["interviews"]] == [(world["interview"], "cancelled")]
    assert _effects(app, world)["interview"] == ("cancelled", 1)  # the CANCEL's new sequence


@pytest.mark.parametrize("path", ["web", "api"])
def test_the_api_cancel_tells_everyone_exactly_as_the_web_cancel(app, client, auth, world, path):
    """Both sides get the calendar CANCEL (the company's own notice as read), the consultant a
    mail with it, both webhooks ``interview.cancelled``, and the audit names the company user."""
    if path == "web":
        auth.switch_to(world["company"].email)
        page = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
        done = client.post(f"/samtaler/{world['interview']}/aflys", data={"csrf_token": auth.csrf_token(page)})
        assert done.status_code == 302
    else:
        assert _cancel(client, make_token(app, world["company"]), world).status_code == 200
    effects = _effects(app, world)
    company, consultant = world["company"].id, world["consultant"].id
    assert effects["interview"] == ("cancelled", 1)
    assert [(user, kind, read) for user, kind, _text, read in effects["notices"]] == [
        (company, "interview_booked", True),  # the actor's own calendar file, as read
        (consultant, "interview_booked", False)]
    assert all("er aflyst" in text for _user, _kind, text, _read in effects["notices"])
    assert (consultant, "interview_booked", True) in effects["mails"]  # the CANCEL in the consultant's mail
    assert effects["webhooks"] == ["interview.cancelled"] * 2
    assert effects["audit"] == [(company, "interview_cancelled", f"interview:{world['interview']}")]


def test_another_companys_interview_is_404_and_untouched(app, client, world, make_user):
    other = _cancel(client, make_token(app, world["other"]), world)
    assert other.status_code == 404 and other.content_type == "application/problem+json"
    # another company's interview under the company's own proposal: 404 too, never cancelled
    elsewhere = disclosed_world(app, make_user)
    theirs = add_interview(app, elsewhere, hours_from_now=48)
    mine = _cancel(client, make_token(app, world["company"]), world, interview=theirs)
    assert mine.status_code == 404
    assert _status(app, world["interview"]) == _status(app, theirs) == "booked"
    _nothing_written(app, world)
    with app.app_context():
        denied = db.session.scalars(sa.select(AuditEvent.purpose)
                                    .where(AuditEvent.action == "authorisation_denied")).all()
    assert f"Proposal:{world['proposal']}" in denied and f"Interview:{theirs}" in denied


def test_the_job_centres_key_is_403(app, client, world):
    refused = _cancel(client, make_token(app, world["consultant"]), world)
    assert refused.status_code == 403
    assert _status(app, world["interview"]) == "booked"


def test_a_read_only_key_is_403(app, client, world):
    refused = _cancel(client, make_token(app, world["company"], scope="read"), world)
    assert refused.status_code == 403
    assert _status(app, world["interview"]) == "booked"


@pytest.mark.parametrize(("hours", "status", "detail"), [
    (72, "cancelled", "allerede aflyst"),
    (72, "declined", "allerede aflyst eller afvist"),
    (-3, "booked", "allerede holdt"),  # held two hours ago: its outcome is due, not a cancellation
    (-1, "offered", "overskredet"),  # an offered time that has begun can no longer be chosen
])
def test_a_time_that_is_not_open_and_ahead_is_409(app, client, make_user, hours, status, detail):
    world = disclosed_world(app, make_user)
    world["interview"] = add_interview(app, world, hours_from_now=hours, status=status)
    refused = _cancel(client, make_token(app, world["company"]), world)
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert detail in refused.json["detail"] and refused.json["status"] == 409
    assert _status(app, world["interview"]) == status
    _nothing_written(app, world)


def test_an_interview_in_progress_can_still_be_cancelled(app, client, make_user):
    """Until it is held (its end passed) a booked interview stands and may be called off, as the
    page offers »Aflys samtalen« until then."""
    world = disclosed_world(app, make_user)
    world["interview"] = add_interview(app, world, hours_from_now=-0.5)
    assert _cancel(client, make_token(app, world["company"]), world).status_code == 200
    assert _status(app, world["interview"]) == "cancelled"


def test_without_the_name_shared_the_company_cannot_cancel(app, client, world):
    with app.app_context():
        db.session.scalar(sa.select(Consent)).withdrawn_at = db.func.now()
        db.session.commit()
    refused = _cancel(client, make_token(app, world["company"]), world)
    assert refused.status_code == 409 and refused.json["detail"] == refusals.CANCEL_NOT_RELEASED
    assert "aflyse" in refused.json["detail"] and "aftales" not in refused.json["detail"]  # review AH 8
    assert _status(app, world["interview"]) == "booked"


def test_a_time_the_job_centre_offered_is_not_withdrawn_by_the_company(app, client, world):
    """Review AH 3: the API cancelled the job centre's offer unseen, and the consultant's page
    then called it withdrawn by the job centre. The company chooses it or offers other times."""
    with app.app_context():
        offered = db.session.get(Interview, world["interview"])
        offered.status, offered.offered_by, offered.offered_by_id = "offered", "jobcenter", world["consultant"].id
        db.session.commit()
    refused = _cancel(client, make_token(app, world["company"]), world)
    assert refused.status_code == 409 and refused.json["detail"] == refusals.NOT_YOUR_OFFER["company"]
    assert _status(app, world["interview"]) == "offered"
    _nothing_written(app, world)


def test_a_time_the_company_offered_is_withdrawn_by_it(app, client, world):
    with app.app_context():
        db.session.get(Interview, world["interview"]).status = "offered"
        db.session.commit()
    assert _cancel(client, make_token(app, world["company"]), world).status_code == 200
    assert _status(app, world["interview"]) == "cancelled"


def test_the_same_idempotency_key_gives_the_same_answer_and_cancels_once(app, client, world):
    raw = make_token(app, world["company"])
    first = _cancel(client, raw, world, **{"Idempotency-Key": "cancel-1"})
    again = _cancel(client, raw, world, **{"Idempotency-Key": "cancel-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert again.json == first.json
    effects = _effects(app, world)
    assert effects["webhooks"] == ["interview.cancelled"] * 2 and len(effects["notices"]) == 2
    assert [a for a in effects["audit"] if a[1] == "interview_cancelled"] == [
        (world["company"].id, "interview_cancelled", f"interview:{world['interview']}")]
    # without the key the same call is a new one: the time is already cancelled
    fresh = _cancel(client, raw, world)
    assert fresh.status_code == 409 and "allerede aflyst" in fresh.json["detail"]


def test_the_document_describes_the_cancel(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["company"]))).json
    operation = spec["paths"][DOC_PATH]["post"]
    assert "Aflys" in operation["summary"]
    assert {"200", "401", "403", "404", "409", "422", "429"} <= set(operation["responses"])
    assert "holdt" in operation["responses"]["409"]["description"]
    assert "Idempotency-Key" in operation["responses"]["409"]["description"]
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("ProposalOut")
