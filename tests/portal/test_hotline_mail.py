"""Hotline e-mail (through the mail queue): the responsible VK is mailed without citizen data;
a failing server loses nothing."""
from __future__ import annotations

import smtplib

import pytest
import sqlalchemy as sa

from portal import mail
from portal.extensions import db
from portal.hotline import service
from portal.notifications import mailer
from store.models import AuditEvent, MailMessage, User
from tests.portal import test_hotline as base
from tests.portal.test_hotline import MARKER, actions, all_requests, file_request, login

world = base.world  # the same people and placements as the main hotline tests


class FakeSMTP:
    sent: list = []
    fail: bool = False

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.fail:
            raise ConnectionRefusedError("mail server down")
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def fake_smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.fail = [], False
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=2525, PORTAL_URL="https://jobbro.test")
    return FakeSMTP


def test_responsible_vk_gets_a_mail_without_citizen_data(app, client, auth, world, fake_smtp):
    login(client, auth, "a@firma.dk")
    file_request(client, placement=str(world["ids"]["active"]), subject="Sygdom hos borgeren",
                 message="Hun har fået en diagnose.")
    [mail] = fake_smtp.sent
    text = mail.as_string() + mail.get_content()
    assert mail["To"] == "vk@jc.dk" and "Akut" in mail["Subject"]
    assert "/hotline/" in text and "Firma" in text
    for secret in (MARKER, "Sygdom hos borgeren", "diagnose"):
        assert secret not in text
    assert "mail_sent" in actions(app)


def test_the_mail_calls_the_category_kategori_and_writes_the_time_with_a_dot(app, client, auth, world, fake_smtp):
    """Review BI 4 and 11: »Emne« is the company's own subject line in the form, so the category is
    »Kategori« (as on the request page); the target's clock time is »kl. 12.00«, the Danish norm."""
    import re

    login(client, auth, "a@firma.dk")
    file_request(client, subject="Konflikt med kollega")
    text = fake_smtp.sent[0].get_content()
    assert "Kategori: Fravær" in text and "Emne:" not in text
    assert re.search(r"Svarfrist: \d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d\n", text), text


def test_failing_mail_server_does_not_lose_the_request(app, client, auth, world, fake_smtp, caplog):
    fake_smtp.fail = True
    login(client, auth, "a@firma.dk")
    response = file_request(client)
    assert response.status_code == 302
    assert len(all_requests(app)) == 1
    assert "failed" in caplog.text
    with app.app_context():
        result = db.session.scalar(sa.select(AuditEvent.result).where(AuditEvent.action == "mail_sent"))
        queued = db.session.scalar(sa.select(MailMessage))
    assert result == "retry"
    assert queued.status == "pending" and queued.attempts == 1 and queued.body  # sent when the server is back


def test_no_mail_without_a_mail_server(app, client, auth, world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no SMTP connection expected")

    monkeypatch.setattr(mail.smtplib, "SMTP", refuse)
    login(client, auth, "a@firma.dk")
    assert file_request(client).status_code == 302


def test_smtp_exception_is_caught(app, world, monkeypatch):
    class Broken(FakeSMTP):
        def send_message(self, message):
            raise smtplib.SMTPRecipientsRefused({})

    monkeypatch.setattr(mail.smtplib, "SMTP", Broken)
    app.config.update(MAIL_SERVER="127.0.0.1", PORTAL_URL="https://jobbro.test")
    with app.test_request_context():
        a = db.session.get(User, world["a"].id)
        service.create_request(a, service.RequestData("andet", "normal", "Emne", "x", None))
        assert mailer.drain() == mailer.DrainResult(retried=1)


def test_the_link_is_built_on_portal_url_not_the_host_header(app, client, auth, world, fake_smtp):
    login(client, auth, "a@firma.dk")
    forged = {"Host": "evil.example"}
    # The session cookie belongs to localhost; the forged host must carry it too.
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    token = client.get("/hotline/ny", headers=forged).get_data(as_text=True).split(
        'name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/hotline/ny", headers=forged, data={
        "category": "andet", "urgency": "normal", "subject": "Emne", "message": "Tekst", "placement": "",
        "csrf_token": token})
    assert response.status_code == 302
    [sent] = fake_smtp.sent
    [request_id] = [r.id for r in all_requests(app)]
    assert f"https://jobbro.test/hotline/{request_id}" in sent.get_content()
    assert "evil.example" not in sent.get_content()


def test_the_company_does_not_wait_for_a_slow_mail_server(app, client, auth, world, fake_smtp):
    """Out of test mode the notification goes in the background; the audit follows the send."""
    import threading

    release = threading.Event()

    class Slow(FakeSMTP):
        def send_message(self, message):
            release.wait(timeout=30)  # the server "hangs" until the test lets it answer
            super().send_message(message)

    mail.smtplib.SMTP = Slow  # fake_smtp's monkeypatch restores the real class afterwards
    app.config.update(MAIL_SEND_INLINE=False)
    login(client, auth, "a@firma.dk")
    try:
        assert file_request(client).status_code == 302
        assert fake_smtp.sent == [] and "mail_sent" not in actions(app)  # answered first
    finally:
        release.set()
    mail._executor().submit(lambda: None).result(timeout=30)  # one FIFO worker: the mail is done
    assert len(fake_smtp.sent) == 1
    assert "mail_sent" in actions(app)
