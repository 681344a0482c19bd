"""What the pages show about a pair's interviews: the booking panel and the template helpers.

Both the company's candidate page and the staff's proposal page include the booking partial
(``templates/interviews/_booking.html``), which reads its state from :func:`interview_panel`. A
form the views refused comes back as typed, with its errors at the fields: the views keep it
under :data:`OFFER_FORM` / :data:`OUTCOME_FORM` (:func:`portal.formutil.keep_form`) and the panel
rebuilds it from there.
"""
from __future__ import annotations

from flask_login import current_user

from ..formutil import kept_form
from .. import proposals_hold
from ..consents import active_consent
from ..proposals import OPENING_DONE, identity_released, sharing_refusal
from store.models import Interview, Proposal
from . import bp
from .access import unsent_texts
from .common import side_of, spoken_time
from .forms import OfferForm, OutcomeForm, StepForm
from .keeping import kept_by, standing_cause_of
from .queries import (HISTORY_LABELS, answer_label, booked, booked_among, can_choose, held, history_label,
                      in_calendars, interviews, offered_among, outcome_due, over, response_label)

OFFER_FORM = "interview-offer:{}"  # the kept times form (portal.formutil.keep_form), per proposal
OUTCOME_FORM = "interview-outcome:{}"  # the kept outcome form, per proposal
# Why the job centre may keep a booked interview, as the panel and the confirmation say it
# (portal.interviews.keeping.STANDING_CAUSES).
KEPT_BECAUSE = {
    "on_hold": "selv om kandidaten er i bero",
    "name_hidden": "selv om navnet ikke er delt med virksomheden lige nu",
    "hired": "selv om kandidaten er meldt ansat",
    "declined": "selv om virksomheden har sagt nej",
    "filled": "selv om opslaget er besat",
    "closed": "selv om opslaget er lukket",
}

bp.add_app_template_global(unsent_texts, "unsent_texts")
bp.add_app_template_filter(spoken_time, "interview_time")
bp.add_app_template_test(in_calendars, "interview_in_calendars")


@bp.app_template_global("answered_after_interview")
def answered_after_interview(proposal: Proposal) -> bool:
    """Whether ``proposal`` had its booked interview held: its "declined" is then the outcome."""
    return held(booked(proposal))


@bp.app_template_global("company_response_label")
def company_response_label(proposal: Proposal) -> str:
    """The company's answer to ``proposal`` in words, for a page about the one proposal."""
    return response_label(proposal.company_response,
                          proposal.company_response == "declined" and answered_after_interview(proposal))


@bp.app_template_global("interview_panel")
def interview_panel(proposal: Proposal) -> dict:
    """What the booking partial shows for ``proposal`` (both the company's and the staff's page)."""
    rows = interviews(proposal)
    current = booked_among(rows)
    offer_form, offer_kept = _offer_form(proposal, current)
    due = outcome_due(proposal)
    return {
        **_release(proposal),
        "booked": current,
        "offers": offered_among(rows),
        # offered times that have begun: no »Vælg« or »Træk tiden tilbage«, which would be refused
        "offers_passed": {i.id for i in offered_among(rows) if over(i)},
        "history": [(i, history_label(i)) for i in rows if i.status in HISTORY_LABELS],
        "held": held(current),  # the booked time is over
        "answer": answer_label(proposal, current),
        "outcome_due": due,
        # hired or not hired: the booking is over (the answer is shown with the proposal)
        "finished": proposal.company_response in ("hired", "declined"),
        "declined": proposal.company_response == "declined",  # a no, not a hire: its own wording
        "side": side_of(current_user),
        # on hold after a change of the opening's requirements: no new time (refusals.check_held)
        "on_hold": proposals_hold.is_held(proposal),
        # a time can be chosen now (what the booking checks: also the opening open; review Z 5)
        "can_choose": can_choose(proposal),
        "opening_done": proposal.opening.status in OPENING_DONE and bool(sharing_refusal(proposal)),
        **_standing(proposal, current),
        "offer_form": offer_form,
        "offer_kept": offer_kept,  # the form comes back refused: open it
        "outcome_form": _outcome_form(proposal) if due else None,
        "step_form": StepForm(),
    }


def _release(proposal: Proposal) -> dict:
    """Whether the name is shared, and if not why, as the opening's page says it: the consent
    ran out, or the name is withheld for now (restricted; never why); otherwise consent and
    sharing are still to come."""
    disclosed, consent = proposal.status == "disclosed", active_consent(proposal)
    released = identity_released(proposal)
    return {"released": released, "consent_lapsed": disclosed and consent is None,
            "name_withheld": disclosed and consent is not None and not released}


def _standing(proposal: Proposal, current: Interview | None) -> dict:
    """For the job centre's panel: why the booked interview ahead may no longer be wanted
    (``standing``, :data:`KEPT_BECAUSE`'s key, offered »Behold samtalen«), or who kept it
    (``kept_by``: "company" or "jobcenter", and ``kept_cause``, shown as kept); None otherwise."""
    if current_user.role == "company" or current is None or held(current):
        return {"standing": None, "kept_by": None, "kept_cause": None, "kept_because": ""}
    cause = standing_cause_of(proposal)
    kept = kept_by(proposal, current.id, cause)
    return {"standing": cause if kept is None else None, "kept_by": kept, "kept_cause": cause,
            "kept_because": KEPT_BECAUSE.get(cause or "", "")}


def _outcome_form(proposal: Proposal) -> OutcomeForm:
    """The outcome form for the page: as the user sent it, with its errors, after a refusal;
    else blank. Rendered only: the page writes its own CSRF token, and the POST checks it."""
    kept = kept_form(OUTCOME_FORM.format(proposal.id))
    form = OutcomeForm(formdata=kept, meta={"csrf": False})
    if kept is not None:
        form.validate()
    return form


def _offer_form(proposal: Proposal, current: Interview | None = None) -> tuple[OfferForm, bool]:
    """The times form for the page: as the user typed it with its errors (True); else, to move
    a booked interview ``current``, with its place and length filled in (a move is usually about
    the time only); else blank."""
    kept = kept_form(OFFER_FORM.format(proposal.id))
    prefill = ({"duration": current.duration_minutes, "location": current.location}
               if kept is None and current is not None else {})
    # Rendered only: the page writes its own CSRF token, and the POST checks it.
    form = OfferForm(formdata=kept, meta={"csrf": False}, data=prefill)
    if kept is not None:
        form.validate()
    return form, kept is not None
