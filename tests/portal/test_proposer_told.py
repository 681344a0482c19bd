"""The consultant who approved a proposal hears the company's answer and the interview steps,
and finds them on the start page, also when the citizen's VK is somebody else (review AC 3)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.interviews import answers, booking
from portal.main import queue
from store.models import Citizen, Interview, Notification, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    """The identity-release world, with the citizen's VK another consultant than the one who
    approved the proposal (``decided_by``), and an adviser."""
    from tests.portal.proposal_fixtures import build_world

    world = build_world(app, make_user)
    world["vk"], world["adviser"] = make_user("consultant"), make_user("consultant")
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.adviser_id = world["vk"].id, world["adviser"].id
        db.session.commit()
    return world


def told(app, kind: str) -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == kind)))


def answer(app, world, response: str) -> None:
    with app.test_request_context("/"):
        proposal = db.session.get(Proposal, world["proposal"])
        answers.answer(proposal, db.session.get(User, world["company"].id), response)


def test_the_proposer_is_told_the_companys_answer_once(app, world):
    answer(app, world, "interested")
    assert told(app, "company_answered") == sorted([world["consultant"].id, world["vk"].id, world["adviser"].id])


def test_the_proposer_who_is_also_the_vk_is_told_once(app, world):
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
    answer(app, world, "interested")
    assert told(app, "company_answered") == sorted([world["consultant"].id, world["adviser"].id])


def test_an_inactive_proposer_is_not_told(app, world):
    with app.app_context():
        db.session.get(User, world["consultant"].id).active = False
        db.session.commit()
    answer(app, world, "interested")
    assert told(app, "company_answered") == sorted([world["vk"].id, world["adviser"].id])


def test_the_answer_is_on_the_proposers_start_page_too(app, client, auth, world):
    answer(app, world, "interested")
    with app.app_context():
        for key in ("consultant", "vk"):
            user = db.session.get(User, world[key].id)
            assert [a.proposal.id for a in queue.company_answers(user, TODAY)] == [world["proposal"]], key
        adviser = db.session.get(User, world["adviser"].id)
        assert queue.company_answers(adviser, TODAY) == []  # the VK's list, as before, and the proposer's
    auth.login(world["consultant"].email)
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('data-testid="queue-svar"'):]
    assert f"/kandidater/forslag/{world['proposal']}" in section[:section.index("</section>")]


def test_a_booked_interview_reaches_the_proposer_and_their_list(app, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        db.session.add(Interview(proposal_id=world["proposal"], status="offered", duration_minutes=60,
                                 starts_at=datetime.now(timezone.utc) + timedelta(days=3), location="Kantinen",
                                 offered_by="company", offered_by_id=world["company"].id, uid="p@jobbro"))
        db.session.commit()
    with app.test_request_context("/"):
        row = db.session.scalar(sa.select(Interview))
        booking.book(row, db.session.get(User, world["vk"].id))
    # the VK booked it: told as read; the proposer and the adviser are told
    with app.app_context():
        unread = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.kind == "interview_booked", Notification.read_at.is_(None))))
        assert {world["consultant"].id, world["adviser"].id} <= unread and world["vk"].id not in unread
        user = db.session.get(User, world["consultant"].id)
        items = queue.interviews_to_arrange(user, datetime.now(timezone.utc))
        assert [(i.proposal.id, i.action) for i in items] == [(world["proposal"], "Samtale aftalt")]
