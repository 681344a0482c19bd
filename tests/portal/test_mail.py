"""portal.mail: a real SMTP server on loopback, a server that is down or silent, no server at all.

Also home of the ``outbox`` and ``mail_server_down`` fixtures the account-mail tests import.
"""
from __future__ import annotations

import email
import email.policy
import logging
import re
import smtplib
import socket
import threading

import pytest

from portal import mail
from portal.config import ConfigError
from tests.conftest import missing_dependency

USERNAME, SECRET = "jobbro", "smtp-hemmelighed-42"
TOKEN_LIKE = "set-password/TOKEN-abc123"
PORTAL_URL = "https://jobbro.test"  # a mail server needs it (start-up rule)
LINK = re.compile(r"https?://[^\s]+/auth/set-password/[A-Za-z0-9_\-]+")


# --- fixtures (imported by test_admin_users.py and test_auth_forgot.py) --------------------

class Outbox(list):
    """Messages handed to the fake SMTP connection, in order."""

    logins: list

    def links(self) -> list[str]:
        return [link for message in self for link in LINK.findall(message.get_content())]


class FakeSMTP:
    """The part of :class:`smtplib.SMTP` that portal.mail uses, recording instead of sending."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def login(self, user: str, password: str) -> None:
        self.outbox.logins.append((user, password))

    def send_message(self, message) -> None:
        self.outbox.append(message)


@pytest.fixture
def outbox(app, monkeypatch) -> Outbox:
    """A configured mail server whose connection is a recording fake."""
    box = Outbox()
    box.logins = []
    monkeypatch.setattr(mail, "open_connection", lambda config: FakeSMTP(box))
    app.config.update(MAIL_SERVER="smtp.jobbro.test", MAIL_PORT=25, PORTAL_URL=PORTAL_URL)
    return box


@pytest.fixture
def mail_server_down(app) -> None:
    """MAIL_SERVER points at a loopback port where nothing listens (connection refused)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_TIMEOUT=2,
                      PORTAL_URL=PORTAL_URL)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a real SMTP server on loopback --------------------------------------------------------

