"""Two steps on the same pair's interview times at once (review AF 1, 2).

Each test lets this session read the rows as a request does, then has another session (its own
app context, so its own database session and connection) take its step and commit, and only
then lets this session act: the interleaving of two requests at the same moment, made
deterministic. Before the fix the second step trusted what it had read: both times ended
booked, or a time was cancelled after the company got its invitation, with no calendar
cancellation.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal.extensions import db
from portal.interviews import booking, common, queries, routes, slots
from store.clock import LOCAL
from store.models import Interview, MailMessage, Notification, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

DAY = TODAY + timedelta(days=2)


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    """Keep queued mails in the queue: the mail worker blanks an .ics once it has sent it."""
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    colleague = make_user("company", company=SimpleNamespace(id=world["company"].company_id))
    return world | {"colleague": colleague}


def _slot(hour: int) -> slots.Slot:
    return slots.Slot(datetime.combine(DAY, datetime.min.time()).replace(hour=hour, tzinfo=LOCAL),
                        45, "Kantinen, Vestergade 1")


def _offer(app, world, hours=(9, 11)) -> list[int]:
    """The consultant offers the company times on DAY at ``hours``; their ids."""
    with app.app_context(), app.test_request_context():
        proposal, user = _proposal(world), db.session.get(User, world["consultant"].id)
        return [row.id for row in booking.offer(proposal, user, [_slot(h) for h in hours])]


def _proposal(world):
    from store.models import Proposal

    return db.session.get(Proposal, world["proposal"])


@contextmanager
def _request(app):
    """A request's own context: its own database session, as a second request has."""
    with app.app_context(), app.test_request_context():
        yield
        db.session.rollback()


def _meanwhile(app, step, interview_id: int, user_id: int) -> None:
    """Another request takes ``step`` on the interview and commits, in its own session."""
    with _request(app):
        step(db.session.get(Interview, interview_id), db.session.get(User, user_id))


def _rows(app, world) -> list[tuple[int, str, int]]:
    with app.app_context():
        return [(i.id, i.status, i.sequence) for i in db.session.scalars(
            sa.select(Interview).where(Interview.proposal_id == world["proposal"]).order_by(Interview.id))]


def _calendar_mails(app) -> list[tuple[int, str, str]]:
    """Every calendar document queued: (recipient, method, UID)."""
    with app.app_context():
        found = []
        for mail in db.session.scalars(sa.select(MailMessage).where(MailMessage.ics.is_not(None))
                                       .order_by(MailMessage.id)):
            calendar = Calendar.from_ical(mail.ics)
            event = next(iter(calendar.walk("VEVENT")))
            found.append((mail.user_id, str(calendar["METHOD"]), str(event["UID"])))
        return found


def _uid(app, interview_id: int) -> str:
    with app.app_context():
        return db.session.get(Interview, interview_id).uid


# --- AF 1: two company users choose different times at the same moment ---------------------------

def test_two_times_chosen_at_once_book_one_and_refuse_the_other(app, world):
    first, second = _offer(app, world)
    with _request(app):
        read = db.session.get(Interview, second)  # the colleague's request has read its time: offered
        assert read.status == "offered"
        _meanwhile(app, booking.book, first, world["company"].id)  # the other »Vælg« lands first
        with pytest.raises(common.InterviewError) as refused:
            booking.book(read, db.session.get(User, world["colleague"].id))
    when = common.spoken_time(_slot(9).starts_at)
    assert str(refused.value) == (
        f"Der er netop valgt en anden tid, så samtalen er aftalt {when}. Tiden "
        f"{common.spoken_time(_slot(11).starts_at)} er ikke valgt, og der er ikke sendt en invitation til den.")
    assert _rows(app, world) == [(first, "booked", 0), (second, "declined", 0)]
    # one invitation per person, for the time booked; none for the refused one
    sent = _calendar_mails(app)
    assert {uid for _, _, uid in sent} == {_uid(app, first)} and {m for _, m, _ in sent} == {"REQUEST"}
    assert len(sent) == len({who for who, _, _ in sent})


def test_the_second_choice_on_the_web_is_refused_with_what_happened(app, client, auth, world, monkeypatch):
    """The colleague's »Vælg« reads its time, then the first user's choice commits."""
    first, second = _offer(app, world)
    real = routes._interview

    def read_then_the_other_books(interview_id):
        interview = real(interview_id)
        _meanwhile(app, booking.book, first, world["company"].id)
        return interview

    auth.switch_to(world["colleague"].email)
    token = auth.csrf_token("/")
    monkeypatch.setattr(routes, "_interview", read_then_the_other_books)
    response = client.post(f"/samtaler/{second}/vaelg", data={"csrf_token": token})
    monkeypatch.setattr(routes, "_interview", real)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der er netop valgt en anden tid, så samtalen er aftalt" in page
    assert "Samtalen er aftalt. Jobcentret får en kalenderinvitation" not in page
    assert _rows(app, world) == [(first, "booked", 0), (second, "declined", 0)]
    with app.app_context():  # the colleague is told of the booking once, not of a second one
        told = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == world["colleague"].id, Notification.kind == "interview_booked")).all()
    assert len(told) == 1


