"""Hotline notifications through :func:`portal.notifications.service.notify`.

* a company files a request → the responsible VK (``hotline_new``); with no active assignee,
  the duty consultant (:mod:`.duty`), or with nobody on duty the fallback group
  (:func:`fallback_recipients`), so a request never reaches nobody (:func:`unassigned_recipients`);
* the company writes again on it → its contact at the job centre, the assignee or else the
  responsible VK, with neither active those a new request without one reaches
  (``hotline_message``, :func:`message_recipients`), one notice per message, saying whether the
  company waits for an answer and by when;
* a colleague takes the request over (»Overtag henvendelsen«, or a reply to an escalated
  request) → the assignee until then (``hotline_taken_over``);
* the job centre answers → the company users who wrote in the thread (``hotline_answered``);
* the job centre closes it → the same users (``hotline_closed``), with the note the closer
  wrote to the company, if any.

All are added to the caller's transaction (the request or reply and its notification are
committed together) and the mail goes through the durable queue, so a slow or failing
mail server neither delays nor loses anything.

No mail or notification holds citizen data or the company's free text (the subject or a
message could name the person): only the company, request number, category, urgency,
target and a link; and the job centre's closing note to the company, which its form refuses
with the citizen's name, health, benefit, CPR number or criminal record in it
(:class:`.forms.CloseForm`).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..i18n import format_clock, format_date
from ..notifications.service import notify, path_for, shorten
from ..webhooks import events as webhook_events
from store.models import Citizen, HotlineMessage, HotlineRequest, User
from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_URGENCIES
from . import duty, sla

NOTICE_MAX = 300  # a notice's line in the portal (Notification.text)


def request_facts(request: HotlineRequest, due: datetime | None = None, *, with_due: bool = True) -> str:
    """The lines every hotline mail may say about a request: category, urgency, target.

    ``due``: the target to state when it is not the first answer's (a follow-up's own);
    ``with_due=False`` leaves the target out (a message that waits for no answer).
    Deliberately no subject, message or placement: those can name or describe the citizen.
    Shared with :mod:`.reminders`.
    """
    # »Kategori«, as the request page says: »Emne« is the company's own subject line (review BI 4).
    facts = (f"Kategori: {HOTLINE_CATEGORIES[request.category]}\n"
             f"Hast: {HOTLINE_URGENCIES[request.urgency]}\n")
    if with_due:
        local = sla.to_local(due or request.due_at)
        facts += f"Svarfrist: {format_date(local.date())} kl. {format_clock(local)}\n"
    return facts


def _urgency_word(request: HotlineRequest) -> str:
    return HOTLINE_URGENCIES[request.urgency].split(" ")[0]


def active_assignee(request: HotlineRequest) -> User | None:
    """The request's assignee, if there is one and the account is active."""
    user = db.session.get(User, request.assigned_to_id) if request.assigned_to_id else None
    return user if user is not None and user.active else None


def fallback_recipients(request: HotlineRequest, exclude: int | None = None, *,
                        escalation: bool = False) -> list[User]:
    """Who is told about a request without an active assignee, so it never reaches nobody.

    The active consultants of the teams closest to it: the placed citizen's team and the teams
    of the citizen's VK and adviser, of the company's consultant and of a deactivated assignee
    (also when those users have left: their team is still the one that knows the case); else
    every active consultant; else every active administrator. ``exclude``: a user left out of
    every group (the assignee an escalation asks others to stand in for), so a group of that
    user alone counts as empty and the next one is asked. ``escalation``: the group an
    escalation asks, for ``exclude`` as the assignee (:func:`escalated_for`), not the current
    one, whom a take-over may have changed since (review BD 1).
    """
    teams: set[int] = set()
    people = [exclude if escalation else request.assigned_to_id, request.company.consultant_id]
    if request.placement is not None:
        citizen = db.session.get(Citizen, request.placement.citizen_id)
        if citizen is not None:
            teams.add(citizen.team_id)
            people += [citizen.vk_id, citizen.adviser_id]
    people = [i for i in people if i]
    if people:
        teams |= set(db.session.scalars(sa.select(User.team_id).where(User.id.in_(people))))
    teams.discard(None)
    active = sa.select(User).where(User.active.is_(True)).order_by(User.id)
    if exclude is not None:
        active = active.where(User.id != exclude)
    consultants = active.where(User.role == "consultant")
    for query in ((consultants.where(User.team_id.in_(teams)),) if teams else ()) + (
            consultants, active.where(User.role == "admin")):
        found = list(db.session.scalars(query))
        if found:
            return found
    return []


