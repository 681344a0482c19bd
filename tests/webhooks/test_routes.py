"""The registration pages: create, see the secret, rotate, test, resend, edit, delete; owners only."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from store.models.api import WebhookDelivery, WebhookEndpoint

from .conftest import add_endpoint


def endpoint(app, endpoint_id: int) -> WebhookEndpoint | None:
    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint_id)
        if row is not None:
            db.session.expunge(row)
        return row


def test_company_registers_tests_rotates_and_deletes(wh_app, client, auth, make_user, receiver):
    user = make_user("company")
    auth.login(user.email)
    token = auth.csrf_token("/webhooks/ny")

    refused = client.post("/webhooks/ny", data={"csrf_token": token, "url": "https://10.1.2.3/hook",
                                                "events": ["proposal.shared"], "company_id": "999"})
    assert refused.status_code == 400
    assert "internt eller privat netværk" in refused.get_data(as_text=True)
    missing = client.post("/webhooks/ny", data={"csrf_token": token, "url": receiver.url})
    assert missing.status_code == 400 and "Vælg mindst én hændelse" in missing.get_data(as_text=True)

    created = client.post("/webhooks/ny", data={"csrf_token": token, "url": receiver.url, "description": "ERP",
                                                "events": ["proposal.shared", "placement.started"],
                                                "company_id": "999"})
    assert created.status_code == 302
    endpoint_id = int(re.search(r"/webhooks/(\d+)$", created.headers["Location"]).group(1))
    saved = endpoint(wh_app, endpoint_id)
    assert saved.company_id == user.company_id and saved.created_by_id == user.id
    assert saved.events == ["proposal.shared", "placement.started"] and saved.secret.startswith("whsec_")
    page = client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert saved.secret in page and "Webhook-Signature" in page and "hmac.compare_digest" in page
    assert receiver.url.replace("&", "&amp;") in client.get("/webhooks/").get_data(as_text=True)

    assert client.post(f"/webhooks/{endpoint_id}/hemmelighed", data={"csrf_token": token}).status_code == 302
    assert endpoint(wh_app, endpoint_id).secret not in (saved.secret, "")
    assert client.post(f"/webhooks/{endpoint_id}/hemmelighed").status_code in (302, 400)  # no CSRF token
    rotated = endpoint(wh_app, endpoint_id).secret

    tested = client.post(f"/webhooks/{endpoint_id}/test", data={"csrf_token": token}, follow_redirects=True)
    assert "Testhændelsen er leveret" in tested.get_data(as_text=True)
    assert "HTTP 200" in tested.get_data(as_text=True)
    [request] = receiver.requests
    assert request["headers"]["Webhook-Signature"].startswith("v1=")
    assert rotated == endpoint(wh_app, endpoint_id).secret

    edited = client.post(f"/webhooks/{endpoint_id}/rediger", data={
        "csrf_token": token, "url": receiver.url, "description": "ERP 2", "events": ["placement.ended"]})
    assert edited.status_code == 302
    changed = endpoint(wh_app, endpoint_id)
    assert (changed.active, changed.events, changed.description) == (False, ["placement.ended"], "ERP 2")

    assert client.get(f"/webhooks/{endpoint_id}/slet").status_code == 200
    assert client.post(f"/webhooks/{endpoint_id}/slet", data={"csrf_token": token}).status_code == 302
    assert endpoint(wh_app, endpoint_id) is None
    with wh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_failed_delivery_can_be_sent_again(wh_app, client, auth, make_user, receiver):
    admin = make_user("admin")
    endpoint_id = add_endpoint(wh_app, receiver.url)  # the job centre's
    with wh_app.app_context():
        delivery = WebhookDelivery(endpoint_id=endpoint_id, event="ping", event_id="evt_failed", payload="{}",
                                   status="failed", attempts=6, last_status_code=500, last_response="boom")
        db.session.add(delivery)
        db.session.commit()
        delivery_id = delivery.id
    auth.login(admin.email)
    page = client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "Opgivet" in page and "boom" in page and "Send igen" in page
    token = auth.csrf_token(f"/webhooks/{endpoint_id}")
    assert client.post(f"/webhooks/{endpoint_id}/leverancer/{delivery_id}/igen",
                       data={"csrf_token": token}).status_code == 302
    with wh_app.app_context():
        again = db.session.get(WebhookDelivery, delivery_id)
        assert (again.status, again.attempts, again.event_id) == ("pending", 0, "evt_failed")


def test_only_the_owner_sees_or_changes_an_endpoint(wh_app, client, auth, make_user):
    owner, other, admin, consultant = (make_user("company"), make_user("company"), make_user("admin"),
                                       make_user("consultant"))
    endpoint_id = add_endpoint(wh_app, "https://8.8.8.8/secret-a", company_id=owner.company_id)
    jobcenter_id = add_endpoint(wh_app, "https://8.8.8.8/secret-jc")
    with wh_app.app_context():
        delivery = WebhookDelivery(endpoint_id=endpoint_id, event="ping", event_id="evt_a", payload="{}",
                                   status="failed")
        db.session.add(delivery)
        db.session.commit()
        delivery_id = delivery.id
    before = endpoint(wh_app, endpoint_id)

    for user, foreign, url in ((other, endpoint_id, "secret-a"), (other, jobcenter_id, "secret-jc"),
                               (admin, endpoint_id, "secret-a")):
        auth.switch_to(user.email)
        token = auth.csrf_token("/webhooks/")
        assert url not in client.get("/webhooks/").get_data(as_text=True)
        assert client.get(f"/webhooks/{foreign}").status_code == 404
        assert client.get(f"/webhooks/{foreign}/rediger").status_code == 404
        for path in ("rediger", "hemmelighed", "slet", "test", f"leverancer/{delivery_id}/igen"):
            response = client.post(f"/webhooks/{foreign}/{path}", data={
                "csrf_token": token, "url": "https://8.8.8.8/x", "events": ["proposal.shared"], "active": "y"})
            assert response.status_code == 404, path
    after = endpoint(wh_app, endpoint_id)
    assert (after.url, after.secret, after.active) == (before.url, before.secret, before.active)

    auth.switch_to(owner.email)
    assert client.get(f"/webhooks/{jobcenter_id}").status_code == 404
    assert client.get(f"/webhooks/{endpoint_id}/leverancer/{delivery_id + 1}/igen").status_code == 405
    auth.switch_to(consultant.email)
    assert client.get("/webhooks/").status_code == 403


def test_a_first_try_waiting_too_long_says_the_sender_may_not_run(wh_app, client, auth, make_user):
    from datetime import timedelta

    from store import clock

    admin = make_user("admin")
    endpoint_id = add_endpoint(wh_app, "https://example.org/hook")
    with wh_app.app_context():
        now = clock.utcnow()
        db.session.add_all([
            WebhookDelivery(endpoint_id=endpoint_id, event="ping", event_id="evt_old", payload="{}",
                            status="pending", attempts=0, available_at=now - timedelta(minutes=30)),
            WebhookDelivery(endpoint_id=endpoint_id, event="ping", event_id="evt_new", payload="{}",
                            status="pending", attempts=0, available_at=now - timedelta(minutes=1))])
        db.session.commit()
    auth.login(admin.email)
    page = client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert page.count('data-testid="delivery-overdue"') == 1
    assert "Har ventet i over 5 minutter: afsenderen kører måske ikke" in page


def test_only_the_job_centre_may_register_a_receiver_on_its_internal_network(wh_app, client, auth, make_user):
    wh_app.config["WEBHOOKS_INTERNAL_NETWORKS"] = "10.1.0.0/16"
    data = {"url": "https://10.1.2.3/hook", "events": ["placement.started"]}
    company = make_user("company")
    auth.login(company.email)
    refused = client.post("/webhooks/ny", data={**data, "csrf_token": auth.csrf_token("/webhooks/ny")})
    assert refused.status_code == 400 and "internt eller privat netværk" in refused.get_data(as_text=True)
    admin = make_user("admin")
    auth.switch_to(admin.email)
    created = client.post("/webhooks/ny", data={**data, "csrf_token": auth.csrf_token("/webhooks/ny")})
    assert created.status_code == 302
    with wh_app.app_context():
        saved = db.session.scalars(sa.select(WebhookEndpoint)).one()
        assert saved.company_id is None and saved.url == "https://10.1.2.3/hook"


def test_a_test_send_is_in_the_access_log_like_a_resend(wh_app, client, auth, make_user, receiver):
    """Review AN 10: »Send test« calls an outside URL, and create/change/rotate/delete/resend are logged."""
    from portal.admin.audit_labels import action_label
    from store.models import AuditEvent

    admin = make_user("admin")
    endpoint_id = add_endpoint(wh_app, receiver.url)  # the job centre's
    auth.login(admin.email)
    token = auth.csrf_token(f"/webhooks/{endpoint_id}")
    assert client.post(f"/webhooks/{endpoint_id}/test", data={"csrf_token": token}).status_code == 302
    with wh_app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "webhook_tested")).all()
        delivery_id = db.session.scalar(sa.select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id))
        assert (event.user_id, event.purpose) == (admin.id, f"webhook:{endpoint_id} delivery:{delivery_id}")
    assert action_label("webhook_tested") == "Testhændelse sendt til webhook"
