"""Hotline notifications through :func:`portal.notifications.service.notify`.

* a company files a request → the responsible VK (``hotline_new``);
* the job centre answers → the company users who wrote in the thread (``hotline_answered``).

Both are added to the caller's transaction (the request or reply and its notification are
committed together) and the mail goes through the durable queue, so a slow or failing
mail server neither delays nor loses anything.

No mail or notification holds citizen data or the company's free text (the subject or a
message could name the person): only the company, request number, category, urgency,
target and a link.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..notifications.service import notify, path_for
from ..webhooks import events as webhook_events
from store.models import HotlineMessage, HotlineRequest, User
from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_URGENCIES
from . import sla


def request_facts(request: HotlineRequest) -> str:
    """The lines every hotline mail may say about a request: category, urgency, target.

    Deliberately no subject, message or placement: those can name or describe the citizen.
    Shared with :mod:`.reminders`.
    """
    due = sla.to_local(request.due_at).strftime("%d.%m.%Y kl. %H:%M")
    return (f"Emne: {HOTLINE_CATEGORIES[request.category]}\n"
            f"Hast: {HOTLINE_URGENCIES[request.urgency]}\n"
            f"Svarfrist: {due}\n")


def _urgency_word(request: HotlineRequest) -> str:
    return HOTLINE_URGENCIES[request.urgency].split(" ")[0]


def announce_new(request: HotlineRequest) -> bool:
    """Tell the request's assignee about it (in the caller's transaction).

    Returns:
        False when there is nobody to tell (no assignee, or the account is inactive).
    """
    recipient = db.session.get(User, request.assigned_to_id) if request.assigned_to_id else None
    if recipient is None or not recipient.active:
        return False
    link = path_for("hotline.detail", request_id=request.id)
    text = f"Ny henvendelse #{request.id} til hotline fra {request.company.name} ({_urgency_word(request)})"
    notify(recipient, "hotline_new", text, link,
           subject=f"Hotline: ny henvendelse #{request.id} ({_urgency_word(request)})",
           body=(f"Goddag {recipient.name}\n\n"
                 f"{request.company.name} har sendt en henvendelse til hotline.\n"
                 f"{request_facts(request)}\n"
                 f"Læs og svar her: {link}\n"))
    return True


def company_writers(request: HotlineRequest) -> list[User]:
    """The active users of the request's company who filed it or wrote in its thread."""
    ids = {request.created_by_id, *db.session.scalars(
        sa.select(HotlineMessage.author_id).where(HotlineMessage.request_id == request.id))}
    ids.discard(None)
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(ids), User.role == "company", User.active.is_(True),
                              User.company_id == request.company_id).order_by(User.id)))


def announce_answer(request: HotlineRequest) -> int:
    """Tell the company users who wrote that the job centre answered; returns how many."""
    link = path_for("hotline.detail", request_id=request.id)
    text = f"Jobcentret har svaret på jeres henvendelse #{request.id} til hotline"
    users = company_writers(request)
    for user in users:
        notify(user, "hotline_answered", text, link,
               subject=f"Hotline: svar på henvendelse #{request.id}",
               body=(f"Goddag {user.name}\n\n"
                     f"Jobcentret har svaret på jeres henvendelse #{request.id} til hotline.\n"
                     f"Læs svaret her: {link}\n"))
    webhook_events.hotline_answered(db.session, request)
    return len(users)
