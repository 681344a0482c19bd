"""The company's answer about a disclosed candidate, and its outcome after the interview.

:func:`answer` is the one place that stores the answer and decides what a hire or a no does to
an interview booked and still ahead: the company chooses to cancel it or keep it
(:data:`BOOKING_CHOICES`), and without that choice nothing is stored (:class:`BookingChoiceNeeded`).
The web's answer form, the interview's outcome form (:func:`report_outcome`) and the API all
call it, so the same answer has the same effect everywhere. A kept interview is stored as
:mod:`.keeping` describes.

A candidate on hold after a change of the opening's requirements gets no answer
(:func:`check_answer`), and a no after the held interview needs a reason (:class:`ReasonNeeded`).
"""
from __future__ import annotations

from flask import url_for

from ..extensions import db
from ..notifications.service import notify
from .. import proposals_hold
from ..proposals import ON_HOLD_TEXT, TransitionError, identity_released, placement_started, respond
from ..webhooks import events as webhook_events
from store import clock
from store.models import Interview, Proposal, User
from store.models.vocab import COMPANY_RESPONSES
from .booking import cancel
from .common import InterviewError, lock
from .keeping import mark_kept, standing_cause
from .notices import recipients
from .queries import booked, ends_at, held, response_label, still_shown, upcoming_booked

# What a hire or a no does to the interview still ahead: the company's choice (:func:`answer`).
BOOKING_CHOICES = ("cancel", "keep")
CHOICE_MISSING = "Vælg, om den aftalte samtale skal aflyses eller blive stående."
# A "no" after the held interview is the outcome »Ikke ansat«: the consultant needs to know why
# (the outcome form asks it; review AS 5: the API stored it without).
REASON_NEEDED = "Skriv kort, hvorfor kandidaten ikke blev ansat."


class BookingChoiceNeeded(InterviewError):
    """The answer would end the booking of ``interview`` (booked, still ahead, shown to the
    company), and no choice (:data:`BOOKING_CHOICES`) was given; nothing was written."""

    def __init__(self, interview: Interview) -> None:
        super().__init__(CHOICE_MISSING)
        self.interview = interview


class ReasonNeeded(InterviewError):
    """"declined" after the booked interview was held, without a reason (:data:`REASON_NEEDED`);
    nothing was written."""

    def __init__(self) -> None:
        super().__init__(REASON_NEEDED)


def report_outcome(proposal: Proposal, user: User, outcome: str, reason: str = "") -> None:
    """The company's outcome after the booked interview: "hired" or "declined" with a reason.

    Stored as the company's answer (:func:`portal.proposals.respond`); the consultants are
    told in the same transaction.

    Raises:
        InterviewError: no booked interview has ended yet, or "declined" without a reason.
        portal.proposals.TransitionError: as :func:`portal.proposals.respond`.
    """
    check_outcome(proposal, outcome, reason)
    answer(proposal, user, outcome, reason)


def check_outcome(proposal: Proposal, outcome: str, reason: str = "") -> None:
    """Refuse an outcome :func:`report_outcome` would not store (nothing is written).

    Raises:
        InterviewError: as :func:`report_outcome`.
        portal.proposals.TransitionError: as :func:`check_answer`.
    """
    item = booked(proposal)
    if item is None or ends_at(item) > clock.utcnow():
        raise InterviewError("Udfaldet kan meldes, når den aftalte samtale er holdt.")
    if outcome not in ("hired", "declined"):
        raise InterviewError("Vælg ansat eller ikke ansat.")
    check_answer(proposal, outcome, reason or "")


def check_answer(proposal: Proposal, response: str, note: str) -> None:
    """Refuse an answer the company may not give now (nothing is written).

    ``note``: the answer's note (the outcome's reason), always given: the web's answer form
    checks with it before its confirmation page, so a no without a reason after the held
    interview is refused at once, not only once confirmed; :func:`answer`, which every way of
    answering goes through, checks again.

    Raises:
        ReasonNeeded: "declined" after the booked interview was held (:func:`held`: the outcome
            »Ikke ansat«) with an empty note, whether it comes as the outcome
            (:func:`report_outcome`), as an answer on the web, or from the API (review AS 5).
        portal.proposals.TransitionError: the candidate is on hold after a change of the
            opening's requirements (the company is not told why); "hired" for a candidate whose
            identity is not released to the company; a change away from "hired" once the job
            centre has started a placement for the citizen on the opening.
    """
    if proposals_hold.is_held(proposal):
        raise TransitionError(f"{ON_HOLD_TEXT}. Svaret er ikke gemt.")
    if response == "declined" and not note.strip() and held(booked(proposal)):
        raise ReasonNeeded()
    if response == "hired" and not identity_released(proposal) and proposal.company_response != "hired":
        # A company cannot have hired someone whose name it was never given (review finding);
        # a hire reported while the name was shared may keep its answer after the consent ends.
        raise TransitionError("I kan først melde kandidaten ansat, når jobcentret har delt navnet "
                              "med jer. Vælg »Interesseret«, så kontakter jobcentret borgeren.")
    if proposal.company_response == "hired" and response != "hired" and placement_started(proposal):
        # The placement is real (hours, payroll): the job centre ends it, not a changed answer.
        raise TransitionError("Jobcentret har allerede startet forløbet, så svaret »Ansat / startet« kan "
                              "ikke ændres her. Kontakt jobcentret, hvis forløbet skal stoppe.")


