"""Review AA 2: a company's answer does the same to a booked interview ahead on the web and
through the API.

On the web a hire or a no while an interview is booked and still ahead asks whether to cancel
the interview or keep it; the API saved the answer and left the interview booked, with no way
to cancel it. Both now go through one service (:func:`portal.interviews.answers.answer`): the
API takes the choice as ``booked_interview`` and answers 409 without it.
"""
from __future__ import annotations

import sqlalchemy as sa
import pytest

from portal.extensions import db
from store.models import AuditEvent, Consent, Interview, MailMessage, Notification, Proposal
from store.models.api import WebhookDelivery, WebhookEndpoint
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

# What the answer writes about the interview and the answer (reads are audited too: left out).
WRITES = ("interview_cancelled", "company_response")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    with app.app_context():
        company_id = world["company"].company_id
        db.session.add_all([
            WebhookEndpoint(company_id=company_id, url="https://8.8.8.8/a", secret="whsec_a",
                            events=["interview.cancelled", "interview.booked"]),
            WebhookEndpoint(company_id=None, url="https://8.8.8.8/jc", secret="whsec_jc",
                            events=["interview.cancelled", "interview.booked"])])
        db.session.commit()
    world["interview"] = add_interview(app, world, hours_from_now=72)
    return world


def _api(client, raw: str, world, **body):
    return client.post(f"/api/v1/proposals/{world['proposal']}/answer", json=body, headers=bearer(raw))


def _web(client, auth, world, **extra):
    auth.switch_to(world["company"].email)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    data = {"csrf_token": auth.csrf_token("/"), "note": "", "next": "candidate", **extra}
    return client.post(path, data=data)


def _state(app, world) -> tuple[str, str | None]:
    with app.app_context():
        return (db.session.get(Interview, world["interview"]).status,
                db.session.get(Proposal, world["proposal"]).company_response)


def _effects(app, world) -> dict:
    """Everything the answer set going, without ids or times: the two paths must agree."""
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
                                     .where(AuditEvent.action.in_(WRITES)).order_by(AuditEvent.id)).all()
        proposal = db.session.get(Proposal, world["proposal"])
        return {"interview": (interview.status, interview.sequence),
                "answer": (proposal.company_response, proposal.company_response_note),
                "notices": [tuple(n) for n in notices],
                "mails": [(user_id, kind, "METHOD:CANCEL" in (ics or "")) for user_id, kind, ics in mails],
                "webhooks": [tuple(h) for h in hooks],
                "audit": [tuple(a) for a in audited]}


def test_an_api_no_with_an_interview_ahead_asks_for_the_choice_and_writes_nothing(app, client, world):
    """The reproduction: the API said 200 and the interview stayed booked, unmentioned."""
    raw = make_token(app, world["company"])
    asked = _api(client, raw, world, response="declined")
    assert asked.status_code == 409 and asked.content_type == "application/problem+json"
    assert "booked_interview" in asked.json["detail"] and "cancel" in asked.json["detail"]
    assert _state(app, world) == ("booked", None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                 .where(AuditEvent.action.in_(WRITES))) == 0


@pytest.mark.parametrize("path", ["web", "api"])
def test_a_no_that_cancels_the_interview_does_the_same_on_both_paths(app, client, auth, world, path):
    """The interview is cancelled with a calendar CANCEL to both sides, the webhooks and the
    audit, and the answer is stored: the web's effects, on the API too."""
    if path == "web":
        done = _web(client, auth, world, response="declined", confirmed="1", interview="cancel")
        assert done.status_code == 302
    else:
        done = _api(client, make_token(app, world["company"]), world, response="declined",
                    booked_interview="cancel")
        assert done.status_code == 200 and done.json["response"] == "declined"
        assert [(i["id"], i["status"]) for i in done.json["interviews"]] == [(world["interview"], "cancelled")]
    effects = _effects(app, world)
    company, consultant = world["company"].id, world["consultant"].id
    assert effects["interview"] == ("cancelled", 1) and effects["answer"] == ("declined", "")
    assert [(user, kind, read) for user, kind, _text, read in effects["notices"]] == [
        (company, "interview_booked", True),  # the actor's own calendar file, as read
        (consultant, "interview_booked", False),
        (consultant, "company_answered", False)]
    assert "er aflyst" in effects["notices"][1][2] and "»Ikke interesseret«" in effects["notices"][2][2]
    assert (consultant, "interview_booked", True) in effects["mails"]  # the CANCEL in the mail
    assert [event for _endpoint, event in effects["webhooks"]] == ["interview.cancelled"] * 2
    assert effects["audit"] == [(company, "interview_cancelled", f"interview:{world['interview']}"),
                                (company, "company_response", "response:declined")]


@pytest.mark.parametrize("response", ["declined", "hired"])
def test_an_api_answer_can_keep_the_interview(app, client, world, response):
    raw = make_token(app, world["company"])
    kept = _api(client, raw, world, response=response, booked_interview="keep")
    assert kept.status_code == 200 and kept.json["response"] == response
    assert _state(app, world) == ("booked", response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_an_api_hire_with_an_interview_ahead_asks_too_and_cancels_it(app, client, world):
    raw = make_token(app, world["company"])
    assert _api(client, raw, world, response="hired").status_code == 409
    assert _state(app, world) == ("booked", None)
    assert _api(client, raw, world, response="hired", booked_interview="cancel").status_code == 200
    assert _state(app, world) == ("cancelled", "hired")


def test_no_choice_is_asked_without_an_interview_ahead_or_for_the_same_answer_again(app, client, world):
    raw = make_token(app, world["company"])
    # interested changes nothing about an interview; the choice, when sent, is ignored
    assert _api(client, raw, world, response="interested", booked_interview="cancel").status_code == 200
    assert _state(app, world) == ("booked", "interested")
    assert _api(client, raw, world, response="declined", booked_interview="keep").status_code == 200
    # the same no again: the interview was already kept after it, nothing is asked
    assert _api(client, raw, world, response="declined", note="Igen").status_code == 200
    assert _state(app, world) == ("booked", "declined")


def test_no_choice_is_asked_about_an_interview_the_company_is_not_shown(app, client, auth, world):
    """Without a live consent the company sees no interviews and may not cancel one (the job
    centre handles it): neither path asks, and the interview stands for the job centre."""
    with app.app_context():
        db.session.scalar(sa.select(Consent)).withdrawn_at = db.func.now()
        db.session.commit()
    raw = make_token(app, world["company"])
    answered = _api(client, raw, world, response="declined")
    assert answered.status_code == 200 and answered.json["interviews"] == []
    assert _state(app, world) == ("booked", "declined")
    assert _web(client, auth, world, response="interested").status_code == 302
    assert _web(client, auth, world, response="declined").status_code == 302  # saved at once, not asked
    assert _state(app, world) == ("booked", "declined")


def test_the_document_declares_the_choice(client, app, world):
    raw = make_token(app, world["company"])
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    field = spec["components"]["schemas"]["AnswerIn"]["properties"]["booked_interview"]
    assert field["enum"] == ["cancel", "keep", None] and "aflys" in field["description"]
    conflict = spec["paths"]["/api/v1/proposals/{proposal_id}/answer"]["post"]["responses"]["409"]
    assert "booked_interview" in conflict["description"]
