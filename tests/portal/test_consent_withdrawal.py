"""Withdrawing a consent cancels the pair's future interviews (portal.candidates.withdrawal).

Booked and offered future times are cancelled, a booked one with a calendar CANCEL to the
company that says only that it is cancelled; past ones stay as they happened; the
cancellations and the withdrawal are written in one transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal import consents, proposals
from portal.candidates import withdrawal
from portal.extensions import db
from store.models import AuditEvent, Consent, Interview, MailMessage, Notification, Proposal, User
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    """Keep queued mails in the queue: the mail worker blanks an .ics once it has sent it."""
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    """A disclosed proposal with a live consent, a booked and an offered future interview and an
    offered past one (one booked time per pair, migration 0028)."""
    world = build_world(app, make_user)
    company = world["company"]
    now = datetime.now(timezone.utc)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = "disclosed"
        db.session.add(Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION,
                               channel="telefon", deadline=IN_90_DAYS, recorded_by_id=world["consultant"].id))
        for start, status, uid in ((now + timedelta(days=2), "booked", "booked@jobbro"),
                                   (now + timedelta(days=3), "offered", "offered@jobbro"),
                                   (now - timedelta(days=2), "offered", "past@jobbro")):
            db.session.add(Interview(proposal_id=proposal.id, starts_at=start, duration_minutes=45,
                                     location="Kantinen", offered_by="company", offered_by_id=company.id,
                                     status=status, uid=uid))
        db.session.commit()
    return world


def rows(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Interview.uid, Interview.status)).all())


def withdraw(client, auth, world):
    auth.switch_to(world["consultant"].email)
    page = f"/kandidater/forslag/{world['proposal']}"
    token = auth.csrf_token(page)
    return client.post(f"{page}/tilbagekald", data={"csrf_token": token}, follow_redirects=True)


def test_the_page_says_beforehand_which_interviews_withdrawing_cancels(client, auth, world):
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    hint = html[html.index('data-testid="withdraw-cancels"'):]
    hint = hint[:hint.index("</p>")]
    assert "(aftalt)" in hint and "(foreslået)" in hint and 'href="#samtale"' in hint


def test_withdrawing_cancels_future_interviews_and_sends_the_company_a_cancel(app, client, auth, world):
    response = withdraw(client, auth, world)
    html = response.get_data(as_text=True)
    assert "Samtykket er trukket tilbage" in html and "kalenderaflysning" in html
    assert rows(app) == {"booked@jobbro": "cancelled", "offered@jobbro": "cancelled", "past@jobbro": "offered"}
    company = world["company"]
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "withdrawn"
        cancels = db.session.scalars(sa.select(MailMessage).where(
            MailMessage.kind == "interview_booked", MailMessage.user_id == company.id)).all()
        assert len(cancels) == 1  # the booked time; an offered one never was in a calendar
        calendar = Calendar.from_ical(cancels[0].ics)
        assert calendar.get("method") == "CANCEL"
        assert [str(e.get("uid")) for e in calendar.walk("VEVENT")] == ["booked@jobbro"]
        notice = db.session.scalars(sa.select(Notification).where(
            Notification.kind == "interview_booked", Notification.user_id == company.id)).one()
        for text in (notice.text, cancels[0].subject, cancels[0].body):
            assert "aflyst" in text
            assert "samtykke" not in text.casefold() and MARKER not in text  # never why, never who
        assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.in_(
            ("interview_cancelled", "consent_withdrawn"))).order_by(AuditEvent.id)).all() == [
            "interview_cancelled", "interview_cancelled", "consent_withdrawn"]


def test_the_consultant_still_sees_the_cancelled_interviews(app, client, auth, world):
    html = withdraw(client, auth, world).get_data(as_text=True)
    assert 'id="samtale"' in html
    with app.app_context():
        booked = db.session.scalars(sa.select(Interview).where(Interview.uid == "booked@jobbro")).one()
    download = client.get(f"/samtaler/{booked.id}/samtale.ics")
    assert download.status_code == 200 and b"METHOD:CANCEL" in download.data


def test_a_failure_while_withdrawing_writes_nothing(app, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["consultant"].id)
        monkeypatch.setattr(proposals, "commit_step", broken)
        with pytest.raises(RuntimeError):
            withdrawal.withdraw(proposal, user)
        db.session.rollback()
    assert rows(app) == {"booked@jobbro": "booked", "offered@jobbro": "offered", "past@jobbro": "offered"}
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "disclosed"
        assert not db.session.scalars(sa.select(MailMessage)).all()


def test_nothing_to_withdraw_cancels_nothing(app, world):
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = "approved"
        db.session.commit()
        with pytest.raises(proposals.TransitionError):
            withdrawal.withdraw(proposal, db.session.get(User, world["consultant"].id))
        db.session.rollback()
    assert rows(app)["booked@jobbro"] == "booked"
