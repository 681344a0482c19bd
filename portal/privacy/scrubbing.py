"""What was written and said about a person, taken out on erasure and anonymisation alike.

Free text written *about* the person elsewhere goes: the subject and messages of hotline
requests about their placements and of those without a placement, from a company that had the
person, that name them (:func:`naming_requests`, review AU 5), consultants' decision reasons,
companies' response notes, the match explanations (matched words from the CV), consultants'
placement notes, and the reasons of the »Ingen egnede kandidater lige nu« marks, on any opening,
that name them (:func:`naming_marks`; by the same rule, :func:`names_citizen`): all blanked by
:func:`blank_free_text`. Success stories about their placements are withdrawn
(:func:`withdraw_stories`).

What the portal said about the person goes as well (:func:`clear_queues`): the notifications (and
their mails still queued) that link to the person's proposals or placements, since a company's
answer names the citizen to the consultants; a sent mail keeps its subject for the audit trail,
with the name replaced. The job centre's closing note on a hotline request about the person's
placement is taken out of the company's notices and queued mails of the closing. Webhook
deliveries not yet sent (or given up, which could be sent again) that concern the person, their
proposals, placements or hotline requests are deleted, or for a hotline event scrubbed (the
request stays), whichever endpoint they are for, so the worker never sends them; how many is
audited (``erasure_queues_cleared``), in the same transaction. The API's stored idempotent
answers about the person's proposals, placements and hotline requests are deleted
(:func:`drop_idempotent_answers`), so a repeated request can no longer replay text written
before the erasure.
"""
from __future__ import annotations

import json
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from store.models import (Citizen, HotlineMessage, HotlineRequest, MailMessage, Notification, Opening,
                          OpeningNoneSuitable, Placement, PlacementEvent, Proposal, SuccessStory, WebhookDelivery)
from store.models.api import IdempotencyRecord


ANONYMOUS_NAME = "Anonymiseret borger"


ERASED_TEXT = "[slettet af hensyn til borgerens data]"


# The notification kinds whose text (and so the mail subject) names the citizen.
NAMING_KINDS = ("company_answered",)


# API paths of the objects about a citizen that a POST can be sent to.
_API_OBJECT = re.compile(r"^/api/v1/(proposals|placements|hotline)/(\d+)(?:/|$)")


# The closing note quoted at the end of a ``hotline_closed`` notice (``portal.hotline.notify``).
_QUOTED_NOTE = re.compile(r": ».*«\Z", re.S)


def naming_requests(session: Session, citizen: Citizen) -> list[HotlineRequest]:
    """The hotline requests without a placement, from the companies that had the citizen (a
    proposal to one of their openings, or a placement), whose subject or messages hold the
    citizen's name, phone number or e-mail (review AU 5, :func:`names_citizen`). Oldest first. A request tied to a placement is the placed citizen's: erasing that
    citizen blanks it (:func:`blank_free_text`), erasing another leaves it.

    Listed on the erasure page and blanked by erasure and anonymisation, as the requests about
    the citizen's placements are.
    """
    companies = sa.union(
        sa.select(Placement.company_id).where(Placement.citizen_id == citizen.id),
        sa.select(Opening.company_id).join(Proposal, Proposal.opening_id == Opening.id)
        .where(Proposal.citizen_id == citizen.id))
    requests = session.scalars(sa.select(HotlineRequest).where(
        HotlineRequest.placement_id.is_(None), HotlineRequest.company_id.in_(companies),
        HotlineRequest.subject != ERASED_TEXT).order_by(HotlineRequest.id)).all()
    return [r for r in requests if names_citizen(r.subject, citizen)
            or any(names_citizen(m.body, citizen) for m in r.messages)]


def names_citizen(text: str, citizen: Citizen) -> bool:
    """Whether ``text`` names the citizen: holds their name, phone number or e-mail as the check
    of a text shared with a company finds the citizen's own details
    (:func:`portal.private_details.find`, kind »identity«: the whole name, two of its parts or a
    given name, the phone's digits however spaced, the e-mail). The one rule erasure and
    anonymisation find free text about the person by (:func:`naming_requests`, :func:`naming_marks`)."""
    from ..private_details import find

    return any(detail.kind == "identity" for detail in find(text, citizen))


