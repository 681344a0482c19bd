"""E-mail to the responsible VK about a new hotline request.

The mail holds no citizen data and none of the company's free text (the subject or message
could name the person): only the company, category, urgency, target and a link. It is sent
in the background after the request is committed (:func:`queue_notification`), so a slow or
failing mail server neither delays nor loses the request: a failure is logged and audited,
and the request is on the consultant's lists anyway.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future
from email.message import EmailMessage
from typing import Mapping

from flask import Flask

from .. import audit, mail
from ..extensions import db
from store.models import HotlineRequest, User
from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_URGENCIES
from . import sla

log = logging.getLogger(__name__)


def request_facts(request: HotlineRequest) -> str:
    """The lines every hotline mail may say about a request: category, urgency, target.

    Deliberately no subject, message or placement: those can name or describe the citizen.
    Shared with :mod:`.reminders`.
    """
    due = sla.to_local(request.due_at).strftime("%d.%m.%Y kl. %H:%M")
    return (f"Emne: {HOTLINE_CATEGORIES[request.category]}\n"
            f"Hast: {HOTLINE_URGENCIES[request.urgency]}\n"
            f"Svarfrist: {due}\n")


def build_message(request: HotlineRequest, recipient: User, sender: str, link: str) -> EmailMessage:
    """The notification mail (no citizen data, no free text from the company)."""
    subject = f"Hotline: ny henvendelse #{request.id} ({HOTLINE_URGENCIES[request.urgency].split(' ')[0]})"
    return mail.compose({"MAIL_SENDER": sender}, recipient.email, subject, (
        f"Goddag {recipient.name}\n\n"
        f"{request.company.name} har sendt en henvendelse til hotline.\n"
        f"{request_facts(request)}\n"
        f"Læs og svar her: {link}\n"
    ))


def notify_assignee(request: HotlineRequest, config: Mapping, link: str) -> str:
    """Mail the request's assignee through :mod:`portal.mail`.

    Returns:
        "sent", "failed" (logged and audited, never raised), or "skipped" when there is
        no assignee or no mail server (then the message is only logged, see portal.mail).
    """
    recipient = request.assigned_to_id and db.session.get(User, request.assigned_to_id)
    if not recipient:
        return mail.SKIPPED
    message = build_message(request, recipient, config.get("MAIL_SENDER") or mail.DEFAULT_SENDER, link)
    result = mail.send(config, message)
    if result == mail.FAILED:
        log.warning("hotline mail for request %s failed", request.id)
        _audit_mail(request, "failed")
    elif result == mail.SENT:
        _audit_mail(request, "ok")
    return result


def queue_notification(app: Flask, request: HotlineRequest, link: str) -> Future | None:
    """Mail the assignee in the background (:func:`portal.mail.send_later`); None if nobody to mail.

    The message is built now, from the committed request; a slow or dead mail server then
    delays no company's response. The result is logged and audited as in
    :func:`notify_assignee`.
    """
    recipient = request.assigned_to_id and db.session.get(User, request.assigned_to_id)
    if not recipient:
        return None
    message = build_message(request, recipient, app.config.get("MAIL_SENDER") or mail.DEFAULT_SENDER, link)
    request_id, assignee_id = request.id, request.assigned_to_id

    def record(result: str) -> None:
        if result == mail.FAILED:
            log.warning("hotline mail for request %s failed", request_id)
        if result in (mail.FAILED, mail.SENT):
            _audit_ids(request_id, assignee_id, "failed" if result == mail.FAILED else "ok")

    return mail.send_later(app, message, then=record)


def _audit_mail(request: HotlineRequest, result: str) -> None:
    _audit_ids(request.id, request.assigned_to_id, result)


def _audit_ids(request_id: int, assignee_id: int | None, result: str) -> None:
    try:
        audit.record_now("hotline_mail", purpose=f"hotline:{request_id} user:{assignee_id}",
                         result=result)
    except audit.AuditWriteError:
        log.error("audit write for hotline mail %s failed", request_id)
