"""Who stands behind a goal the job centre does not meet: the citizens it misses, by name.

The lists are computed from the same facts snapshot and rules as the figure cards
(:func:`.metrics.focus_statuses`, :func:`.metrics.active_population`,
:func:`.metrics.matchable_population`), so the number
of rows equals the card's "not met" count for the same scope and month. Names and
caseworkers are read only for the citizens listed. Staff only (the routes check it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from store.models import Citizen
from ..citizens.queries import missing_for_matching
from .facts import NEVER, Facts
from .metrics import active_population, focus_statuses, matchable_population, whole_months

PER_PAGE = 50


@dataclass(frozen=True)
class FocusMiss:
    """A citizen in the focus population who meets neither the placement nor the hours rule."""

    citizen: Citizen
    months_on_benefit: int  # whole months since the case started
    months_without_placement: int  # since the latest company-based placement, else since case start
    ever_placed: bool
    wage_hours: Decimal
    hours_short: Decimal


@dataclass(frozen=True)
class ActiveMiss:
    """An open case with neither a placement nor contact with a company in the month measured.

    What the consultant needs to see why, and whether something is already on its way:
    ``last_placement_end`` the last day of the latest placement (any kind) before the month,
    ``last_activity`` the latest day a company dealt with the citizen (name shared, answer,
    job interview; :data:`.facts.CONTACT_EVENTS`), and
    ``next_placement_start`` the first day of a placement starting after the day measured.
    Each is None when there is none.
    """

    citizen: Citizen
    last_placement_end: date | None
    last_activity: date | None
    next_placement_start: date | None


@dataclass(frozen=True)
class MatchableMiss:
    """An open case that does not count as matchable, with what is missing and where to fix it.

    ``missing`` are the items of ``Citizen.missing_for_matching`` (the start page's rule, read
    for the page's citizens in one statement by :func:`..citizens.queries.missing_for_matching`);
    ``cv_too_late`` marks a citizen who is matchable today but whose CV was stored after
    the month measured.
    """

    citizen: Citizen
    missing: list[str]
    cv_too_late: bool


@dataclass(frozen=True)
class GoalList:
    """One page of a goal list and the size of the whole list."""

    rows: list
    total: int
    population: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """1-based number of the first row on the page (0 for an empty page)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def focus_misses(session: Session, facts: Facts, as_of: date, page: int = 1) -> GoalList:
    """The focus population on ``as_of`` who do not meet the focus goal, by name."""
    statuses = focus_statuses(facts, as_of)
    misses = {s.citizen_id: s for s in statuses if not s.met}
    page = _clamp(page, len(misses))
    rows = []
    for citizen in _page_of_citizens(session, set(misses), page):
        s = misses[citizen.id]
        since = s.last_placement_end or s.case_start
        rows.append(FocusMiss(citizen, whole_months(s.case_start, as_of), whole_months(since, as_of),
                              s.last_placement_end is not None, s.wage_hours, s.hours_short))
    return GoalList(rows, len(misses), len(statuses), page)


def active_misses(session: Session, facts: Facts, as_of: date, page: int = 1) -> GoalList:
    """Open cases on ``as_of`` who are not active in its month (up to ``as_of``), by name.

    ``facts`` must hold the placements and the contacts with companies.
    """
    population = active_population(facts, as_of)
    ids = {cid for cid, active in population.items() if not active}
    page = _clamp(page, len(ids))
    citizens = _page_of_citizens(session, ids, page)
    if not citizens:
        return GoalList([], len(ids), len(population), page)
    position = {cid: i for i, cid in enumerate(facts.ids.tolist())}
    ends = facts.last_placement_end(None, as_of)
    activity = facts.last_activity_day(as_of)
    starts = facts.next_placement_start(as_of)
    rows = [ActiveMiss(c, _day(ends[i]), _day(activity[i]), _day(starts[i]))
            for c in citizens for i in (position[c.id],)]
    return GoalList(rows, len(ids), len(population), page)


def matchable_misses(session: Session, facts: Facts, as_of: date, page: int = 1) -> GoalList:
    """Open cases on ``as_of`` without CV, jobmål or VK (CV stored by then), by name."""
    population = matchable_population(facts, as_of)
    ids = {cid for cid, ok in population.items() if not ok}
    page = _clamp(page, len(ids))
    rows = []
    citizens = _page_of_citizens(session, ids, page)
    missing = missing_for_matching(Citizen.id.in_([c.id for c in citizens])) if citizens else {}
    for citizen in citizens:
        rows.append(MatchableMiss(citizen, missing[citizen.id], not missing[citizen.id]))
    return GoalList(rows, len(ids), len(population), page)


def _day(ordinal) -> date | None:
    """A day of the snapshot, None for its "none" markers (-1, :data:`NEVER`)."""
    return date.fromordinal(int(ordinal)) if 0 <= ordinal < NEVER else None


def _clamp(page: int, total: int) -> int:
    """A page past the end shows the last page (never an empty page under a non-zero count)."""
    return max(1, min(page, -(-total // PER_PAGE)))


def _page_of_citizens(session: Session, ids: set[int], page: int) -> list[Citizen]:
    if not ids:
        return []
    stmt = (sa.select(Citizen).where(Citizen.id.in_(ids)).order_by(Citizen.name, Citizen.id)
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE).options(selectinload(Citizen.vk)))
    return list(session.scalars(stmt))
