"""The account mails (Danish): welcome with a set-password link, a new link, a forgotten password.

They are sent at once (not through the notification queue), but end as every other mail does
(:func:`portal.notifications.service.mail_body`): signed by the job centre
(``ORGANISATION_NAME``) and marked as sent automatically.

Each mail is sent after the token is committed, through :mod:`portal.mail` (the forgotten-password
mail in the background), and every try is audited (``account_mail``, result sent/failed/skipped)
without the link.
"""
from __future__ import annotations

import functools
import logging
from concurrent.futures import Future
from email.message import EmailMessage

from flask import current_app

from .. import audit, mail
from store.models import User
from store.models.vocab import ROLES
from ..i18n import format_date
from ..notifications.service import AUTOMATIC

log = logging.getLogger(__name__)

ROLE_PHRASES = {"company": "virksomhedsbruger", "consultant": "konsulent", "admin": "administrator"}


def welcome(user: User, creator: User, link: str) -> EmailMessage:
    """The mail to a new user: who created the account, for what, the link and its expiry."""
    return _compose(user, "Din adgang til Jobbro", (
        f"Goddag {user.name}\n\n"
        f"{creator.name} har oprettet en bruger til dig i Jobbro som {_what(user)}.\n"
        f"Du logger ind med e-mailen {user.email}.\n\n"
        f"Vælg din adgangskode her (linket virker én gang):\n{link}\n\n"
        f"{_expiry(user)}\n\n"
        "Har du ikke ventet denne mail, kan du se bort fra den.\n"
    ))


def new_link(user: User, admin: User, link: str) -> EmailMessage:
    """An administrator's "Send nyt link": first set-up or an admin-initiated reset."""
    keeps = ("Din nuværende adgangskode virker, indtil du vælger en ny.\n" if user.password_hash
             else "")
    return _compose(user, "Nyt link til din adgangskode i Jobbro", (
        f"Goddag {user.name}\n\n"
        f"{admin.name} har sendt dig et nyt link til at vælge adgangskode til Jobbro "
        f"({_what(user)}, e-mail {user.email}). Tidligere links virker ikke længere.\n"
        f"{keeps}\n"
        f"Vælg din adgangskode her (linket virker én gang):\n{link}\n\n"
        f"{_expiry(user)}\n"
    ))


def forgotten(user: User, link: str, minutes: int) -> EmailMessage:
    """The answer to "Glemt adgangskode?"."""
    return _compose(user, "Vælg en ny adgangskode til Jobbro", (
        f"Goddag {user.name}\n\n"
        f"Der er bedt om et link til at vælge en ny adgangskode til Jobbro for {user.email}.\n\n"
        f"Vælg en ny adgangskode her (linket virker én gang, i {minutes} minutter):\n{link}\n\n"
        f"{_expiry(user)}\n\n"
        "Har du ikke selv bedt om det, kan du se bort fra mailen: din adgangskode er uændret.\n"
    ))


def deliver(message: EmailMessage, user: User, reason: str) -> str:
    """Send ``message`` now and audit the result; never raises.

    Returns:
        "sent", "failed" or "skipped" (see :func:`portal.mail.send`).
    """
    result = mail.send(current_app.config, message)
    _audit(f"user:{user.id} {reason}", result)
    return result


def deliver_later(message: EmailMessage, user: User, reason: str) -> Future:
    """Send ``message`` off the request path and audit the result there; never raises.

    For mails whose result the user must not learn ("Glemt adgangskode?"): the response
    neither waits for the SMTP server nor differs with it.

    Returns:
        The future of :func:`portal.mail.send_later` ("sent", "failed" or "skipped").
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return mail.send_later(app, message, then=functools.partial(_audit, f"user:{user.id} {reason}"))


def _audit(purpose: str, result: str) -> None:
    try:
        audit.record_now("account_mail", purpose=purpose, result=result)
    except audit.AuditWriteError:
        log.error("audit write for the mail (%s) failed", purpose)


def signature() -> str:
    """The sign-off every mail has: the job centre's name and the automatic-mail note."""
    sender = current_app.config.get("ORGANISATION_NAME") or "Jobcentret"
    return f"\nVenlig hilsen\n{sender}\n\n{AUTOMATIC}\n"


def _compose(user: User, subject: str, body: str) -> EmailMessage:
    return mail.compose(current_app.config, user.email, subject, body + signature())


def _what(user: User) -> str:
    role = ROLE_PHRASES.get(user.role) or ROLES[user.role].lower()
    return f"{role} for {user.company.name}" if user.company is not None else role


def _expiry(user: User) -> str:
    when = format_date(user.set_password_expires)  # "07.12.2026 kl. 12.00"
    return (f"Linket udløber den {when} (dansk tid). Er det udløbet, "
            "kan du bede om et nyt under »Glemt adgangskode?« på log ind-siden.")
