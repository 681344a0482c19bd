"""The webhook events, one function per event point, each a one-line call for the caller.

Every function queues the event through :func:`.service.emit` in the caller's session (the
caller commits). What a recipient gets:

* a **company** endpoint: ids, the opening's title, times, status and links, never a
  citizen's name, id or anything else about the person (the company reads the disclosed
  profile in the portal, where access is checked and audited);
* the **job centre**'s endpoints: the same plus the citizen's internal id and the case
  system's ``external_id``, so the case system can file the event.

``links`` holds the object's page in the portal (for that recipient) and its API URL.

No payload holds a pseudonym, a name or free text about the person, except ``hotline.closed``'s
``closing_note`` (the job centre's note to the company, checked by ``CloseForm``). When the
citizen is erased or anonymised, the deliveries not yet sent about them, their proposals,
placements or hotline requests are deleted, or (hotline events) scrubbed, by
:func:`portal.privacy.erase_citizen` in the same transaction.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request
from sqlalchemy.orm import Session

from store import clock
from store.models import HotlineRequest, Interview, Placement, Proposal

from ..notifications.service import path_for
from .service import emit

# The JSON API's resource paths (portal/api), for the "api" link of each payload.
API_PATHS = {
    "proposal": "/api/v1/proposals/{id}",
    "placement": "/api/v1/placements/{id}",
    "hotline": "/api/v1/hotline/{id}",
}


def _absolute(path: str) -> str:
    base = (current_app.config.get("PORTAL_URL") or "").rstrip("/")
    if not base and has_request_context():
        base = request.host_url.rstrip("/")
    return base + path


def _links(portal_path: str, kind: str, object_id: int) -> dict:
    return {"portal": _absolute(portal_path), "api": _absolute(API_PATHS[kind].format(id=object_id))}


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
    company["links"] = {"portal": company["links"]["portal"]}
    emit(session, "proposal.ended", company_id=opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def _interview_data(interview: Interview) -> dict:
    proposal = interview.proposal
    opening = proposal.opening
    return {"interview_id": interview.id, "uid": interview.uid, "sequence": interview.sequence,
            "proposal_id": proposal.id, "opening_id": opening.id,
            "opening_title": opening.title, "company_id": opening.company_id,
            "starts_at": _iso(interview.starts_at), "duration_minutes": interview.duration_minutes,
            "location": interview.location, "status": interview.status}


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
        company["links"] = {"portal": company["links"]["portal"]}
    emit(session, "interview.cancelled", company_id=proposal.opening.company_id, payload=company,
         jobcenter_payload=jobcenter)


def _hotline(session: Session, event: str, hotline_request: HotlineRequest, extra: dict) -> None:
    """The hotline events' common payload: the request's ids, category, urgency and status,
    plus ``extra``. The job centre's payload also names the citizen of the request's placement
    (both ids null for a request about no placement), so the case system can file it."""
    data = {"request_id": hotline_request.id, "company_id": hotline_request.company_id,
            "placement_id": hotline_request.placement_id, "category": hotline_request.category,
            "urgency": hotline_request.urgency, "status": hotline_request.status, **extra}
    links = _links(path_for("hotline.detail", request_id=hotline_request.id), "hotline", hotline_request.id)
    placement = hotline_request.placement
    citizen = (_citizen(placement.citizen) if placement is not None
               else {"citizen_id": None, "citizen_external_id": None})
    emit(session, event, company_id=hotline_request.company_id, payload={"data": data, "links": links},
         jobcenter_payload={"data": {**data, **citizen}, "links": links})


def hotline_answered(session: Session, hotline_request: HotlineRequest) -> None:
    """``hotline.answered``: the job centre answered a hotline request (no message text)."""
    _hotline(session, "hotline.answered", hotline_request, {"answered_at": _iso(clock.utcnow())})


def hotline_closed(session: Session, hotline_request: HotlineRequest, note: str = "") -> None:
    """``hotline.closed``: the job centre closed a hotline request (review AP 7). ``closing_note``:
    the closer's note to the company (the same text its users were told, written for the
    company and checked for the citizen's details by ``CloseForm``), null without one; never a
    message of the thread."""
    _hotline(session, "hotline.closed", hotline_request,
             {"closed_at": _iso(hotline_request.closed_at or clock.utcnow()), "closing_note": note or None})


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
