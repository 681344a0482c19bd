"""A draft is published from its page ("Slå op"), with the same service step as the API's publish."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from store.clock import today
from store.models import Opening, OutboxEvent
from tests.portal import test_openings
from tests.portal.test_openings import make_opening

# The opening tests' fixtures, used here by name.
company, logged_in = test_openings.company, test_openings.logged_in


def status(app, opening_id):
    with app.app_context():
        return db.session.get(Opening, opening_id).status


def outbox(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))


def publish(client, auth, opening_id, **extra):
    return client.post(f"/opslag/{opening_id}/slaa-op",
                       data={"csrf_token": auth.csrf_token(f"/opslag/{opening_id}")} | extra)


def test_a_draft_offers_publishing_and_is_published(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="draft")
    page = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    assert 'data-testid="publish-opening"' in page and f'action="/opslag/{opening_id}/slaa-op"' in page
    response = publish(client, auth, opening_id)
    assert response.status_code == 302 and response.location.endswith(f"/opslag/{opening_id}")
    assert status(app, opening_id) == "open" and outbox(app) == 1
    page = client.get(response.location).get_data(as_text=True)
    assert "er slået op" in page and 'data-testid="publish-opening"' not in page


def test_an_open_opening_has_no_publish_button_and_is_not_touched(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="closed")
    assert 'data-testid="publish-opening"' not in client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    publish(client, auth, opening_id)
    assert status(app, opening_id) == "closed" and outbox(app) == 0


def test_a_draft_with_a_past_start_is_not_published(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="draft", start_date=today() - timedelta(days=3))
    response = publish(client, auth, opening_id)
    assert response.location.endswith(f"/opslag/{opening_id}/rediger")
    assert "Et åbent opslag kan ikke starte før i dag" in client.get(response.location).get_data(as_text=True)
    assert status(app, opening_id) == "draft" and outbox(app) == 0


def test_publishing_needs_the_csrf_token_and_the_own_company(app, client, auth, logged_in, make_user):
    opening_id = make_opening(app, logged_in.company_id, status="draft")
    assert client.post(f"/opslag/{opening_id}/slaa-op", data={}).status_code == 400
    other = make_user("company")
    auth.switch_to(other.email)
    assert publish(client, auth, opening_id).status_code == 404
    assert status(app, opening_id) == "draft"
