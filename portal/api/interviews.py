"""/api/v1/proposals/{id}/interviews and /outcome: offer interview times, move a booked
interview, report the outcome after it (review AS 3: the web could, the API could not).

Thin: each endpoint is the web's own step (:mod:`portal.interviews.routes`) on the same
service function (:func:`portal.interviews.booking.offer`, :func:`~portal.interviews.booking.move`,
:func:`~portal.interviews.answers.report_outcome`), with the web form's validation
(:class:`portal.interviews.forms.OfferForm`, :class:`~portal.interviews.forms.OutcomeForm`) as a
422 per field and the service's refusal of the step as a 409. Access is the web's: a company
acts on its own opening's shown candidates, the job centre's consultants and administrators on
any proposal (:func:`.proposals.shown_proposal`: a company's own candidate that is no longer
current is 410, anything else 404); the outcome is the company's alone. Each answers with the candidate as ``GET /proposals/{id}`` shows it.

Booking a time the other side offered and cancelling one stay in :mod:`.proposals`
(``…/interviews/{id}/book`` and ``…/cancel``).
"""
from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from store import clock
from store.models import Proposal

from .. import proposals as rules
from ..extensions import db
from ..interviews import answers, booking
from ..interviews.common import InterviewError
from ..interviews.queries import OUTCOME_LABELS
from ..interviews.slots import DAY_ENDS, DAY_STARTS, MAX_LOCATION, MAX_MINUTES, MAX_SLOTS, MIN_MINUTES, Slot, check_slots
from ..interviews.forms import OfferForm, OutcomeForm
from . import common, forms, guard, problems
from .proposals import GONE_WRITE_HELP, ProposalOut, interview_of, proposal_view, shown_proposal

bp = common.blueprint("api_interviews", "proposals",
                      "Jobsamtaler om en delt kandidat: foreslå tider, flyt en aftalt samtale, meld udfaldet.")
# A repeated POST (Idempotency-Key) shows the candidate as it is now, as the proposals' own POSTs do.
guard.replay_by_reading(bp, "api_proposals.get_proposal", "proposal_id")

# Who books interviews on the web (portal.interviews.routes.booking_required): the company's users,
# and the job centre's consultants and administrators. An integration's key is no person's and
# has no place in a meeting.
BOOKERS = ("company", "consultant", "admin")
TIMES_HELP = (f"1-{MAX_SLOTS} starttidspunkter med tidszone (RFC 3339, fx 2026-12-10T10:00:00+01:00), "
              "i hele minutter, frem i tiden og mellem kl. "
              f"{DAY_STARTS:%H.%M} og {DAY_ENDS:%H.%M} dansk tid (med varigheden). "
              "Den anden part vælger en af dem.")
# The web form's fields by the names this API gives them (forms.validated's errors).
OFFER_NAMES = {**{f"date{n}": "times" for n in range(1, MAX_SLOTS + 1)},
               **{f"time{n}": "times" for n in range(1, MAX_SLOTS + 1)},
               "duration": "duration_minutes"}


def bookers_only() -> None:
    """:raise 403: (problem) for a token whose user does not book interviews on the web."""
    common.require_role(*BOOKERS)


class TimesIn(ma.Schema):
    times = ma.fields.List(ma.fields.AwareDateTime(), required=True,
                           validate=ma.validate.Length(min=1, max=MAX_SLOTS,
                                                       error=f"Foreslå mellem 1 og {MAX_SLOTS} tider."),
                           metadata={"description": TIMES_HELP})
    duration_minutes = common.Integer(load_default=60, metadata={
        "description": f"Samtalens længde i minutter ({MIN_MINUTES}-{MAX_MINUTES}); "
                       "samme for alle tiderne. Standard 60."})
    location = ma.fields.String(required=True, metadata={
        "description": f"Stedet for samtalen (højst {MAX_LOCATION} tegn)."})


class OutcomeIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(list(OUTCOME_LABELS)),
                               metadata={"description": "hired (ansat) eller declined (ikke ansat)."})
    reason = ma.fields.String(load_default="", metadata={
        "description": f"Hvorfor kandidaten ikke blev ansat: skal udfyldes ved declined (højst "
                       f"{rules.MAX_NOTE_LENGTH} tegn)."})


def _slots(body: dict) -> list[Slot]:
    """The times as the web's form reads them (Danish local date and clock time), validated by
    that form and then by the service's own slot rules (:func:`portal.interviews.slots.check_slots`).

    :raise 422: (problem) at ``times``, ``duration_minutes`` or ``location``, with the web's messages.
    """
    local = [moment.astimezone(clock.LOCAL) for moment in body["times"]]
    if any(moment.second or moment.microsecond for moment in local):
        problems.abort(422, errors={"times": ["Angiv tiderne i hele minutter (uden sekunder)."]})
    values = {"duration": body["duration_minutes"], "location": body["location"]}
    for n, moment in enumerate(local, start=1):
        values[f"date{n}"], values[f"time{n}"] = moment.date().isoformat(), moment.strftime("%H:%M")
    form = forms.validated(OfferForm, values, api_names=OFFER_NAMES)
    try:
        return check_slots(form.slots())
    except InterviewError as err:  # e.g. the same time twice
        problems.abort(422, errors={"times": [str(err)]})


