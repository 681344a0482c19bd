"""Reading a pair's interviews, and how the pages name them; nothing here writes.

The rows of one proposal (:func:`interviews`) or of many in one statement for a list page
(:func:`interviews_by_proposal`, then :func:`booked_among` and :func:`offered_among`); whether a
booked time is over (:func:`held`, :func:`held_among`); the labels of the booking history and
of the company's answer (:func:`history_label`, :func:`answer_label`, :func:`response_label`);
and whether the company may choose a time or see the interviews now (:func:`can_choose`,
:func:`still_shown`).
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .. import proposals_hold
from ..proposals import OPENING_DONE, identity_released, sharing_refusal
from store import clock
from store.models import Interview, Proposal, User
from store.models.vocab import COMPANY_RESPONSES, DECLINED_AFTER_INTERVIEW
from .common import as_utc, side_of

# The company's answer as it reads after a held interview (the outcome form's choices).
OUTCOME_LABELS = {"hired": "Ansat", "declined": "Ikke ansat"}
# An earlier time as the booking history shows it: "declined" is an offered time the other
# side did not choose (another one was booked), not one anybody turned down.
HISTORY_LABELS = {"declined": "Ikke valgt", "cancelled": "Aflyst"}


def interviews(proposal: Proposal) -> list[Interview]:
    """All interview rows of a proposal, oldest first."""
    return list(db.session.scalars(
        sa.select(Interview).where(Interview.proposal_id == proposal.id)
        .order_by(Interview.starts_at, Interview.id)))


def future_interviews(proposal: Proposal, now: datetime | None = None) -> list[Interview]:
    """The proposal's interviews still ahead, offered or booked: what withdrawing the consent
    or closing the case cancels (past ones stay as they happened)."""
    now = now or clock.utcnow()
    return [i for i in interviews(proposal) if i.status in ("offered", "booked") and as_utc(i.starts_at) > now]


def interviews_by_proposal(proposal_ids: list[int]) -> dict[int, list[Interview]]:
    """The interview rows of many proposals in one statement: proposal id → rows, oldest first.

    Proposals without interviews map to an empty list. Use with :func:`booked_among` and
    :func:`offered_among` for a list page instead of :func:`booked` per proposal.
    """
    found: dict[int, list[Interview]] = {pid: [] for pid in proposal_ids}
    if proposal_ids:
        for row in db.session.scalars(
                sa.select(Interview).where(Interview.proposal_id.in_(proposal_ids))
                .order_by(Interview.starts_at, Interview.id)):
            found[row.proposal_id].append(row)
    return found


def booked_among(rows: list[Interview]) -> Interview | None:
    """The booked one of a proposal's interview rows, if any."""
    return next((i for i in rows if i.status == "booked"), None)


def offered_among(rows: list[Interview]) -> list[Interview]:
    """The rows offered and not yet booked, declined or cancelled."""
    return [i for i in rows if i.status == "offered"]


def booked(proposal: Proposal) -> Interview | None:
    """The proposal's booked interview, if any (at most one is booked at a time)."""
    return booked_among(interviews(proposal))


def open_offers(proposal: Proposal) -> list[Interview]:
    """Times offered and not yet booked, declined or cancelled."""
    return offered_among(interviews(proposal))


def upcoming_booked(proposal: Proposal) -> Interview | None:
    """The proposal's booked interview if it has not been held yet."""
    item = booked(proposal)
    return item if item is not None and not held(item) else None


def ends_at(interview: Interview) -> datetime:
    return as_utc(interview.starts_at) + timedelta(minutes=interview.duration_minutes)


def held(item: Interview | None, now: datetime | None = None) -> bool:
    """Whether ``item`` is a booked interview whose time is over."""
    return item is not None and item.status == "booked" and ends_at(item) <= (now or clock.utcnow())


