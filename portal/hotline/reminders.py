"""Hotline reminders and escalation: the ``flask --app portal hotline-reminders`` cron job.

Run every 15 minutes. For every request that waits for an answer (open: without a first
response, or put back to waiting by the company, whose target then counts from that message,
:func:`.sla.current_due`):

* **reminder**: its target is less than ``HOTLINE_REMIND_BEFORE_MINUTES`` of office time away
  (:func:`.sla.remind_at`: a target at 08:00 is reminded the working day before, that long
  before closing, not in the night), so the assignee (none active: the duty consultant, or the
  fallback group, :func:`.notify.unassigned_recipients`) gets one mail, "Svarfristen udløber kl. HH:MM";
* **escalation**: its target has passed, so the assignee's active team colleagues (or, with
  no team or no colleague, every other active administrator; with none of those either, the
  duty consultant or the fallback group, :func:`.notify.escalation_recipients`) get one mail,
  "Henvendelse #N er over svarfristen", and the consultant's lists show "Eskaleret". The first
  of them to answer takes the request over (:func:`.service.add_message`).

Each wait is reminded and escalated once: the markers (``reminded_at``, ``escalated_at`` with
``escalated_for_id``) are cleared when the company puts an answered request back to waiting (``service.add_message``).

Exactly once: before mailing, a run *claims* the request with a conditional UPDATE
(``reminded_at``/``escalated_at`` from NULL to now; an escalation also keeps the assignee it is
for, ``escalated_for_id``, so who was asked stays the same after a take-over) and commits; only the run whose UPDATE
changed the row sends, so overlapping runs never both mail. If no mail went out (mail server
down, every address refused) the claim is released again, so the next run retries and the
"Eskaleret" marker never claims an escalation nobody received. If there is nobody at all to
mail (no other active consultant or administrator), the wait is given up: the claim stays and
the access log gets one ``no_recipient`` row (»Ingen modtager«, shown to administrators among
the problems), not one every 15 minutes.

Mails hold no citizen data and none of the company's free text (see
:func:`.notify.request_facts`). Every outcome is logged and audited (``hotline_reminder``,
``hotline_escalation``); one request's failure never stops the run.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Callable

import sqlalchemy as sa
from flask import current_app, has_request_context

from .. import audit, mail
from ..extensions import db
from ..i18n import format_clock, format_date
from ..notifications.service import mail_body
from store.models import HotlineRequest, User
from . import notify, sla

log = logging.getLogger(__name__)

BATCH = 200  # per kind and run: a backlog drains over a few runs instead of one long one
_table = HotlineRequest.__table__


@dataclass(frozen=True)
class Summary:
    """What one run did: requests reminded, escalated, and failed (retried next run)."""

    reminded: int = 0
    escalated: int = 0
    failed: int = 0
    mail_off: bool = False

    def line(self) -> str:
        """The one-line summary the command prints."""
        text = f"reminded {self.reminded}, escalated {self.escalated}, failed {self.failed}"
        if self.mail_off and (self.reminded or self.escalated):
            text += " (MAIL_SERVER is not set: the mails were only logged)"
        return text


@dataclass(frozen=True)
class _Kind:
    column: str
    action: str
    recipients: Callable[[HotlineRequest], list[User]]
    build: Callable[[HotlineRequest, User, str, datetime], EmailMessage]


def run(now: datetime | None = None, *, connect: mail.Connect | None = None) -> Summary:
    """Send the reminders and escalations that are due at ``now`` (default: the clock).

    Needs an application context. Mail goes through :func:`portal.mail.send` (``connect``
    is handed on, for tests); links are built with :func:`portal.mail.absolute_url`.

    Returns:
        The counts; a request another run claimed first counts nowhere.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: if the due requests cannot be read (database down,
            locked or not migrated). Failures on single requests are logged, never raised.
    """
    now = sla.as_utc(now or sla.utc_now())
    window = timedelta(minutes=int(current_app.config["HOTLINE_REMIND_BEFORE_MINUTES"]))
    reminder_ids, escalation_ids = candidates(now, window)
    counts = {"reminded": 0, "escalated": 0, "failed": 0}
    for kind, ids, done in ((REMINDER, reminder_ids, "reminded"), (ESCALATION, escalation_ids, "escalated")):
        for request_id in ids:
            result = _process(kind, request_id, now, connect)
            if result is not None:
                counts[done if result else "failed"] += 1
    return Summary(**counts, mail_off=not mail.mail_configured(current_app.config))


def candidates(now: datetime, window: timedelta) -> tuple[list[int], list[int]]:
    """Ids of requests due for a reminder and for escalation at ``now``, nearest target first.

    A reminder is due from :func:`.sla.remind_at` (``window`` counted in office time) until the
    target; the query only narrows by a wall-clock horizon that covers any run of days off.
    """
    minutes = int(window.total_seconds() // 60)
    waiting = (sa.select(HotlineRequest.id)
               .where(HotlineRequest.status == "open", HotlineRequest.first_response_at.is_(None))
               .order_by(HotlineRequest.due_at, HotlineRequest.id).limit(BATCH))
    remind: list[int] = []
    if minutes > 0:
        near = (waiting.add_columns(HotlineRequest.due_at)
                .where(HotlineRequest.reminded_at.is_(None), HotlineRequest.due_at > now,
                       HotlineRequest.due_at <= now + _horizon(minutes)))
        remind = [i for i, due in db.session.execute(near) if sla.remind_at(due, minutes) <= now]
    escalate = waiting.where(HotlineRequest.escalated_at.is_(None), HotlineRequest.due_at < now)
    again_remind, again_escalate = _waiting_again(now, minutes)
    return remind + again_remind, list(db.session.scalars(escalate)) + again_escalate


def _horizon(minutes: int) -> timedelta:
    """A wall-clock span that holds ``minutes`` of office time from any moment: a week per five
    working days, and two weeks more for weekends and the longest runs of holidays."""
    per_week = 5 * (sla.OFFICE_CLOSES.hour - sla.OFFICE_OPENS.hour) * 60
    return timedelta(weeks=minutes // per_week + 3)


def _waiting_again(now: datetime, minutes: int) -> tuple[list[int], list[int]]:
    """As :func:`candidates`, for answered requests the company put back to waiting: their
    target is a working-hours sum from ``waiting_since`` (:func:`.sla.current_due`), worked out
    here rather than in SQL; there are few such requests at a time."""
    rows = db.session.scalars(
        sa.select(HotlineRequest).where(HotlineRequest.status == "open",
                                        HotlineRequest.first_response_at.is_not(None),
                                        HotlineRequest.waiting_since.is_not(None),
                                        sa.or_(HotlineRequest.reminded_at.is_(None),
                                               HotlineRequest.escalated_at.is_(None)))).all()
    due = sorted(((sla.current_due(r), r.id, r) for r in rows), key=lambda item: item[:2])
    remind = [i for d, i, r in due if minutes > 0 and r.reminded_at is None
              and sla.remind_at(d, minutes) <= now < d][:BATCH]
    escalate = [i for d, i, r in due if r.escalated_at is None and d < now][:BATCH]
    return remind, escalate


def _process(kind: _Kind, request_id: int, now: datetime, connect: mail.Connect | None) -> bool | None:
    """Claim, mail, audit one request: True sent, False failed (claim released, or kept when
    there is nobody to mail: given up), None taken."""
    try:
        if not _claim(kind.column, request_id, now):
            return None
        request = db.session.get(HotlineRequest, request_id)
        recipients = kind.recipients(request)
        if not recipients:
            # Nobody exists to ask (no other active staff user): given up for this wait, recorded
            # once in the access log (»Ingen modtager«), not retried every run (review BC 1).
            log.error("%s for hotline request %s: nobody to mail; not retried for this wait",
                      kind.action, request_id)
            _audit(kind.action, f"hotline:{request_id}", "no_recipient")
            return False
        link = _link(request_id)
        results = [_send(kind, request, user, link, now, connect) for user in recipients]
    except Exception as exc:  # noqa: BLE001 - one bad request must not stop the run
        db.session.rollback()
        log.error("%s for hotline request %s failed: %s", kind.action, request_id, type(exc).__name__)
        _audit(kind.action, f"hotline:{request_id}", "failed")
        return _release(kind.column, request_id, now)
    if any(result != mail.FAILED for result in results):
        return True
    log.warning("%s for hotline request %s: no mail went out; retried on the next run",
                kind.action, request_id)
    return _release(kind.column, request_id, now)


def _claim(column: str, request_id: int, now: datetime) -> bool:
    """Set ``column`` to ``now`` if still unset and the request still waits (for its first
    answer, or again); commit at once. An escalation keeps, in the same UPDATE, the assignee
    it is for (``escalated_for_id``: whom it asks others to stand in for, and so who is asked,
    :func:`.notify.escalated_for`), so a later take-over does not move it (review BD 1).

    The database decides: of two runs claiming the same request, one UPDATE changes the row.
    """
    values = {column: now}
    if column == "escalated_at":
        values["escalated_for_id"] = _table.c.assigned_to_id
    claimed = db.session.execute(
        sa.update(_table).where(_table.c.id == request_id, _table.c[column].is_(None),
                                _table.c.status == "open",
                                sa.or_(_table.c.first_response_at.is_(None), _table.c.waiting_since.is_not(None)))
        .values(values))
    db.session.commit()
    return claimed.rowcount == 1


def _release(column: str, request_id: int, now: datetime) -> bool:
    """Undo this run's claim (only its own: the value must still be ``now``). Returns False."""
    values = {column: None, **({"escalated_for_id": None} if column == "escalated_at" else {})}
    try:
        db.session.execute(sa.update(_table).where(_table.c.id == request_id, _table.c[column] == now)
                           .values(values))
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - logged; the request then stays claimed
        db.session.rollback()
        log.error("could not release the hotline claim on request %s: %s", request_id, type(exc).__name__)
    return False


