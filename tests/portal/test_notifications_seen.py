"""Review W 8: a notice is read once its user opens the page it links to, or once what it asks of
the company is done (an answer given, an interview time chosen), by its user or a colleague."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.notifications import service
from store import clock
from store.models import Company, Interview, Notification, Proposal, User
from tests.conftest import AuthActions
from tests.portal.proposal_fixtures import build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


def _badge(html: str) -> str | None:
    match = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', html)
    return match.group(1) if match else None


def _notify(app, user_id: int, kind: str, link: str) -> int:
    with app.test_request_context():
        note = service.notify(db.session.get(User, user_id), kind, "Besked", link)
        db.session.commit()
        return note.id


def _read(app, note_id: int) -> bool:
    with app.app_context():
        return db.session.get(Notification, note_id).read_at is not None


@pytest.fixture
def world(app, make_user):
    found = build_world(app, make_user)
    with app.app_context():
        company = db.session.get(Company, found["company"].company_id)
        db.session.expunge(company)
    colleague = make_user("company", email="kollega@firma.dk", company=company)
    with app.app_context():
        company_email = db.session.get(User, found["company"].id).email
    found.update(colleague=colleague, company_email=company_email,
                 link=f"/opslag/{found['opening']}/kandidat/{found['proposal']}")
    return found


def test_opening_the_candidate_page_reads_its_notices(app, client, world):
    mine = _notify(app, world["company"].id, "candidate_proposed", world["link"])
    other = _notify(app, world["company"].id, "hotline_answered", "/hotline/ny")
    theirs = _notify(app, world["colleague"].id, "candidate_proposed", world["link"])
    AuthActions(client).switch_to(world["company_email"])
    assert _badge(client.get("/").get_data(as_text=True)) == "2"
    html = client.get(world["link"]).get_data(as_text=True)
    assert _badge(html) == "1"  # the page itself already counts it read
    assert _read(app, mine) and not _read(app, other)
    assert not _read(app, theirs)  # seen by one user: the colleague has not seen it, nor is it answered


def test_a_link_with_a_fragment_or_a_month_is_read_on_its_page(app, client, world):
    interview = _notify(app, world["company"].id, "interview_booked", world["link"] + "#samtale")
    hours = _notify(app, world["company"].id, "hours_missing", "/forloeb/timer?maaned=2026-10")
    AuthActions(client).switch_to(world["company_email"])
    client.get(world["link"])
    client.get("/forloeb/timer?maaned=2026-09")
    assert _read(app, interview) and not _read(app, hours)
    client.get("/forloeb/timer?maaned=2026-10")
    assert _read(app, hours)


def test_an_answer_reads_the_colleagues_ask_to_answer(app, client, world):
    theirs = _notify(app, world["colleague"].id, "candidate_proposed", world["link"])
    told = _notify(app, world["colleague"].id, "candidate_shared", world["link"])
    AuthActions(client).switch_to("kollega@firma.dk")
    assert _badge(client.get("/").get_data(as_text=True)) == "2"
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "interested"
        db.session.commit()
    html = client.get("/hotline/").get_data(as_text=True)
    assert _read(app, theirs) and _badge(html) == "1"
    assert not _read(app, told)  # news, not a question: read when they open it


def test_a_chosen_interview_time_reads_the_offer(app, client, world):
    with app.app_context():
        offered = Interview(proposal_id=world["proposal"], starts_at=clock.utcnow() + timedelta(days=3),
                            offered_by="jobcenter", uid="seen-1@jobbro", status="offered")
        db.session.add(offered)
        db.session.commit()
        offered_id = offered.id
    theirs = _notify(app, world["colleague"].id, "interview_offered", world["link"])
    AuthActions(client).switch_to("kollega@firma.dk")
    client.get("/")
    assert not _read(app, theirs)  # a time is still to be chosen
    with app.app_context():
        db.session.execute(sa.update(Interview).where(Interview.id == offered_id).values(status="booked"))
        db.session.commit()
    client.get("/")
    assert _read(app, theirs)
