"""Review AS 6: a payload's links come from PORTAL_URL alone. A request sent with ``Host:
evil.example`` never puts that host into a signed delivery; without PORTAL_URL the delivery has
no links (``{}``) and the administrator's webhook pages say so."""
from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import service as hotline
from store.models import Company, User
from store.models.api import WEBHOOK_EVENTS, WebhookDelivery
from tests.api.api_fixtures import bearer, make_token

from .conftest import add_endpoint


def _payloads(app) -> list[dict]:
    with app.app_context():
        return [json.loads(p) for p in db.session.scalars(sa.select(WebhookDelivery.payload).order_by(WebhookDelivery.id))]


def _thread(app, make_user):
    company_user = make_user("company", email="a@firma.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        db.session.get(Company, company_user.company_id).consultant_id = vk.id
        db.session.commit()
        request = hotline.create_request(db.session.get(User, company_user.id),
                                         hotline.RequestData("andet", "normal", "Spørgsmål", "Hej", None))
        request_id = request.id
    add_endpoint(app, "https://8.8.8.8/a", company_id=company_user.company_id, events=tuple(WEBHOOK_EVENTS))
    add_endpoint(app, "https://8.8.8.8/jc", events=tuple(WEBHOOK_EVENTS))
    return company_user, vk, request_id


def _post_both(app, client, company_user, vk, request_id):
    evil = {"Host": "evil.example", "Content-Type": "application/json"}
    answered = client.post(f"/api/v1/hotline/{request_id}/messages", json={"body": "Svar"},
                           headers=bearer(make_token(app, vk), **evil))
    assert answered.status_code == 201
    followed = client.post(f"/api/v1/hotline/{request_id}/messages", json={"body": "Tak"},
                           headers=bearer(make_token(app, company_user), **evil))
    assert followed.status_code == 201


def test_without_portal_url_a_host_header_never_reaches_a_payload(app, client, make_user):
    app.config["PORTAL_URL"] = ""
    company_user, vk, request_id = _thread(app, make_user)
    _post_both(app, client, company_user, vk, request_id)
    bodies = _payloads(app)
    assert {b["type"] for b in bodies} == {"hotline.answered", "hotline.message"}
    assert all(b["links"] == {} for b in bodies)
    assert "evil.example" not in json.dumps(bodies)


def test_with_portal_url_the_links_use_it_whatever_the_host_header(app, client, make_user):
    app.config["PORTAL_URL"] = "https://jobbro.example.dk/"
    company_user, vk, request_id = _thread(app, make_user)
    _post_both(app, client, company_user, vk, request_id)
    bodies = _payloads(app)
    assert len(bodies) == 3  # answered to both endpoints, the follow-up to the job centre's
    for body in bodies:
        assert body["links"] == {"portal": f"https://jobbro.example.dk/hotline/{request_id}",
                                 "api": f"https://jobbro.example.dk/api/v1/hotline/{request_id}"}
    assert "evil.example" not in json.dumps(bodies)


def test_the_administrators_pages_say_when_portal_url_is_missing(app, client, auth, make_user):
    admin = make_user("admin")
    endpoint_id = add_endpoint(app, "https://8.8.8.8/jc")
    auth.login(admin.email)
    app.config["PORTAL_URL"] = ""
    for path in ("/webhooks/", f"/webhooks/{endpoint_id}"):
        page = client.get(path).get_data(as_text=True)
        assert 'data-testid="portal-url-missing"' in page and "PORTAL_URL er ikke sat" in page
        assert 'data-testid="payload-docs"' in page  # where each event's fields are described (AS 7)
    app.config["PORTAL_URL"] = "https://jobbro.example.dk"
    assert 'data-testid="portal-url-missing"' not in client.get("/webhooks/").get_data(as_text=True)


def test_the_sender_warns_when_portal_url_is_missing(app):
    app.config["PORTAL_URL"] = ""
    result = app.test_cli_runner().invoke(args=["webhooks", "send"])
    assert result.exit_code == 0 and "PORTAL_URL is not set" in result.output
    app.config["PORTAL_URL"] = "https://jobbro.example.dk"
    assert "PORTAL_URL" not in app.test_cli_runner().invoke(args=["webhooks", "send"]).output
