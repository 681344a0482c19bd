"""Outgoing e-mail: the one module every mail of the portal goes through.

Built on the standard library (``smtplib``, ``email.message.EmailMessage``). :func:`send`
never raises into a request: it answers ``"sent"``, ``"failed"`` or ``"skipped"``, and the
caller decides what the user sees (e.g. the administrator is shown a link by hand).

Settings (see portal/config.py): ``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_SENDER``,
``MAIL_USE_TLS`` (STARTTLS), ``MAIL_USE_SSL`` (SMTPS), ``MAIL_USERNAME``, ``MAIL_PASSWORD``
(login only when a username is set) and ``MAIL_TIMEOUT`` (seconds per socket operation).

Without ``MAIL_SERVER`` nothing is sent. In development and tests the whole message is
logged at INFO on the ``portal.mail`` logger so a developer can follow a link in it; in
production only the fact is logged, because a body can hold a one-time link and tokens
never go into production logs.

:func:`send_later` takes a mail off the request path (one background thread per process),
so a response never waits for, or reveals, an SMTP conversation. :func:`absolute_url`
builds every mailed link on ``PORTAL_URL``, never on the request's ``Host`` header.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from typing import Callable, Mapping

from flask import Flask, current_app, url_for

from .config import ConfigError, portal_url
from .i18n import plain_spaces

log = logging.getLogger("portal.mail")

SENT, FAILED, SKIPPED = "sent", "failed", "skipped"
DEFAULT_TIMEOUT = 10.0
DEFAULT_SENDER = "noreply@jobbro.local"

Connect = Callable[[Mapping], smtplib.SMTP]


def compose(config: Mapping, to: str, subject: str, body: str, *, ics: str | None = None) -> EmailMessage:
    """A plain-text UTF-8 message from ``MAIL_SENDER`` to ``to``.

    Args:
        ics: an iCalendar document, attached as ``text/calendar; method=REQUEST``
            (``invitation.ics``), so mail programs offer to add the interview.

    Raises:
        ValueError: if ``to`` or ``subject`` holds a line break (header injection).
    """
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER") or DEFAULT_SENDER
    message["To"] = to
    message["Subject"] = plain_spaces(subject)
    message.set_content(plain_spaces(body))  # »kl. 12.00« from a page's text: a plain space
    if ics:
        message.add_attachment(ics, subtype="calendar", params={"method": "REQUEST"},
                               filename="invitation.ics")
    return message


def mail_configured(config: Mapping) -> bool:
    """Whether mails go out at all: without ``MAIL_SERVER`` every mail, queued or direct, is
    only written to the portal's log (:func:`deliver`). The one reading of the setting
    (review BN 14)."""
    return bool(config.get("MAIL_SERVER"))


def send(config: Mapping, message: EmailMessage, *, connect: Connect | None = None) -> str:
    """Send ``message`` through the configured SMTP server.

    Args:
        config: the app config (or any mapping with the ``MAIL_*`` keys).
        message: a complete message (From, To, Subject, body).
        connect: opens the SMTP connection; defaults to :func:`open_connection`. Tests
            inject a fake here.

    Returns:
        ``"sent"``; ``"failed"`` when the server is down, slow, refuses the login or the
        recipient (logged without secrets or body); ``"skipped"`` without ``MAIL_SERVER``.
    """
    return deliver(config, message, connect=connect)[0]


def deliver(config: Mapping, message: EmailMessage, *,
            connect: Connect | None = None) -> tuple[str, str | None]:
    """:func:`send`, also answering why a failed mail failed.

    Returns:
        ``(result, reason)``: the result as :func:`send` gives it and, when it failed, the
        exception's type and SMTP code (never the server's reply text, which can echo
        addresses or credentials); None otherwise.
    """
    if not mail_configured(config):
        _log_unsent(config, message)
        return SKIPPED, None
    try:
        with (connect or open_connection)(config) as smtp:
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # Only the exception's type and SMTP code: server replies can echo addresses or
        # credentials, and the body holds one-time links.
        code = getattr(exc, "smtp_code", "")
        log.warning("mail to %s via %s:%s failed: %s %s", message["To"],
                    config["MAIL_SERVER"], config.get("MAIL_PORT"), type(exc).__name__, code)
        return FAILED, f"{type(exc).__name__} {code}".strip()
    log.info("mail sent to %s", message["To"])
    return SENT, None


def send_later(app: Flask, message: EmailMessage, *,
               then: Callable[[str], None] | None = None) -> Future:
    """Send ``message`` in the background, then call ``then(result)``, both in an app context.

    The single worker thread sends mails one at a time, in order; a slow or dead server
    delays only later mails, never a response. With ``MAIL_SEND_INLINE`` (on by default
    when ``TESTING``) the mail is sent before this returns, so tests stay deterministic.

    Args:
        app: the real application object (``current_app._get_current_object()``).
        message: a complete message (see :func:`compose`).
        then: runs after the try with "sent", "failed" or "skipped" (e.g. writes the audit
            event); an exception from it is logged, never raised.

    Returns:
        A future holding the result of :func:`send`.
    """
    job = _Job(app, message, then)
    if app.config.get("MAIL_SEND_INLINE"):
        future: Future = Future()
        future.set_result(job())
        return future
    return _executor().submit(job)


class _Job:
    """One background send: the app context, the try, the follow-up."""

    def __init__(self, app: Flask, message: EmailMessage, then: Callable[[str], None] | None):
        self.app, self.message, self.then = app, message, then

    def __call__(self) -> str:
        with self.app.app_context():
            result = send(self.app.config, self.message)
            if self.then is not None:
                try:
                    self.then(result)
                except Exception:  # noqa: BLE001 - a worker thread has nobody to raise to
                    log.exception("after-send step for mail %r failed", self.message["Subject"])
            return result


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    # Created on first use: importing the module (CLI, indexer, tests) starts no thread.
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-mail")
        return _pool


def absolute_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` for a mail, built on ``PORTAL_URL``.

    Without ``PORTAL_URL`` the request's own host is used, which is allowed only while no
    ``MAIL_SERVER`` is set (development: the mail is only logged). A forged ``Host`` header
    must never end up in a mail that really goes out.

    Raises:
        ConfigError: if ``MAIL_SERVER`` is set but ``PORTAL_URL`` is not (start-up refuses
            that combination; this guards a config changed afterwards).
    """
    config = current_app.config
    base = portal_url(config)
    if base:
        return base + url_for(endpoint, **values)
    if mail_configured(config):
        raise ConfigError("PORTAL_URL must be set when MAIL_SERVER is set (links in mails are built on it)")
    return url_for(endpoint, _external=True, **values)


