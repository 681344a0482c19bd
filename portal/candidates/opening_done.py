"""Ending the proposals still waiting on an opening that is filled or closed ("Afslut forslaget").

When every place of an opening is taken, or the company closes it, the candidates still on it
(:data:`portal.proposals.ENDABLE`: proposed, approved, consented, disclosed, withdrawn) have
nothing left to wait for. The consultant ends them: one from the proposal page, or all of an
opening's at once from its candidate page; the start page lists them
(:func:`portal.main.queue.on_done_openings`). Ending one (:func:`end`) cancels the pair's
future interviews through the interview service while the name is still released (a booked
one sends both sides the calendar CANCEL), stops the consent (marked as ended with the
proposal, not as withdrawn by the citizen) and sets the status "opening_done"
(:func:`portal.proposals.end_with_opening`). The company filled or closed the opening itself,
so its users get no notice (unlike for a candidate on hold: below); its systems get
``proposal.ended`` for a candidate it was shown and had not declined, so an applicant tracking
system can close the candidate too.

It is the consultant's step, not automatic: a company may close an opening by mistake and
reopen it, and a stopped consent cannot come back without the citizen. Never ended here: a
pair with a placement, or one the company answered "hired" (that is the placement's matter).

A candidate a change of the opening's requirements put on hold
(:func:`portal.proposals_hold.is_held`, marked by :mod:`portal.openings.requirements`: the
company sees "ikke aktuel lige nu", cannot answer it, and the consultants were told) is ended
the same way while the opening is still
open (:func:`hold` says so on the proposal page, :func:`held_on` on the opening's candidate
page). It is marked (:data:`ENDED_ON_HOLD`), so its pages say why it ended. The company did not
end it this time, so a company that was shown the candidate and had not declined it (the same
rule as ``proposal.ended``) is told, by the candidate's pseudonym, that it is no longer aktuel,
never why (:func:`portal.notifications.candidate_news.no_longer_relevant`, the notice kind
``candidate_ended``), linking to the candidate's page, which says so and where the notice is
read. A booked interview the ending cancels is named in that same notice, whose mail carries
the calendar CANCEL: one notice per user for the one step (review AE 8).

It lives here, not in :mod:`portal.proposals`, because the interview service imports the
state machine (as :mod:`.withdrawal` does).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from .. import proposals
from ..extensions import db
from ..interviews.booking import cancel
from ..interviews.common import lock, spoken_time
from ..interviews.notices import calendar
from ..interviews.queries import future_interviews, in_calendars
from .. import proposals_hold
from ..notifications import candidate_news
from ..webhooks import events as webhook_events
from .withdrawal import Cancelled
from store import clock
from store.models import Interview, Opening, Proposal, User
from store.models.vocab import PROPOSAL_STATUSES

# The key in Proposal.explanation of a proposal ended because it was on hold (portal.proposals_hold).
ENDED_ON_HOLD = proposals_hold.ENDED_ON_HOLD


def endable(proposal: Proposal) -> bool:
    """Whether the consultant may end ``proposal`` because its opening is filled or closed, or a
    change of the opening's requirements put it on hold: the proposal is live and not a hire,
    and the pair has no placement."""
    return (proposals.is_endable(proposal) and not proposals.placement_started(proposal)
            and (proposal.opening.status in proposals.OPENING_DONE or proposals_hold.is_held(proposal)))


@dataclass(frozen=True)
class Hold:
    """A live proposal on hold after a change of its opening's requirements: ``since``, the day
    of the change (None if the mark holds no valid day), and ``fields``, what changed, in words."""

    since: date | None
    fields: tuple[str, ...]


def hold(proposal: Proposal) -> Hold | None:
    """The hold of ``proposal`` (:func:`portal.proposals_hold.is_held`), or None: not on
    hold, or no longer live (an ended one says so itself: :func:`ended_on_hold`)."""
    if proposal.status not in proposals.ENDABLE or not proposals_hold.is_held(proposal):
        return None
    mark = proposal.explanation.get(proposals_hold.MARK) or {}
    try:
        since = date.fromisoformat(mark.get("on") or "")
    except (TypeError, ValueError):
        since = None
    words = proposals_hold.FIELD_WORDS  # the consultants' notice's own words
    return Hold(since, tuple(words[name] for name in mark.get("fields") or () if name in words))


def held_on(opening_id: int) -> list[Proposal]:
    """The opening's live proposals on hold after a change of its requirements, oldest first."""
    rows = list(db.session.scalars(sa.select(Proposal).where(
        Proposal.opening_id == opening_id, Proposal.status.in_(proposals.ENDABLE)).order_by(Proposal.id)))
    on_hold = proposals_hold.held(rows)
    return [p for p in rows if p.id in on_hold]