def naming_marks(session: Session, citizen: Citizen) -> list[OpeningNoneSuitable]:
    """The »Ingen egnede kandidater lige nu« marks (:mod:`portal.candidates.none_suitable`) whose
    reason names the citizen (:func:`names_citizen`), on any opening: the consultant wrote it
    about a ranking the citizen may have been on without a proposal, so no opening is left out.
    Oldest first; a reason blanked already (by retention or an earlier erasure) is not looked at.

    Blanked by erasure and anonymisation (:func:`blank_free_text`), who marked and when kept;
    listed in the art. 15 export (:mod:`portal.admin.access_export`).
    """
    marks = session.scalars(sa.select(OpeningNoneSuitable).where(
        OpeningNoneSuitable.reason.not_in(("", ERASED_TEXT))).order_by(OpeningNoneSuitable.id)).all()
    return [mark for mark in marks if names_citizen(mark.reason, citizen)]


def blank_free_text(session: Session, citizen_id: int, named: list[int] = (), marks: list[int] = ()) -> None:
    """Blank what staff and companies wrote about the citizen; keep the rows for statistics.
    ``named``: the requests without a placement that name the citizen (:func:`naming_requests`);
    ``marks``: the none-suitable marks whose reason names them (:func:`naming_marks`), their reason
    replaced by :data:`ERASED_TEXT` (a mark still in force says so on the ranking page), who
    marked, when and who undid it kept."""
    placement_ids = sa.select(Placement.id).where(Placement.citizen_id == citizen_id)
    request_ids = sa.select(HotlineRequest.id).where(sa.or_(HotlineRequest.placement_id.in_(placement_ids),
                                                            HotlineRequest.id.in_(list(named))))
    session.execute(sa.update(HotlineMessage).where(HotlineMessage.request_id.in_(request_ids))
                    .values(body=ERASED_TEXT).execution_options(synchronize_session="fetch"))
    session.execute(sa.update(HotlineRequest).where(HotlineRequest.id.in_(request_ids))
                    .values(subject=ERASED_TEXT).execution_options(synchronize_session="fetch"))
    session.execute(sa.update(PlacementEvent).where(PlacementEvent.placement_id.in_(placement_ids))
                    .values(note="").execution_options(synchronize_session="fetch"))
    session.execute(sa.update(Proposal).where(Proposal.citizen_id == citizen_id)
                    .values(decision_reason="", company_response_note="", explanation={}, shared_goal="")
                    .execution_options(synchronize_session="fetch"))
    if marks:
        session.execute(sa.update(OpeningNoneSuitable).where(OpeningNoneSuitable.id.in_(list(marks)))
                        .values(reason=ERASED_TEXT).execution_options(synchronize_session="fetch"))


def _owned(session: Session, citizen_id: int) -> dict[str, set[int]]:
    """The ids of the citizen's proposals, placements and the hotline requests about those placements
    or naming the citizen without one (:func:`naming_requests`)."""
    placement_ids = set(session.scalars(sa.select(Placement.id).where(Placement.citizen_id == citizen_id)))
    citizen = session.get(Citizen, citizen_id)
    named = {r.id for r in naming_requests(session, citizen)} if citizen is not None else set()
    return {
        "proposals": set(session.scalars(sa.select(Proposal.id).where(Proposal.citizen_id == citizen_id))),
        "placements": placement_ids,
        "hotline": (set(session.scalars(sa.select(HotlineRequest.id).where(
            HotlineRequest.placement_id.in_(placement_ids)))) if placement_ids else set()) | named,
    }


def clear_queues(session: Session, citizen_id: int, name: str, *, user=None) -> None:
    """Take the citizen out of everything still waiting to be said: notifications and queued
    mails (:func:`_forget_messages`) and webhook deliveries (:func:`_clear_webhook_deliveries`).

    In the caller's transaction, before :func:`blank_free_text` (a hotline closing note is
    found by its text). Audited as ``erasure_queues_cleared`` (how many deliveries and mails were
    removed or scrubbed, never what they said) when anything was.
    """
    owned = _owned(session, citizen_id)
    mails = _forget_messages(session, citizen_id, name, owned)
    webhooks = _clear_webhook_deliveries(session, citizen_id, owned)
    if mails or webhooks:
        audit.record("erasure_queues_cleared", citizen_id=citizen_id, purpose=f"webhook:{webhooks} mail:{mails}",
                     user=user)


def _proposal_paths(session: Session, citizen_id: int) -> list[str]:
    """The portal paths where the citizen's proposals are handled (the links notifications carry)."""
    from ..notifications.service import path_for  # the notifications package imports much of the portal

    paths = []
    for proposal_id, opening_id in session.execute(
            sa.select(Proposal.id, Proposal.opening_id).where(Proposal.citizen_id == citizen_id)):
        for endpoint, values in (("candidates.proposal", {}), ("openings.candidate", {"opening_id": opening_id}),
                                 ("placements.start", {})):
            paths.append(path_for(endpoint, proposal_id=proposal_id, **values))
    return paths


