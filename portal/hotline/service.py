"""Hotline requests: create, assign, reply, close and list.

Ownership is always the caller's argument (the route passes ``current_user``), never form
data. Every change is audited in the same transaction and committed here. Times come from
an injectable ``now`` so tests control the clock (see :mod:`.sla`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, name_order
from ..citizens import need_to_know as citizen_rule
from ..extensions import db
from store.models import Company, HotlineMessage, HotlineRequest, Placement, User
from ..placements.service import active_clause, company_contact, company_labels
from ..webhooks import events as webhook_events
from . import bp, notify, sla

STAFF_ROLES = ("consultant", "admin")

# When written requests are handled, from the constants the targets count with (review AI 9):
# for the hotline pages, beside the phone hours (HOTLINE_HOURS), which may be shorter.
bp.add_app_template_global(sla.office_hours_text, "hotline_office_hours")


class ClosedRequest(Exception):
    """The request is closed: no more messages."""


@dataclass(frozen=True)
class RequestData:
    """A new request's fields, already validated (see ``RequestForm``)."""

    category: str
    urgency: str
    subject: str
    message: str
    placement_id: int | None


def _active_placements(company_id: int, today: date):
    # A label shows the opening's title: read with the placements, not one statement each.
    return (sa.select(Placement).options(joinedload(Placement.opening))
            .where(Placement.company_id == company_id, active_clause(today))  # the portal's one "running"
            .order_by(Placement.id))


def placement_label(placement: Placement, today: date, company_reads: bool) -> str:
    """The placement as the company knows it (see :func:`portal.placements.service.company_labels`)."""
    return company_labels([placement], today, "company: hotline request", audit_reads=company_reads)[placement.id]


def placement_labels(requests: list[HotlineRequest], today: date, company_reads: bool) -> dict[int, str | None]:
    """Request id → its placement's label (:func:`placement_label`; None without a placement)
    for a whole list: the names read once, and with ``company_reads`` every name shown logged
    first, one "identity_viewed" per request as :func:`placement_label` logs it, all in one
    transaction (fail closed: :class:`~portal.audit.AuditWriteError` and no label at all).
    Load the requests with their placements and openings (:data:`WITH_PLACEMENT`)."""
    labels = company_labels([r.placement for r in requests if r.placement is not None], today,
                            "company: hotline requests", audit_reads=company_reads)
    return {r.id: labels[r.placement.id] if r.placement is not None else None for r in requests}


# Loader option for a list of requests whose placement labels are shown (:func:`placement_labels`).
WITH_PLACEMENT = selectinload(HotlineRequest.placement).joinedload(Placement.opening)


def placement_options(company_id: int, today: date) -> list[tuple[str, str]]:
    """(value, label) pairs of the company's active placements for the request form."""
    placements = list(db.session.scalars(_active_placements(company_id, today)))
    labels = company_labels(placements, today, "company: hotline form")
    return sorted(((str(p.id), labels[p.id]) for p in placements), key=lambda option: name_order.sort_key(option[1]))


def responsible_user_id(company: Company, placement: Placement | None) -> int | None:
    """The responsible VK: the placed citizen's VK, else the company's consultant, else nobody;
    a deactivated one is skipped (:func:`~portal.placements.service.company_contact`), so a new
    request goes to someone who can answer it, or to everyone as unassigned."""
    user = company_contact(company, placement)
    return user.id if user else None


def contact_for(company: Company, request: HotlineRequest | None = None) -> User | None:
    """The consultant a company sees as its contact: the request's assignee, else the responsible VK."""
    if request is not None and request.assigned_to_id:
        assignee = db.session.get(User, request.assigned_to_id)
        if assignee is not None and assignee.active:
            return assignee
    return company_contact(company, request.placement if request is not None else None)