def needs_confirmation(proposal: Proposal, response: str) -> bool:
    """Whether ``response`` changes the answer into or out of "hired": the job centre starts a
    placement on a hire (or must stop doing so), so the company confirms that step first."""
    return (response == "hired") != (proposal.company_response == "hired")


def interview_in_question(proposal: Proposal, response: str) -> Interview | None:
    """The booked interview still ahead that ``response`` would end, and so asks about: a new
    hire or a new no (not the same answer again), while the company is shown the pair's
    interviews (:func:`still_shown`; one it cannot see is the job centre's to handle, and a
    company may not cancel it). None when there is nothing to ask."""
    if response not in ("hired", "declined") or proposal.company_response == response:
        return None
    if not still_shown(proposal):
        return None
    return upcoming_booked(proposal)


def answer(proposal: Proposal, user: User, response: str, note: str = "", *,
           booked_interview: str | None = None) -> Interview | None:
    """Store a company's answer and tell the job centre's side (``company_answered``, :func:`recipients`); commit.

    A hire or a no with an interview ahead (:func:`interview_in_question`) takes the company's
    choice ``booked_interview``: "cancel" cancels it in the same transaction (both sides get the
    calendar CANCEL, webhook and audit of :func:`cancel`), "keep" leaves it booked and stores the
    keep (:func:`portal.interviews.keeping.kept_by`), so the job centre is not asked again.
    Without an interview ahead the choice is ignored.

    Returns:
        The interview ahead that was asked about (now cancelled or kept), or None.

    Raises:
        BookingChoiceNeeded: an interview is ahead and ``booked_interview`` is not one of
            :data:`BOOKING_CHOICES` (nothing written).
        ReasonNeeded: "declined" after the held interview without a note (:func:`check_answer`).
        portal.proposals.TransitionError: as :func:`portal.proposals.respond` or
            :func:`check_answer` (nothing written once the caller rolls back).
    """
    lock(proposal)  # the interview ahead as it is now (cancelled or moved meanwhile)
    check_answer(proposal, response, note)
    upcoming = interview_in_question(proposal, response)
    if upcoming is not None:
        _settle_booking(proposal, user, response, upcoming, booked_interview)
    text, link = _answer_notice(proposal, response)
    for recipient in recipients(proposal, "jobcenter"):
        notify(recipient, "company_answered", text, link)
    webhook_events.proposal_answered(db.session, proposal, response)  # the job centre's systems
    respond(proposal, user, response, note)
    return upcoming


def _settle_booking(proposal: Proposal, user: User, response: str, upcoming: Interview,
                    choice: str | None) -> None:
    """Cancel or keep the interview ahead that ``response`` would end, as the company chose.

    Raises:
        BookingChoiceNeeded: ``choice`` is not one of :data:`BOOKING_CHOICES`.
    """
    if choice not in BOOKING_CHOICES:
        raise BookingChoiceNeeded(upcoming)
    if choice == "cancel":
        cancel(upcoming, user, commit=False)
        return
    # kept: the job centre is not asked again to cancel or keep it (review AR 4)
    cause = standing_cause(on_hold=False, released=True, response=response,  # still_shown
                           hire=response == "hired" or placement_started(proposal),
                           opening_status=proposal.opening.status)
    if cause is not None:
        mark_kept(proposal, upcoming, cause, user)


def _answer_notice(proposal: Proposal, response: str) -> tuple[str, str]:
    """The job centre's notice of ``response`` (before it is stored) and its link.

    A no after the held interview reads as the outcome »Ikke ansat efter samtalen«, as the
    pages say it (:func:`response_label`), not »Ikke interesseret«.
    """
    label = response_label(response, after_interview=held(booked(proposal))) or response
    company, name, title = proposal.opening.company.name, proposal.citizen.name, proposal.opening.title
    if response == "hired":
        return (f"{company} har ansat {name} ({title}): start forløbet",
                url_for("placements.start", proposal_id=proposal.id))
    link = url_for("candidates.proposal", proposal_id=proposal.id)
    if proposal.company_response == "hired":
        # The consultants were told to start a placement: they must hear that it is off.
        return (f"{company} har ændret sit svar om {name} ({title}) fra "
                f"»{COMPANY_RESPONSES['hired']}« til »{label}«: start ikke forløbet"), link
    return f"{company} har svaret »{label}« om {name} ({title})", link