def held_among(proposal_ids, now: datetime | None = None) -> set[int]:
    """The ids among ``proposal_ids`` whose booked interview is over (one query): their
    "declined" is the outcome after the interview (:data:`DECLINED_AFTER_INTERVIEW`)."""
    ids = list(proposal_ids)
    if not ids:
        return set()
    rows = db.session.scalars(sa.select(Interview).where(Interview.proposal_id.in_(ids),
                                                         Interview.status == "booked"))
    return {row.proposal_id for row in rows if held(row, now)}


def outcome_due(proposal: Proposal, now: datetime | None = None) -> bool:
    """A booked interview has ended and the company has not reported hired or not hired."""
    item = booked(proposal)
    return (item is not None and ends_at(item) <= (now or clock.utcnow())
            and proposal.company_response not in ("hired", "declined"))


def over(interview: Interview, now: datetime | None = None) -> bool:
    """Whether a booked or offered time is past cancelling: a booked interview once held
    (:func:`held`, as the page stops offering »Aflys samtalen«), an offered time once it has
    begun (:func:`portal.interviews.booking.book` no longer takes it)."""
    now = now or clock.utcnow()
    if interview.status == "booked":
        return held(interview, now)
    return interview.status == "offered" and as_utc(interview.starts_at) <= now


def in_calendars(interview: Interview) -> bool:
    """Whether the interview was ever booked, so it has a calendar file: the invitation while
    booked, the cancellation once a booked time was cancelled
    (:func:`portal.interviews.booking.cancel` raises the sequence only then). An offered time
    that was never chosen was never in a calendar."""
    return interview.status == "booked" or (interview.status == "cancelled" and interview.sequence > 0)


def history_label(interview: Interview) -> str:
    """An earlier time as the booking history names it: "Ikke valgt" (another offered time was
    booked), "Aflyst" (a booked time cancelled) or "Trukket tilbage" (an offer withdrawn)."""
    if interview.status == "cancelled" and not in_calendars(interview):
        return "Trukket tilbage"
    return HISTORY_LABELS[interview.status]


def answer_label(proposal: Proposal, item: Interview | None) -> str:
    """The company's answer in words: after the held interview ``item`` "Ansat" / "Ikke ansat"."""
    response = proposal.company_response
    if held(item) and response in OUTCOME_LABELS:
        return OUTCOME_LABELS[response]
    return COMPANY_RESPONSES.get(response, "") if response else ""


def response_label(response: str | None, after_interview: bool) -> str:
    """The company's answer as a row or card says it: "declined" after a held interview is
    "Ikke ansat efter samtalen", not "Ikke interesseret"."""
    if not response:
        return ""
    if response == "declined" and after_interview:
        return DECLINED_AFTER_INTERVIEW
    return COMPANY_RESPONSES.get(response, "")


def other_party(proposal: Proposal, user: User) -> str:
    """Who the user's step is sent to, as the confirmation names it: "jobcentret" for a company
    user, the company's name for staff."""
    return "jobcentret" if side_of(user) == "company" else proposal.opening.company.name


def _on_hold(proposal: Proposal, held_ids: Collection[int] | None) -> bool:
    return proposal.id in held_ids if held_ids is not None else proposals_hold.is_held(proposal)


def can_choose(proposal: Proposal, held: Collection[int] | None = None) -> bool:
    """Whether a time can be chosen or booked for the pair now: the checks
    :func:`portal.interviews.booking.book` makes (the name shared under a live consent, the
    opening open or the pair its hire, not on hold), so a to-do never asks for what the booking
    would refuse (review Z 1, 5, 6).

    ``held``: the ids on hold among a list of pairs, read once by the caller with
    :func:`portal.proposals_hold.held` (one read of the rules for a company's whole list);
    without it the pair's hold is read alone.
    """
    return (identity_released(proposal) and not _on_hold(proposal, held)
            and not (proposal.opening.status in OPENING_DONE and sharing_refusal(proposal)))


def still_shown(proposal: Proposal, held: Collection[int] | None = None) -> bool:
    """Whether the company is shown the pair's booked interviews ahead: while the name is shared
    and the candidate is not on hold (a held candidate's page has no interview panel; the job
    centre handles its interviews). ``held`` as for :func:`can_choose`."""
    return identity_released(proposal) and not _on_hold(proposal, held)