def create_request(author: User, data: RequestData, now: datetime | None = None) -> HotlineRequest:
    """File a request for ``author``'s company, with its first message, target and assignee.

    The assignee is notified (``hotline_new``, mail through the queue) in the same commit.

    Raises:
        LookupError: if ``data.placement_id`` is not an active placement of the author's company.
    """
    now = sla.as_utc(now or sla.utc_now())
    company = db.session.get(Company, author.company_id)
    placement = None
    if data.placement_id is not None:
        placement = db.session.scalar(_active_placements(author.company_id, now.date())
                                      .where(Placement.id == data.placement_id))
        if placement is None:
            raise LookupError("not an active placement of this company")
    request = HotlineRequest(
        company_id=company.id, placement_id=placement.id if placement else None,
        category=data.category, urgency=data.urgency, subject=data.subject, status="open",
        assigned_to_id=responsible_user_id(company, placement), created_by_id=author.id,
        created_at=now, due_at=sla.due_at(now, data.urgency))
    request.messages.append(HotlineMessage(author_id=author.id, body=data.message, created_at=now))
    db.session.add(request)
    db.session.flush()
    citizen_id = placement.citizen_id if placement else None
    audit.record("hotline_request_created", citizen_id=citizen_id, purpose=f"hotline:{request.id}")
    assignee = f"user:{request.assigned_to_id}" if request.assigned_to_id else "unassigned"
    audit.record("hotline_assigned", citizen_id=citizen_id, purpose=f"hotline:{request.id} {assignee}")
    notify.announce_new(request)
    webhook_events.hotline_created(db.session, request)
    db.session.commit()
    return request


def _citizen_id(request: HotlineRequest) -> int | None:
    return request.placement.citizen_id if request.placement else None


OUTSIDE_CASE = "outside_case"  # the audit word of an act by staff outside the citizen's case


def glass_read_purpose(request: HotlineRequest, purpose: str) -> str:
    """The ``hotline_viewed`` purpose of a read through the glass: ``hotline:<id> break-glass: …``
    (:func:`portal.hotline.need_to_know.read_purpose`)."""
    return f"hotline:{request.id} {citizen_rule.glass_purpose(purpose)}"


def _record_glass(request: HotlineRequest, purpose: str) -> str:
    """For an act by staff outside the case, through the glass (``purpose``, already checked by
    :func:`portal.hotline.need_to_know.purpose_problem`): its purpose logged as a read through
    the glass (``hotline_viewed``, ``break-glass: …``) in the caller's transaction, so the act
    and its justification are committed together or not at all (review BD 2: the route checked
    the purpose and dropped it). Returns the word the act's own audit row ends with ("" for
    none: no purpose, an act inside the case)."""
    if not purpose:
        return ""
    audit.record("hotline_viewed", citizen_id=_citizen_id(request), purpose=glass_read_purpose(request, purpose))
    return f" {OUTSIDE_CASE}"


def add_message(request: HotlineRequest, author: User, body: str, now: datetime | None = None, *,
                awaits_answer: bool = True, purpose: str = "") -> HotlineMessage:
    """Add ``body`` to the thread, in one commit with its audit and notification.

    A consultant's first reply sets ``first_response_at`` (once) and takes an unassigned
    request; a reply that ends a follow-up wait (``waiting_since``) keeps when it came and that
    wait's target (``follow_up_answered_at``, ``follow_up_due_at``); every staff reply sets
    status answered and notifies the company users who wrote in the thread (``hotline_answered``).

    A staff reply to a request that is escalated and still waits (its target passed unanswered,
    so colleagues were asked to step in) takes it over from the assignee, who is told (review BC
    2: the colleague who stepped in otherwise lost the thread, and the company's next message
    went to the absent assignee); see :func:`_set_first_response`.

    Every company message notifies the company's contact for the request
    (:func:`contact_for`: the assignee, else the responsible VK; with neither active, the duty
    consultant or the fallback group, :func:`told_of_message`; ``hotline_message``, in the
    portal and by mail per their settings). The company says itself whether it waits for an
    answer (``awaits_answer``; no guessing from the text): on an answered request, True puts
    it back on the consultant's "Venter på svar" list with a target of its own, counted by
    the request's urgency from this message (:func:`rows`); False ("kun til orientering")
    leaves it answered, marked "Ny besked" on the consultant's list until someone replies or
    closes it. On a request that already waits, the message changes neither status nor target.
    ``due_at`` and ``first_response_at`` stay as they were: they measure the first answer.

    ``purpose``: a staff reply from outside the citizen's case, through the glass: logged with
    the reply (:func:`_record_glass`; ``hotline_replied`` then ends with ``outside_case``).

    Raises:
        ClosedRequest: if the request is closed.
    """
    if request.status == "closed":
        raise ClosedRequest()
    now = sla.as_utc(now or sla.utc_now())
    message = HotlineMessage(author_id=author.id, body=body, created_at=now)
    request.messages.append(message)
    if author.role in STAFF_ROLES:
        _set_first_response(request, author, now)
        if request.waiting_since is not None and request.status == "open":
            request.follow_up_answered_at = now
            request.follow_up_due_at = sla.due_at(request.waiting_since, request.urgency)
        request.status = "answered"
        request.waiting_since = None
        outside = _record_glass(request, purpose)
        audit.record("hotline_replied", citizen_id=_citizen_id(request), purpose=f"hotline:{request.id}{outside}")
        notify.announce_answer(request)
        db.session.commit()
        return message
    if request.status == "answered" and awaits_answer:
        request.status, request.waiting_since = "open", now  # the new target counts from here
        # this wait is reminded and escalated anew (for whoever is the assignee then)
        request.reminded_at = request.escalated_at = request.escalated_for_id = None
    db.session.flush()  # the message's id and the new state, for the target below
    audit.record("hotline_follow_up", citizen_id=_citizen_id(request), purpose=f"hotline:{request.id}")
    waiting = request.status == "open"
    due = rows([request], now)[0].due if waiting else None
    notify.announce_message(request, contact_for(request.company, request), due=due)  # the flash: told_of_message
    webhook_events.hotline_message(db.session, request, awaits_answer=waiting, due_at=due)
    db.session.commit()
    return message


