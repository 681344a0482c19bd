"""Routes under /samtaler: both sides offer, book, move and cancel interview times.

A company user acts for the company side on its own opening's visible proposals (anything
else is 404); consultants and administrators act for the job centre. The rules live in
:mod:`.booking`, :mod:`.keeping` and :mod:`.answers`; these views validate the form, call them
and redirect back to the page the user came from (the company's candidate page or the
consultant's proposal page). Who may act on a proposal is :mod:`.access`'s (shared with the
API); what the pages show of the interviews is :mod:`.panel`'s.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from ..access import roles_required
from ..extensions import db
from ..formutil import keep_form
from ..proposals import TransitionError, identity_released
from store.models import Interview, Proposal
from . import answer_confirm, answers, booking, bp, keeping
from .access import STEP_NOT_SAVED, NoLongerCurrent, left_behind, load_proposal
from .common import InterviewError, spoken_time
from .forms import OfferForm, OutcomeForm, StepForm
from .notices import calendar
from .panel import KEPT_BECAUSE, OFFER_FORM, OUTCOME_FORM
from .queries import in_calendars, other_party

booking_required = roles_required("company", "consultant", "admin")


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
    this name, :data:`OFFER_FORM` or :data:`OUTCOME_FORM`).

    ``success`` is the message, or a function of the action's result that returns it."""
    try:
        result = action()
    except (InterviewError, TransitionError) as err:
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
    so it goes back by a redirect and the page rebuilds it (:func:`.panel.interview_panel`).
    """
    if form.csrf_token.errors or not keep_form(OFFER_FORM.format(proposal.id), request.form):
        return _refused(proposal, form.messages())
    flash("Ikke gemt: ret det, der er markeret under »Jobsamtale«.", "error")
    return back_to(proposal)


def _outcome_refused(proposal: Proposal, form: OutcomeForm):
    """Back to the page with the outcome as it was chosen and typed, its errors at the fields
    (review P 1, Q 4: before, the choice and the reason were lost and the only message was a
    flash far above the form)."""
    if form.csrf_token.errors or not keep_form(OUTCOME_FORM.format(proposal.id), request.form):
        return _refused(proposal, [e for errors in form.errors.values() for e in errors])
    flash("Ikke gemt: ret det, der er markeret under »Hvordan gik samtalen?«.", "error")
    return back_to(proposal)


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
    return _run(proposal, lambda: booking.offer(proposal, current_user, form.slots()),
                f"Tiderne er sendt til {other_party(proposal, current_user)}, som vælger en af dem.",
                keep=OFFER_FORM)


@bp.post("/<int:interview_id>/vaelg")
@booking_required
def book(interview_id: int):
    """Book one of the other side's offered times.

    :raise 404: unknown interview, or its proposal as :func:`load_proposal`.
    """
    interview = _interview(interview_id)
    if not StepForm().validate_on_submit():
        return _refused(interview.proposal, [])
    other = other_party(interview.proposal, current_user)
    return _run(interview.proposal, lambda: booking.book(interview, current_user),
                lambda replaced: _booked_message(replaced, other))


def _capitalised(text: str) -> str:
    """``text`` with its first letter upper-case (the other party starts a sentence)."""
    return text[:1].upper() + text[1:]


def _booked_message(replaced: Interview | None, other: str) -> str:
    if replaced is None:
        return (f"Samtalen er aftalt. {_capitalised(other)} får en kalenderinvitation; "
                "jeres kan I hente under »Jobsamtale«.")
    return (f"Samtalen er flyttet, og den gamle tid er aflyst. {_capitalised(other)} får besked; hent "
            "selv den nye kalenderinvitation og aflysningen af den gamle tid under »Jobsamtale«.")


@bp.post("/<int:interview_id>/aflys")
@booking_required
def cancel(interview_id: int):
    """Cancel a booked or offered time (a booked one: both sides get a calendar cancellation).

    The form says which time the page showed (``status``: »Aflys samtalen« is for a booked
    time, »Træk tiden tilbage« for an offered one): a time chosen or cancelled since is refused
    with what happened (:func:`.booking.cancel`), not cancelled as something else.

    :raise 404: unknown interview, or its proposal as :func:`load_proposal`.
    """
    interview = _interview(interview_id)
    if not StepForm().validate_on_submit():
        return _refused(interview.proposal, [])
    shown = request.form.get("status")
    expected = shown if shown in ("booked", "offered") else None
    message = _cancelled_message(interview, expected or interview.status)
    return _run(interview.proposal, lambda: booking.cancel(interview, current_user, expected=expected), message)


def _cancelled_message(interview: Interview, status: str) -> str:
    """What a cancel that went through says: a booked time leaves both calendars and the other
    party is told; an offered time withdrawn tells nobody (only a booked time is in a calendar,
    :func:`.booking.cancel`), so the page does not say it does."""
    if status != "booked":
        return f"Tiden {spoken_time(interview.starts_at)} er trukket tilbage og kan ikke længere vælges."
    other = _capitalised(other_party(interview.proposal, current_user))
    return (f"Samtalen er aflyst. {other} får besked; aflysningen til jeres egen kalender kan I hente "
            "under »Tidligere tider«.")


@bp.post("/<int:interview_id>/behold")
@roles_required("consultant", "admin")
def keep(interview_id: int):
    """The job centre keeps a booked interview that stands although the pair has stopped
    (:func:`.keeping.keep`): the start page no longer asks to cancel or keep it.

    :raise 404: unknown interview.
    """
    interview = _interview(interview_id)
    if not StepForm().validate_on_submit():
        return _refused(interview.proposal, [])
    return _run(interview.proposal, lambda: keeping.keep(interview, current_user),
                lambda cause: f"Samtalen {spoken_time(interview.starts_at)} er beholdt, "
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
    other = other_party(interview.proposal, current_user)
    return _run(interview.proposal, lambda: booking.move(interview, current_user, form.slots()),
                f"De nye tider er sendt til {other}. Den aftalte samtale gælder, "
                "indtil en af dem er valgt; så aflyses den gamle tid.", keep=OFFER_FORM)


@bp.get("/<int:interview_id>/samtale.ics")
@booking_required
def download(interview_id: int):
    """The interview's calendar file (.ics): the invitation of a booked time, the cancellation
    of a booked time that was cancelled (:func:`.queries.in_calendars`).

    :raise 404: as :func:`book`; a time never booked (offered, not chosen, withdrawn: no
        calendar holds it, so there is nothing to send or cancel); for a company also while
        the identity is not released.
    """
    interview = _interview(interview_id, left=False)  # a GET: nothing typed, 404 as before
    if not in_calendars(interview):
        abort(404)
    if current_user.role == "company" and not identity_released(interview.proposal):
        abort(404)
    response = Response(calendar(interview), mimetype="text/calendar")
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
    if answers.needs_confirmation(proposal, form.outcome.data) and not answer_confirm.confirmed():
        try:  # the second step only for an outcome that would be stored
            answers.check_outcome(proposal, form.outcome.data, form.reason.data or "")
        except (InterviewError, TransitionError) as err:
            flash(str(err), "error")
            keep_form(OUTCOME_FORM.format(proposal.id), request.form)  # the reason typed is not lost
            return back_to(proposal)
        return answer_confirm.confirm_page(proposal, form.outcome.data, back_to(proposal).location,
                                      fields={"outcome": form.outcome.data, "reason": form.reason.data or ""})
    return _run(proposal, lambda: answers.report_outcome(
        proposal, current_user, form.outcome.data, form.reason.data or ""),
        "Tak, udfaldet er gemt. Jobcentret får besked.", keep=OUTCOME_FORM)
