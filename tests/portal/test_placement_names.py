"""A company sees the citizen's name on its placements once disclosed, and only then (audited)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal import consents
from portal.extensions import db
from store.models import AuditEvent, Citizen, Consent, Opening, Placement, Proposal
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")
NAME = "Qzvwxy Navnesen"
PAGES = ("/", "/forloeb/", "/forloeb/{id}", "/hotline/ny")


@pytest.fixture
def world(app, make_user):
    consultant = make_user("consultant")
    company = make_user("company")
    with app.app_context():
        citizen = Citizen(name=NAME, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2026, 1, 5), hours_available=20, vk_id=consultant.id)
        opening = Opening(company_id=company.company_id, kind="smaajob", title="Lagerhjælp", postcode="8722",
                          hours_min=5, hours_max=15, status="filled")
        db.session.add_all([citizen, opening])
        db.session.flush()
        placement = Placement(citizen_id=citizen.id, company_id=company.company_id, opening_id=opening.id,
                              kind="smaajob", start_date=date(2026, 3, 2), weekly_hours=10)
        proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="approved",
                            decided_by_id=consultant.id)
        db.session.add_all([placement, proposal])
        db.session.commit()
        return {"company": company, "consultant": consultant, "placement": placement.id, "proposal": proposal.id}


def _set(app, world, status: str, deadline: date | None = None) -> None:
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = status
        if deadline is not None:
            db.session.add(Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=deadline, recorded_by_id=world["consultant"].id,
))
        db.session.commit()


def _pages(client, world) -> dict[str, str]:
    return {path: client.get(path.format(id=world["placement"])).get_data(as_text=True) for path in PAGES}


def _identity_reads(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "identity_viewed"))


@pytest.mark.parametrize("status, deadline", [
    ("approved", None),
    ("consented", TODAY + timedelta(days=30)),
    ("withdrawn", None),
    ("disclosed", TODAY - timedelta(days=1)),  # consent expired: the name hides again
])
def test_no_name_before_disclosure_but_a_neutral_label(app, client, auth, world, status, deadline):
    _set(app, world, status, deadline)
    auth.login(world["company"].email)
    for path, html in _pages(client, world).items():
        assert NAME not in html, path
        assert "Lagerhjælp, start 02.03.2026" in html, path
    assert _identity_reads(app) == 0


def test_disclosed_placement_shows_the_name_and_logs_each_read(app, client, auth, world):
    _set(app, world, "disclosed", TODAY + timedelta(days=30))
    auth.login(world["company"].email)
    pages = _pages(client, world)
    for path, html in pages.items():
        assert f"{NAME} · Lagerhjælp" in html, path
        assert f"Forløb nr. {world['placement']}" not in html, path
    assert _identity_reads(app) == len(PAGES)


def test_another_company_never_sees_it(app, client, auth, world, make_user):
    _set(app, world, "disclosed", TODAY + timedelta(days=30))
    other = make_user("company")
    auth.login(other.email)
    assert client.get(f"/forloeb/{world['placement']}").status_code == 404
    for path in ("/", "/forloeb/", "/hotline/ny"):
        assert NAME not in client.get(path).get_data(as_text=True)


def test_no_name_when_its_read_cannot_be_logged(app, client, auth, world, monkeypatch):
    """Fail closed: the names of a page are logged in one write; if it fails, none is shown."""
    from portal import audit

    def broken(events):
        raise audit.AuditWriteError("audit log write failed: OperationalError")

    _set(app, world, "disclosed", TODAY + timedelta(days=30))
    auth.login(world["company"].email)
    monkeypatch.setattr(audit, "record_many_now", broken)
    for path in PAGES:
        response = client.get(path.format(id=world["placement"]))
        assert NAME not in response.get_data(as_text=True), path
        assert response.status_code >= 500, path
    assert _identity_reads(app) == 0


def _purposes(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "identity_viewed")
                                       .order_by(AuditEvent.id)))


@pytest.mark.parametrize("path, purpose", [
    ("/", "company: start page"),
    ("/forloeb/", "company: placements page"),
    ("/forloeb/{id}", "company: placement page"),
    ("/forloeb/timer", "company: month hours page"),
    ("/hotline/ny", "company: hotline form"),
])
def test_each_page_logs_itself_as_the_page_the_name_was_shown_on(app, client, auth, world, path, purpose):
    """Browser review: the start page, the month's hours and the hotline form each logged
    »virksomhedens side for forløb N« (the art. 15 export named a page the company never opened)."""
    _set(app, world, "disclosed", TODAY + timedelta(days=30))
    auth.login(world["company"].email)
    html = client.get(path.format(id=world["placement"])).get_data(as_text=True)
    assert f"{NAME} · Lagerhjælp" in html
    assert _purposes(app) == [f"{purpose} forloeb:{world['placement']}"]


def test_a_hotline_request_logs_itself(app, client, auth, world):
    from store.models import HotlineRequest
    from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_URGENCIES

    CATEGORY, URGENCY = next(iter(HOTLINE_CATEGORIES)), next(iter(HOTLINE_URGENCIES))

    _set(app, world, "disclosed", TODAY + timedelta(days=30))
    with app.app_context():
        request = HotlineRequest(company_id=world["company"].company_id, placement_id=world["placement"],
                                 created_by_id=world["company"].id, category=CATEGORY, urgency=URGENCY,
                                 subject="Spørgsmål", due_at=datetime(2030, 1, 1))
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    auth.login(world["company"].email)
    assert f"{NAME} · Lagerhjælp" in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert f"company: hotline request forloeb:{world['placement']}" in _purposes(app)


def test_a_page_must_be_named():
    from portal.placements import service

    with pytest.raises(TypeError):
        service.company_labels([], TODAY)  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        service.company_labels([], TODAY, "company: placement")
