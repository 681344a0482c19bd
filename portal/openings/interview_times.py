"""Interviews the company has to see outside »Beskeder« (review W 4): the times the job centre
offered, waiting for the company's choice, and the booked interviews ahead.

One query for every page that shows them: the company's start page, its /opslag list (counted
per opening) and the opening's page (on each candidate's card).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .. import proposals_hold
from ..extensions import db
from ..interviews.common import spoken_time
from ..interviews.queries import can_choose, still_shown
from ..pseudonyms import pseudonym
from store.models import Interview, Opening, Proposal


@dataclass(frozen=True)
class InterviewItem:
    """An interview of one candidate: times to choose among (``times``, earliest first, offered
    by the job centre), or one booked time (a single one)."""

    proposal_id: int
    opening_id: int
    opening_title: str
    pseudonym: str
    times: tuple[str, ...]  # spoken, Danish local time


def interviews_for_company(company_id: int, now: datetime, opening_id: int | None = None,
                           ) -> tuple[list[InterviewItem], list[InterviewItem]]:
    """(times to choose, upcoming booked interviews) of the company's candidates, in one statement;
    with ``opening_id``, of that opening's candidates only.

    To choose: a candidate with times the job centre offered that are still ahead and not
    booked, declined or cancelled (review W 4: only »Beskeder« said so), the soonest first, and
    only while a time can be booked (``interviews.queries.can_choose``: the name shared under a
    live consent, the opening open, the candidate not on hold; review Z 1, 5, 6); upcoming:
    booked interviews still ahead, soonest first, while the name is shared and the candidate is
    not on hold (``still_shown``). Named by pseudonym; the candidate's page shows the name.
    """
    query = (
        sa.select(Interview.proposal_id, Interview.status, Interview.starts_at, Proposal.citizen_id,
                  Proposal.opening_id, Opening.title)
        .join(Proposal, Proposal.id == Interview.proposal_id).join(Opening, Opening.id == Proposal.opening_id)
        .where(Opening.company_id == company_id, Proposal.status == "disclosed", Interview.starts_at > now,
               sa.or_(Interview.status == "booked",
                      sa.and_(Interview.status == "offered", Interview.offered_by == "jobcenter")))
        .order_by(Interview.starts_at, Interview.id))
    if opening_id is not None:
        query = query.where(Opening.id == opening_id)
    rows = db.session.execute(query).all()
    pairs = {p.id: p for p in db.session.scalars(sa.select(Proposal).where(
        Proposal.id.in_({row.proposal_id for row in rows})))} if rows else {}
    on_hold = proposals_hold.held(pairs.values())  # one read of the rules for the whole list
    offered: dict[int, list] = {}
    booked = []
    for row in rows:
        pair = pairs[row.proposal_id]
        if row.status == "offered" and can_choose(pair, on_hold):  # what the booking would accept
            offered.setdefault(row.proposal_id, []).append(row)
        elif row.status == "booked" and still_shown(pair, on_hold):
            booked.append(row)

    def item(first, times) -> InterviewItem:
        return InterviewItem(first.proposal_id, first.opening_id, first.title,
                             pseudonym(first.citizen_id, first.opening_id), tuple(times))

    to_choose = [item(times[0], [spoken_time(t.starts_at) for t in times]) for times in offered.values()]
    return to_choose, [item(row, [spoken_time(row.starts_at)]) for row in booked]


@dataclass(frozen=True)
class OpeningInterviews:
    """Per opening: candidates with times to choose, booked interviews ahead."""

    to_choose: Counter
    booked: Counter


def counts_by_opening(company_id: int, now: datetime) -> OpeningInterviews:
    """:func:`interviews_for_company` counted per opening id, as the openings tables show it."""
    to_choose, upcoming = interviews_for_company(company_id, now)
    return OpeningInterviews(Counter(i.opening_id for i in to_choose), Counter(i.opening_id for i in upcoming))


@dataclass(frozen=True)
class CandidateInterviews:
    """On one candidate's card: the job centre's times to choose among (empty: none), and the
    booked times ahead, soonest first."""

    to_choose: tuple[str, ...]
    booked: tuple[str, ...]


def by_candidate(company_id: int, opening_id: int, now: datetime) -> dict[int, CandidateInterviews]:
    """:func:`interviews_for_company` for one opening, by proposal id (only candidates with either)."""
    to_choose, upcoming = interviews_for_company(company_id, now, opening_id)
    choose = {i.proposal_id: i.times for i in to_choose}
    booked: dict[int, list[str]] = {}
    for i in upcoming:
        booked.setdefault(i.proposal_id, []).extend(i.times)
    return {pid: CandidateInterviews(choose.get(pid, ()), tuple(booked.get(pid, ())))
            for pid in choose.keys() | booked.keys()}