def _send(kind: _Kind, request: HotlineRequest, user: User, link: str, now: datetime,
          connect: mail.Connect | None) -> str:
    """Mail one recipient and audit it; "sent", "failed" or "skipped", never raises."""
    try:
        result = mail.send(current_app.config, kind.build(request, user, link, now), connect=connect)
    except Exception as exc:  # noqa: BLE001 - e.g. a line break in an address (compose refuses)
        log.error("%s mail for hotline request %s: %s", kind.action, request.id, type(exc).__name__)
        result = mail.FAILED
    if result == mail.FAILED:
        log.warning("%s mail for hotline request %s to user %s failed", kind.action, request.id, user.id)
    _audit(kind.action, f"hotline:{request.id} user:{user.id}", "failed" if result == mail.FAILED
           else "ok" if result == mail.SENT else result)
    return result


def _audit(action: str, purpose: str, result: str) -> None:
    try:
        audit.record_now(action, purpose=purpose, result=result)
    except audit.AuditWriteError:
        log.error("audit write for %s (%s) failed", action, purpose)


def _link(request_id: int) -> str:
    # The cron job has no request; url_for needs one (PORTAL_URL supplies the address).
    if has_request_context():
        return mail.absolute_url("hotline.detail", request_id=request_id)
    with current_app.test_request_context():
        return mail.absolute_url("hotline.detail", request_id=request_id)


