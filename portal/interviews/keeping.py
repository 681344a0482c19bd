"""An interview that stands although the pair has stopped, and keeping it (review AR 4).

A booked interview still ahead may no longer be wanted once the pair has stopped
(:data:`STANDING_CAUSES`, :func:`standing_cause_of`): it stays in both calendars, and the job
centre is asked to cancel or keep it (:func:`portal.main.queue.standing_interviews`). A kept
interview is stored (:data:`KEPT`, a mark on the proposal, audited ``interview_kept``), whether
the company kept it with its answer (:func:`portal.interviews.answers.answer`) or the job centre
with »Behold samtalen« (:func:`keep`): the consultant's start page then shows it as agreed,
without asking again.
"""
from __future__ import annotations

from ..extensions import db
from .. import proposals_hold
from ..proposals import OPENING_DONE, identity_released, placement_started
from store import clock
from store.models import Interview, Proposal, User
from .common import InterviewError, audit_step, lock, side_of
from .queries import held
from .refusals import changed

# Why a booked interview still ahead may no longer be wanted, first that applies: the candidate
# on hold, the name not shared now, a hire (answered or a placement started), the company's no,
# the opening filled or closed. Each stops new times but leaves the booked one in both calendars,
# so the job centre is asked to cancel or keep it (portal.main.queue.standing_interviews).
STANDING_CAUSES = ("on_hold", "name_hidden", "hired", "declined", "filled", "closed")
# Proposal.explanation's mark of a kept interview (review AR 4): {"interview": id, "reason": one
# of STANDING_CAUSES, "side": "company" or "jobcenter", "at": ISO moment}. A keep answers the
# question for that interview and that cause only: a moved interview (a new row, unless the
# move carried the mark, :func:`carry_keep`) or a new cause asks again.
KEPT = "interview_kept"
ALREADY_KEPT = "Samtalen er allerede beholdt. Intet er ændret."
NOTHING_TO_KEEP = "Samtalen står som aftalt, og der er intet at tage stilling til. Intet er ændret."


def standing_cause(*, on_hold: bool, released: bool, hire: bool, response: str | None,
                   opening_status: str) -> str | None:
    """Why a disclosed pair's booked interview ahead may no longer be wanted
    (:data:`STANDING_CAUSES`), or None: it is an interview like any other. The facts are the
    caller's (a list reads them for many pairs at once; :func:`standing_cause_of` for one)."""
    if on_hold:
        return "on_hold"
    if not released:
        return "name_hidden"
    if hire:
        return "hired"
    if response == "declined":
        return "declined"
    if opening_status in OPENING_DONE:
        return opening_status
    return None


def standing_cause_of(proposal: Proposal) -> str | None:
    """:func:`standing_cause` of one proposal as it stands (None unless it is disclosed)."""
    if proposal.status != "disclosed":
        return None
    return standing_cause(on_hold=proposals_hold.is_held(proposal), released=identity_released(proposal),
                          hire=proposal.company_response == "hired" or placement_started(proposal),
                          response=proposal.company_response, opening_status=proposal.opening.status)


def kept_by(proposal: Proposal, interview_id: int, cause: str | None) -> str | None:
    """Who kept the interview ``interview_id`` for ``cause`` ("company" or "jobcenter"), or None:
    no keep stored for that interview and that cause (:data:`KEPT`)."""
    mark = (proposal.explanation or {}).get(KEPT)
    if cause is None or not isinstance(mark, dict):
        return None
    if mark.get("interview") != interview_id or mark.get("reason") != cause:
        return None
    return mark.get("side")


def mark_kept(proposal: Proposal, interview: Interview, cause: str, user: User) -> None:
    """Store that ``user``'s side keeps ``interview`` for ``cause``, audited (``interview_kept``).
    The caller holds :func:`portal.interviews.common.lock`, so the explanation merged into is the
    committed one and no other step writes it before the commit (:mod:`portal.explanations`)."""
    side = side_of(user)
    mark = {"interview": interview.id, "reason": cause, "side": side, "at": clock.utcnow().isoformat()}
    proposal.explanation = {**(proposal.explanation or {}), KEPT: mark}  # a new dict: the JSON column sees it
    audit_step(proposal, user, "interview_kept", f"interview:{interview.id};reason:{cause};side:{side}")


def carry_keep(proposal: Proposal, replaced: Interview, interview: Interview) -> None:
    """A kept interview moved to a new time is still kept (:data:`KEPT`): the mark follows it.
    The caller holds :func:`portal.interviews.common.lock` (:mod:`portal.explanations`)."""
    mark = (proposal.explanation or {}).get(KEPT)
    if isinstance(mark, dict) and mark.get("interview") == replaced.id:
        proposal.explanation = {**proposal.explanation, KEPT: {**mark, "interview": interview.id}}


def keep(interview: Interview, user: User) -> str:
    """The job centre keeps a booked interview still ahead that stands although the pair has
    stopped (:func:`standing_cause_of`): the start page no longer asks to cancel or keep it.
    Nothing changes in the calendars, so nobody is told; audited; commit.

    Returns:
        The cause the interview is kept for (:data:`STANDING_CAUSES`).

    Raises:
        InterviewError: the interview is no longer booked (cancelled or moved meanwhile:
            :func:`portal.interviews.common.lock`), is held already, there is no cause to decide
            on, or it is kept already for this cause (nothing written).
    """
    proposal = interview.proposal
    lock(proposal)
    if interview.status != "booked":
        raise InterviewError(changed(interview, "booked"))
    if held(interview):
        raise InterviewError("Samtalen er allerede holdt. Intet er ændret.")
    cause = standing_cause_of(proposal)
    if cause is None:
        raise InterviewError(NOTHING_TO_KEEP)
    if kept_by(proposal, interview.id, cause) is not None:
        raise InterviewError(ALREADY_KEPT)
    mark_kept(proposal, interview, cause, user)
    db.session.commit()
    return cause
