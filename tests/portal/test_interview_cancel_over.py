"""A time that is over cannot be cancelled, on the web as through the API (one rule,
:func:`portal.interviews.booking.cancel`).

The page stops offering »Aflys samtalen« once an interview is held, but the step itself took a
held interview: a page left open (or a crafted POST) turned it "cancelled", sent both calendars
a CANCEL for a meeting that had happened and dropped the outcome the company still owes.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.interviews import booking, common, queries
from store.models import Interview, Notification, Proposal, User
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def _post_cancel(client, auth, world, user, interview: int):
    auth.switch_to(user.email)
    page = (f"/opslag/{world['opening']}/kandidat/{world['proposal']}" if user.role == "company"
            else f"/kandidater/forslag/{world['proposal']}")
    return client.post(f"/samtaler/{interview}/aflys", data={"csrf_token": auth.csrf_token(page)},
                       follow_redirects=True)


@pytest.mark.parametrize("side", ["company", "consultant"])
def test_a_held_interview_is_not_cancelled_from_either_side(app, client, auth, make_user, side):
    world = disclosed_world(app, make_user)
    interview = add_interview(app, world, hours_from_now=-3)  # 60 minutes, over two hours ago
    page = _post_cancel(client, auth, world, world[side], interview)
    assert "allerede holdt og kan ikke længere aflyses" in page.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Interview, interview)
        assert (row.status, row.sequence) == ("booked", 0)
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
        assert queries.outcome_due(db.session.get(Proposal, world["proposal"]))


def test_an_offered_time_that_has_begun_is_not_withdrawn(app, make_user):
    world = disclosed_world(app, make_user)
    interview = add_interview(app, world, hours_from_now=-1, status="offered")
    with app.test_request_context():
        row, user = db.session.get(Interview, interview), db.session.get(User, world["company"].id)
        with pytest.raises(common.InterviewError, match="overskredet"):
            booking.cancel(row, user)
        assert row.status == "offered"


def test_a_move_still_ends_the_time_it_replaces(app, make_user):
    """Booking a new time cancels the old booking whenever it lies (``moved``): not refused."""
    world = disclosed_world(app, make_user)
    old = add_interview(app, world, hours_from_now=-3)
    with app.test_request_context():
        row, user = db.session.get(Interview, old), db.session.get(User, world["company"].id)
        booking.cancel(row, user, moved=True)
        assert row.status == "cancelled"


@pytest.mark.parametrize("side", ["company", "consultant"])
def test_an_offered_time_that_has_begun_offers_no_button_and_says_it_has_passed(
        app, client, auth, make_user, side):
    """H1's note: the page still offered »Træk tiden tilbage« (and »Vælg denne tid«) for an
    offered time that had begun, which the step only refuses."""
    world = disclosed_world(app, make_user)
    passed = add_interview(app, world, hours_from_now=-1, status="offered")  # the company's offer
    ahead = add_interview(app, world, hours_from_now=30, status="offered")
    auth.switch_to(world[side].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}" if side == "company"
                      else f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    offers = page.split('data-testid="interview-offers"')[1].split("</ul>")[0]
    rows = offers.split('data-testid="interview-offer"')[1:]
    assert len(rows) == 2
    first, second = rows
    assert "Tiden er overskredet og kan ikke længere vælges." in first
    assert f"/samtaler/{passed}/" not in first and "<button" not in first
    button = "Træk tiden tilbage" if side == "company" else "Vælg denne tid"
    assert button in second and f"/samtaler/{ahead}/" in second and "overskredet" not in second
