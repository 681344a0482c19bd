"""The company's page for one proposed candidate: what it may see, and the next step.

Before the identity is released (disclosed with a live consent) the company sees the same
allow-list as on the opening (pseudonym, match band, hours, shared jobmål). After it: the
name, the contact details the citizen agreed to share, the profile the consultant approved,
the CV when the citizen consented to share it, and the job-centre contact; each only as far as
the text of the consent covers it (:data:`portal.consents.CONSENT_SCOPES`: an older text
covers the name alone). Every view of
the identity is logged (``identity_viewed``, ``cv_downloaded``), fail closed.

The CV is never the stored file: it is the text of the version the citizen agreed to share,
with every sentence that holds a private detail left out, as a text file
(:mod:`portal.citizens.cv_sharing`, review AJ 1 and 6).

While the citizen's processing is restricted (art. 18) the company sees one neutral state,
:data:`portal.proposals.ON_HOLD_TEXT`, with the pseudonym and the job centre's contact: no
facts, no answer form (an answer would be refused), no booking, never the reason. So does a
candidate a change of the opening's requirements left behind (:mod:`.requirements`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, render_template
from werkzeug.utils import secure_filename

from .. import audit
from ..access import company_required, get_owned_or_404
from ..extensions import db
from ..candidates import profile as profiles
from ..citizens import cv_sharing
from ..interviews import queries
from ..consents import CONTACT_KEYS, shared_contacts_now, shared_scope, shares_cv
from ..proposals import ON_HOLD_TEXT, VISIBLE_TO_COMPANY, identity_released, no_longer_current, placement_started
from ..pseudonyms import pseudonym
from store.models import Opening, Proposal
from . import bp, requirements, service
from ..placements.service import running_placement_start


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
    """The approved profile's rows and the contact details the citizen agreed to share, as far
    as the text of the consent in force covers them (:func:`portal.consents.shared_scope`): a
    consent given under a text that names only the name (``name_only``) shows nothing more.

    Contact details come with the consent, so they show even before the profile is approved.
    The texts are read through :func:`portal.candidates.profile.for_company`: a sentence that
    holds a private detail (caught by a check newer than the approval) is not shown.
    """
    scope = shared_scope(proposal)
    shown = ({key: value for key, value in profiles.for_company(proposal).items() if key not in CONTACT_KEYS}
             if "profile" in scope else {})
    every = profiles.rows({**shown, **shared_contacts_now(proposal)})
    contact_labels = {profiles.LABELS[key] for key in CONTACT_KEYS}
    ready = "profile" in scope and profiles.is_approved(proposal)
    return {"ready": ready, "name_only": "profile" not in scope,
            "fields": [row for row in every if row[0] not in contact_labels] if ready else [],
            "contact": [row for row in every if row[0] in contact_labels]}


def jobcentre_contact(proposal: Proposal) -> dict:
    """The citizen's VK as the company's contact (phone: theirs, else the hotline's)."""
    vk = proposal.citizen.vk
    hotline = current_app.config.get("HOTLINE_PHONE", "")
    if vk is None or not vk.active:
        return {"name": "Jobcentrets hotline", "phone": hotline, "email": ""}
    return {"name": vk.name, "phone": vk.phone or hotline, "email": vk.email}


@dataclass(frozen=True)
class SharedCv:
    """The CV a company may download: the checked text of the consented version, and when
    that version was stored."""

    stored_at: datetime
    text: str


def shared_cv(proposal: Proposal) -> SharedCv | None:
    """The CV the company may download, or None (no consent to share it, or one whose text does
    not cover a CV: :func:`portal.consents.shares_cv`; no CV when the consent
    was given, nothing left once checked, or the candidate is on hold after a change of the
    opening's requirements: no name, so no CV, as in the API).

    The version is the one the consent in force was given for
    (:func:`portal.citizens.cv_sharing.consented_version`); its text is checked each time it is
    shown (:func:`portal.citizens.cv_sharing.checked`), so a check newer than the upload counts.
    The candidate page needs the check too (a CV with nothing left is no CV, so no »Hent CV«);
    the check is cached per text and citizen, so a view after the first costs a look-up
    (review AK 6).
    """
    if not (shares_cv(proposal) and identity_released(proposal)) or requirements.is_held(proposal):
        return None
    cv = cv_sharing.consented_version(proposal)
    if cv is None:
        return None
    text = cv_sharing.checked(cv, proposal.citizen).text
    return SharedCv(stored_at=cv.created_at, text=text) if text else None


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
    if earlier is not None and earlier.opening_id == opening.id and no_longer_current(earlier):
        return render_template("openings/candidate_ended.html", opening=opening,
                               who=pseudonym(earlier.citizen_id, opening.id),
                               placement_start=running_placement_start(earlier))
    opening, proposal = visible_proposal(opening_id, proposal_id)
    if proposal.citizen.restricted or requirements.is_held(proposal):
        return render_template("openings/candidate_on_hold.html", opening=opening, on_hold_text=ON_HOLD_TEXT,
                               who=pseudonym(proposal.citizen_id, opening.id), contact=jobcentre_contact(proposal))
    # the allow-list, the same as on the opening's page
    shown = service.shared_candidate(proposal, placed=placement_started(proposal))
    released = shown.name is not None
    if released:
        audit.record_now("identity_viewed", citizen_id=proposal.citizen_id, opening_id=opening.id,
                         purpose="company: candidate page")
    booked = queries.booked(proposal)
    return render_template(
        "openings/candidate.html", opening=opening, proposal=proposal, candidate=shown,
        answer=queries.answer_label(proposal, booked),
        # after the interview the booking panel's outcome form is the one answer form
        outcome_due=queries.outcome_due(proposal), released=released, profile=released_profile(proposal) if released else None,
        contact=jobcentre_contact(proposal), cv=shared_cv(proposal) if released else None)


@bp.get("/<int:opening_id>/kandidat/<int:proposal_id>/cv")
@company_required
def candidate_cv(opening_id: int, proposal_id: int):
    """The candidate's CV as checked text (:func:`shared_cv`), only when the citizen consented to
    share it (logged). Never the stored file.

    :raise 404: as :func:`visible_proposal`, or when there is no CV the company may have.
    """
    opening, proposal = visible_proposal(opening_id, proposal_id)
    cv = shared_cv(proposal)
    if cv is None:
        abort(404)
    audit.record_now("cv_downloaded", citizen_id=proposal.citizen_id, opening_id=opening.id,
                     purpose="company: shared CV")
    name = secure_filename(f"CV {proposal.citizen.name}") or "CV"
    response = current_app.response_class(cv.text + "\n", mimetype="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.txt"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
