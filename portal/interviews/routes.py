"""Routes under /samtaler: both sides offer, book, move and cancel interview times.

A company user acts for the company side on its own opening's visible proposals (anything
else is 404); consultants and administrators act for the job centre. The rules live in
:mod:`.service`; these views validate the form, call it and redirect back to the page the
user came from (the company's candidate page or the consultant's proposal page). Who may act
on a proposal is :mod:`.access`'s (shared with the API).
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from ..access import roles_required
from ..extensions import db
from ..formutil import keep_form, kept_form
from .. import proposals_hold
from ..proposals import OPENING_DONE, TransitionError, active_consent, identity_released, sharing_refusal
from store.models import Interview, Proposal
from . import answer_confirm, bp, service
from .access import STEP_NOT_SAVED, NoLongerCurrent, left_behind, load_proposal, unsent_texts
from .forms import OfferForm, OutcomeForm, StepForm

booking_required = roles_required("company", "consultant", "admin")
_OFFER_FORM = "interview-offer:{}"  # the kept times form (portal.formutil.keep_form), per proposal
_OUTCOME_FORM = "interview-outcome:{}"  # the kept outcome form, per proposal

bp.add_app_template_global(unsent_texts, "unsent_texts")


@bp.errorhandler(NoLongerCurrent)
def _no_longer_current(err: NoLongerCurrent):
    """An interview step on a candidate that stopped being current: the place or reason typed is kept."""
    return left_behind(err.proposal, STEP_NOT_SAVED, {"Sted": request.form.get("location", ""),
                                                      "Begrundelse": request.form.get("reason", "")})


def _interview(interview_id: int, left: bool = True) -> Interview:
    """The interview, if the current user may act on its proposal (:func:`load_proposal`; with
    ``left``, a company's candidate no longer current raises :class:`NoLongerCurrent`)."""
    interview = db.session.get(Interview, interview_id)
    if interview is None:
        abort(404)
    load_proposal(interview.proposal_id, left=left)
    return interview


def back_to(proposal: Proposal):
    if current_user.role == "company":
        return redirect(url_for("openings.candidate", opening_id=proposal.opening_id,
                                proposal_id=proposal.id) + "#samtale")
    return redirect(url_for("candidates.proposal", proposal_id=proposal.id) + "#samtale")


def _run(proposal: Proposal, action, success, keep: str | None = None):
    """Carry out ``action``; a refusal is flashed (``keep``: the form sent is kept as typed under
    this name, :data:`_OFFER_FORM` or :data:`_OUTCOME_FORM`).

    ``success`` is the message, or a function of the action's result that returns it."""
    try:
        result = action()
    except (service.InterviewError, TransitionError) as err:
        db.session.rollback()
        flash(str(err), "error")
        if keep:
            keep_form(keep.format(proposal.id), request.form)
    else:
        flash(success(result) if callable(success) else success, "success")
    return back_to(proposal)


def _refused(proposal: Proposal, messages: list[str]):
    flash("Ikke gemt: " + "; ".join(messages or ["Formularen var udløbet. Prøv igen."]), "error")
    return back_to(proposal)


def _offer_refused(proposal: Proposal, form: OfferForm):
    """Back to the page with the times form as it was typed; its errors are shown at the fields.

    The form is posted from two pages (the company's candidate page, the proposal page),
    so it goes back by a redirect and the page rebuilds it (:func:`_offer_form`).
    """
    if form.csrf_token.errors or not keep_form(_OFFER_FORM.format(proposal.id), request.form):
        return _refused(proposal, form.messages())
    flash("Ikke gemt: ret det, der er markeret under »Jobsamtale«.", "error")
    return back_to(proposal)


def _outcome_refused(proposal: Proposal, form: OutcomeForm):
    """Back to the page with the outcome as it was chosen and typed, its errors at the fields
    (review P 1, Q 4: before, the choice and the reason were lost and the only message was a
    flash far above the form)."""
    if form.csrf_token.errors or not keep_form(_OUTCOME_FORM.format(proposal.id), request.form):
        return _refused(proposal, [e for errors in form.errors.values() for e in errors])
    flash("Ikke gemt: ret det, der er markeret under »Hvordan gik samtalen?«.", "error")
    return back_to(proposal)


def _outcome_form(proposal: Proposal) -> OutcomeForm:
    """The outcome form for the page: as the user sent it, with its errors, after a refusal;
    else blank. Rendered only: the page writes its own CSRF token, and the POST checks it."""
    kept = kept_form(_OUTCOME_FORM.format(proposal.id))
    form = OutcomeForm(formdata=kept, meta={"csrf": False})
    if kept is not None:
        form.validate()
    return form


def _offer_form(proposal: Proposal, booked: Interview | None = None) -> tuple[OfferForm, bool]:
    """The times form for the page: as the user typed it with its errors (True); else, to move
    a ``booked`` interview, with its place and length filled in (a move is usually about the
    time only); else blank."""
    kept = kept_form(_OFFER_FORM.format(proposal.id))
    prefill = ({"duration": booked.duration_minutes, "location": booked.location}
               if kept is None and booked is not None else {})
    # Rendered only: the page writes its own CSRF token, and the POST checks it.
    form = OfferForm(formdata=kept, meta={"csrf": False}, data=prefill)
    if kept is not None:
        form.validate()
    return form, kept is not None


@bp.post("/opslag/<int:opening_id>/forslag/<int:proposal_id>/tider")
@booking_required
def offer(opening_id: int, proposal_id: int):
    """Offer 1–3 interview times from the user's side.

    :raise 404: as :func:`load_proposal`.
    """
    proposal = load_proposal(proposal_id, opening_id, left=True)
    form = OfferForm()
    if not form.validate_on_submit():
        return _offer_refused(proposal, form)
    return _run(proposal, lambda: service.offer(proposal, current_user, form.slots()),
                f"Tiderne er sendt til {service.other_party(proposal, current_user)}, som vælger en af dem.",
                keep=_OFFER_FORM)


@bp.post("/<int:interview_id>/vaelg")
@booking_required
def book(interview_id: int):
    """Book one of the other side's offered times.

    :raise 404: unknown interview, or its proposal as :func:`load_proposal`.
    """
    interview = _interview(interview_id)
    if not StepForm().validate_on_submit():
        return _refused(interview.proposal, [])
    other = service.other_party(interview.proposal, current_user)
    return _run(interview.proposal, lambda: service.book(interview, current_user),
                lambda replaced: _booked_message(replaced, other))


def _booked_message(replaced: Interview | None, other: str) -> str:
    if replaced is None:
        return (f"Samtalen er aftalt. {other[0].upper() + other[1:]} får en kalenderinvitation; "
                "jeres kan I hente under »Jobsamtale«.")
    return (f"Samtalen er flyttet, og den gamle tid er aflyst. {other[0].upper() + other[1:]} får besked; hent "
            "selv den nye kalenderinvitation og aflysningen af den gamle tid under »Jobsamtale«.")


@bp.post("/<int:interview_id>/aflys")
@booking_required
def cancel(interview_id: int):
    """Cancel a booked or offered time (a booked one: both sides get a calendar cancellation).

    The form says which time the page showed (``status``: »Aflys samtalen« is for a booked
    time, »Træk tiden tilbage« for an offered one): a time chosen or cancelled since is refused
    with what happened (:func:`.service.cancel`), not cancelled as something else.

    :raise 404: unknown interview, or its proposal as :func:`load_proposal`.
    """
    interview = _interview(interview_id)
    if not StepForm().validate_on_submit():
        return _refused(interview.proposal, [])
    shown = request.form.get("status")
    expected = shown if shown in ("booked", "offered") else None
    other = service.other_party(interview.proposal, current_user)
    return _run(interview.proposal, lambda: service.cancel(interview, current_user, expected=expected),
                f"Samtalen er aflyst. {other[0].upper() + other[1:]} får besked"
                + ("; aflysningen til jeres egen kalender kan I hente under »Tidligere tider«."
                   if interview.status == "booked" else "."))


# Why the job centre may keep a booked interview, as the confirmation says it (service.STANDING_CAUSES).
KEPT_BECAUSE = {
    "on_hold": "selv om kandidaten er i bero",
    "name_hidden": "selv om navnet ikke er delt med virksomheden lige nu",
    "hired": "selv om kandidaten er meldt ansat",
    "declined": "selv om virksomheden har sagt nej",
    "filled": "selv om opslaget er besat",
    "closed": "selv om opslaget er lukket",
}


@bp.post("/<int:interview_id>/behold")
@roles_required("consultant", "admin")
def keep(interview_id: int):
    """The job centre keeps a booked interview that stands although the pair has stopped
    (:func:`.service.keep`): the start page no longer asks to cancel or keep it.

    :raise 404: unknown interview.
    """
    interview = _interview(interview_id)
    if not StepForm().validate_on_submit():
        return _refused(interview.proposal, [])
    return _run(interview.proposal, lambda: service.keep(interview, current_user),
                lambda cause: f"Samtalen {service.spoken_time(interview.starts_at)} er beholdt, "
                              f"{KEPT_BECAUSE[cause]}. Den står stadig i begge kalendere.")


@bp.post("/<int:interview_id>/flyt")
@booking_required
def move(interview_id: int):
    """Propose new times for a booked interview; it stays booked until one of them is chosen.

    :raise 404: unknown interview, or its proposal as :func:`load_proposal`.
    """
    interview = _interview(interview_id)
    form = OfferForm()
    if not form.validate_on_submit():
        return _offer_refused(interview.proposal, form)
    other = service.other_party(interview.proposal, current_user)
    return _run(interview.proposal, lambda: service.move(interview, current_user, form.slots()),
                f"De nye tider er sendt til {other}. Den aftalte samtale gælder, "
                "indtil en af dem er valgt; så aflyses den gamle tid.", keep=_OFFER_FORM)


@bp.get("/<int:interview_id>/samtale.ics")
@booking_required
def download(interview_id: int):
    """The interview's calendar file (.ics): the invitation of a booked time, the cancellation
    of a booked time that was cancelled (:func:`.service.in_calendars`).

    :raise 404: as :func:`book`; a time never booked (offered, not chosen, withdrawn: no
        calendar holds it, so there is nothing to send or cancel); for a company also while
        the identity is not released.
    """
    interview = _interview(interview_id, left=False)  # a GET: nothing typed, 404 as before
    if not service.in_calendars(interview):
        abort(404)
    if current_user.role == "company" and not identity_released(interview.proposal):
        abort(404)
    response = Response(service.calendar(interview), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="jobsamtale-{interview.id}.ics"'
    return response


@bp.post("/opslag/<int:opening_id>/forslag/<int:proposal_id>/udfald")
@roles_required("company")
def outcome(opening_id: int, proposal_id: int):
    """The company reports the outcome after the interview: hired, or not hired with a reason.

    :raise 404: as :func:`load_proposal`.
    """
    proposal = load_proposal(proposal_id, opening_id, left=True)
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _outcome_refused(proposal, form)
    if service.needs_confirmation(proposal, form.outcome.data) and not answer_confirm.confirmed():
        try:  # the second step only for an outcome that would be stored
            service.check_outcome(proposal, form.outcome.data, form.reason.data or "")
        except (service.InterviewError, TransitionError) as err:
            flash(str(err), "error")
            keep_form(_OUTCOME_FORM.format(proposal.id), request.form)  # the reason typed is not lost
            return back_to(proposal)
        return answer_confirm.confirm_page(proposal, form.outcome.data, back_to(proposal).location,
                                      fields={"outcome": form.outcome.data, "reason": form.reason.data or ""})
    return _run(proposal, lambda: service.report_outcome(
        proposal, current_user, form.outcome.data, form.reason.data or ""),
        "Tak, udfaldet er gemt. Jobcentret får besked.", keep=_OUTCOME_FORM)


bp.add_app_template_filter(service.spoken_time, "interview_time")
bp.add_app_template_test(service.in_calendars, "interview_in_calendars")


@bp.app_template_global("answered_after_interview")
def answered_after_interview(proposal: Proposal) -> bool:
    """Whether ``proposal`` had its booked interview held: its "declined" is then the outcome."""
    return service.held(service.booked(proposal))


@bp.app_template_global("company_response_label")
def company_response_label(proposal: Proposal) -> str:
    """The company's answer to ``proposal`` in words, for a page about the one proposal."""
    return service.response_label(proposal.company_response,
                                  proposal.company_response == "declined" and answered_after_interview(proposal))


@bp.app_template_global("interview_panel")
def interview_panel(proposal: Proposal) -> dict:
    """What the booking partial shows for ``proposal`` (both the company's and the staff's page)."""
    rows = service.interviews(proposal)
    booked = service.booked_among(rows)
    offer_form, offer_kept = _offer_form(proposal, booked)
    return {
        "released": identity_released(proposal),
        # why not released, as the opening's page says it: the consent ran out, or the name is
        # withheld for now (restricted; never why); otherwise consent and sharing are still to come
        "consent_lapsed": proposal.status == "disclosed" and active_consent(proposal) is None,
        "name_withheld": proposal.status == "disclosed" and active_consent(proposal) is not None
                         and not identity_released(proposal),
        "booked": booked,
        "offers": [i for i in rows if i.status == "offered"],
        # offered times that have begun: no »Vælg« or »Træk tiden tilbage«, which would be refused
        "offers_passed": {i.id for i in rows if i.status == "offered" and service.over(i)},
        "history": [(i, service.history_label(i)) for i in rows if i.status in service.HISTORY_LABELS],
        "held": service.held(booked),  # the booked time is over
        "answer": service.answer_label(proposal, booked),
        "outcome_due": service.outcome_due(proposal),
        # hired or not hired: the booking is over (the answer is shown with the proposal)
        "finished": proposal.company_response in ("hired", "declined"),
        "declined": proposal.company_response == "declined",  # a no, not a hire: its own wording
        "side": "company" if current_user.role == "company" else "jobcenter",
        # on hold after a change of the opening's requirements: no new time (service.check_held)
        "on_hold": proposals_hold.is_held(proposal),
        # a time can be chosen now (what the booking checks: also the opening open; review Z 5)
        "can_choose": service.can_choose(proposal),
        "opening_done": proposal.opening.status in OPENING_DONE and bool(sharing_refusal(proposal)),
        **_standing(proposal, booked),
        "offer_form": offer_form,
        "offer_kept": offer_kept,  # the form comes back refused: open it
        "outcome_form": _outcome_form(proposal) if service.outcome_due(proposal) else None,
        "step_form": StepForm(),
    }


def _standing(proposal: Proposal, booked: Interview | None) -> dict:
    """For the job centre's panel: why the booked interview ahead may no longer be wanted
    (``standing``, :data:`KEPT_BECAUSE`'s key, offered »Behold samtalen«), or who kept it
    (``kept_by``: "company" or "jobcenter", and ``kept_cause``, shown as kept); None otherwise."""
    if current_user.role == "company" or booked is None or service.held(booked):
        return {"standing": None, "kept_by": None, "kept_cause": None, "kept_because": ""}
    cause = service.standing_cause_of(proposal)
    kept = service.kept_by(proposal, booked.id, cause)
    return {"standing": cause if kept is None else None, "kept_by": kept, "kept_cause": cause,
            "kept_because": KEPT_BECAUSE.get(cause or "", "")}
