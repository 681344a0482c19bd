"""The rows behind the figures that are not about one goal's misses (review F 3): the placements
behind «Forløb der endte i job …», the closed cases behind the average case duration, the
companies behind «Samarbejdende virksomheder», and the citizens behind a savings row.

Each list is built from ids (:mod:`.basis`; a frozen month's kept ids or today's), so its
count is the card's. Records deleted since (an erased citizen takes their placements along)
show as ids only. Staff only (the routes check it); names are read for one page at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from store.models import Citizen, Company, Placement
from .. import name_order
from .facts import Facts
from .goal_lists import PER_PAGE, Erased, GoalList, _clamp, _page_of_citizens, _paging
from .savings import SavingsCitizen, savings_citizens

@dataclass(frozen=True)
class FigureList(GoalList):
    """A page of a figure's rows. ``total`` counts every row (paging); ``counted`` those in the
    figure's numerator (successful outcomes, citizens counted in the savings); ``days_total``
    the days of all closed cases (the duration list)."""

    counted: int = 0
    days_total: int = 0


KINDS = {"udfald": "outcomes", "varighed": "duration", "virksomheder": "cooperation", "besparelse": "savings"}


@dataclass(frozen=True)
class OutcomeRow:
    """A placement ended with a reason in the window; ``success``: it counts in the numerator.
    ``placement`` is None when it was deleted since (with its citizen); in every row at once
    (a CSV) it is a :class:`PlacementLine`."""

    placement_id: int
    placement: Placement | None
    success: bool


@dataclass(frozen=True)
class DurationRow:
    citizen: Citizen | Erased
    days: int


@dataclass(frozen=True)
class CompanyRow:
    """A company counted on the day; ``placements`` running then and ``openings`` open (today's data)."""

    company_id: int
    company: Company | None
    running_placement: bool
    open_opening: bool


@dataclass(frozen=True)
class SavingsRow:
    citizen: Citizen | Erased
    fact: SavingsCitizen


def outcome_list(session: Session, entry: dict, page: int | None) -> GoalList:
    """Every placement behind the outcome share, successes first, then by end date (newest first);
    one page of them, or every row (``page`` None, a CSV).

    The order is worked out from two columns of every placement (one statement); only the rows
    shown are loaded with their citizen and company (one more), never every placement per page
    (review AB 1).
    """
    hits, ids = set(entry["hit"]), set(entry["hit"]) | set(entry["miss"])
    page = _clamp(page, len(ids))
    ends = dict(session.execute(sa.select(Placement.id, Placement.end_date).where(Placement.id.in_(ids))).all())
    ordered = sorted(ends, key=lambda i: (i not in hits, -(ends[i] or date.min).toordinal(), i))
    ordered += sorted(ids - set(ends))
    wanted = ordered if page is None else ordered[(page - 1) * PER_PAGE:page * PER_PAGE]
    shown = [i for i in wanted if i in ends]
    if not shown:
        loaded = {}
    elif page is None:  # a CSV: the columns it writes, not thousands of ORM records
        loaded = _placement_lines(session, shown)
    else:
        loaded = {p.id: p for p in session.scalars(sa.select(Placement).where(Placement.id.in_(shown)).options(
            joinedload(Placement.citizen), joinedload(Placement.company)))}
    rows = [OutcomeRow(i, loaded.get(i), i in hits) for i in wanted]
    return FigureList(rows, len(ids), len(ids), **_paging(page, len(ids)), counted=len(hits))


@dataclass(frozen=True)
class _Named:
    name: str


@dataclass(frozen=True)
class PlacementLine:
    """What the outcome CSV writes of a placement (:func:`.list_export.render_rows`), read as columns."""

    citizen_id: int
    citizen: _Named
    company: _Named
    kind: str
    start_date: date | None
    end_date: date | None
    end_reason: str | None


def _placement_lines(session: Session, ids: list[int]) -> dict[int, PlacementLine]:
    """``ids`` → their :class:`PlacementLine` (one statement)."""
    found = session.execute(
        sa.select(Placement.id, Placement.citizen_id, Citizen.name, Company.name, Placement.kind,
                  Placement.start_date, Placement.end_date, Placement.end_reason)
        .join(Citizen, Citizen.id == Placement.citizen_id).join(Company, Company.id == Placement.company_id)
        .where(Placement.id.in_(ids)))
    return {pid: PlacementLine(cid, _Named(citizen), _Named(company), kind, start, end, reason)
            for pid, cid, citizen, company, kind, start, end, reason in found}


def duration_list(session: Session, entry: list, page: int | None) -> GoalList:
    """The closed cases behind the average duration, by name, with the days the card counted
    (``page`` None: every row)."""
    days = {cid: d for cid, d in entry}
    page = _clamp(page, len(days))
    rows = [DurationRow(c, days[c.id]) for c in _page_of_citizens(session, set(days), page)]
    return FigureList(rows, len(days), len(days), **_paging(page, len(days)), counted=len(days),
                      days_total=sum(days.values()))


def company_list(session: Session, facts: Facts, as_of: date, entry: list, page: int | None) -> GoalList:
    """The companies behind the co-operation figure, by name, with why each counts on ``as_of``
    (``page`` None: every row)."""
    ids = set(entry)
    page = _clamp(page, len(ids))
    found = sorted(session.scalars(sa.select(Company).where(Company.id.in_(ids))), key=lambda c: (name_order.sort_key(c.name), c.name, c.id))
    ordered = [(c.id, c) for c in found] + [(i, None) for i in sorted(ids - {c.id for c in found})]
    running = set(facts.p_company[facts.placements_overlapping(as_of, as_of)].tolist())
    opened = set(facts.o_company[facts.rows_in("o_status", ("open",))
                                 & (facts.o_created <= as_of.toordinal())].tolist())
    shown = ordered if page is None else ordered[(page - 1) * PER_PAGE:page * PER_PAGE]
    rows = [CompanyRow(i, c, i in running, i in opened) for i, c in shown]
    return FigureList(rows, len(ids), len(ids), **_paging(page, len(ids)), counted=len(ids))


def savings_list(session: Session, facts: Facts, as_of: date, group: str | None, page: int | None) -> GoalList:
    """The citizens behind the savings estimate (one benefit group, or all): those counted and
    those left out because their case is open. ``total`` is the counted, ``population`` all.

    Counted first, then those left out, each by name. A page sorts the ids only and loads its
    own citizens; every row (``page`` None, a CSV) is one load of each part (review AB 2).
    """
    people = {p.citizen_id: p for p in savings_citizens(facts, as_of) if group is None or p.benefit_group == group}
    page = _clamp(page, len(people))
    counted = {cid for cid, p in people.items() if p.counted}
    parts = (counted, set(people) - counted)
    if page is None:
        ordered = [c for part in parts for c in _all_citizens(session, part)]
    else:
        wanted = [cid for part in parts for cid in _ordered_ids(session, part)][(page - 1) * PER_PAGE:page * PER_PAGE]
        loaded = {c.id: c for c in session.scalars(sa.select(Citizen).where(Citizen.id.in_(wanted)))} if wanted else {}
        ordered = [loaded.get(cid) or Erased(cid) for cid in wanted]
    rows = [SavingsRow(c, people[c.id]) for c in ordered]
    return FigureList(rows, len(people), len(people), **_paging(page, len(people)), counted=len(counted))


def _ordered_ids(session: Session, ids: set[int]) -> list[int]:
    """``ids`` in the order of :func:`_all_citizens`, without loading the citizens."""
    if not ids:
        return []
    found = list(session.scalars(sa.select(Citizen.id).where(Citizen.id.in_(ids)).order_by(*name_order.order_by(Citizen.name, Citizen.id))))
    return found + sorted(ids - set(found))


def _all_citizens(session: Session, ids: set[int]) -> list[Citizen | Erased]:
    """All of ``ids`` by name, then those that no longer load (one statement)."""
    if not ids:
        return []
    found = list(session.scalars(sa.select(Citizen).where(Citizen.id.in_(ids)).order_by(*name_order.order_by(Citizen.name, Citizen.id))))
    return found + [Erased(i) for i in sorted(ids - {c.id for c in found})]
