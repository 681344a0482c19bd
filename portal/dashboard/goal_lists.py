"""Who stands behind a goal the job centre does not meet: the citizens it misses, by name.

The lists are computed from the same facts snapshot and rules as the figure cards
(:func:`.basis.figure_ids`), so the number of rows equals the card's "not met" count for the
same scope and month; for a frozen month the ids kept with its figures are listed (review F 6),
and a citizen erased since shows as :class:`Erased` (an id, no name). Names and caseworkers are
read only for the citizens listed. Staff only (the routes check it).

Besides the misses, a list can show the citizens who meet the goal, the whole population, or
for the active goal one part of who is active (review T 4), each from the same ids, so each
has the card's number. Citizens under restricted processing stay in the lists (they count in
the figures); the page marks them and offers no fix (review T 6).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from store.models import Citizen
from .. import name_order
from ..citizens.queries import missing_for_matching
from .facts import NEVER, Facts
from .metrics import focus_statuses, whole_months

PER_PAGE = 50


MISSES, HITS, EVERYONE = "ikke-opfyldt", "opfyldt", "alle"  # the views (``vis``, :data:`.forms.VIEWS`)
PLACED, CONTACT_ONLY = "forloeb", "kun-kontakt"  # the parts of the active goal's hits


@dataclass(frozen=True)
class FocusMiss:
    """A citizen of the focus population: one who meets neither the placement nor the hours
    rule, or (``met``) one who meets the goal, ``placed`` by a praktik or løntilskud."""

    citizen: Citizen | "Erased"
    # None for a citizen of a frozen list who is not among today's citizens of the scope
    months_on_benefit: int | None  # whole months since the case started
    months_without_placement: int | None  # since the latest company-based placement, else since case start
    ever_placed: bool
    wage_hours: Decimal | None
    hours_short: Decimal | None
    met: bool = False
    placed: bool = False
    # no placement known, and the case started before Jobbro knew the citizen's placements:
    # "none since the case started" is none registered in Jobbro (review BG 2)
    history_unknown: bool = False
    # of ``wage_hours``, what the case system's figures added (migration 0044; FocusStatus.told_hours)
    told_hours: Decimal | None = None


@dataclass(frozen=True)
class ActiveMiss:
    """An open case: one with neither a placement nor contact with a company in the month
    measured, or (``part``) one active by a placement ("placement") or by contact only ("contact").

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
    part: str | None = None

    @property
    def met(self) -> bool:
        return self.part is not None