def reminder_recipients(request: HotlineRequest) -> list[User]:
    """The assignee, if there is one and the account is active; else those a new request
    without one is announced to: the duty consultant, or the fallback group
    (:func:`.notify.unassigned_recipients`)."""
    assignee = notify.active_assignee(request)
    return [assignee] if assignee is not None else notify.unassigned_recipients(request)


def escalation_recipients(request: HotlineRequest) -> list[User]:
    """The active consultant colleagues in the same team of the assignee the escalation is for
    (kept by the claim: :func:`.notify.escalated_for`); else every other active admin; else the
    duty consultant or the fallback group (:func:`.notify.escalation_recipients`).

    That assignee is never among them: the mail is for the people who can step in.
    """
    return notify.escalation_recipients(request)


def _deadline(request: HotlineRequest, now: datetime) -> str:
    """"kl. 16.00", with the date when the target is not on ``now``'s local day."""
    due = sla.to_local(sla.current_due(request))
    same_day = due.date() == sla.to_local(now).date()
    return f"kl. {format_clock(due)}" + ("" if same_day else f" den {format_date(due.date())}")


def build_reminder(request: HotlineRequest, recipient: User, link: str, now: datetime) -> EmailMessage:
    """The reminder to the assignee (no citizen data, no free text from the company)."""
    deadline = _deadline(request, now)
    return mail.compose(current_app.config, recipient.email,
                        f"Hotline: svarfristen for henvendelse #{request.id} udløber {deadline}", mail_body(
                            recipient,
                            f"Henvendelse #{request.id} fra {request.company.name} er ikke besvaret endnu. "
                            f"Svarfristen udløber {deadline}.\n\n"
                            f"{notify.request_facts(request, sla.current_due(request))}",
                            link, "Læs og svar her"))


def build_escalation(request: HotlineRequest, recipient: User, link: str, now: datetime) -> EmailMessage:
    """The escalation to colleagues or administrators (no citizen data, no company free text)."""
    assignee = notify.escalated_for(request)
    return mail.compose(current_app.config, recipient.email,
                        f"Hotline: henvendelse #{request.id} er over svarfristen", mail_body(
                            recipient,
                            f"Henvendelse #{request.id} er over svarfristen: {request.company.name} "
                            f"har endnu ikke fået svar fra jobcentret.\n"
                            f"Ansvarlig konsulent: {assignee.name if assignee else 'ingen'}\n"
                            f"Svarer du, overtager du henvendelsen: virksomhedens nye beskeder går så til dig"
                            f"{f', og {assignee.name} får besked' if assignee is not None and assignee.active else ''}."
                            f"\n\n{notify.request_facts(request, sla.current_due(request))}",
                            link, "Hjælp med at svare her"))


REMINDER = _Kind("reminded_at", "hotline_reminder", reminder_recipients, build_reminder)
ESCALATION = _Kind("escalated_at", "hotline_escalation", escalation_recipients, build_escalation)