def _placement_paths(placement_ids: set[int]) -> list[str]:
    """The portal pages of the citizen's placements (the company's and the job centre's)."""
    from ..notifications.service import path_for

    return [path_for(endpoint, placement_id=placement_id) for placement_id in sorted(placement_ids)
            for endpoint in ("placements.detail", "placements.consultant_detail")]


def _links_to(column, path: str) -> sa.ColumnElement[bool]:
    """A notification's link that is ``path`` or a page under it."""
    return sa.or_(column == path, *(column.like(path + tail + "%") for tail in "/?#"))


def _mail_links_to(path: str) -> sa.ColumnElement[bool]:
    """A mail whose body carries a link to ``path`` (or a page under it)."""
    return sa.or_(MailMessage.body.like(f"%{path}"), MailMessage.body.like(f"%{path}\n%"),
                  *(MailMessage.body.like(f"%{path}{tail}%") for tail in "/?#"))


def _forget_messages(session: Session, citizen_id: int, name: str, owned: dict[str, set[int]]) -> int:
    """Delete the notifications and queued mails about the citizen; unname the sent mails.
    Returns how many queued mails were deleted or scrubbed.

    A notification or mail is about the citizen when it links to one of their proposals (every
    notification about a candidate does) or placements. A sent mail's body is already blanked, but
    its subject can still name the person (``NAMING_KINDS``); the name is replaced there. The
    hotline requests about the placements stay (statistics), and so do their notices, which hold
    nothing of the person; only the closing note the job centre wrote to the company is taken out
    of them (:func:`_scrub_closing_notes`).
    """
    mails = 0
    for path in _proposal_paths(session, citizen_id) + _placement_paths(owned["placements"]):
        session.execute(sa.delete(Notification).where(_links_to(Notification.link, path))
                        .execution_options(synchronize_session="fetch"))
        mails += session.execute(sa.delete(MailMessage).where(MailMessage.status == "pending", _mail_links_to(path))
                                 .execution_options(synchronize_session="fetch")).rowcount or 0
    mails += _scrub_closing_notes(session, owned["hotline"])
    if name and name != ANONYMOUS_NAME:
        session.execute(sa.update(MailMessage)
                        .where(MailMessage.kind.in_(NAMING_KINDS), MailMessage.subject.contains(name, autoescape=True))
                        .values(subject=sa.func.replace(MailMessage.subject, name, ANONYMOUS_NAME))
                        .execution_options(synchronize_session="fetch"))
    return mails


def _scrub_closing_notes(session: Session, request_ids: set[int]) -> int:
    """Take the job centre's closing note out of the ``hotline_closed`` notices and queued mails
    of the requests (``portal.hotline.notify.announce_closed`` puts it in both); returns how many
    queued mails were scrubbed (the note replaced by :data:`ERASED_TEXT`) or, when the note is
    not found as written, deleted. The notice keeps its first sentence, without the note.
    """
    from ..notifications.service import path_for

    if not request_ids:
        return 0
    notes = session.execute(sa.select(HotlineMessage.request_id, HotlineMessage.body).where(
        HotlineMessage.request_id.in_(request_ids), HotlineMessage.kind == "closing_note")).all()
    mails = 0
    for request_id, note in notes:
        if not note or note == ERASED_TEXT:
            continue
        path = path_for("hotline.detail", request_id=request_id)
        for notice in session.scalars(sa.select(Notification).where(
                Notification.kind == "hotline_closed", _links_to(Notification.link, path))):
            notice.text = _QUOTED_NOTE.sub("", notice.text, count=1)
        for mail in session.scalars(sa.select(MailMessage).where(
                MailMessage.status == "pending", MailMessage.kind == "hotline_closed", _mail_links_to(path))):
            scrubbed = mail.body.replace(f":\n{note}\n", f":\n{ERASED_TEXT}\n", 1)
            if scrubbed == mail.body:
                session.delete(mail)
            else:
                mail.body = scrubbed
            mails += 1
    return mails


