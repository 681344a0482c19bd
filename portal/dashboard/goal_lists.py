"""Who stands behind a goal the job centre does not meet: the citizens it misses, by name.

The lists are computed from the same facts snapshot and rules as the figure cards
(:func:`.basis.figure_ids`), so the number of rows equals the card's "not met" count for the
same scope and month; for a frozen month the ids kept with its figures are listed (review F 6),
and a citizen erased since shows as :class:`Erased` (an id, no name). Names and caseworkers are
read only for the citizens listed. Staff only (the routes check it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from store.models import Citizen
from ..citizens.queries import missing_for_matching
from .basis import figure_ids
from .facts import NEVER, Facts
from .metrics import focus_statuses, whole_months

PER_PAGE = 50


@dataclass(frozen=True)
class FocusMiss:
    """A citizen in the focus population who meets neither the placement nor the hours rule."""

    citizen: Citizen | "Erased"
    # None for a citizen of a frozen list who is not among today's citizens of the scope
    months_on_benefit: int | None  # whole months since the case started
    months_without_placement: int | None  # since the latest company-based placement, else since case start
    ever_placed: bool
    wage_hours: Decimal | None
    hours_short: Decimal | None


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

    citizen: Citizen | "Erased"
    last_placement_end: date | None
    last_activity: date | None
    next_placement_start: date | None


@dataclass(frozen=True)
class MatchableMiss:
    """An open case that does not count as matchable, with what is missing and where to fix it.

    ``missing`` are the items of ``Citizen.missing_for_matching`` (the start page's rule, read
    for the page's citizens in one statement by :func:`..citizens.queries.missing_for_matching`);
    ``cv_too_late`` marks a citizen who is matchable today but whose first CV with text was
    stored after the month measured; ``fixed_since`` one of a frozen list who is matchable today
    with a CV stored by then: what was missing (a jobmål, the VK) was added after the month was
    counted.
    """

    citizen: Citizen | "Erased"
    missing: list[str]
    cv_too_late: bool
    fixed_since: bool = False


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


def _entry(facts: Facts, as_of: date, key: str, entry: dict | None) -> dict:
    """The frozen ``{"hit", "miss"}`` ids of a goal, or today's from ``facts``."""
    return entry if entry is not None else figure_ids(facts, as_of)[key]


def focus_misses(session: Session, facts: Facts, as_of: date, page: int = 1, entry: dict | None = None) -> GoalList:
    """The focus population on ``as_of`` who do not meet the focus goal, by name.

    ``entry``: the ids kept with a frozen month (:mod:`.basis`); the row figures are then today's.
    """
    entry = _entry(facts, as_of, "focus", entry)
    misses = set(entry["miss"])
    page = _clamp(page, len(misses))
    shown = _page_of_citizens(session, misses, page)
    statuses = {s.citizen_id: s for s in focus_statuses(facts, as_of, {c.id for c in shown if isinstance(c, Citizen)})}
    rows = []
    for citizen in shown:
        s = statuses.get(citizen.id) if isinstance(citizen, Citizen) else None
        if s is None:
            rows.append(FocusMiss(citizen, None, None, False, None, None))
            continue
        since = s.last_placement_end or s.case_start
        rows.append(FocusMiss(citizen, whole_months(s.case_start, as_of), whole_months(since, as_of),
                              s.last_placement_end is not None, s.wage_hours, s.hours_short))
    return GoalList(rows, len(misses), len(misses) + len(entry["hit"]), page)


def active_misses(session: Session, facts: Facts, as_of: date, page: int = 1, entry: dict | None = None) -> GoalList:
    """Open cases on ``as_of`` who are not active in its month (up to ``as_of``), by name.

    ``facts`` must hold the placements and the contacts with companies; ``entry`` as for
    :func:`focus_misses`.
    """
    entry = _entry(facts, as_of, "active", entry)
    ids = set(entry["miss"])
    population = len(ids) + len(entry["hit"])
    page = _clamp(page, len(ids))
    citizens = _page_of_citizens(session, ids, page)
    if not citizens:
        return GoalList([], len(ids), population, page)
    position = {cid: i for i, cid in enumerate(facts.ids.tolist())}
    ends = facts.last_placement_end(None, as_of)
    activity = facts.last_activity_day(as_of)
    starts = facts.next_placement_start(as_of)
    rows = [ActiveMiss(c, _day(ends[i]), _day(activity[i]), _day(starts[i])) if i is not None
            else ActiveMiss(c, None, None, None)
            for c in citizens for i in (position.get(getattr(c, "id", None)),)]
    return GoalList(rows, len(ids), population, page)


def matchable_misses(session: Session, facts: Facts, as_of: date, page: int = 1,
                     entry: dict | None = None) -> GoalList:
    """Open cases on ``as_of`` without CV, jobmål or VK (CV stored by then), by name; ``entry``
    as for :func:`focus_misses`.

    A citizen listed who lacks nothing today either stored the CV after ``as_of`` (it counts from
    that month) or was given what was missing after the month was counted (in a frozen list, or
    a VK given in place of one deactivated by then); the first CV's day in ``facts`` tells which
    (review L 7, N 2). For a citizen no longer in the scope's facts that day is unknown: the row
    says only that nothing is missing now.
    """
    entry = _entry(facts, as_of, "matchable", entry)
    ids = set(entry["miss"])
    page = _clamp(page, len(ids))
    rows = []
    citizens = _page_of_citizens(session, ids, page)
    found = [c.id for c in citizens if isinstance(c, Citizen)]
    missing = missing_for_matching(Citizen.id.in_(found)) if found else {}
    cv_since = dict(zip(facts.ids.tolist(), facts.cv_since.tolist()))
    for citizen in citizens:
        items = missing.get(getattr(citizen, "id", None), [])
        complete = isinstance(citizen, Citizen) and not items
        late = complete and cv_since.get(citizen.id, -1) > as_of.toordinal()
        rows.append(MatchableMiss(citizen, items, late, complete and not late))
    return GoalList(rows, len(ids), len(ids) + len(entry["hit"]), page)


def _day(ordinal) -> date | None:
    """A day of the snapshot, None for its "none" markers (-1, :data:`NEVER`)."""
    return date.fromordinal(int(ordinal)) if 0 <= ordinal < NEVER else None


def _clamp(page: int, total: int) -> int:
    """A page past the end shows the last page (never an empty page under a non-zero count)."""
    return max(1, min(page, -(-total // PER_PAGE)))


@dataclass(frozen=True)
class Erased:
    """A citizen counted by a frozen figure and erased since: the id only, never a name."""

    id: int


def _page_of_citizens(session: Session, ids: set[int], page: int) -> list[Citizen | Erased]:
    """One page of ``ids``: the citizens by name, then the ids that no longer load (erased)."""
    if not ids:
        return []
    ordered = list(session.scalars(sa.select(Citizen.id).where(Citizen.id.in_(ids))
                                   .order_by(Citizen.name, Citizen.id)))
    ordered += sorted(ids - set(ordered))
    wanted = ordered[(page - 1) * PER_PAGE:page * PER_PAGE]
    loaded = {c.id: c for c in session.scalars(sa.select(Citizen).where(Citizen.id.in_(wanted))
                                               .options(selectinload(Citizen.vk)))}
    return [loaded.get(cid) or Erased(cid) for cid in wanted]
