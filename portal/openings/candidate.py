"""The company's page for one proposed candidate: what it may see, and the next step.

Before the identity is released (disclosed with a live consent) the company sees the same
allow-list as on the opening (pseudonym, match band, hours, shared jobmål). After it: the
name, the contact details the citizen agreed to share, the profile the consultant approved,
the CV file when the citizen consented to share it, and the job-centre contact. Every view of
the identity is logged (``identity_viewed``, ``cv_downloaded``), fail closed.

While the citizen's processing is restricted (art. 18) the company sees one neutral state,
:data:`portal.proposals.ON_HOLD_TEXT`, with the pseudonym and the job centre's contact: no
facts, no answer form (an answer would be refused), no booking, never the reason. So does a
candidate a change of the opening's requirements left behind (:mod:`.requirements`).
"""
from __future__ import annotations

from flask import abort, current_app, render_template, send_from_directory
from werkzeug.utils import secure_filename

from .. import audit
from ..access import company_required, get_owned_or_404
from ..extensions import db
from ..candidates import profile as profiles
from ..interviews import service as interviews
from ..proposals import CONTACT_KEYS, ON_HOLD_TEXT, VISIBLE_TO_COMPANY, identity_released
from ..pseudonyms import pseudonym
from store.models import Opening, Proposal
from . import bp, requirements, service
from ..placements.service import running_placement_start

CV_TYPES = {"pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "txt": "text/plain"}


def visible_proposal(opening_id: int, proposal_id: int) -> tuple[Opening, Proposal]:
    """The company's own opening and one proposal on it the company may see.

    :raise 404: another company's opening, or a proposal not visible on it (logged).
    """
    opening = get_owned_or_404(Opening, opening_id)
    proposal = db.session.get(Proposal, proposal_id)
    if (proposal is None or proposal.opening_id != opening.id
            or proposal.status not in VISIBLE_TO_COMPANY):
        audit.record_now("authorisation_denied", purpose=f"Proposal:{proposal_id}", result="not_found")
        abort(404)
    return opening, proposal


def released_profile(proposal: Proposal) -> dict:
    """The approved profile's rows and the contact details the citizen agreed to share.

    Contact details come with the consent, so they show even before the profile is approved.
    The texts are read through :func:`portal.candidates.profile.for_company`: a sentence that
    holds a private detail (caught by a check newer than the approval) is not shown.
    """
    every = profiles.rows(profiles.for_company(proposal))
    contact_labels = {profiles.LABELS[key] for key in CONTACT_KEYS}
    ready = profiles.is_approved(proposal)
    return {"ready": ready,
            "fields": [row for row in every if row[0] not in contact_labels] if ready else [],
            "contact": [row for row in every if row[0] in contact_labels]}


def jobcentre_contact(proposal: Proposal) -> dict:
    """The citizen's VK as the company's contact (phone: theirs, else the hotline's)."""
    vk = proposal.citizen.vk
    hotline = current_app.config.get("HOTLINE_PHONE", "")
    if vk is None or not vk.active:
        return {"name": "Jobcentrets hotline", "phone": hotline, "email": ""}
    return {"name": vk.name, "phone": vk.phone or hotline, "email": vk.email}


def shared_cv(proposal: Proposal):
    """The CV the company may download, or None (no consent to share it, no CV, or the candidate
    is on hold after a change of the opening's requirements: no name, so no CV, as in the API)."""
    if not (proposal.share_cv and identity_released(proposal)) or requirements.is_held(proposal):
        return None
    cv = proposal.citizen.current_cv
    if cv is None or not (cv.stored_name or (cv.text or "").strip()):
        return None
    return cv


@bp.get("/<int:opening_id>/kandidat/<int:proposal_id>")
@company_required
def candidate(opening_id: int, proposal_id: int):
    """One candidate on the company's own opening.

    A candidate that ended (the citizen's case closed, the opening was done) or whose consent
    was withdrawn shows only its pseudonym and "no longer relevant", where the company's notices
    about it lead (not a 404); one whose citizen's processing is restricted, only "not current
    now" (:data:`portal.proposals.ON_HOLD_TEXT`). The reason is the citizen's private
    information, never given.

    :raise 404: as :func:`visible_proposal`.
    """
    opening = get_owned_or_404(Opening, opening_id)
    earlier = db.session.get(Proposal, proposal_id)
    if earlier is not None and earlier.opening_id == opening.id and service.no_longer_relevant(earlier):
        return render_template("openings/candidate_ended.html", opening=opening,
                               who=pseudonym(earlier.citizen_id, opening.id),
                               placement_start=running_placement_start(earlier))
    opening, proposal = visible_proposal(opening_id, proposal_id)
    if proposal.citizen.restricted or requirements.is_held(proposal):
        return render_template("openings/candidate_on_hold.html", opening=opening, on_hold_text=ON_HOLD_TEXT,
                               who=pseudonym(proposal.citizen_id, opening.id), contact=jobcentre_contact(proposal))
    # the allow-list, the same as on the opening's page
    shown = service.shared_candidate(proposal, placed=interviews.placement_started(proposal))
    released = shown.name is not None
    if released:
        audit.record_now("identity_viewed", citizen_id=proposal.citizen_id, opening_id=opening.id,
                         purpose="company: candidate page")
    booked = interviews.booked(proposal)
    return render_template(
        "openings/candidate.html", opening=opening, proposal=proposal, candidate=shown,
        answer=interviews.answer_label(proposal, booked),
        # after the interview the booking panel's outcome form is the one answer form
        outcome_due=interviews.outcome_due(proposal), released=released, profile=released_profile(proposal) if released else None,
        contact=jobcentre_contact(proposal), cv=shared_cv(proposal) if released else None)


@bp.get("/<int:opening_id>/kandidat/<int:proposal_id>/cv")
@company_required
def candidate_cv(opening_id: int, proposal_id: int):
    """The candidate's CV file, only when the citizen consented to share it (logged).

    :raise 404: as :func:`visible_proposal`, or when there is no CV the company may have.
    """
    opening, proposal = visible_proposal(opening_id, proposal_id)
    cv = shared_cv(proposal)
    if cv is None:
        abort(404)
    audit.record_now("cv_downloaded", citizen_id=proposal.citizen_id, opening_id=opening.id,
                     purpose="company: shared CV")
    name = secure_filename(cv.original_filename or "") or f"cv.{cv.content_type}"
    if cv.stored_name:
        response = send_from_directory(current_app.config["UPLOAD_FOLDER"], cv.stored_name,
                                       mimetype=CV_TYPES.get(cv.content_type, "application/octet-stream"),
                                       as_attachment=True, download_name=name, max_age=0)
    else:
        response = current_app.response_class(cv.text, mimetype="text/plain; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{name.rsplit(".", 1)[0]}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response