def unassigned_recipients(request: HotlineRequest) -> list[User]:
    """Who is told about a request without an active assignee: the duty consultant alone
    (:func:`.duty.on_duty`), or with nobody on duty the fallback group (:func:`fallback_recipients`)."""
    on_duty = duty.on_duty()
    return [on_duty] if on_duty is not None else fallback_recipients(request)


def colleagues_or_admins(assignee: User | None) -> list[User]:
    """The first people an escalation asks to step in for ``assignee``: their active consultant
    colleagues in the same team; else every other active administrator (the assignee never)."""
    others = sa.select(User).where(User.active.is_(True)).order_by(User.id)
    if assignee is not None:
        others = others.where(User.id != assignee.id)
        if assignee.team_id is not None:
            colleagues = list(db.session.scalars(
                others.where(User.role == "consultant", User.team_id == assignee.team_id)))
            if colleagues:
                return colleagues
    return list(db.session.scalars(others.where(User.role == "admin")))


def stand_ins(request: HotlineRequest, assignee: User | None) -> list[User]:
    """Who an escalation asks when :func:`colleagues_or_admins` finds nobody (review BC 1: the
    only administrator, without a team, had answered and was the assignee): those a request
    without an assignee is announced to (:func:`unassigned_recipients`: the duty consultant, else
    the team closest to the case, every active consultant, the administrators), never the
    assignee."""
    exclude = assignee.id if assignee is not None else None
    on_duty = duty.on_duty()
    if on_duty is not None and on_duty.id != exclude:
        return [on_duty]
    return fallback_recipients(request, exclude=exclude, escalation=True)


def escalated_for(request: HotlineRequest) -> User | None:
    """The assignee an escalation of ``request`` asks others to stand in for: once escalated,
    the one kept when the reminder job claimed it (``escalated_for_id``, None: it had none),
    whoever has taken the request over since (review BD 1); before, the current assignee."""
    user_id = request.escalated_for_id if request.escalated_at is not None else request.assigned_to_id
    return db.session.get(User, user_id) if user_id else None


def escalation_recipients(request: HotlineRequest) -> list[User]:
    """Who is asked to step in when ``request`` is past its target: the active consultant
    colleagues in the same team of the assignee it is escalated for (:func:`escalated_for`);
    else every other active administrator; else the duty consultant or the fallback group
    (:func:`stand_ins`). Never that assignee: the mail is for the people who can step in. Empty
    only when no other active staff user exists."""
    assignee = escalated_for(request)
    return colleagues_or_admins(assignee) or stand_ins(request, assignee)


def announce_new(request: HotlineRequest) -> bool:
    """Tell the request's assignee about it, or with no active assignee the duty consultant or
    else the fallback group (:func:`unassigned_recipients`), in the caller's transaction.

    Returns:
        False when there is nobody at all to tell (no active consultant or administrator).
    """
    assignee = active_assignee(request)
    on_duty = duty.on_duty() if assignee is None else None
    recipients = [assignee] if assignee is not None else unassigned_recipients(request)
    link = path_for("hotline.detail", request_id=request.id)
    text = f"Ny henvendelse #{request.id} til hotline fra {request.company.name} ({_urgency_word(request)})"
    body = f"{request.company.name} har sendt en henvendelse til hotline.\n"
    if assignee is None:
        text += ", uden ansvarlig konsulent"
        body += "Den har ingen ansvarlig konsulent: den, der svarer først, overtager den.\n"
        if on_duty is not None:
            body += "Du får den, fordi du er vagthavende for hotline.\n"
    for recipient in recipients:
        notify(recipient, "hotline_new", text, link,
               subject=f"Hotline: ny henvendelse #{request.id} ({_urgency_word(request)})",
               body=body + request_facts(request), link_intro="Læs og svar her")
    return bool(recipients)


def message_recipients(request: HotlineRequest, contact: User | None) -> list[User]:
    """Who is told that the company wrote again: ``contact`` (the company's contact for the
    request, :func:`portal.hotline.service.contact_for`) when there is one and the account is
    active; else those a request without an assignee is announced to
    (:func:`unassigned_recipients`), so a message never reaches nobody (review BC 3)."""
    if contact is not None and contact.active:
        return [contact]
    return unassigned_recipients(request)


