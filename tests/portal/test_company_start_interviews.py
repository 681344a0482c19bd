"""Review W 4: interview times the job centre offered, waiting for the company's choice, and the
booked interviews ahead are on the company's start page and its openings table, each linked to
the candidate's interview panel."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import Interview, Proposal
from tests.conftest import AuthActions
from tests.portal.proposal_fixtures import MARKER, add_interview, disclosed_world


def _offer(app, world, hours_from_now: float, status: str = "offered", side: str = "jobcenter") -> int:
    with app.app_context():
        interview = Interview(proposal_id=world["proposal"], status=status, duration_minutes=60,
                              starts_at=datetime.now(timezone.utc) + timedelta(hours=hours_from_now),
                              location="Jobcentret", offered_by=side, offered_by_id=world["consultant"].id,
                              uid=f"{uuid.uuid4()}@jobbro")
        db.session.add(interview)
        db.session.commit()
        return interview.id


def _start(app, client, world) -> str:
    with app.app_context():
        email = db.session.get(type(world["company"]), world["company"].id).email
    AuthActions(client).switch_to(email)
    return client.get("/").get_data(as_text=True)


def _who(app, world) -> str:
    with app.app_context():
        return pseudonym(db.session.get(Proposal, world["proposal"]).citizen_id, world["opening"])


def test_times_to_choose_are_listed_and_linked_to_the_interview_panel(app, client, make_user):
    world = disclosed_world(app, make_user)
    _offer(app, world, 50)
    _offer(app, world, 26)
    _offer(app, world, -5)  # past: nothing to choose
    _offer(app, world, 30, side="company")  # the company's own offer waits for the job centre
    html = _start(app, client, world)
    section = re.search(r'data-testid="interviews-to-choose">(.*?)</ul>', html, re.S).group(1)
    link = f'/opslag/{world["opening"]}/kandidat/{world["proposal"]}#samtale'
    assert section.count('data-testid="interview-to-choose"') == 1 and link in section
    assert _who(app, world) in section and "Praktik i kantinen" in section
    assert "jobcentret har foreslået 2 tider" in section and MARKER not in html
    assert 'data-testid="interviews-upcoming"' not in html
    [row] = [r for r in re.findall(r'data-testid="start-opening-row">(.*?)</tr>', html, re.S) if "kantinen" in r]
    assert 'data-testid="opening-interviews-to-choose"' in row and "1 kandidat: vælg en samtaletid" in row


def test_booked_interviews_ahead_are_listed(app, client, make_user):
    world = disclosed_world(app, make_user)
    held = add_interview(app, world, hours_from_now=-48)  # held: not ahead
    assert 'data-testid="interviews-upcoming"' not in _start(app, client, world)
    _moved_away(app, held)  # one booked time per pair (migration 0028): a new one replaces the held one
    add_interview(app, world, hours_from_now=48)
    html = _start(app, client, world)
    upcoming = re.search(r'data-testid="interviews-upcoming">(.*?)</ul>', html, re.S).group(1)
    assert upcoming.count('data-testid="interview-upcoming"') == 1
    assert f'/opslag/{world["opening"]}/kandidat/{world["proposal"]}#samtale' in upcoming and " kl. " in upcoming
    assert 'data-testid="interviews-to-choose"' not in html
    assert "1 samtale aftalt" in html


def _moved_away(app, interview_id: int) -> None:
    """The held interview as booking a new time leaves it: cancelled, out of the calendars."""
    with app.app_context():
        db.session.execute(sa.update(Interview).where(Interview.id == interview_id)
                           .values(status="cancelled", sequence=Interview.sequence + 1))
        db.session.commit()


def test_nothing_once_the_name_is_no_longer_shared(app, client, make_user):
    world = disclosed_world(app, make_user)
    _offer(app, world, 26)
    with app.app_context():
        db.session.execute(sa.update(Proposal).where(Proposal.id == world["proposal"]).values(status="ended"))
        db.session.commit()
    html = _start(app, client, world)
    assert 'data-testid="interviews-to-choose"' not in html and 'data-testid="opening-interviews' not in html