def ended_on_hold(proposal: Proposal) -> bool:
    """Whether ``proposal`` was ended (``opening_done``) because it was on hold, not because
    its opening was filled or closed (:func:`portal.proposals.ended_on_hold`)."""
    return proposals.ended_on_hold(proposal)


def status_label(proposal: Proposal) -> str:
    """The proposal's status in words for the consultant; one ended on hold says so (the page
    says a live one on hold beside it: :func:`hold`)."""
    if ended_on_hold(proposal):
        return proposals.ENDED_ON_HOLD_LABEL
    return PROPOSAL_STATUSES.get(proposal.status, proposal.status)


def waiting(opening_id: int) -> list[Proposal]:
    """The opening's proposals :func:`endable` now, oldest first (none while it is open)."""
    rows = db.session.scalars(sa.select(Proposal).join(Opening, Proposal.opening_id == Opening.id).where(
        Proposal.opening_id == opening_id, Opening.status.in_(proposals.OPENING_DONE),
        Proposal.status.in_(proposals.ENDABLE)).order_by(Proposal.id))
    return [p for p in rows if endable(p)]


def end(proposal: Proposal, user: User, today: date | None = None, now: datetime | None = None) -> Cancelled:
    """Live → opening_done, cancelling the pair's future interviews first; commits.

    Returns:
        What was cancelled.

    Raises:
        TransitionError: the proposal cannot be ended this way (nothing is written).
    """
    cancelled = _end(proposal, user, today or clock.today(), now)
    db.session.commit()
    return cancelled


def end_all(opening: Opening, user: User, today: date | None = None, now: datetime | None = None) -> int:
    """End every proposal :func:`waiting` on ``opening`` in one transaction; commits.

    Returns:
        How many were ended (0 when the opening is open or none wait).
    """
    rows = waiting(opening.id)
    for proposal in rows:
        _end(proposal, user, today or clock.today(), now)
    db.session.commit()
    return len(rows)


def _end(proposal: Proposal, user: User, today: date, now: datetime | None) -> Cancelled:
    lock(proposal)  # the times ahead as they are now: none chosen behind the ending (review AF 2)
    if not endable(proposal):
        if proposals.placement_started(proposal):
            raise proposals.TransitionError("Borgeren har et forløb i opslaget; det følges op på forløbets side.")
        proposals.end_with_opening(proposal, user, today)  # raises the state machine's own message
    tell = proposal.status in proposals.VISIBLE_TO_COMPANY and not proposals.company_declined(proposal)
    held = proposal.opening.status not in proposals.OPENING_DONE  # endable: so on hold
    ahead = future_interviews(proposal, now)
    cancelled = Cancelled(tuple(i.starts_at for i in ahead if i.status == "booked"),
                          sum(1 for i in ahead if i.status == "offered"))
    told_once = tell and held  # the company's one notice says both (_tell_company)
    for interview in ahead:  # while the name is still released
        cancel(interview, user, commit=False, require_release=False, tell_company=not told_once)
    proposals.end_with_opening(proposal, user, today, held=held)
    # A new dict: the JSON column sees the change. Merged into the explanation as read under
    # the lock taken above, so a mark another step wrote is kept (portal.explanations).
    if held:
        proposal.explanation = {**(proposal.explanation or {}), ENDED_ON_HOLD: today.isoformat()}
    if tell:
        webhook_events.proposal_ended(db.session, proposal)
        if held:
            _tell_company(proposal, next((i for i in ahead if in_calendars(i)), None))
    return cancelled


def _tell_company(proposal: Proposal, interview: Interview | None) -> None:
    """Tell the company that the held candidate (by pseudonym, as its card showed it, with no
    name shown) is no longer aktuel; the caller commits.

    ``interview``: the booked interview the ending cancelled. The same notice says so and its
    mail carries the calendar CANCEL (:func:`portal.interviews.booking.cancel` then told only
    the job centre's side): one step, one notice per company user (review AE 8)."""
    candidate_news.announce_ended(
        proposal, name_was_shown=False,
        key=f"candidate_ended:held:{proposal.id}:{candidate_news.decision_key(proposal)}",
        interview=spoken_time(interview.starts_at) if interview is not None else None,
        ics=calendar(interview, "CANCEL") if interview is not None else None)
