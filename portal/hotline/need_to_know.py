"""Need-to-know for a hotline request about a placement (review AI 2).

A request about a placement names the placed citizen, and its thread may hold health details
in the company's own words (category »Helbred«, but any text can). The rule of the citizen's
skånehensyn (:mod:`portal.citizens.need_to_know`) applies to it. Its thread is shown, without
asking, to

- the request's assignee;
- the placed citizen's VK, adviser and team (:func:`portal.citizens.need_to_know.basis`);
- a consultant, while nobody can answer the request (no assignee, or a deactivated one) and it
  is not closed: the consultant is about to take it (the first reply takes it);
- while an escalated request still waits for the job centre (its target passed unanswered), the
  people the escalation asked to step in (:func:`portal.hotline.notify.escalation_recipients`):
  the assignee's consultant colleagues in its team, and administrators (asked when the assignee
  has no team or no colleague; read freely whenever it is escalated, the simpler rule; review
  AL 3: the escalation mail led every helper to the purpose step); with neither, the duty
  consultant or the fallback group it asked then (review BC 1). The first of them to answer
  takes the request over, and so reads it freely from then on as its assignee. Those asked are
  worked out from the assignee the escalation was for (``escalated_for_id``, kept when it was
  sent: :func:`portal.hotline.notify.escalated_for`), never from the current one: after
  »Overtag henvendelsen« by someone outside the case the taker reads it as its assignee, but
  the taker's team was never asked and gives a purpose (review BD 1). The take-over does not
  end the escalation: those it asked keep their free read until it is answered or closed (the
  take-over form says so), as a colleague of theirs may still be answering it.

Anyone else, an administrator included, gives a purpose first (:class:`PurposeForm`, checked
by :func:`portal.citizens.need_to_know.purpose_problem`: no CPR-like number, health word,
e-mail address, nor the citizen's name or phone). The purpose is logged with ``hotline_viewed``
(:func:`read_purpose`, fail closed) and the thread is shown for that one response; the next
visit asks again. A request without a placement names no citizen and is open to all staff.

On the staff's lists a request outside the reader's case shows its category instead of its
subject (:func:`hidden_subjects`): the subject is free text too ("Ondt efter løft").

The API (:mod:`portal.api.hotline`) has no purpose step: a job-centre token outside the case
gets the subject as null and the thread refused (403), pointing to the portal.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..citizens import need_to_know as citizen_rule
from ..extensions import db
from ..formutil import no_hidden_characters, no_nul
from ..text import clean_line
from store.models import Citizen, HotlineRequest, Placement, User
from . import notify, service
from .service import STAFF_ROLES


class PurposeForm(citizen_rule.BreakGlassForm):
    """The purpose asked before a request outside the reader's case is shown: the skånehensyn
    form's rules, in the hotline's words (its messages named skånehensyn here: review AL 5)."""

    purpose = StringField("Begrundelse for at læse henvendelsen", filters=[clean_line], validators=[
        DataRequired("Skriv, hvorfor du skal læse henvendelsen."),
        Length(max=citizen_rule.MAX_PURPOSE, message=f"Skriv begrundelsen kort: højst {citizen_rule.MAX_PURPOSE} tegn."),
        no_nul, no_hidden_characters])


def read_purpose(request: HotlineRequest, purpose: str) -> str:
    """The ``hotline_viewed`` purpose of a read through the glass: ``hotline:<id> break-glass: …``
    (also what a reply, take-over or closing through the glass logs: :func:`.service.glass_read_purpose`)."""
    return service.glass_read_purpose(request, purpose)


def purpose_problem(request: HotlineRequest, purpose: str) -> str | None:
    """Why ``purpose`` may not be logged for a read of ``request`` (Danish), or None when it may."""
    return citizen_rule.purpose_problem(purpose, request.placement.citizen)


def _inactive(user_ids: Iterable[int | None]) -> set[int]:
    """Those of ``user_ids`` that are deactivated users (none asked without ids)."""
    ids = {i for i in user_ids if i}
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(User.id).where(User.id.in_(ids), User.active.is_(False))))


def _free_without_citizen(user: User, request: HotlineRequest, inactive: set[int]) -> bool:
    """Whether ``user`` may read ``request`` without looking at its citizen."""
    if request.placement_id is None or request.assigned_to_id == user.id:
        return True
    takeable = request.assigned_to_id is None or request.assigned_to_id in inactive
    return user.role == "consultant" and request.status != "closed" and takeable


def free_ids(user: User, requests: list[HotlineRequest]) -> set[int]:
    """The ids of ``requests`` that ``user`` (staff) may read without a purpose.

    At most two statements, whatever the number of requests: the deactivated assignees and
    the citizens of the requests that need them; with escalated requests one more for their
    assignees' teams, and a few per assignee whose escalation fell back past team and
    administrators (:func:`_asked_to_help`).
    """
    if user.role not in STAFF_ROLES or not user.active:
        return set()
    inactive = _inactive(r.assigned_to_id for r in requests
                         if r.placement_id is not None and r.assigned_to_id != user.id)
    free = {r.id for r in requests if _free_without_citizen(user, r, inactive)}
    free |= _asked_to_help(user, [r for r in requests if r.id not in free])
    rest = [r.id for r in requests if r.id not in free]
    if rest:
        found = db.session.execute(
            sa.select(HotlineRequest.id, Citizen).join(Placement, Placement.id == HotlineRequest.placement_id)
            .join(Citizen, Citizen.id == Placement.citizen_id).where(HotlineRequest.id.in_(rest)))
        free |= {request_id for request_id, citizen in found if citizen_rule.basis(user, citizen)}
    return free


def _asked_to_help(user: User, requests: list[HotlineRequest]) -> set[int]:
    """The ids of ``requests`` escalated and still waiting whose escalation asked ``user`` to
    step in (:func:`.notify.escalation_recipients`), for the assignee it was sent for
    (``escalated_for_id``), not the current one (review BD 1): one statement for those
    assignees' teams, none when no request is escalated; the duty consultant and the fallback
    group, asked when such an assignee has no colleague and no other administrator exists
    (review BC 1), are worked out once per such assignee and request."""
    escalated = [r for r in requests if r.escalated_at is not None and r.status == "open"]
    if not escalated:
        return set()
    if user.role == "admin":
        return {r.id for r in escalated}
    if user.role != "consultant":
        return set()
    teams = dict(db.session.execute(sa.select(User.id, User.team_id).where(
        User.id.in_({r.escalated_for_id for r in escalated if r.escalated_for_id}))).all())
    found = {r.id for r in escalated if user.team_id is not None
             and r.escalated_for_id != user.id and teams.get(r.escalated_for_id) == user.team_id}
    first_asked: dict[int | None, tuple[User | None, bool]] = {}
    for r in escalated:
        if r.id in found or r.escalated_for_id == user.id:
            continue
        if r.escalated_for_id not in first_asked:
            assignee = db.session.get(User, r.escalated_for_id) if r.escalated_for_id else None
            first_asked[r.escalated_for_id] = (assignee, bool(notify.colleagues_or_admins(assignee)))
        assignee, asked = first_asked[r.escalated_for_id]
        if not asked and any(u.id == user.id for u in notify.stand_ins(r, assignee)):
            found.add(r.id)
    return found


def may_read(user: User, request: HotlineRequest) -> bool:
    """Whether ``user`` (staff) may read ``request``'s thread without giving a purpose."""
    return request.id in free_ids(user, [request])


def hidden_subjects(user: User, requests: Iterable[HotlineRequest]) -> set[int]:
    """The ids of ``requests`` whose subject a staff list shows as their category only."""
    requests = list(requests)
    return {r.id for r in requests} - free_ids(user, requests)