def _set_first_response(request: HotlineRequest, author: User, now: datetime) -> None:
    """Set the first response time and take the request when nobody can answer it (none, or a
    deactivated assignee: :func:`_unassigned`), each only once; or take it over from the
    assignee when it is escalated and still waits (:func:`_take_over_answered`).

    Conditional UPDATEs, so two consultants answering at the same moment cannot both
    become "first": the database decides, not the objects each request loaded.
    """
    table = HotlineRequest.__table__
    db.session.execute(sa.update(table).where(table.c.id == request.id, table.c.first_response_at.is_(None))
                       .values(first_response_at=now))
    inactive = sa.select(User.id).where(User.active.is_(False))
    taken = db.session.execute(
        sa.update(table).where(table.c.id == request.id, sa.or_(table.c.assigned_to_id.is_(None),
                                                                table.c.assigned_to_id.in_(inactive)))
        .values(assigned_to_id=author.id))
    if taken.rowcount:
        audit.record("hotline_assigned", citizen_id=_citizen_id(request),
                     purpose=f"hotline:{request.id} user:{author.id} answered")
    else:
        _take_over_answered(request, author)
    db.session.refresh(request, ["first_response_at", "assigned_to_id"])


def _take_over_answered(request: HotlineRequest, author: User) -> None:
    """A reply by someone else than the assignee to an escalated request that still waits
    (``escalated_at`` set, status open: the reminder job asked colleagues to step in) makes its
    author the assignee, and the assignee until then is told (``hotline_taken_over``). The
    one who stepped in keeps the thread: the company's next message, the flash it sees and the
    reminders of a new wait go to them. One conditional UPDATE on the assignee read: of two
    answering at once, the first one's reply ends the wait and only it takes the request."""
    table = HotlineRequest.__table__
    previous = db.session.scalar(sa.select(table.c.assigned_to_id).where(table.c.id == request.id))
    if previous is None or previous == author.id:
        return
    moved = db.session.execute(
        sa.update(table).where(table.c.id == request.id, table.c.assigned_to_id == previous,
                               table.c.status == "open", table.c.escalated_at.is_not(None))
        .values(assigned_to_id=author.id))
    if moved.rowcount:
        _record_take_over(request, previous, author, "reply_escalated")


def _record_take_over(request: HotlineRequest, previous: int | None, by: User, how: str) -> None:
    """Audit a take-over and tell the assignee until then (in the caller's transaction)."""
    before = f"fra user:{previous} " if previous is not None else ""
    audit.record("hotline_taken_over", citizen_id=_citizen_id(request),
                 purpose=f"hotline:{request.id} {before}til user:{by.id} {how}")
    old = db.session.get(User, previous) if previous is not None else None
    if old is not None:
        notify.announce_taken_over(request, old, by)