def drop_idempotent_answers(session: Session, citizen_id: int) -> None:
    """Delete the API's stored answers about the citizen's proposals, placements and hotline requests.

    An answer is about the citizen when its POST went to one of those objects, or when the
    answer itself is one (its ``object_id``, or ``id``/``placement_id``/``citizen_id`` in a
    stored body). A repeat of the request after this runs again, and finds nothing of the person.
    Since the API stores only the id of such an answer (``portal.api.guard.replay_by_reading``)
    a repeat would no longer bring text back; this also stops it from reaching the object again.
    """
    owned = _owned(session, citizen_id)
    doomed = []
    for record_id, path, body, object_id in session.execute(
            sa.select(IdempotencyRecord.id, IdempotencyRecord.path, IdempotencyRecord.response_body,
                      IdempotencyRecord.object_id)):
        if _about(path, body, owned, citizen_id, object_id):
            doomed.append(record_id)
    if doomed:
        session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(doomed))
                        .execution_options(synchronize_session="fetch"))


def _about(path: str, body: str, owned: dict[str, set[int]], citizen_id: int, object_id: int | None = None) -> bool:
    match = _API_OBJECT.match(path or "")
    if match and int(match.group(2)) in owned[match.group(1)]:
        return True
    area = (path or "").removeprefix("/api/v1/").split("/", 1)[0]
    if object_id is not None and area in owned and object_id in owned[area]:
        return True
    try:
        data = json.loads(body or "{}")
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    return (data.get("citizen_id") == citizen_id or data.get("placement_id") in owned["placements"]
            or (area in owned and data.get("id") in owned[area]))


# What a hotline event's payload may say of a citizen (portal.webhooks.events._hotline): set to null.
_HOTLINE_CITIZEN_FIELDS = ("placement_id", "closing_note", "citizen_id", "citizen_external_id")


def _clear_webhook_deliveries(session: Session, citizen_id: int, owned: dict[str, set[int]]) -> int:
    """Remove the citizen from the unsent webhook deliveries, every endpoint's (the companies'
    and the job centre's); returns how many were deleted or scrubbed.

    A delivery is about the citizen when its ``data`` names the citizen's id (the job centre's
    payloads), or one of their proposals (``proposal_id``: proposals and interviews), placements
    (``placement_id``) or the hotline requests about those placements (``request_id``).
    ``proposal.withdrawn`` is kept (it tells the company to delete what it has, GDPR art. 17 and
    19), with the citizen's ids null in the job centre's. A hotline
    event is scrubbed (its request stays, so the receiver still learns it was answered or closed,
    with ``placement_id``, the closing note and the citizen's ids null); any other is deleted,
    since what it reports goes with the citizen. A sent delivery's body is already blanked, so
    this finds the pending and given-up (resendable) ones; the worker never sends what was here.
    """
    rows = session.execute(sa.select(WebhookDelivery.id, WebhookDelivery.event, WebhookDelivery.payload)
                           .where(WebhookDelivery.payload != "")).all()
    doomed, scrubbed = [], {}
    for delivery_id, event_name, payload in rows:
        try:
            body = json.loads(payload)
            data = body.get("data") or {}
        except (ValueError, AttributeError):
            continue
        if not isinstance(data, dict) or not (
                data.get("citizen_id") == citizen_id or data.get("proposal_id") in owned["proposals"]
                or data.get("placement_id") in owned["placements"] or data.get("request_id") in owned["hotline"]):
            continue
        if event_name == "proposal.withdrawn":  # what tells the company to delete: kept, without the citizen
            if data.get("citizen_id") is None and data.get("citizen_external_id") is None:
                continue
            body["data"] = {**data, "citizen_id": None, "citizen_external_id": None}
            scrubbed[delivery_id] = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
        elif event_name.startswith("hotline."):
            body["data"] = {**data, **{key: None for key in _HOTLINE_CITIZEN_FIELDS if key in data}}
            scrubbed[delivery_id] = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
        else:
            doomed.append(delivery_id)
    if doomed:
        session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.id.in_(doomed))
                        .execution_options(synchronize_session="fetch"))
    for delivery_id, payload in scrubbed.items():
        session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                        .values(payload=payload).execution_options(synchronize_session="fetch"))
    return len(doomed) + len(scrubbed)


def withdraw_stories(session: Session, citizen_id: int) -> None:
    """Erasure ends the consent a success story about the citizen was published on."""
    placement_ids = sa.select(Placement.id).where(Placement.citizen_id == citizen_id)
    session.execute(sa.update(SuccessStory).where(SuccessStory.placement_id.in_(placement_ids))
                    .values(status="withdrawn").execution_options(synchronize_session="fetch"))
