"""The webhook worker against a local receiver: signature, retries, give-up, one sender."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.webhooks import sender, service
from store import clock
from store.models.api import WebhookDelivery, WebhookEndpoint

from .conftest import add_endpoint


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, as documented on the endpoint page."""
    timestamp = headers["Webhook-Timestamp"]
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v1=" + digest, headers["Webhook-Signature"])


def queue_ping(app, endpoint_id: int) -> int:
    with app.app_context():
        delivery = service.queue_test(db.session.get(WebhookEndpoint, endpoint_id))
        db.session.commit()
        return delivery.id


def row(app, delivery_id: int) -> WebhookDelivery:
    with app.app_context():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        db.session.expunge(delivery)
        return delivery


def drain(app, **kwargs) -> sender.DrainResult:
    with app.app_context():
        return sender.drain(**kwargs)


def test_signed_post_verifies_with_the_secret_only(wh_app, receiver):
    endpoint_id = add_endpoint(wh_app, receiver.url, secret="whsec_right")
    delivery_id = queue_ping(wh_app, endpoint_id)

    assert drain(wh_app).sent == 1

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hook?x=1"
    assert headers["Content-Type"] == "application/json"
    assert headers["Webhook-Id"] == row(wh_app, delivery_id).event_id == json.loads(body)["id"]
    assert headers["Webhook-Signature"].startswith("v1=")
    assert verify("whsec_right", headers, body)
    assert not verify("whsec_wrong", headers, body)
    assert not verify("whsec_right", headers, body + b" ")
    sent = row(wh_app, delivery_id)
    assert (sent.status, sent.attempts, sent.last_status_code, sent.payload) == ("sent", 1, 200, "")

    later = clock.utcnow() + sender.KEEP_FOR + timedelta(minutes=1)
    assert drain(wh_app, now=later) == sender.DrainResult()
    with wh_app.app_context():
        assert db.session.get(WebhookDelivery, delivery_id) is None  # pruned after KEEP_FOR


def test_a_500_is_retried_after_the_back_off_with_the_same_webhook_id(wh_app, receiver):
    delivery_id = queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    receiver.answers.append((500, "database nede " + "x" * 1000, {}))
    start = clock.utcnow()

    assert drain(wh_app, now=start).retried == 1
    waiting = row(wh_app, delivery_id)
    assert (waiting.status, waiting.attempts, waiting.last_status_code) == ("pending", 1, 500)
    assert waiting.last_response.startswith("database nede") and len(waiting.last_response) == 500
    assert drain(wh_app, now=start + timedelta(seconds=59)) == sender.DrainResult()  # not due yet

    assert drain(wh_app, now=start + timedelta(minutes=1, seconds=1)).sent == 1
    first, second = receiver.requests
    assert first["headers"]["Webhook-Id"] == second["headers"]["Webhook-Id"]
    assert first["body"] == second["body"]
    assert row(wh_app, delivery_id).status == "sent"


def test_gives_up_after_max_attempts_and_can_be_sent_again(wh_app, receiver):
    delivery_id = queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    receiver.default = (503, "nej", {})
    moment = clock.utcnow()
    for attempt in range(1, sender.MAX_ATTEMPTS + 1):
        result = drain(wh_app, now=moment)
        assert (result.failed if attempt == sender.MAX_ATTEMPTS else result.retried) == 1
        moment += sender.backoff(attempt) + timedelta(seconds=1)
    failed = row(wh_app, delivery_id)
    assert (failed.status, failed.attempts, failed.last_status_code) == ("failed", 6, 503)
    assert len(receiver.requests) == 6
    assert drain(wh_app, now=moment + timedelta(days=1)) == sender.DrainResult()

    receiver.default = (204, "", {})
    with wh_app.app_context():
        assert service.resend(db.session.get(WebhookDelivery, delivery_id))
        db.session.commit()
    assert drain(wh_app).sent == 1
    assert len({r["headers"]["Webhook-Id"] for r in receiver.requests}) == 1


