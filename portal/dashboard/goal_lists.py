"""Who stands behind a goal the job centre does not meet: the citizens it misses, by name.

The lists are computed from the same facts snapshot and rules as the figure cards
(:func:`.metrics.focus_statuses`, :func:`.metrics.matchable_population`), so the number
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
from .facts import Facts
from .metrics import focus_statuses, matchable_population, whole_months

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


def _clamp(page: int, total: int) -> int:
    """A page past the end shows the last page (never an empty page under a non-zero count)."""
    return max(1, min(page, -(-total // PER_PAGE)))


def _page_of_citizens(session: Session, ids: set[int], page: int) -> list[Citizen]:
    if not ids:
        return []
    stmt = (sa.select(Citizen).where(Citizen.id.in_(ids)).order_by(Citizen.name, Citizen.id)
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE).options(selectinload(Citizen.vk)))
    return list(session.scalars(stmt))