class _Received:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp_server():
    """aiosmtpd on 127.0.0.1 without TLS; AUTH PLAIN/LOGIN allowed in clear, one good password."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        missing_dependency("aiosmtpd is not installed (pip install aiosmtpd)")
    received = _Received()

    def authenticator(server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        received.logins.append((login, password))
        return AuthResult(success=(login, password) == (USERNAME, SECRET), handled=False)

    controller = Controller(received, hostname="127.0.0.1", port=_closed_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    yield controller, received
    controller.stop()


@pytest.fixture
def real_server(smtp_server):
    controller, received = smtp_server
    for seen in (received.messages, received.envelopes, received.logins):
        seen.clear()
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_SENDER": "jobbro@kommune.dk",
              "MAIL_TIMEOUT": 5}
    return config, received


def _message(config=None, body="Vælg din adgangskode: http://x/auth/" + TOKEN_LIKE):
    return mail.compose(config or {}, "anne@firma.dk", "Din adgang til Jobbro – æøå", body)


def test_real_server_receives_the_message_after_login(real_server):
    config, received = real_server
    config.update(MAIL_USERNAME=USERNAME, MAIL_PASSWORD=SECRET)
    assert mail.send(config, _message(config)) == "sent"
    [message] = received.messages
    assert received.logins == [(USERNAME, SECRET)]
    assert received.envelopes == [("jobbro@kommune.dk", ["anne@firma.dk"])]
    assert message["Subject"] == "Din adgang til Jobbro – æøå"
    assert TOKEN_LIKE in message.get_content() and "Vælg" in message.get_content()


def test_no_login_without_a_username(real_server):
    config, received = real_server
    config.update(MAIL_PASSWORD=SECRET)  # a password alone is not used
    assert mail.send(config, _message()) == "sent"
    assert received.logins == [] and len(received.messages) == 1


def test_refused_login_fails_and_logs_no_secret(real_server, caplog):
    config, received = real_server
    config.update(MAIL_USERNAME=USERNAME, MAIL_PASSWORD="forkert-" + SECRET)
    assert mail.send(config, _message()) == "failed"
    assert received.messages == []
    assert "SMTPAuthenticationError" in caplog.text
    assert SECRET not in caplog.text and TOKEN_LIKE not in caplog.text


def test_starttls_asked_but_not_offered_fails_instead_of_sending_in_clear(real_server, caplog):
    config, received = real_server
    config.update(MAIL_USE_TLS=True, MAIL_USERNAME=USERNAME, MAIL_PASSWORD=SECRET)
    assert mail.send(config, _message()) == "failed"
    assert received.messages == [] and received.logins == []


def test_smtps_against_a_plain_server_fails(real_server):
    config, received = real_server
    config.update(MAIL_USE_SSL=True)
    assert mail.send(config, _message()) == "failed"
    assert received.messages == []


def test_server_down_fails_with_a_log_line_without_the_token(caplog):
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _closed_port()}
    with caplog.at_level(logging.WARNING, logger="portal.mail"):
        assert mail.send(config, _message()) == "failed"
    assert "ConnectionRefusedError" in caplog.text and "anne@firma.dk" in caplog.text
    assert TOKEN_LIKE not in caplog.text


def test_a_silent_server_times_out():
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": silent.getsockname()[1], "MAIL_TIMEOUT": 0.3}
        timer = threading.Timer(10, silent.close)  # a hung test would otherwise hang CI
        timer.start()
        try:
            assert mail.send(config, _message()) == "failed"
        finally:
            timer.cancel()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_without_a_server_development_logs_the_whole_message(caplog, env):
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        assert mail.send({"MAIL_SERVER": "", "JOBBRO_ENV": env}, _message()) == "skipped"
    assert "anne@firma.dk" in caplog.text and "Din adgang til Jobbro" in caplog.text
    assert TOKEN_LIKE in caplog.text  # so a developer can follow the link


def test_without_a_server_production_logs_no_body(caplog):
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        assert mail.send({"JOBBRO_ENV": "production"}, _message()) == "skipped"
    assert "not sent" in caplog.text and TOKEN_LIKE not in caplog.text


def test_production_never_logs_a_subject(caplog):
    """A subject can name a citizen, and no erasure reaches a log (review I 3): not when a mail
    is skipped, fails or is sent."""
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        mail.send({"JOBBRO_ENV": "production"}, _message())
        mail.send({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _closed_port(), "JOBBRO_ENV": "production"}, _message())
        mail.send({"MAIL_SERVER": "smtp.test", "JOBBRO_ENV": "production"}, _message(),
                  connect=lambda c: FakeSMTP(Outbox()))
    assert "not sent" in caplog.text and "failed" in caplog.text and "sent to" in caplog.text
    assert "Din adgang" not in caplog.text


def test_connection_factory_is_injectable_and_smtp_errors_are_caught():
    class Refusing(FakeSMTP):
        def send_message(self, message):
            raise smtplib.SMTPRecipientsRefused({"anne@firma.dk": (550, b"no such user")})

    box = Outbox()
    box.logins = []
    config = {"MAIL_SERVER": "smtp.test", "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p"}
    assert mail.send(config, _message(), connect=lambda c: FakeSMTP(box)) == "sent"
    assert box.logins == [("u", "p")] and len(box) == 1
    assert mail.send(config, _message(), connect=lambda c: Refusing(box)) == "failed"


@pytest.mark.parametrize("field", ["to", "subject"])
def test_line_breaks_in_headers_are_refused(field):
    values = {"to": "anne@firma.dk", "subject": "Emne"}
    values[field] += "\r\nBcc: evil@example.com"
    with pytest.raises(ValueError):
        mail.compose({}, values["to"], values["subject"], "x")


def test_sender_defaults_and_follows_config():
    assert _message()["From"] == mail.DEFAULT_SENDER
    assert _message({"MAIL_SENDER": "jobcenter@hedensted.dk"})["From"] == "jobcenter@hedensted.dk"


# --- links in mails and sending in the background ------------------------------------------

def _flask_app(**config):
    from flask import Flask

    app = Flask("mailtest")
    app.config.update(config)
    app.add_url_rule("/auth/set-password/<token>", "auth.set_password", lambda token: token)
    return app


def test_absolute_url_uses_portal_url_whatever_the_host_header():
    app = _flask_app(PORTAL_URL="https://jobbro.hedensted.dk/", MAIL_SERVER="smtp.test")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert mail.absolute_url("auth.set_password", token="abc") == \
            "https://jobbro.hedensted.dk/auth/set-password/abc"


def test_absolute_url_falls_back_to_the_request_host_only_while_mails_are_just_logged():
    with _flask_app().test_request_context("/", headers={"Host": "localhost:5000"}):
        assert mail.absolute_url("auth.set_password", token="abc") == "http://localhost:5000/auth/set-password/abc"
    with _flask_app(MAIL_SERVER="smtp.test").test_request_context("/", headers={"Host": "evil.example"}):
        with pytest.raises(ConfigError, match="PORTAL_URL must be set"):
            mail.absolute_url("auth.set_password", token="abc")


@pytest.mark.parametrize("inline", [True, False])
def test_send_later_sends_in_an_app_context_and_reports_the_result(monkeypatch, inline):
    from flask import current_app

    app = _flask_app(MAIL_SERVER="smtp.test", MAIL_SEND_INLINE=inline)
    box, seen = Outbox(), []
    box.logins = []
    mail_thread = []

    def then(result: str) -> None:
        seen.append((result, current_app.name))
        mail_thread.append(threading.current_thread() is threading.main_thread())

    monkeypatch.setattr(mail, "open_connection", lambda config: FakeSMTP(box))
    assert mail.send_later(app, _message(), then=then).result(timeout=30) == "sent"
    assert len(box) == 1 and seen == [("sent", "mailtest")]
    assert mail_thread == [inline]  # inline in the caller's thread, else in the mail worker


def test_a_failing_follow_up_step_is_logged_not_raised(caplog):
    def broken(result: str) -> None:
        raise RuntimeError("audit down")

    app = _flask_app(MAIL_SEND_INLINE=False)
    assert mail.send_later(app, _message(), then=broken).result(timeout=30) == "skipped"
    assert "after-send step" in caplog.text and "RuntimeError" in caplog.text
