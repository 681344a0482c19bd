"""What closing a case does to the citizen's live proposals (:func:`end_live_proposals`).

Every live proposal that has not led to a hire (:func:`portal.proposals.is_endable`) ends:
its future interviews, offered or booked, are cancelled through the interview service (a
booked one sends both sides the calendar CANCEL), any consent is withdrawn so the company no
longer sees the name, and the status becomes "ended" (:func:`portal.proposals.end`). The
users of each company that would care (:func:`told`: it sees the candidate, has not declined
it, and the opening is still open) are told "no longer relevant", by the candidate's
per-opening pseudonym and never with the reason: why a case closes is the citizen's private
information.

Nothing here commits: it runs inside :func:`portal.citizens.case.close_case`, whose caller
commits the case, the proposals, the interviews, the notices and the audit events together.
:func:`preview` tells the consultant beforehand what will happen.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from .. import name_order, proposals
from ..extensions import db
from ..interviews.booking import cancel
from ..interviews.common import spoken_time
from ..interviews.notices import calendar
from ..interviews.queries import future_interviews, in_calendars
from ..notifications import candidate_news
from ..webhooks import events as webhook_events
from store import clock
from store.models import Citizen, Interview, Proposal, User


@dataclass(frozen=True)
class EndingItem:
    """One proposal closing the case would end, as the close form lists it."""

    proposal_id: int
    opening_title: str
    company: str
    status: str  # the key; the page shows its label
    told: bool  # the company would care and will be told (:func:`told`)
    untold_because: str = ""  # when not told, a key of :data:`UNTOLD`; the page says why


@dataclass(frozen=True)
class EndingPreview:
    """What closing the case will do (:func:`preview`) or did (:func:`end_live_proposals`) to the
    citizen's proposals."""

    items: tuple[EndingItem, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def companies(self) -> tuple[str, ...]:
        """The companies that will be told, each once, in alphabetical order."""
        return tuple(sorted({i.company for i in self.items if i.told}, key=name_order.sort_key))


def live_proposals(citizen_id: int) -> list[Proposal]:
    """The citizen's proposals that closing the case ends, oldest first."""
    rows = db.session.scalars(sa.select(Proposal).where(
        Proposal.citizen_id == citizen_id, Proposal.status.in_(proposals.ENDABLE))
        .order_by(Proposal.id))
    return [p for p in rows if proposals.is_endable(p)]


def ended_count(citizen_id: int) -> int:
    """How many of the citizen's proposals ended with a closed case."""
    return db.session.scalar(sa.select(sa.func.count(Proposal.id)).where(
        Proposal.citizen_id == citizen_id, Proposal.status == "ended")) or 0


ended_now = proposals.ended_now  # the closing's flash


def stay_ended(count: int) -> str:
    """Said when reopening: the ``count`` (>= 1) proposals that ended with the case stay ended,
    singular or plural ("Det ene forslag ... forbliver afsluttet" / "De 3 forslag ... forbliver
    afsluttede")."""
    if count == 1:
        return "Det ene forslag, der blev afsluttet med sagen, forbliver afsluttet"
    return f"De {count} forslag, der blev afsluttet med sagen, forbliver afsluttede"


# Why a company is not told that a proposal ended (the close form says it per proposal).
UNTOLD = ("not_visible", "declined", "opening_closed")


def untold_because(proposal: Proposal) -> str:
    """Why the company would not care that the proposal ends ("" when it would): it does not
    see the candidate now ("not_visible"), it already said no ("declined"), or the opening is
    no longer open ("opening_closed")."""
    if proposal.status not in proposals.VISIBLE_TO_COMPANY:
        return "not_visible"
    if proposals.company_declined(proposal):
        return "declined"
    if proposal.opening.status != "open":
        return "opening_closed"
    return ""


def ended_proposals(citizen_id: int) -> list[Proposal]:
    """The citizen's proposals that ended with a closed case, newest ending first: the reopen
    form and the reopened case list them, each with a link to its page."""
    return list(db.session.scalars(sa.select(Proposal).where(
        Proposal.citizen_id == citizen_id, Proposal.status == "ended")
        .order_by(Proposal.ended_on.desc(), Proposal.id)))


def told(proposal: Proposal) -> bool:
    """Whether the company is told the proposal ended: only one that would care, i.e. it sees
    the candidate now, has not declined it, and the opening is still open. The proposal ends
    either way."""
    return not untold_because(proposal)


def preview(citizen: Citizen) -> EndingPreview:
    """What :func:`end_live_proposals` would do to ``citizen``'s proposals now (writes nothing)."""
    return EndingPreview(tuple(_item(p) for p in live_proposals(citizen.id)))


def _item(proposal: Proposal) -> EndingItem:
    why = untold_because(proposal)
    return EndingItem(proposal.id, proposal.opening.title, proposal.opening.company.name, proposal.status,
                      not why, why)


def end_live_proposals(citizen: Citizen, user: User, closed_on: date,
                       now: datetime | None = None) -> EndingPreview:
    """End the citizen's live proposals because the case closed on ``closed_on``; the caller commits.

    Returns:
        What was ended and who was told (each item as it stood before it ended).
    """
    now = now or clock.utcnow()
    done = []
    for proposal in live_proposals(citizen.id):
        item = _item(proposal)
        name_was_shown = proposals.identity_released(proposal)  # before the ending hides it
        ahead = future_interviews(proposal, now)
        for interview in ahead:  # while the name is still released
            # a told company's one notice says both (_tell_company), as a held ending's does
            cancel(interview, user, commit=False, require_release=False, tell_company=not item.told)
        proposals.end(proposal, user, closed_on)
        if item.told:
            _tell_company(proposal, name_was_shown, next((i for i in ahead if in_calendars(i)), None))
        done.append(item)
    return EndingPreview(tuple(done))


def _tell_company(proposal: Proposal, name_was_shown: bool, interview: Interview | None = None) -> None:
    """The company is told (by pseudonym, never why) and its systems get ``proposal.ended``;
    ``name_was_shown``: the name was released to the company until now (only then does the mail
    say it is no longer shown: an approved or consented candidate's name never was).

    ``interview``: the booked interview the closing cancelled; the same notice says so and its
    mail carries the calendar CANCEL (:func:`portal.interviews.booking.cancel` then told only the
    job centre's side): one step, one notice per company user (review AE 8)."""
    candidate_news.announce_ended(
        proposal, name_was_shown=name_was_shown,
        key=f"candidate_ended:{proposal.id}:{candidate_news.decision_key(proposal)}",
        interview=spoken_time(interview.starts_at) if interview is not None else None,
        ics=calendar(interview, "CANCEL") if interview is not None else None)
    webhook_events.proposal_ended(db.session, proposal)