def test_a_time_chosen_meanwhile_is_not_withdrawn_by_new_times(app, world):
    """New times withdraw the open offers: one booked meanwhile is booked, not an open offer."""
    first, _second = _offer(app, world)
    with _request(app):
        proposal = _proposal(world)
        read = queries.open_offers(proposal)  # the request has read the open offers (and holds them)
        assert [i.status for i in read] == ["offered", "offered"]
        _meanwhile(app, booking.book, first, world["company"].id)
        with pytest.raises(common.InterviewError, match="Der er allerede aftalt en samtale"):
            booking.offer(proposal, db.session.get(User, world["consultant"].id), [_slot(14)])
    assert [status for _, status, _ in _rows(app, world)] == ["booked", "declined"]


# --- AF 2: the company chooses a time while the consultant withdraws or cancels it ---------------

def test_a_time_withdrawn_meanwhile_cannot_be_chosen_and_nobody_gets_an_invitation(app, world):
    first, = _offer(app, world, hours=(9,))
    with _request(app):
        read = db.session.get(Interview, first)
        assert read.status == "offered"
        _meanwhile(app, booking.cancel, first, world["consultant"].id)  # »Træk tiden tilbage« lands first
        with pytest.raises(common.InterviewError, match="er trukket tilbage eller aflyst, så den kan ikke"):
            booking.book(read, db.session.get(User, world["company"].id))
    assert _rows(app, world) == [(first, "cancelled", 0)]
    assert _calendar_mails(app) == []
    with app.app_context():
        assert not db.session.scalars(sa.select(Notification).where(Notification.kind == "interview_booked")).all()


def test_a_time_chosen_meanwhile_is_not_withdrawn_and_the_consultant_is_told(app, world):
    first, = _offer(app, world, hours=(9,))
    with _request(app):
        read = db.session.get(Interview, first)  # the consultant's »Træk tiden tilbage«: offered
        assert read.status == "offered"
        _meanwhile(app, booking.book, first, world["company"].id)  # the company's »Vælg« lands first
        with pytest.raises(common.InterviewError) as refused:
            booking.cancel(read, db.session.get(User, world["consultant"].id))
    assert str(refused.value).startswith(f"Tiden {common.spoken_time(_slot(9).starts_at)} er netop blevet "
                                         "valgt, så samtalen er aftalt")
    assert "Den er ikke aflyst." in str(refused.value)
    assert _rows(app, world) == [(first, "booked", 0)]  # booked, as the company was told
    assert {m for _, m, _ in _calendar_mails(app)} == {"REQUEST"}  # and what the calendars hold


def test_withdrawing_from_a_page_that_showed_the_time_offered_refuses_a_time_booked_since(
        app, client, auth, world):
    """The page's »Træk tiden tilbage« says which time it showed: one booked since is not
    cancelled as if it were a booked interview the consultant meant to cancel."""
    first, = _offer(app, world, hours=(9,))
    auth.switch_to(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'name="status" value="offered"' in page
    token = auth.csrf_token("/")
    _meanwhile(app, booking.book, first, world["company"].id)
    response = client.post(f"/samtaler/{first}/aflys", data={"csrf_token": token, "status": "offered"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "er netop blevet valgt, så samtalen er aftalt" in page
    assert _rows(app, world) == [(first, "booked", 0)]
    # the booked time's own »Aflys samtalen« still cancels it, with the calendar cancellation
    assert 'name="status" value="booked"' in page
    client.post(f"/samtaler/{first}/aflys", data={"csrf_token": token, "status": "booked"})
    assert _rows(app, world) == [(first, "cancelled", 1)]
    assert "CANCEL" in {m for _, m, _ in _calendar_mails(app)}


def test_a_booked_interview_moved_meanwhile_is_not_cancelled_again(app, world):
    first, = _offer(app, world, hours=(9,))
    _meanwhile(app, booking.book, first, world["company"].id)
    with app.app_context(), app.test_request_context():
        moved = booking.move(db.session.get(Interview, first), db.session.get(User, world["consultant"].id),
                             [_slot(13)])
        new = moved[0].id
    with _request(app):
        read = db.session.get(Interview, first)  # the company's »Aflys samtalen«: booked
        _meanwhile(app, booking.book, new, world["company"].id)  # the new time is chosen first
        with pytest.raises(common.InterviewError, match="Samtalen er netop flyttet til"):
            booking.cancel(read, db.session.get(User, world["company"].id))
    assert _rows(app, world) == [(first, "cancelled", 1), (new, "booked", 0)]


def test_ending_the_proposal_cancels_a_time_booked_meanwhile_with_a_calendar_cancellation(app, world):
    """The job centre ending the proposal reads the times ahead, then the company books one:
    the ending cancels what is booked now, and both calendars get the cancellation."""
    first, = _offer(app, world, hours=(9,))
    with _request(app):
        ahead = queries.future_interviews(_proposal(world))
        assert [i.status for i in ahead] == ["offered"]
        _meanwhile(app, booking.book, first, world["company"].id)
        for interview in ahead:
            booking.cancel(interview, db.session.get(User, world["consultant"].id), commit=False,
                           require_release=False)
        db.session.commit()
    assert _rows(app, world) == [(first, "cancelled", 1)]
    methods = [(who, m) for who, m, _ in _calendar_mails(app)]
    assert (world["company"].id, "CANCEL") in methods and (world["colleague"].id, "CANCEL") in methods
