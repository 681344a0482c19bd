"""Privacy of mails and notifications: no mail, subject or in-portal item carries citizen data
(name, CPR-like numbers, the company's free text about the person) to anyone.

The events are driven through the real routes and commands with a marker citizen and marker
free text; every mail that goes out (captured at the SMTP fake), every queued MailMessage
and every Notification is then searched for the markers.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal import mail
from portal.extensions import db
from store.models import Citizen, Company, MailMessage, Notification, Placement
from tests.clock import travel
from tests.portal.smtp_fake import FakeServer
from tests.portal import test_hotline as hotline
from tests.portal.test_openings import post_new

world = hotline.world
CPR = "010190-1234"
FREE_TEXT = "ZQXFRITEKST"
SECRETS = (hotline.MARKER, CPR, "0101901234", FREE_TEXT, "diagnose")


Recorder = FakeServer  # a connection factory that keeps every message it is given


@pytest.fixture
def smtp(app, monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(mail, "open_connection", recorder)
    app.config.update(MAIL_SERVER="127.0.0.1", PORTAL_URL="https://jobbro.test")
    return recorder


def everything_said(app, smtp) -> list[str]:
    with app.app_context():
        rows = db.session.execute(sa.select(MailMessage.subject, MailMessage.body, MailMessage.ics)).all()
        items = db.session.execute(sa.select(Notification.text, Notification.link)).all()
    texts = [message.as_string() + mail.text_of(message) for message in smtp.sent]
    texts += [" ".join(str(v) for v in row if v) for row in rows]
    texts += [" ".join(row) for row in items]
    return texts


def assert_nothing_leaks(app, smtp):
    for text in everything_said(app, smtp):
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in {text[:200]!r}"


def test_hotline_mails_and_items_carry_no_citizen_data(app, client, auth, world, smtp):
    hotline.login(client, auth, "a@firma.dk")
    # A CPR number is refused at the field (review BH 9): nothing is filed, nothing is sent.
    hotline.file_request(client, placement=str(world["ids"]["active"]),
                         subject=f"{FREE_TEXT} {CPR} har fået en diagnose",
                         message=f"{hotline.MARKER}navn ({CPR}) mødte ikke op. {FREE_TEXT}")
    assert hotline.all_requests(app) == [] and smtp.sent == []
    hotline.file_request(client, placement=str(world["ids"]["active"]),
                         subject=f"{FREE_TEXT} har fået en diagnose",
                         message=f"{hotline.MARKER}navn mødte ikke op. {FREE_TEXT}")
    [req] = hotline.all_requests(app)
    hotline.login(client, auth, "vk@jc.dk")
    token = hotline.csrf(client, f"/hotline/{req.id}")
    client.post(f"/hotline/{req.id}/besked",
                data={"body": f"Jeg ringer til {hotline.MARKER}navn om diagnose.", "csrf_token": token})
    kinds = {m.kind for m in _rows(app)}
    assert kinds == {"hotline_new", "hotline_answered"}  # both events produced mail
    assert len(smtp.sent) == 2
    assert_nothing_leaks(app, smtp)


def test_opening_and_hours_reminder_carry_no_citizen_data(app, client, auth, world, smtp, runner):
    with app.app_context():
        company = db.session.get(Company, world["a"].company_id)
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.name.startswith(hotline.MARKER)))
        db.session.add(Placement(citizen=citizen, company=company, kind="smaajob",
                                 start_date=date(2026, 1, 1), weekly_hours=5))
        db.session.commit()
    hotline.login(client, auth, "a@firma.dk")
    assert post_new(client, auth, title="Lagerhjælp").status_code == 302
    with travel(date(2026, 11, 4)):
        assert runner.invoke(args=["hours-reminders"]).exit_code == 0
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    kinds = {m.kind for m in _rows(app)}
    assert {"opening_posted", "hours_missing"} <= kinds
    assert {m.status for m in _rows(app)} == {"sent"}
    assert_nothing_leaks(app, smtp)


def test_the_scan_finds_a_leak(app, world, smtp):
    """The check itself works: a notification naming the citizen is caught."""
    from portal.notifications.service import notify
    from store.models import User

    with app.test_request_context():
        notify(db.session.get(User, world["a"].id), "hours_missing", f"{hotline.MARKER}navn mangler timer", "/")
        db.session.commit()
    with pytest.raises(AssertionError):
        assert_nothing_leaks(app, smtp)


def _rows(app) -> list[MailMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(MailMessage)))
        db.session.expunge_all()
        return found
