"""A company answers a proposed candidate: interested, declined or hired, with a short note.

The citizen's consultants are told (``company_answered``) in the same transaction. An answer
into or out of "hired" starts (or stops) the job centre's work on a placement, so it is saved
only after a second step (:func:`portal.interviews.answer_confirm.confirm_page`): the form posts again with ``confirmed=1``. A
hire while an interview is booked and still ahead asks there whether to cancel the interview
(cancelled in the same transaction, both sides told) or keep it (review B10); so does a "no"
(»Ikke interesseret«) with an interview ahead, which otherwise needs no second step (review F2).
That rule is :func:`portal.interviews.answers.answer`'s, shared with the API (review AA 2): this
view only asks the question the service raises (:class:`~portal.interviews.answers.BookingChoiceNeeded`).
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length

from .. import audit, proposals
from ..access import company_required, get_owned_or_404
from ..extensions import db
from ..formutil import DanishForm, Required, choices, keep_form, kept_form, no_cpr, no_hidden_characters
from ..text import clean_text
from ..interviews import answers
from ..interviews.common import InterviewError, spoken_time
from ..interviews.answer_confirm import confirm_page, confirmed
from ..interviews.access import ANSWER_NOT_SAVED, left_behind, no_longer_current
from store.models import Opening, Proposal
from store.models.vocab import COMPANY_RESPONSES
from . import bp, requirements


class ResponseForm(DanishForm):
    """Only these two fields are read; anything else posted (status, consent, ...) is ignored."""

    # A blank first choice: an answer is chosen, never sent by accident as the first one listed.
    response = SelectField("Svar", choices=choices([("", "Vælg svar"), *COMPANY_RESPONSES.items()]),
                           validators=[Required("Vælg et svar.")])
    # The service refuses the same (portal.proposals.respond); here the error is shown at the field.
    # Cleaned first as every free-text field (review AP 2: a pasted CRLF, a trailing zero-width
    # space or a BOM is tidied, not refused), then checked as the service checks it.
    note = StringField("Kort note", filters=[clean_text], validators=[
        Length(max=proposals.MAX_NOTE_LENGTH, message=f"Højst {proposals.MAX_NOTE_LENGTH} tegn."),
        no_hidden_characters, no_cpr()])  # the job centre reads it; it goes to the XLSX (review BH 9)


# A refused answer's fields (formutil.keep_form), per proposal: the page it goes back to shows
# them again with their errors at the fields (review Q 4: the note typed was lost).
_ANSWER_FORM = "answer:{}"


@bp.app_template_global("kept_answer")
def kept_answer(proposal_id: int) -> ResponseForm | None:
    """The answer form of ``proposal_id`` as it was sent and refused, with its errors; else None.
    Rendered only: the page writes its own CSRF token, and the POST checks it."""
    kept = kept_form(_ANSWER_FORM.format(proposal_id))
    if kept is None:
        return None
    form = ResponseForm(formdata=kept, meta={"csrf": False})
    form.validate()
    if not form.note.errors and form.response.data == "declined":
        # The service's refusal of a no without a reason after the held interview, shown at the
        # note it concerns (the rule as the pair stands now: interviews.answers.check_answer).
        proposal = db.session.get(Proposal, proposal_id)
        try:
            if proposal is not None:
                answers.check_answer(proposal, "declined", form.note.data or "")
        except answers.ReasonNeeded as err:
            form.note.errors = [*form.note.errors, str(err)]
        except (proposals.TransitionError, InterviewError):
            pass  # said in the message the refusal flashed
    return form


@bp.post("/<int:opening_id>/kandidat/<int:proposal_id>/svar")
@company_required
def respond(opening_id: int, proposal_id: int):
    """Store the company's answer on one of its own opening's visible proposals.

    A candidate of the opening the company was shown that is no longer current (closed case,
    filled opening, withdrawn consent: it changed while the company typed) goes back to the
    opening with the note typed to copy, and no reason (review BH 4).

    :raise 404: if the opening is another company's, or the proposal is not one the
        company can see on this opening.
    """
    opening = get_owned_or_404(Opening, opening_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is not None and proposal.opening_id == opening.id and no_longer_current(proposal):
        return left_behind(proposal, ANSWER_NOT_SAVED, {"Jeres note": request.form.get("note", "")})
    if (proposal is None or proposal.opening_id != opening.id
            or proposal.status not in proposals.VISIBLE_TO_COMPANY):
        audit.record_now("authorisation_denied", purpose=f"Proposal:{proposal_id}", result="not_found")
        abort(404)
    form = ResponseForm()
    if request.form.get("next") == "candidate":
        back = redirect(url_for("openings.candidate", opening_id=opening.id, proposal_id=proposal.id))
    else:
        # Back to the answered card, not the top of a page with many cards.
        back = redirect(url_for("openings.detail", opening_id=opening.id, _anchor=f"kandidat-{proposal.id}"))
    if not form.validate_on_submit():
        if form.csrf_token.errors or not keep_form(_ANSWER_FORM.format(proposal.id), request.form):
            flash("Svaret blev ikke gemt: " + "; ".join(
                e for errors in form.errors.values() for e in errors), "error")
        else:
            flash("Svaret blev ikke gemt: ret det, der er markeret ved kandidaten.", "error")
        return back
    fields = {"response": form.response.data, "note": form.note.data or "", "next": request.form.get("next", "")}
    if requirements.is_held(proposal):  # left behind by a change of the opening's requirements
        flash(f"Svaret blev ikke gemt: {proposals.ON_HOLD_TEXT}.", "error")
        return back
    response = form.response.data
    try:
        # With the note: a no without a reason after the held interview is refused here, before
        # any confirmation page (not only once the company has confirmed it).
        answers.check_answer(proposal, response, form.note.data or "")
        if answers.needs_confirmation(proposal, response) and not confirmed():
            return confirm_page(proposal, response, back.location, fields=fields)
        previous = proposal.company_response
        # The rule for an interview ahead (cancel or keep, in the same transaction) is the service's.
        upcoming = answers.answer(proposal, current_user, response, form.note.data or "",
                                     booked_interview=request.form.get("interview"))
    except answers.BookingChoiceNeeded as err:  # asked on the confirmation page; nothing written
        return confirm_page(proposal, response, back.location, fields=fields,
                            error=str(err) if confirmed() else "")
    except (proposals.TransitionError, InterviewError) as err:
        db.session.rollback()
        flash(str(err), "error")
        # the note typed is not lost; a missing reason is shown at the note too (kept_answer)
        keep_form(_ANSWER_FORM.format(proposal.id), request.form)
    else:
        flash(_saved_message(previous, response), "success")
        if upcoming is not None:
            flash(f"Samtalen {spoken_time(upcoming.starts_at)} er aflyst, og jobcentret har fået besked."
                  if upcoming.status == "cancelled" else
                  f"Samtalen {spoken_time(upcoming.starts_at)} står stadig; I kan aflyse den under "
                  "»Jobsamtale« på kandidatens side.", "info")
    return back


def _saved_message(previous: str | None, response: str) -> str:
    if response == "hired":
        return ("Jeres svar er gemt. Jobcentret har fået besked og starter forløbet; I finder det "
                "derefter under Forløb.")
    if previous == "hired":
        return (f"Jeres svar er ændret til »{COMPANY_RESPONSES[response]}«. Jobcentret har fået besked "
                "om, at forløbet ikke skal startes.")
    return "Jeres svar er gemt."