class AlreadyAssignee(Exception):
    """The user taking the request over is its assignee already."""


def take_over(request: HotlineRequest, user: User, purpose: str = "") -> int | None:
    """»Overtag henvendelsen«: make ``user`` (staff) the request's assignee, audited
    (``hotline_taken_over``) and the assignee until then told (``hotline_taken_over``), in one
    commit. The company then sees ``user`` as its contact, and its next message, the flash
    about it and the reminders go to ``user``. Nothing else changes: status, targets and
    markers stay; an escalation stays the one sent, for the assignee it was sent for
    (``escalated_for_id``), so ``user``'s team is not asked by it (review BD 1). The caller
    checks that ``user`` may read the thread (:mod:`.need_to_know`).

    ``purpose``: the purpose ``user`` gave outside the citizen's case (checked by the caller):
    the take-over grants lasting access, so its justification is logged with it, in the same
    commit (:func:`_record_glass`: a ``hotline_viewed`` read through the glass, and the
    ``hotline_taken_over`` row ends with ``outside_case``; review BD 2).

    Returns:
        The id of the assignee until now (None: it had none).

    Raises:
        ClosedRequest: if the request is closed.
        AlreadyAssignee: if ``user`` is the assignee already.
        ValueError: if ``user`` is no consultant or administrator.
    """
    if user.role not in STAFF_ROLES:
        raise ValueError("only a consultant or administrator takes a request over")
    table = HotlineRequest.__table__
    for _ in range(3):  # the assignee read, then changed only if still that one
        status, previous = db.session.execute(
            sa.select(table.c.status, table.c.assigned_to_id).where(table.c.id == request.id)).one()
        if status == "closed":
            db.session.rollback()
            raise ClosedRequest()
        if previous == user.id:
            db.session.rollback()
            raise AlreadyAssignee()
        same = table.c.assigned_to_id.is_(None) if previous is None else table.c.assigned_to_id == previous
        moved = db.session.execute(sa.update(table).where(table.c.id == request.id, table.c.status != "closed", same)
                                   .values(assigned_to_id=user.id))
        if moved.rowcount:
            _record_take_over(request, previous, user, "taken_over" + _record_glass(request, purpose))
            db.session.commit()
            db.session.refresh(request, ["assigned_to_id"])
            return previous
    db.session.rollback()
    raise RuntimeError("the request's assignee kept changing")


def told_of_message(request: HotlineRequest) -> list[User]:
    """Who is told when the company writes in ``request`` (:func:`.notify.message_recipients`
    for :func:`contact_for`): what the company's flash and thread say."""
    return notify.message_recipients(request, contact_for(request.company, request))


def close_request(request: HotlineRequest, now: datetime | None = None, *, by: User | None = None,
                  note: str = "", purpose: str = "") -> bool:
    """Close the request; False if it already was closed (then ``note`` is not kept either:
    the caller still has it, to show).

    When the job centre closes it (``by`` a consultant or administrator; by default the user
    logged in, and a job without one counts as the job centre), the company users who wrote in
    it are told (``hotline_closed``, in the same commit, carrying ``note``): they can no longer
    write in it; the company's webhooks and the job centre's get ``hotline.closed`` with ``note``
    (``closed_by`` ``jobcenter``). When the company closes it, only the job centre's webhooks get
    ``hotline.closed`` (``closed_by`` ``company``, no note; review AX 2). ``note``: the closer's
    note to the company (validated by ``CloseForm``), kept in the thread as an entry of kind
    "closing_note" with its author and time.

    Closing is one conditional UPDATE, so of two closing at the same moment one closes it and
    the other is told it already was closed (and its note is not added after the closing).

    ``purpose``: staff closing from outside the citizen's case, through the glass: logged with
    the closing (:func:`_record_glass`; ``hotline_closed`` then ends with ``outside_case``).

    Raises:
        ValueError: for a note without a staff user closing (only the job centre writes one).
    """
    if request.status == "closed":
        return False
    now = sla.as_utc(now or sla.utc_now())
    closer = by if by is not None else _logged_in()
    if note and (closer is None or closer.role not in STAFF_ROLES):
        raise ValueError("only a consultant or administrator writes a closing note")
    table = HotlineRequest.__table__
    closed = db.session.execute(sa.update(table).where(table.c.id == request.id, table.c.status != "closed")
                                .values(status="closed", closed_at=now))
    if not closed.rowcount:
        db.session.rollback()
        return False
    db.session.refresh(request, ["status", "closed_at"])
    what = f"hotline:{request.id}"
    if note:
        message = HotlineMessage(author_id=closer.id, body=note, created_at=now, kind="closing_note")
        request.messages.append(message)
        db.session.flush()
        what += f" message:{message.id}"
    what += _record_glass(request, purpose)
    audit.record("hotline_closed", citizen_id=_citizen_id(request), purpose=what)
    by_company = closer is not None and closer.role not in STAFF_ROLES
    if not by_company:
        notify.announce_closed(request, note)
    # the job centre hears of the company's own close too (review AX 2), the company never
    webhook_events.hotline_closed(db.session, request, note, by_company=by_company)
    db.session.commit()
    return True


