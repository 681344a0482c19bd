"""The API's lists read a page in a fixed number of statements (review AB 6, 7, 11): a page of
3N placements, hotline requests or citizens costs as many statements as a page of N, and the
reads of a page are audited in one write, every row still there (SECURITY.md "Audit")."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal import consents
from portal.extensions import db
from store.models import (AuditEvent, Citizen, Consent, CvDocument, HotlineRequest, HoursLog, JobGoal, Opening,
                          Placement, Proposal)
from tests.api.api_fixtures import bearer, make_token
from tests.clock import TODAY
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")

CREATED = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


@pytest.fixture
def world(app, make_user) -> dict:
    return {"consultant": make_user("consultant"), "company": make_user("company")}


def add_items(app, world, count: int) -> None:
    """``count`` citizens (two CVs each), each placed on an opening of its own at the world's
    company with two months of hours, named to the company (disclosed, live consent), and a
    hotline request about the placement."""
    company_id, consultant_id = world["company"].company_id, world["consultant"].id
    with app.app_context():
        for n in range(count):
            citizen = Citizen(name=f"Borger {n}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=10,
                              vk_id=consultant_id)
            citizen.job_goals.append(JobGoal(title="Lagerarbejder"))
            citizen.cv_documents += [CvDocument(text="Gammelt CV"), CvDocument(text=" " if n % 2 else "Nyt CV")]
            opening = Opening(company_id=company_id, kind="smaajob", title=f"Lager {n}", hours_min=5, hours_max=15,
                              postcode="8722", status="filled")
            db.session.add_all([citizen, opening])
            db.session.flush()
            placement = Placement(citizen_id=citizen.id, company_id=company_id, opening_id=opening.id,
                                  kind="smaajob", start_date=date(2026, 9, 1), weekly_hours=10)
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="disclosed",
                                decided_by_id=consultant_id)
            db.session.add_all([placement, proposal])
            db.session.flush()
            db.session.add_all([
                Consent(proposal_id=proposal.id, text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                        deadline=TODAY + timedelta(days=60), recorded_by_id=consultant_id),
                HoursLog(placement_id=placement.id, month=date(2026, 9, 1), hours=Decimal("20")),
                HoursLog(placement_id=placement.id, month=date(2026, 10, 1), hours=Decimal("12.5")),
                HotlineRequest(company_id=company_id, placement_id=placement.id, category="fravaer",
                               urgency="normal", subject=f"Fravær {n}", created_by_id=world["company"].id,
                               created_at=CREATED, due_at=CREATED + timedelta(days=3))])
        db.session.commit()


def audit_rows(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.citizen_id, AuditEvent.opening_id, AuditEvent.purpose)
            .order_by(AuditEvent.id))]


def read(app, client, raw: str, url: str) -> tuple[int, list[dict], list[tuple]]:
    """(statements, items, audit rows written) of one GET."""
    before = len(audit_rows(app))
    with statements(app) as seen:
        answer = client.get(url, headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    return len(seen), answer.json["items"], audit_rows(app)[before:]


def audit_writes(app, client, raw: str, url: str) -> int:
    """How many times one GET writes to the audit log (each write its own transaction)."""
    with statements(app) as seen:
        assert client.get(url, headers=bearer(raw)).status_code == 200
    return sum(1 for s in seen if s.startswith("INSERT INTO audit_event"))


@pytest.mark.parametrize(("who", "area"), [("consultant", "placements"), ("company", "placements"),
                                           ("consultant", "hotline"), ("company", "hotline"),
                                           ("consultant", "citizens")])
def test_a_page_of_3n_costs_the_statements_of_a_page_of_n(app, client, world, who, area):
    raw = make_token(app, world[who], scope="read")
    url = f"/api/v1/{area}/?limit=100"
    add_items(app, world, 3)
    read(app, client, raw, url)  # the first call also notes the token's use
    few, items, _ = read(app, client, raw, url)
    assert len(items) == 3
    add_items(app, world, 6)
    many, items, written = read(app, client, raw, url)
    assert len(items) == 9
    assert many == few, (few, many)
    # The page's reads are still audited item by item (one write, not one per item).
    with app.app_context():
        placements = db.session.execute(sa.select(Placement.id, Placement.citizen_id, Placement.opening_id)
                                        .order_by(Placement.id)).all()
    expected = {
        ("consultant", "placements"): [("placement_viewed", c, None, f"api forloeb:{p}") for p, c, _o in placements],
        ("company", "placements"): [("identity_viewed", c, o, f"api: company placements forloeb:{p}")
                                    for p, c, o in placements],
        ("consultant", "hotline"): [],
        ("company", "hotline"): [("identity_viewed", c, o, f"company: hotline requests forloeb:{p}")
                                 for p, c, o in placements],
        ("consultant", "citizens"): [("citizen_viewed", c, None, "api list") for _p, c, _o in placements],
    }[(who, area)]
    assert written == expected


@pytest.mark.parametrize(("who", "area"), [("consultant", "placements"), ("company", "hotline")])
def test_a_page_is_audited_in_one_write(app, client, world, who, area):
    raw = make_token(app, world[who], scope="read")
    add_items(app, world, 4)
    url = f"/api/v1/{area}/?limit=100"
    read(app, client, raw, url)
    assert audit_writes(app, client, raw, url) == 1  # one transaction for the page, not four


def test_citizens_list_says_whether_the_current_cv_has_text(app, client, world):
    """has_cv and missing_for_matching still come from the current (newest) CV."""
    raw = make_token(app, world["consultant"], scope="read")
    add_items(app, world, 2)
    _n, items, _ = read(app, client, raw, "/api/v1/citizens/?limit=100")
    assert [(item["has_cv"], item["missing_for_matching"]) for item in items] == [(True, []), (True, ["CV"])]