def open_connection(config: Mapping) -> smtplib.SMTP:
    """Connect (SMTPS or plain, then STARTTLS when asked) with the configured timeout.

    Raises:
        OSError, smtplib.SMTPException: if the server cannot be reached or refuses TLS.
    """
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]  # an int (portal.config's default and check)
    timeout = float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT)
    if config.get("MAIL_USE_SSL"):
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if config.get("MAIL_USE_TLS"):
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def init_app(app: Flask) -> None:
    """Let development show unsent mails on the console.

    Python's root logger drops INFO, so without this a developer running ``make run`` would
    never see the set-password link. ``portal.mail`` is a child of ``app.logger`` ("portal"),
    which Flask gives a console handler.
    """
    if app.config.get("JOBBRO_ENV") != "production" and not app.testing and not log.level:
        log.setLevel(logging.INFO)
        _ = app.logger  # creating Flask's logger attaches its console handler


def _log_unsent(config: Mapping, message: EmailMessage) -> None:
    """In production only the recipient: a subject can name a citizen ("… har svaret om <navn>"),
    and an erasure reaches the stored mail but never a log. Development shows the whole mail
    (the set-password link)."""
    if config.get("JOBBRO_ENV") == "production":
        log.warning("MAIL_SERVER is not set: a mail to %s was not sent", message["To"])
        return
    log.info("MAIL_SERVER is not set, so this mail was not sent:\nTo: %s\nSubject: %s\n\n%s",
             message["To"], message["Subject"], text_of(message))


def text_of(message: EmailMessage) -> str:
    """The plain-text body of ``message`` (also when an invitation is attached)."""
    part = message.get_body(("plain",))
    return part.get_content() if part is not None else ""
