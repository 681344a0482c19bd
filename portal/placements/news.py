"""Tell a company that the job centre started, ended or cancelled one of its placements.

The same events go to integrators as webhooks (``placement.started``, ``placement.ended``);
:func:`announce_started` and :func:`announce_ended` tell every active user of the placement's
company in the portal and by mail, in the transaction that records the change (the caller
commits), linking to the placement's page (review W 9: a company learned only from »Forløb«
when to start and stop logging hours).

A notice is kept after the consent behind a shared name has ended, so it names the placement
as a company sees it before the identity is released (title and start, and its number), never
the citizen: the placement's page shows the name while the company may see it.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..i18n import format_date
from store import clock
from store.models import Placement, User
from store.models.vocab import CANCELLED, END_REASONS
from ..notifications.service import notify, path_for
from .service import neutral_label


def _company_users(placement: Placement) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.company_id == placement.company_id, User.role == "company", User.active.is_(True))
        .order_by(User.id)))


def _tell(placement: Placement, kind: str, text: str, further: str, subject: str, dedupe: str | None) -> int:
    link = path_for("placements.detail", placement_id=placement.id)
    told = 0
    for recipient in _company_users(placement):
        if notify(recipient, kind, text, link, subject=subject, body=f"{text}\n\n{further}",
                  dedupe_key=f"{dedupe}:{recipient.id}" if dedupe else None):
            told += 1
    return told


def _label(placement: Placement) -> str:
    return f"forløb nr. {placement.id} ({neutral_label(placement)})"


def started_notice(placement: Placement) -> str:
    """The one-line notice of a start."""
    return f"Jobcentret har startet {_label(placement)}."


def _ends_ahead(placement: Placement, today: date | None) -> bool:
    """The end is registered ahead: the placement runs until that day (:func:`.service.is_active`)."""
    return placement.end_date is not None and placement.end_date > (today or clock.today())


def ended_notice(placement: Placement, corrected: bool = False, today: date | None = None) -> str:
    """The one-line notice of an end, a corrected end or a cancellation: what happened, when,
    and the outcome in a sentence of its own (review AD 1). An end registered ahead is told as
    the day it will end, not as ended (review AH 5): the placement runs until then."""
    if placement.end_reason == CANCELLED:
        return f"Jobcentret har aflyst {_label(placement)}. Forløbet blev ikke til noget."
    reason = END_REASONS.get(placement.end_reason or "", "")
    outcome = f" Udfald: {reason[:1].lower()}{reason[1:]}." if reason else ""
    when = format_date(placement.end_date) if placement.end_date else ""
    if corrected:
        end = f" Slutdato: {when}." if when else ""
        if _ends_ahead(placement, today):
            end = f" Forløbet slutter {when} og kører indtil da."
        return f"Jobcentret har rettet afslutningen af {_label(placement)}.{end}{outcome}"
    if _ends_ahead(placement, today):
        return f"Jobcentret har registreret, at {_label(placement)} slutter {when}.{outcome}"
    return f"Jobcentret har afsluttet {_label(placement)}{f' den {when}' if when else ''}.{outcome}"


def ended_subject(placement: Placement, corrected: bool = False, today: date | None = None) -> str:
    """The mail's short subject for :func:`ended_notice` (the notice itself is the mail's text)."""
    if placement.end_reason == CANCELLED:
        return f"Forløb nr. {placement.id} er aflyst"
    if corrected:
        return f"Afslutningen af forløb nr. {placement.id} er rettet"
    if _ends_ahead(placement, today):
        return f"Forløb nr. {placement.id} slutter {format_date(placement.end_date)}"
    return f"Forløb nr. {placement.id} er afsluttet"


def announce_started(placement: Placement) -> int:
    """Queue a ``placement_started`` notice (and mail) for each active company user; never
    commits. Returns how many were told."""
    return _tell(placement, "placement_started", started_notice(placement),
                 "Registrér forløbets timer for hver måned under Forløb i portalen.",
                 f"Forløb nr. {placement.id} er startet", f"placement_started:{placement.id}")


def announce_ended(placement: Placement, *, corrected: bool = False, today: date | None = None) -> int:
    """Queue a ``placement_ended`` notice (and mail) for each active company user; never
    commits. Returns how many were told. ``today`` (default: Copenhagen's) tells an end
    registered ahead from one that has come."""
    if placement.end_reason == CANCELLED:
        further = "Der skal ikke registreres timer for forløbet."
    else:
        further = "Registrér timerne til og med slutdatoen under Forløb i portalen."
    return _tell(placement, "placement_ended", ended_notice(placement, corrected, today), further,
                 ended_subject(placement, corrected, today), None)