def closing_note(request: HotlineRequest) -> HotlineMessage | None:
    """The job centre's note written when it closed ``request``, if any."""
    return next((m for m in request.messages if m.kind == "closing_note"), None)


def _logged_in() -> User | None:
    """The user of the current web or API request, if any (the one the audit records)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def list_for_company(company_id: int) -> list[HotlineRequest]:
    """The company's requests: not closed first, newest first."""
    closed_last = sa.case((HotlineRequest.status == "closed", 1), else_=0)
    return list(db.session.scalars(
        sa.select(HotlineRequest).where(HotlineRequest.company_id == company_id)
        .order_by(closed_last, HotlineRequest.created_at.desc(), HotlineRequest.id.desc())
    ))


def _unassigned() -> sa.ColumnElement[bool]:
    """SQL: the request has no assignee who can answer it: none, or a deactivated user (a
    consultant who left must not take their waiting requests off every list)."""
    return sa.or_(HotlineRequest.assigned_to_id.is_(None),
                  HotlineRequest.assigned_to_id.in_(sa.select(User.id).where(User.active.is_(False))))


STAFF_LIST_LIMIT = 200  # rows a staff list of open or answered requests shows; beyond, the page says how many


def _staff_query(user: User, show_all: bool, status: str, assignee_id: int | None,
                 company_id: int | None) -> sa.Select:
    query = sa.select(HotlineRequest).where(HotlineRequest.status == status)
    if company_id is not None:
        query = query.where(HotlineRequest.company_id == company_id)
    if assignee_id is not None:
        query = query.where(HotlineRequest.assigned_to_id == assignee_id)
    elif not show_all:
        query = query.where(sa.or_(HotlineRequest.assigned_to_id == user.id, _unassigned()))
    return query


