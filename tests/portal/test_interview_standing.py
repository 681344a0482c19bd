"""A booked interview still ahead stays on the consultant's list, whatever stopped the pair,
with a way to cancel it; the company's close confirmation names the ones that stand
(review AC 4)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.main import queue
from portal.pseudonyms import pseudonym
from store.models import Consent, Interview, Opening, Proposal, User
from tests.portal.proposal_fixtures import disclosed_world
from tests.portal.test_candidates_held import hold

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    """The citizen disclosed under a live consent, with an interview booked in two days."""
    world = disclosed_world(app, make_user)
    with app.app_context():
        row = Interview(proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(days=2),
                        duration_minutes=45, location="Kantinen", offered_by="company",
                        offered_by_id=world["company"].id, status="booked", uid="standing@jobbro")
        db.session.add(row)
        db.session.commit()
        world["interview"] = row.id
    return world


def listed(app, world) -> dict[int, str]:
    with app.app_context():
        user = db.session.get(User, world["consultant"].id)
        return {i.proposal.id: i.action for i in queue.interviews_to_arrange(user, datetime.now(timezone.utc))}


def start_page_row(client, auth, world) -> str:
    auth.switch_to(world["consultant"].email)
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('data-testid="queue-samtaler"'):]
    return section[:section.index("</section>")]


def test_a_held_candidates_booked_interview_stays_on_the_list(app, client, auth, world):
    assert listed(app, world) == {world["proposal"]: "Samtale aftalt"}
    hold(app, world)
    assert listed(app, world) == {world["proposal"]: queue.STANDING_HELD}
    with app.app_context():  # and the line on hold stays too
        user = db.session.get(User, world["consultant"].id)
        assert [p.id for p in queue.on_hold(user)] == [world["proposal"]]
    row = start_page_row(client, auth, world)
    assert "Kandidaten er i bero: aflys eller behold samtalen den" in row
    assert f'/kandidater/forslag/{world["proposal"]}#samtale' in row


def test_a_closed_openings_booked_interview_stays_on_the_list(app, world):
    with app.app_context():
        db.session.get(Opening, world["opening"]).status = "closed"
        db.session.commit()
    assert listed(app, world) == {world["proposal"]: "Opslaget er lukket: aflys eller behold samtalen den"}


@pytest.mark.parametrize("response, action", [("declined", queue.STANDING_DECLINED),
                                               ("hired", queue.STANDING_HIRED)])
def test_a_booked_interview_after_the_companys_last_word_stays(app, world, response, action):
    from portal.proposals import respond

    with app.app_context():
        respond(db.session.get(Proposal, world["proposal"]),
                db.session.get(User, world["company"].id), response, "Valgte en anden")
        db.session.commit()
    assert listed(app, world) == {world["proposal"]: action}


def test_a_lapsed_consents_booked_interview_is_listed_and_the_consultant_can_cancel_it(app, client, auth, world):
    with app.app_context():
        consent = db.session.scalar(sa.select(Consent))
        consent.withdrawn_at = datetime.now(timezone.utc)  # no live consent: the name is not shared now
        db.session.commit()
    assert listed(app, world) == {world["proposal"]: queue.STANDING_HIDDEN}
    page_url = f"/kandidater/forslag/{world['proposal']}"
    auth.switch_to(world["company"].email)  # the company may not cancel what it cannot see
    client.post(f"/samtaler/{world['interview']}/aflys", data={"csrf_token": auth.csrf_token("/")})
    with app.app_context():
        assert db.session.get(Interview, world["interview"]).status == "booked"
    auth.switch_to(world["consultant"].email)
    html = client.get(page_url).get_data(as_text=True)
    assert 'data-testid="interview-standing"' in html and 'data-testid="interview-cancel"' in html
    client.post(f"/samtaler/{world['interview']}/aflys", data={"csrf_token": auth.csrf_token(page_url)})
    with app.app_context():
        assert db.session.get(Interview, world["interview"]).status == "cancelled"
    assert listed(app, world) == {}


def test_the_close_confirmation_names_the_booked_interviews_that_stand(app, client, auth, world):
    auth.switch_to(world["company"].email)
    html = client.get(f"/opslag/{world['opening']}/luk").get_data(as_text=True)
    block = html.split('data-testid="close-booked"')[1].split("</div>")[0]
    with app.app_context():
        shown = pseudonym(world["citizen"], world["opening"])
    assert "1 aftalt samtale står stadig" in block and shown in block
    assert f'/opslag/{world["opening"]}/kandidat/{world["proposal"]}#samtale' in block
    assert "ikke aflyst, når I lukker opslaget" in block
    with app.app_context():
        db.session.get(Interview, world["interview"]).status = "cancelled"
        db.session.commit()
    html = client.get(f"/opslag/{world['opening']}/luk").get_data(as_text=True)
    assert 'data-testid="close-booked"' not in html


def test_the_close_confirmation_leaves_out_a_held_candidates_interview(app, client, auth, world):
    """As the company's own lists (interview_times: still_shown): a held candidate's interview is
    not shown to the company; the job centre handles it."""
    hold(app, world)
    auth.switch_to(world["company"].email)
    assert 'data-testid="close-booked"' not in client.get(f"/opslag/{world['opening']}/luk").get_data(as_text=True)
