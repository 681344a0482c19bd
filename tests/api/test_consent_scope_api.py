"""The API and webhooks follow what the consent's text covers (consents.CONSENT_SCOPES): under
»samtykke-v1« (the name only) the company's API item holds the name and no contact detail, and a
phone number corrected through the API (PUT /citizens/{external_id}) is no news to a company
that was never given it (no ``proposal.rectified`` naming the phone). Under the current text the
company got the phone, so it is told."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import consents
from portal.extensions import db
from store.models import Citizen, Consent, Opening, Proposal
from store.models.api import WebhookDelivery
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN
from tests.webhooks.conftest import add_endpoint

OLD_PHONE, NEW_PHONE = "78 54 69 94", "11 22 33 44"


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def _world(app, client, make_user, version: str) -> dict:
    """A citizen made through the API, disclosed to a company under a live consent of
    ``version``; the stored choices hold the phone (as a row the demo or an old release wrote)."""
    app.config["PORTAL_URL"] = "http://localhost"
    vk, company = make_user("consultant", email="vk@jc.dk"), make_user("company")
    raw = make_token(app, vk)
    made = client.put("/api/v1/citizens/SAG-1", json=dict(CITIZEN, phone=OLD_PHONE), headers=bearer(raw))
    assert made.status_code == 201
    now = datetime.now(timezone.utc)
    with app.app_context():
        citizen = db.session.get(Citizen, made.json["id"])
        opening = Opening(company_id=company.company_id, kind="smaajob", title="Lager", hours_min=4,
                          hours_max=10, postcode="8722", status="open")
        db.session.add(opening)
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="disclosed",
                            decided_by_id=vk.id, decided_at=now, disclosed_at=now, share_cv=False,
                            shared_profile={"experience": "Lager i tre år", "phone": OLD_PHONE},
                            profile_approved_at=now, profile_approved_by_id=vk.id)
        db.session.add(proposal)
        db.session.add(Consent(proposal=proposal, text_version=version, channel="telefon", recorded_by_id=vk.id,
                               deadline=now.date() + timedelta(days=60)))
        db.session.commit()
        endpoint = add_endpoint(app, "https://8.8.8.8/hook", company_id=company.company_id,
                                events=("proposal.rectified",))
        return {"raw": raw, "company": company, "proposal": proposal.id, "endpoint": endpoint}


def _rectified(app, endpoint: int) -> list[dict]:
    with app.app_context():
        return [json.loads(row.payload)["data"] for row in db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint,
                                             WebhookDelivery.event == "proposal.rectified"))]


@pytest.mark.parametrize(("version", "told"), [("samtykke-v1", []), (consents.CONSENT_TEXT_VERSION, [["phone"]])])
def test_a_phone_corrected_through_the_api_reaches_only_a_company_that_got_it(app, client, make_user,
                                                                             version, told):
    world = _world(app, client, make_user, version)
    company = make_token(app, world["company"], scope="read")
    item = client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(company))
    assert item.status_code == 200 and item.json["name"] == CITIZEN["name"]  # every text covers the name
    assert OLD_PHONE not in item.get_data(as_text=True)

    changed = client.put("/api/v1/citizens/SAG-1", json=dict(CITIZEN, phone=NEW_PHONE), headers=bearer(world["raw"]))
    assert changed.status_code == 200
    assert [data["fields"] for data in _rectified(app, world["endpoint"])] == told
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert consents.contacts_given(proposal) == (["phone"] if told else [])