def test_back_off_schedule():
    assert [sender.backoff(n) for n in range(1, 7)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        timedelta(hours=12), timedelta(hours=12)]


def test_a_delivery_claimed_by_two_workers_is_sent_once(wh_app, receiver):
    delivery_id = queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    now = clock.utcnow()
    with wh_app.app_context(), Session(db.engine) as first, Session(db.engine) as second:
        claimed = sender.claim(first, now)
        assert claimed is not None and claimed.id == delivery_id
        assert sender.claim(second, now) is None  # held by the first worker
        assert sender.deliver(first, claimed, now, wh_app.config) == "sent"
        assert sender.claim(second, now + sender.LEASE * 2) is None  # sent rows are never claimed again
    assert drain(wh_app) == sender.DrainResult()
    assert len(receiver.requests) == 1

    queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    now = clock.utcnow()
    with wh_app.app_context(), Session(db.engine) as crashed:
        assert sender.claim(crashed, now) is not None  # and the worker dies before sending
    assert drain(wh_app, now=now + timedelta(seconds=30)) == sender.DrainResult()
    assert drain(wh_app, now=now + sender.LEASE + timedelta(seconds=1)).sent == 1
    assert len(receiver.requests) == 2


def test_redirects_are_not_followed(wh_app, receiver):
    delivery_id = queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    receiver.answers.append((302, "", {"Location": receiver.url.replace("/hook", "/other")}))
    assert drain(wh_app).retried == 1
    assert [r["path"] for r in receiver.requests] == ["/hook?x=1"]
    redirected = row(wh_app, delivery_id)
    assert redirected.last_status_code == 302 and "henvisninger følges ikke" in redirected.last_error


def test_an_unreachable_receiver_is_a_failed_try_not_an_error(wh_app, receiver):
    url = receiver.url
    receiver.close()  # nothing listens any more
    delivery_id = queue_ping(wh_app, add_endpoint(wh_app, url))
    assert drain(wh_app).retried == 1
    waiting = row(wh_app, delivery_id)
    assert waiting.last_status_code is None
    assert waiting.last_error.startswith("Modtageren afviste forbindelsen") and "[" in waiting.last_error


def test_a_slow_receiver_is_described_in_danish(wh_app, receiver, monkeypatch):
    monkeypatch.setattr(sender, "TIMEOUT", 0.2)
    original = receiver.server.RequestHandlerClass.do_POST

    def slow(handler):
        time.sleep(0.6)
        original(handler)

    monkeypatch.setattr(receiver.server.RequestHandlerClass, "do_POST", slow)
    delivery_id = queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    assert drain(wh_app).retried == 1
    assert row(wh_app, delivery_id).last_error == "Modtageren svarede ikke inden for 0,2 sekunder. [ReadTimeoutError]"


@pytest.mark.parametrize("status, words", [(500, "fejl på sin side"), (404, "afviste beskeden"),
                                           (401, "signaturen"), (204, None), (None, None)])
def test_failed_answers_say_why(status, words):
    text = sender.describe_status(status)
    assert (text is None) if words is None else (text.startswith(f"HTTP {status}: ") and words in text)


def test_nothing_goes_to_an_inactive_or_internal_endpoint(wh_app, receiver):
    """An address saved before the rules (or changed in the database) is refused when sending."""
    inactive_id = queue_ping(wh_app, add_endpoint(wh_app, receiver.url, active=False))
    internal_id = queue_ping(wh_app, add_endpoint(wh_app, "https://169.254.169.254/latest/meta-data"))
    assert drain(wh_app) == sender.DrainResult(retried=1, failed=1)
    assert receiver.requests == []
    assert row(wh_app, inactive_id).last_error == sender.INACTIVE
    internal = row(wh_app, internal_id)
    assert internal.status == "pending" and "internt" in internal.last_error


def test_cli_send_drains_the_queue(wh_app, receiver):
    queue_ping(wh_app, add_endpoint(wh_app, receiver.url))
    result = wh_app.test_cli_runner().invoke(args=["webhooks", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(receiver.requests) == 1
