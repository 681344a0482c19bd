"""The webhook events, one function per event point, each a one-line call for the caller.

Every function queues the event through :func:`.service.emit` in the caller's session (the
caller commits). What a recipient gets:

* a **company** endpoint: ids, the opening's title, times, status and links, never a
  citizen's name, id or anything else about the person (the company reads the disclosed
  profile in the portal, where access is checked and audited);
* the **job centre**'s endpoints: the same plus the citizen's internal id and the case
  system's ``external_id``, so the case system can file the event.

``links`` holds the object's page in the portal (for that recipient) and its API URL, both on
``PORTAL_URL``; never on the Host header of the request that caused the event (anyone could
send one naming another host, and the receiver trusts a signed body). Without ``PORTAL_URL``
``links`` is empty (``{}``), and the webhook pages tell the administrator (review AS 6).

A few events concern what a company did itself and go to the job centre's endpoints only
(:data:`store.models.api.JOBCENTER_ONLY_EVENTS`: ``proposal.answered``, ``hotline.created``,
``hotline.message``; and ``hotline.closed`` when the company closed its own request). A company's endpoint hears only of its own objects (``emit``'s
``company_id``), and of a candidate only what the company is shown: ``proposal.approved`` by
ids, never the pseudonym or the profile; interview events only once the name is released.

No payload holds a pseudonym, a name or free text about the person, except ``hotline.closed``'s
``closing_note`` (the job centre's note to the company, checked by ``CloseForm``). When the
citizen is erased or anonymised, the deliveries not yet sent about them, their proposals,
placements or hotline requests are deleted, or (hotline events) scrubbed, by
:func:`portal.privacy.erasure.erase_citizen` in the same transaction.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from store import clock
from store.models import HotlineRequest, Interview, Placement, Proposal
from store.models.api import RECTIFIED_FIELDS

from ..config import portal_url
from ..notifications.service import path_for
from .service import emit

# The JSON API's resource paths (portal/api), for the "api" link of each payload.
API_PATHS = {
    "proposal": "/api/v1/proposals/{id}",
    "placement": "/api/v1/placements/{id}",
    "hotline": "/api/v1/hotline/{id}",
}


def _links(portal_path: str, kind: str | None = None, object_id: int | None = None) -> dict:
    """The portal page (and, with ``kind``, the API resource) on ``PORTAL_URL``; {} without it."""
    base = portal_url(current_app.config)  # "" when unset: then payloads carry no links
    if not base:
        return {}
    links = {"portal": base + portal_path}
    if kind is not None:
        links["api"] = base + API_PATHS[kind].format(id=object_id)
    return links


def _portal_only(links: dict) -> dict:
    return {key: value for key, value in links.items() if key == "portal"}


def _iso(moment) -> str | None:
    if moment is None:
        return None
    text = moment.isoformat()
    return text.replace("+00:00", "Z")


def _citizen(citizen) -> dict:
    return {"citizen_id": citizen.id, "citizen_external_id": citizen.external_id}


def _proposal_payloads(proposal: Proposal, data: dict) -> tuple[dict, dict]:
    company = {"data": data, "links": _links(
        path_for("openings.candidate", opening_id=proposal.opening_id, proposal_id=proposal.id),
        "proposal", proposal.id)}
    jobcenter = {"data": {**data, **_citizen(proposal.citizen)}, "links": _links(
        path_for("candidates.proposal", proposal_id=proposal.id), "proposal", proposal.id)}
    return company, jobcenter


def proposal_shared(session: Session, proposal: Proposal) -> None:
    """``proposal.shared``: the job centre shared a candidate's identity with the company."""
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "opening_title": opening.title,
            "company_id": opening.company_id, "shared_at": _iso(clock.utcnow())}
    company, jobcenter = _proposal_payloads(proposal, data)
    emit(session, "proposal.shared", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def proposal_ended(session: Session, proposal: Proposal) -> None:
    """``proposal.ended``: the job centre took a candidate the company was shown out of the
    opening (the citizen's case closed; the opening was filled or closed and the consultant
    ended the candidates still on it; or a change of the opening's requirements left the
    candidate on hold and the consultant ended it). Never the reason, for either recipient: the job
    centre's own systems know it. The company's payload links to the candidate's page only,
    which says "no longer relevant"; the API no longer gives the company the proposal."""
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "opening_title": opening.title,
            "company_id": opening.company_id, "ended_at": _iso(clock.utcnow())}
    company, jobcenter = _proposal_payloads(proposal, data)
    company["links"] = _portal_only(company["links"])
    emit(session, "proposal.ended", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def proposal_approved(session: Session, proposal: Proposal) -> None:
    """``proposal.approved``: the consultant approved a candidate for the opening, so the company
    now sees it (by pseudonym, in the portal and the API; also when a renewed decision shows it
    again). Ids only: never the pseudonym, the profile or anything else about the person."""
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "opening_title": opening.title,
            "company_id": opening.company_id, "approved_at": _iso(clock.utcnow())}
    company, jobcenter = _proposal_payloads(proposal, data)
    emit(session, "proposal.approved", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


# proposal.withdrawn's reason codes: what the company must do with what it has about the candidate.
WITHDRAWN_REASONS = {
    "withdrawn": "the citizen withdrew the consent: delete what you received",
    "erased": "the citizen's data were erased (GDPR art. 17): delete what you received",
    "anonymised": "retention anonymised the closed case and deletes its proposals: delete what you received",
    "restricted": "processing is restricted (art. 18): do not use, do not delete; "
                  "proposal.shared follows when it is lifted",
}

# The reasons for which the proposal itself goes (erasure; retention deleting an anonymised case's
# proposals, portal.privacy.coarsening.coarsen_out_of_reach): the company's link is the opening's page.
GONE_REASONS = ("erased", "anonymised")


def proposal_withdrawn(session: Session, proposal: Proposal, reason: str, *, must_delete: bool = True) -> None:
    """``proposal.withdrawn``: the company must delete what it received about the candidate, or
    (``restricted``) stop using it (GDPR art. 7(3), 17, 18, 19), sent with the notice its users
    get (:func:`portal.citizens.recipients.tell`; for ``erased`` and ``anonymised`` also to each
    company shown the candidate only by pseudonym, review AX 3). Ids and the reason code only, no name, no
    title. ``must_delete`` is False for a restriction, and for a withdrawn consent while the
    pair's placement runs (the company knows the person as its trainee; the job centre calls).
    For ``erased`` and ``anonymised`` (:data:`GONE_REASONS`: retention deletes an anonymised
    case's proposals) the candidate is gone: the company's link is the opening's page, and the
    job centre's payload names no citizen (the erasure keeps the delivery, :mod:`portal.privacy`)."""
    if reason not in WITHDRAWN_REASONS:
        raise ValueError(reason)
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "company_id": opening.company_id,
            "reason": reason, "must_delete": must_delete and reason != "restricted",
            "withdrawn_at": _iso(clock.utcnow())}
    if reason in GONE_REASONS:
        company = {"data": data, "links": _links(path_for("openings.detail", opening_id=opening.id))}
        jobcenter = {"data": {**data, "citizen_id": None, "citizen_external_id": None}, "links": {}}
    else:
        company, jobcenter = _proposal_payloads(proposal, data)
        company["links"] = _portal_only(company["links"])
    emit(session, "proposal.withdrawn", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def proposal_rectified(session: Session, proposal: Proposal, fields: list[str], *, readable: bool,
                       candidate_page: bool = True, readable_fields: list[str] | None = None) -> None:
    """``proposal.rectified``: the citizen's name, phone or e-mail (``fields``, those the company
    got) was corrected (GDPR art. 16), sent with the art. 19 notice its users get
    (:func:`portal.citizens.recipients.tell_corrected`) to each company that was given the name.
    Ids and field names only, never an old or a new value: the integrator re-reads. ``readable``:
    the company sees the candidate's details now, so the corrected ones are on the candidate's
    page (and the name in the API); else it no longer sees them (the consent ran out or was
    withdrawn, the proposal ended) and is only told that what it got is not to be used: its
    links are the portal's page alone (the opening's when ``candidate_page`` is False: the pair
    was decided anew and the company is not shown it). ``readable_fields``: those of ``fields`` the
    company can read now (all when ``readable``; review BJ 1: a name shown under a consent that
    does not cover the phone it got earlier); the API link stays while any is."""
    unknown = [field for field in fields if field not in RECTIFIED_FIELDS]
    if unknown or not fields:
        raise ValueError(fields)
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "company_id": opening.company_id,
            "fields": [field for field in RECTIFIED_FIELDS if field in fields], "readable": readable,
            "readable_fields": [field for field in RECTIFIED_FIELDS if field in fields
                                and (readable or field in (readable_fields or ()))],
            "rectified_at": _iso(clock.utcnow())}
    company, jobcenter = _proposal_payloads(proposal, data)
    if not candidate_page:
        company["links"] = _links(path_for("openings.detail", opening_id=opening.id))
    elif not data["readable_fields"]:
        company["links"] = _portal_only(company["links"])
    emit(session, "proposal.rectified", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def proposal_answered(session: Session, proposal: Proposal, response: str) -> None:
    """``proposal.answered`` (the job centre's endpoints only): the company answered about a
    candidate (``response``: interested, declined or hired, where hired should start a
    placement; ``previous_response`` the answer it replaces, or null). Never the company's note."""
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "opening_title": opening.title,
            "company_id": opening.company_id, "response": response,
            "previous_response": proposal.company_response, "answered_at": _iso(clock.utcnow())}
    _, jobcenter = _proposal_payloads(proposal, data)
    emit(session, "proposal.answered", company_id=None, payload=jobcenter)