def _step(action) -> None:
    """Run the web's step (it commits). :raise 409: (problem, the service's Danish reason) when
    the step is refused now; nothing is written."""
    try:
        action()
    except (InterviewError, rules.TransitionError) as err:
        db.session.rollback()
        problems.abort(409, str(err))


@bp.post("/<int:proposal_id>/interviews")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(TimesIn)
@bp.response(200, ProposalOut)
@bp.alt_response(409, description=(
    "Tiderne kan ikke foreslås nu: navnet er ikke delt (samtykke og deling mangler eller er ophørt), der er "
    "allerede aftalt en samtale (flyt den i stedet), kandidaten er ikke aktuel lige nu (on_hold), eller "
    "opslaget er besat eller lukket."))
@bp.alt_response(422, description="Ugyldige data: se 'errors' ved times, duration_minutes eller location "
                                   "(fx en tid i fortiden eller uden for dagtimerne, eller samme tid to gange).")
@bp.alt_response(410, description=GONE_WRITE_HELP)
def offer_interview(body, proposal_id: int):
    """Foreslå 1-3 samtaletider; den anden part (jobcentret eller virksomheden) vælger en af dem.

    Som »Foreslå tider« på portalen: tider, I har foreslået før, og som ikke er valgt, trækkes
    tilbage; den anden part får besked. Virksomheden: kun når navnet er delt med jer."""
    proposal = shown_proposal(proposal_id)
    slots = _slots(body)
    _step(lambda: booking.offer(proposal, current_user, slots))
    return proposal_view(_fresh(proposal))


@bp.post("/<int:proposal_id>/interviews/<int:interview_id>/move")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(TimesIn)
@bp.response(200, ProposalOut)
@bp.alt_response(409, description=(
    "Samtalen kan ikke flyttes: den er ikke (længere) aftalt, den er flyttet eller aflyst imens, eller som "
    "ved forslag af tider (navnet ikke delt, on_hold, opslaget besat eller lukket)."))
@bp.alt_response(422, description="Ugyldige data: se 'errors' ved times, duration_minutes eller location.")
@bp.alt_response(410, description=GONE_WRITE_HELP)
def move_interview(body, proposal_id: int, interview_id: int):
    """Flyt en aftalt samtale: foreslå nye tider; den aftalte samtale gælder, indtil en af dem er valgt.

    Som »Flyt samtalen« på portalen: når den anden part vælger en ny tid, aflyses den gamle
    (kalenderaflysning til begge parter, webhooken interview.cancelled med moved)."""
    proposal = shown_proposal(proposal_id)
    interview = interview_of(proposal, interview_id)
    slots = _slots(body)
    _step(lambda: booking.move(interview, current_user, slots))
    return proposal_view(_fresh(proposal))


@bp.post("/<int:proposal_id>/outcome")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(OutcomeIn)
@bp.response(200, ProposalOut)
@bp.alt_response(409, description=(
    "Udfaldet kan ikke meldes nu: den aftalte samtale er ikke holdt endnu (eller der er ingen), kandidaten "
    "er ikke aktuel lige nu (on_hold), navnet er ikke delt (ved hired), eller jobcentret har allerede "
    "startet forløbet."))
@bp.alt_response(422, description="Ugyldige data: se 'errors'. Blandt andet: declined uden reason.")
@bp.alt_response(410, description=GONE_WRITE_HELP)
def report_outcome(body, proposal_id: int):
    """Meld udfaldet efter den holdte samtale: hired (ansat) eller declined (ikke ansat) med en begrundelse.

    Som »Hvordan gik samtalen?« på portalen: gemmes som jeres svar (response, response_note), og
    jobcentret får besked; ved hired starter jobcentret forløbet. Kun virksomheder."""
    proposal = shown_proposal(proposal_id)
    form = forms.validated(OutcomeForm, {"outcome": body["outcome"], "reason": body.get("reason") or ""})
    try:
        answers.report_outcome(proposal, current_user, form.outcome.data, form.reason.data or "")
    except answers.ReasonNeeded as err:  # the service's rule, should the form ever let it through
        db.session.rollback()
        problems.abort(422, str(err), errors={"reason": [str(err)]})
    except (InterviewError, rules.TransitionError) as err:
        db.session.rollback()
        problems.abort(409, str(err))
    return proposal_view(_fresh(proposal))


def _fresh(proposal: Proposal) -> Proposal:
    """The proposal as committed by the step (its answer and interviews read again)."""
    db.session.refresh(proposal)
    return proposal


# Role checks before the body is read (a wrong role gets 403, never a list of field errors).
guard.restrict_endpoints(bp, bookers_only, "offer_interview", "move_interview")
guard.restrict_endpoints(bp, common.company_only, "report_outcome")