def announce_message(request: HotlineRequest, contact: User | None, due: datetime | None) -> list[User]:
    """Tell the company's contact for the request (or, with none, the duty consultant or the
    fallback group: :func:`message_recipients`) that the company wrote again.

    Args:
        due: the target when the request waits for an answer; None when the message was sent
            "til orientering" and the request stays answered.

    Returns:
        The users told (empty only when there is no active consultant or administrator at all).
    """
    recipients = message_recipients(request, contact)
    link = path_for("hotline.detail", request_id=request.id)
    if due is not None:
        state = "venter på svar"
        wish = f"{request.company.name} venter på svar fra jobcentret."
    else:
        state = "til orientering"
        wish = f"Beskeden er til orientering: {request.company.name} venter ikke på svar."
    text = f"Ny besked fra {request.company.name} på henvendelse #{request.id} til hotline ({state})"
    body = f"{request.company.name} har skrevet igen på henvendelse #{request.id} til hotline. {wish}\n"
    if contact is None or not contact.active:
        text += ", uden ansvarlig konsulent"
        body += "Den har ingen ansvarlig konsulent: den, der svarer først, overtager den.\n"
    for recipient in recipients:
        notify(recipient, "hotline_message", text, link,
               subject=f"Hotline: ny besked på henvendelse #{request.id} ({state})",
               body=body + request_facts(request, due, with_due=due is not None), link_intro="Læs beskeden her")
    return recipients


def announce_taken_over(request: HotlineRequest, previous: User, by: User) -> None:
    """Tell ``previous`` (the assignee until now, if active) that ``by`` took the request over,
    in the caller's transaction. No citizen data or company text, as every hotline notice."""
    if not previous.active or previous.id == by.id:
        return
    text = f"{by.name} har overtaget henvendelse #{request.id} til hotline fra {request.company.name}"
    notify(previous, "hotline_taken_over", text, path_for("hotline.detail", request_id=request.id),
           subject=f"Hotline: henvendelse #{request.id} er overtaget af {by.name}",
           body=(f"{text}. Du er ikke længere ansvarlig for den: virksomhedens nye beskeder og "
                 f"påmindelserne om svarfristen går nu til {by.name}.\n{request_facts(request, with_due=False)}"),
           link_intro="Se henvendelsen her")


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


def _tell_company(request: HotlineRequest, kind: str, text: str, *, subject: str, body: str,
                  link_intro: str) -> int:
    """Notify the company users who wrote in the request (:func:`company_writers`) of ``kind``,
    in the caller's transaction; returns how many."""
    link = path_for("hotline.detail", request_id=request.id)
    users = company_writers(request)
    for user in users:
        notify(user, kind, text, link, subject=subject, body=body, link_intro=link_intro)
    return len(users)


def announce_answer(request: HotlineRequest) -> int:
    """Tell the company users who wrote that the job centre answered; returns how many."""
    told = _tell_company(request, "hotline_answered",
                         f"Jobcentret har svaret på jeres henvendelse #{request.id} til hotline",
                         subject=f"Hotline: svar på henvendelse #{request.id}",
                         body=f"Jobcentret har svaret på jeres henvendelse #{request.id} til hotline.",
                         link_intro="Læs svaret her")
    webhook_events.hotline_answered(db.session, request)
    return told


def announce_closed(request: HotlineRequest, note: str = "") -> int:
    """Tell the company users who wrote that the job centre closed the request (in the
    caller's transaction), with the closer's ``note`` to them; returns how many. Nothing can
    be written in it any more."""
    text = f"Jobcentret har lukket jeres henvendelse #{request.id} til hotline"
    body = f"{text}. Der kan ikke skrives mere i den."
    if note:
        body += f"\n\nJobcentrets begrundelse for lukningen:\n{note}\n\n"
    else:
        body += " "
    body += "Har I brug for mere hjælp, opretter I en ny henvendelse."
    # the notice carries the note too, cut to the list's line (NOTICE_MAX)
    notice = f"{text}: »{shorten(note, NOTICE_MAX - len(text) - 4)}«" if note else text
    return _tell_company(request, "hotline_closed", notice,
                         subject=f"Hotline: henvendelse #{request.id} er lukket", body=body,
                         link_intro="Se henvendelsen her")