def list_for_staff(user: User, show_all: bool = False, status: str = "open",
                   limit: int = STAFF_LIST_LIMIT, assignee_id: int | None = None,
                   company_id: int | None = None) -> list[HotlineRequest]:
    """Requests in ``status``: the user's own and unassigned ones (those assigned to a
    deactivated user count as unassigned), or everyone's; with ``assignee_id``, exactly those
    assigned to that user (active or not); with ``company_id``, only that company's. At most
    ``limit`` (:func:`count_for_staff` counts them all).

    Waiting requests ("open") come by due time, nearest first, since the target is what
    matters; answered ones newest reply first (they wait for the company to close them).
    """
    # The list shows each request's company: read them all in one more statement.
    query = (_staff_query(user, show_all, status, assignee_id, company_id)
             .options(selectinload(HotlineRequest.company)))
    order = ((HotlineRequest.due_at, HotlineRequest.id) if status == "open"
             else (HotlineRequest.first_response_at.desc(), HotlineRequest.id.desc()))
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def count_for_staff(user: User, show_all: bool = False, status: str = "open", assignee_id: int | None = None,
                    company_id: int | None = None) -> int:
    """How many requests :func:`list_for_staff` would list without its limit (one ``COUNT``)."""
    query = _staff_query(user, show_all, status, assignee_id, company_id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def active_user(user_id: int | None) -> bool:
    """Whether ``user_id`` is a user whose account is active (False for None or unknown)."""
    return bool(user_id) and bool(db.session.scalar(sa.select(User.active).where(User.id == user_id)))


def user_names(ids, mark_inactive: bool = False) -> dict[int, str]:
    """Display names of the users with ``ids`` (authors and assignees in the views);
    ``mark_inactive`` (the staff's views) adds "(deaktiveret)" to a deactivated user's name."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    found = db.session.execute(sa.select(User.id, User.name, User.active).where(User.id.in_(ids)))
    return {uid: f"{name} (deaktiveret)" if mark_inactive and not active else name for uid, name, active in found}


@dataclass(frozen=True)
class RequestRow:
    """A request with what the lists show about its service target.

    ``due`` is the target shown: the first answer's (``due_at``), or for a request the
    company put back to waiting after an answer, one counted from that message
    (``follow_up``). ``new_message``: an answered request whose last message is the company's
    (sent "til orientering").

    ``in_time`` / ``response``: the first answer against ``due_at`` (``response`` in office
    time before or after the target, :func:`.sla.response_text`, e.g. "2 timer før fristen").
    ``latest_in_time`` / ``latest_response``: the same for the latest follow-up wait the job
    centre answered (None when there was none).
    """

    request: HotlineRequest
    overdue: bool
    in_time: bool | None
    response: str
    due: datetime
    follow_up: bool = False
    new_message: bool = False
    latest_in_time: bool | None = None
    latest_response: str | None = None


def rows(requests: list[HotlineRequest], now: datetime | None = None, *, by_due: bool = False) -> list[RequestRow]:
    """Decorate ``requests`` with target, overdue flag, target met and response time in Danish;
    ``by_due`` sorts them by the target shown, nearest first. A query more for the requests
    that were answered (their last message); none per row."""
    now = sla.as_utc(now or sla.utc_now())
    last = _last_messages([r.id for r in requests if r.first_response_at and r.status != "closed"])
    since = _waiting_since([r for r in requests if r.first_response_at and r.status == "open"])
    found = []
    for r in requests:
        _, by_company = last.get(r.id, (None, False))
        follow_up = r.id in since
        due = sla.due_at(since[r.id], r.urgency) if follow_up else sla.as_utc(r.due_at)
        overdue = (now > due) if follow_up else sla.is_overdue(r.due_at, r.first_response_at, r.status, now)
        latest = r.follow_up_answered_at is not None and r.follow_up_due_at is not None
        found.append(RequestRow(
            r, overdue, sla.answered_in_time(r.due_at, r.first_response_at),
            sla.response_text(r.due_at, r.first_response_at), due, follow_up,
            r.status == "answered" and by_company,
            sla.answered_in_time(r.follow_up_due_at, r.follow_up_answered_at) if latest else None,
            sla.response_text(r.follow_up_due_at, r.follow_up_answered_at) if latest else None))
    return sorted(found, key=lambda row: row.due) if by_due else found


def _last_messages(request_ids: list[int]) -> dict[int, tuple[datetime, bool]]:
    """Per request, its last message's time and whether a company user wrote it."""
    if not request_ids:
        return {}
    latest = (sa.select(sa.func.max(HotlineMessage.id)).where(HotlineMessage.request_id.in_(request_ids))
              .group_by(HotlineMessage.request_id))
    found = db.session.execute(
        sa.select(HotlineMessage.request_id, HotlineMessage.created_at, User.role)
        .join(User, User.id == HotlineMessage.author_id).where(HotlineMessage.id.in_(latest)))
    return {request_id: (sla.as_utc(created), role not in STAFF_ROLES) for request_id, created, role in found}


def _waiting_since(requests: list[HotlineRequest]) -> dict[int, datetime]:
    """Per answered request that waits again ("open"), when the company's message that put it
    back was written (``waiting_since``: set by :func:`add_message`, filled for older requests
    by migrations 0016 and 0017)."""
    return {r.id: sla.as_utc(r.waiting_since) for r in requests if r.waiting_since is not None}