@dataclass(frozen=True)
class MatchableMiss:
    """An open case that does not count as matchable, with what is missing and where to fix it;
    or (``met``) one that counted, with what is missing today, if anything.

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
    met: bool = False


@dataclass(frozen=True)
class GoalList:
    """One page of a goal list and the size of the whole list: ``total`` rows, of a goal whose
    population is ``population`` and of whom ``met`` meet it (the card's "met af population").

    The list builders take ``page=None`` for every row at once (a CSV): one page of them all."""

    rows: list
    total: int
    population: int
    page: int
    per_page: int = PER_PAGE
    met: int = 0

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


def selected_ids(entry: dict, view: str) -> set[int]:
    """The ids of ``entry`` (a goal's ``{"hit", "miss"}``, the active goal's with ``"placement"``)
    a view lists: the misses, the hits, both, or one part of the active hits."""
    if view == MISSES:
        return set(entry["miss"])
    if view == HITS:
        return set(entry["hit"])
    if view == EVERYONE:
        return set(entry["hit"]) | set(entry["miss"])
    placed = set(entry["placement"])
    return placed if view == PLACED else set(entry["hit"]) - placed


def restricted_among(session: Session, ids: set[int]) -> set[int]:
    """Those of ``ids`` whose processing is restricted today (art. 18): they count in the goals,
    but nothing can be added to them until the restriction is lifted (review T 6)."""
    if not ids:
        return set()
    return set(session.scalars(sa.select(Citizen.id).where(Citizen.id.in_(ids), Citizen.restricted.is_(True))))


def _listed(session: Session, entry: dict, view: str, restricted_only: bool) -> tuple[set[int], set[int], int]:
    """(listed ids, hits, population) of a goal's list."""
    ids = selected_ids(entry, view)
    if restricted_only:
        ids = restricted_among(session, ids)
    return ids, set(entry["hit"]), len(entry["hit"]) + len(entry["miss"])


def focus_list(session: Session, facts: Facts, as_of: date, entry: dict, view: str = MISSES, page: int | None = 1,
               restricted_only: bool = False) -> GoalList:
    """The citizens of the focus goal's ``entry`` that ``view`` lists (:func:`selected_ids`), by name."""
    ids, hits, population = _listed(session, entry, view, restricted_only)
    page = _clamp(page, len(ids))
    shown = _page_of_citizens(session, ids, page)
    statuses = {s.citizen_id: s for s in focus_statuses(facts, as_of, {c.id for c in shown if isinstance(c, Citizen)})}
    rows = []
    for citizen in shown:
        s = statuses.get(citizen.id) if isinstance(citizen, Citizen) else None
        if s is None:
            rows.append(FocusMiss(citizen, None, None, False, None, None, citizen.id in hits))
            continue
        since = s.last_placement_end or s.case_start
        rows.append(FocusMiss(citizen, whole_months(s.case_start, as_of), whole_months(since, as_of),
                              s.last_placement_end is not None, s.wage_hours, s.hours_short,
                              citizen.id in hits, s.placed, s.history_unknown, s.told_hours))
    return GoalList(rows, len(ids), population, **_paging(page, len(ids)), met=len(hits))


def active_list(session: Session, facts: Facts, as_of: date, entry: dict, view: str = MISSES, page: int | None = 1,
                restricted_only: bool = False) -> GoalList:
    """The open cases of the active goal's ``entry`` that ``view`` lists, by name; a hit says
    whether a placement or contact only made the citizen active (``entry["placement"]``)."""
    ids, hits, population = _listed(session, entry, view, restricted_only)
    placed = set(entry.get("placement", ()))
    page = _clamp(page, len(ids))
    citizens = _page_of_citizens(session, ids, page)
    if not citizens:
        return GoalList([], len(ids), population, **_paging(page, len(ids)), met=len(hits))
    position = {cid: i for i, cid in enumerate(facts.ids.tolist())}
    ends = facts.last_placement_end(None, as_of)
    activity = facts.last_activity_day(as_of)
    starts = facts.next_placement_start(as_of)
    rows = []
    for c in citizens:
        i = position.get(getattr(c, "id", None))
        part = None if c.id not in hits else ("placement" if c.id in placed else "contact")
        rows.append(ActiveMiss(c, _day(ends[i]), _day(activity[i]), _day(starts[i]), part) if i is not None
                    else ActiveMiss(c, None, None, None, part))
    return GoalList(rows, len(ids), population, **_paging(page, len(ids)), met=len(hits))


def matchable_list(session: Session, facts: Facts, as_of: date, entry: dict, view: str = MISSES, page: int | None = 1,
                   restricted_only: bool = False) -> GoalList:
    """The open cases of the CV/jobmål/VK goal's ``entry`` that ``view`` lists, by name.

    A miss who lacks nothing today either stored the CV after ``as_of`` (it counts from that
    month) or was given what was missing after the month was counted (in a frozen list, or a VK
    given after ``as_of`` where there was none, or one deactivated, then: review T 2); the first CV's day in ``facts`` tells which
    (review L 7, N 2). For a citizen no longer in the scope's facts that day is unknown: the row
    says only that nothing is missing now. A hit shows what is missing today, if anything.
    """
    ids, hits, population = _listed(session, entry, view, restricted_only)
    page = _clamp(page, len(ids))
    rows = []
    citizens = _page_of_citizens(session, ids, page)
    found = [c.id for c in citizens if isinstance(c, Citizen)]
    missing = missing_for_matching(Citizen.id.in_(found)) if found else {}
    cv_since = dict(zip(facts.ids.tolist(), facts.cv_since.tolist()))
    for citizen in citizens:
        items = missing.get(getattr(citizen, "id", None), [])
        if citizen.id in hits:
            rows.append(MatchableMiss(citizen, items, False, met=True))
            continue
        complete = isinstance(citizen, Citizen) and not items
        late = complete and cv_since.get(citizen.id, -1) > as_of.toordinal()
        rows.append(MatchableMiss(citizen, items, late, complete and not late))
    return GoalList(rows, len(ids), population, **_paging(page, len(ids)), met=len(hits))


def _day(ordinal) -> date | None:
    """A day of the snapshot, None for its "none" markers (-1, :data:`NEVER`)."""
    return date.fromordinal(int(ordinal)) if 0 <= ordinal < NEVER else None


def _clamp(page: int | None, total: int) -> int | None:
    """A page past the end shows the last page (never an empty page under a non-zero count);
    None (every row, for a CSV) stays None."""
    return None if page is None else max(1, min(page, -(-total // PER_PAGE)))


def _paging(page: int | None, total: int) -> dict:
    """``page``/``per_page`` of a :class:`GoalList`: every row is one page of ``total``."""
    return {"page": page, "per_page": PER_PAGE} if page is not None else {"page": 1, "per_page": max(total, 1)}


@dataclass(frozen=True)
class Erased:
    """A citizen counted by a frozen figure and erased since: the id only, never a name."""

    id: int


def _page_of_citizens(session: Session, ids: set[int], page: int | None) -> list[Citizen | Erased]:
    """One page of ``ids`` (None: all of them): the citizens by name, then the ids that no
    longer load (erased), with their VKs.

    A page sorts the ids only (one statement), then loads that page's citizens. Every row (a
    CSV) is one sorted load, never one sort of all ids per page (review AB 3).
    """
    if not ids:
        return []
    if page is None:
        found = list(session.scalars(sa.select(Citizen).where(Citizen.id.in_(ids))
                                     .order_by(*name_order.order_by(Citizen.name, Citizen.id)).options(selectinload(Citizen.vk))))
        return found + [Erased(cid) for cid in sorted(ids - {c.id for c in found})]
    ordered = list(session.scalars(sa.select(Citizen.id).where(Citizen.id.in_(ids))
                                   .order_by(*name_order.order_by(Citizen.name, Citizen.id))))
    ordered += sorted(ids - set(ordered))
    wanted = ordered[(page - 1) * PER_PAGE:page * PER_PAGE]
    loaded = {c.id: c for c in session.scalars(sa.select(Citizen).where(Citizen.id.in_(wanted))
                                               .options(selectinload(Citizen.vk)))}
    return [loaded.get(cid) or Erased(cid) for cid in wanted]
