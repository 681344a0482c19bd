"""Review AX 1: a candidate approved from the ranking (»Godkend og foreslå«, the main way a
candidate reaches a company) queues ``proposal.approved``, for a new pair and for a pair decided
anew after the case was reopened, exactly once, through the real route."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from indexer.rebuild import rebuild
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import Company, Opening, Proposal
from store.models.api import WEBHOOK_EVENTS, WebhookDelivery
from tests.portal.test_candidates import _citizen

from .conftest import add_endpoint
from .test_events import documented


@pytest.fixture
def world(app, make_user):
    """An opening of company A, a citizen who fits it (indexed), and endpoints of company A,
    company B and the job centre on every event."""
    app.config["PORTAL_URL"] = "http://localhost"
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    company_user = make_user("company", email="chef@lager.dk")
    other = make_user("company", email="chef@andet.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Lagermedarbejder med truckcertifikat",
                          description="Plukning, pakning og truckkørsel på vores lager.",
                          hours_min=5, hours_max=12, postcode="8722", status="open")
        citizen = _citizen("Anna Lagerbæk", "Lagermedarbejder", "Truckcertifikat, pluk og pak på lager.",
                           consultant.id)
        citizen.external_id = "KS-AX1"
        db.session.add_all([opening, citizen])
        db.session.commit()
        ids = {"opening": opening.id, "citizen": citizen.id}
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    every = tuple(WEBHOOK_EVENTS)
    endpoints = {
        add_endpoint(app, "https://8.8.8.8/a", company_id=company_user.company_id, events=every): "a",
        add_endpoint(app, "https://8.8.8.8/b", company_id=other.company_id, events=every): "b",
        add_endpoint(app, "https://8.8.8.8/jc", events=every): "jc",
    }
    return {"consultant": consultant, "company_id": company_user.company_id, "endpoints": endpoints, **ids}


def _approve(client, auth, world):
    path = f"/kandidater/opslag/{world['opening']}"
    token = auth.csrf_token(path)
    return client.post(f"{path}/borger/{world['citizen']}",
                       data={"decision": "approve", "reason": "Passer godt", "csrf_token": token})


def _queued(app, world) -> dict[str, list[dict]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        out: dict[str, list[dict]] = {}
        for row in rows:
            out.setdefault(world["endpoints"][row.endpoint_id], []).append(json.loads(row.payload))
        return out


def _proposal(app, world) -> Proposal:
    with app.app_context():
        return db.session.scalars(sa.select(Proposal).where(
            Proposal.opening_id == world["opening"], Proposal.citizen_id == world["citizen"])).one()


def _check_approved(app, world) -> None:
    proposal = _proposal(app, world)
    assert proposal.status == "approved"
    got = _queued(app, world)
    assert set(got) == {"a", "jc"}  # never company B's endpoint
    assert [b["type"] for b in got["a"]] == ["proposal.approved"]
    assert [b["type"] for b in got["jc"]] == ["proposal.approved"]
    company, jobcenter = got["a"][0], got["jc"][0]
    documented(company, jobcenter=False)
    documented(jobcenter, jobcenter=True)
    assert company["data"]["proposal_id"] == proposal.id and company["data"]["opening_id"] == world["opening"]
    assert company["data"]["company_id"] == world["company_id"]
    text = json.dumps(company, ensure_ascii=False)
    assert "Anna" not in text and "KS-AX1" not in text and "Passer godt" not in text
    assert jobcenter["data"]["citizen_id"] == world["citizen"]
    assert jobcenter["data"]["citizen_external_id"] == "KS-AX1"
    assert company["links"]["portal"].endswith(f"/opslag/{world['opening']}/kandidat/{proposal.id}")


def test_approving_from_the_ranking_queues_proposal_approved(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert _approve(client, auth, world).status_code == 302
    _check_approved(app, world)


def test_a_rejection_from_the_ranking_queues_nothing(app, client, auth, world):
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening']}"
    token = auth.csrf_token(path)
    response = client.post(f"{path}/borger/{world['citizen']}", data={
        "decision": "reject", "reason": "Ønsker andet", "confirmed": "y", "csrf_token": token})
    assert response.status_code == 302
    assert _proposal(app, world).status == "rejected"
    assert _queued(app, world) == {}


def test_a_renewed_approval_from_the_ranking_queues_it_once(app, client, auth, world):
    """A pair whose proposal ended (the case closed, then reopened) is decided anew on the same
    row: the company is shown the candidate afresh, and hears so once."""
    with app.app_context():
        db.session.add(Proposal(citizen_id=world["citizen"], opening_id=world["opening"], status="ended",
                                decided_by_id=world["consultant"].id, explanation={}))
        db.session.commit()
    auth.login(world["consultant"].email)
    assert _approve(client, auth, world).status_code == 302
    _check_approved(app, world)