def _interview_data(interview: Interview) -> dict:
    proposal = interview.proposal
    opening = proposal.opening
    return {"interview_id": interview.id, "uid": interview.uid, "sequence": interview.sequence,
            "proposal_id": proposal.id, "opening_id": opening.id,
            "opening_title": opening.title, "company_id": opening.company_id,
            "starts_at": _iso(interview.starts_at), "duration_minutes": interview.duration_minutes,
            "location": interview.location, "status": interview.status}


def interview_offered(session: Session, rows: list[Interview], *, replaces: Interview | None = None) -> None:
    """``interview.offered``: one side offered 1–3 times (``offered_by``: ``company`` or
    ``jobcenter``), which the other side books (the API's ``…/interviews/{id}/book``). Earlier
    open offers were withdrawn by it. ``replaces_interview_id``: the booked interview the times
    would move. Offers need the released name, so a company hears of them only then."""
    first = rows[0]
    proposal = first.proposal
    opening = proposal.opening
    data = {"proposal_id": proposal.id, "opening_id": opening.id, "opening_title": opening.title,
            "company_id": opening.company_id, "offered_by": first.offered_by,
            "replaces_interview_id": replaces.id if replaces else None,
            "times": [{"interview_id": row.id, "starts_at": _iso(row.starts_at),
                       "duration_minutes": row.duration_minutes, "location": row.location} for row in rows]}
    company, jobcenter = _proposal_payloads(proposal, data)
    emit(session, "interview.offered", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def interview_booked(session: Session, interview: Interview, *, replaces: Interview | None = None) -> None:
    """``interview.booked``: one side chose a time the other side offered. A move is this
    event for the new time (``replaces_interview_id``: the old one) beside
    :func:`interview_cancelled` for the old time, as the calendar invitations do (new UID)."""
    data = {**_interview_data(interview), "replaces_interview_id": replaces.id if replaces else None}
    company, jobcenter = _proposal_payloads(interview.proposal, data)
    emit(session, "interview.booked", company_id=interview.proposal.opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def interview_cancelled(session: Session, interview: Interview, *, moved: bool = False,
                        ending: bool = False) -> None:
    """``interview.cancelled``: a booked interview was cancelled, or moved (``moved``: the new
    time comes as ``interview.booked`` with ``replaces_interview_id``). ``ending``: the job
    centre ends the proposal (consent withdrawn, case closed); the company's payload then links
    to the candidate's page only (the API no longer gives it the proposal), never a reason."""
    proposal = interview.proposal
    data = {**_interview_data(interview), "moved": moved, "cancelled_at": _iso(clock.utcnow())}
    company, jobcenter = _proposal_payloads(proposal, data)
    if ending:
        company["links"] = _portal_only(company["links"])
    emit(session, "interview.cancelled", company_id=proposal.opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def _hotline(session: Session, event: str, hotline_request: HotlineRequest, extra: dict, *,
             jobcenter_only: bool = False) -> None:
    """The hotline events' common payload: the request's ids, category, urgency and status,
    plus ``extra``. The job centre's payload also names the citizen of the request's placement
    (both ids null for a request about no placement), so the case system can file it.
    ``jobcenter_only``: what the company did itself, for the job centre's endpoints only."""
    data = {"request_id": hotline_request.id, "company_id": hotline_request.company_id,
            "placement_id": hotline_request.placement_id, "category": hotline_request.category,
            "urgency": hotline_request.urgency, "status": hotline_request.status, **extra}
    links = _links(path_for("hotline.detail", request_id=hotline_request.id), "hotline", hotline_request.id)
    placement = hotline_request.placement
    citizen = (_citizen(placement.citizen) if placement is not None
               else {"citizen_id": None, "citizen_external_id": None})
    jobcenter = {"data": {**data, **citizen}, "links": links}
    if jobcenter_only:
        emit(session, event, company_id=None, payload=jobcenter)
        return
    emit(session, event, company_id=hotline_request.company_id, payload={"data": data, "links": links},
         jobcenter_payload=jobcenter)


def hotline_created(session: Session, hotline_request: HotlineRequest) -> None:
    """``hotline.created`` (the job centre's endpoints only): a company filed a request;
    ``urgency`` (``akut`` among them) and ``due_at``, the first answer's target. Never the
    subject or the message."""
    _hotline(session, "hotline.created", hotline_request, {
        "created_at": _iso(hotline_request.created_at), "due_at": _iso(hotline_request.due_at)},
        jobcenter_only=True)


def hotline_message(session: Session, hotline_request: HotlineRequest, *, awaits_answer: bool,
                    due_at=None) -> None:
    """``hotline.message`` (the job centre's endpoints only): the company wrote in the thread.
    ``awaits_answer``: the request waits for an answer (again), by ``due_at``; False: for
    information only. Never the message."""
    _hotline(session, "hotline.message", hotline_request, {
        "message_at": _iso(clock.utcnow()), "awaits_answer": awaits_answer, "due_at": _iso(due_at)},
        jobcenter_only=True)


def hotline_answered(session: Session, hotline_request: HotlineRequest) -> None:
    """``hotline.answered``: the job centre answered a hotline request (no message text)."""
    _hotline(session, "hotline.answered", hotline_request, {"answered_at": _iso(clock.utcnow())})


def hotline_closed(session: Session, hotline_request: HotlineRequest, note: str = "", *,
                   by_company: bool = False) -> None:
    """``hotline.closed``: a hotline request was closed. ``closed_by``: ``jobcenter`` (review AP 7;
    the company's endpoints and the job centre's get it) or ``company`` (review AX 2: the
    company closed its own request, for the job centre's endpoints only, as the other steps the
    company takes itself, so a case system that filed ``hotline.created`` can close it).
    ``closing_note``: the job centre's note to the company (the same text its users were told,
    checked for the citizen's details by ``CloseForm``), null without one and always null when
    the company closed; never a message of the thread."""
    _hotline(session, "hotline.closed", hotline_request,
             {"closed_at": _iso(hotline_request.closed_at or clock.utcnow()),
              "closed_by": "company" if by_company else "jobcenter",
              "closing_note": None if by_company else note or None},
             jobcenter_only=by_company)


def _placement(session: Session, event: str, placement: Placement, extra: dict) -> None:
    opening = placement.opening
    data = {"placement_id": placement.id, "opening_id": placement.opening_id,
            "opening_title": opening.title if opening else None, "company_id": placement.company_id,
            "kind": placement.kind, "start_date": placement.start_date.isoformat(),
            "weekly_hours": placement.weekly_hours, **extra}
    company = {"data": data, "links": _links(path_for("placements.detail", placement_id=placement.id),
                                             "placement", placement.id)}
    jobcenter = {"data": {**data, **_citizen(placement.citizen)}, "links": _links(
        path_for("placements.consultant_detail", placement_id=placement.id), "placement", placement.id)}
    emit(session, event, company_id=placement.company_id, payload=company, jobcenter_payload=jobcenter)


def placement_started(session: Session, placement: Placement) -> None:
    """``placement.started``: a consultant registered the start of a placement."""
    end = placement.end_date.isoformat() if placement.end_date else None
    _placement(session, "placement.started", placement, {"planned_end_date": end})


def placement_ended(session: Session, placement: Placement, *, corrected: bool = False) -> None:
    """``placement.ended``: a placement was ended (``corrected`` when an earlier end was changed)."""
    _placement(session, "placement.ended", placement, {
        "end_date": placement.end_date.isoformat() if placement.end_date else None,
        "end_reason": placement.end_reason, "corrected": corrected})
