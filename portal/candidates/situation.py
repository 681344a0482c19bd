"""What a candidate is doing now: a running (or agreed) placement, or a closed case.

The ranking cards, the proposal page and the consultant's work queue say it in one short
line, so a consultant never proposes, or books an interview for, a citizen who already
works full time elsewhere or whose case is closed without knowing it.

One statement reads it for every citizen on a page (:func:`situations`), never one per card.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..placements.service import active_clause
from store.models import Citizen, Company, Placement


@dataclass(frozen=True, slots=True)
class CurrentPlacement:
    """A placement that runs today, or is agreed to start later."""

    id: int
    kind: str  # a key of OPENING_KINDS
    company_name: str
    start_date: date
    opening_id: int | None
    started: bool  # False: agreed, starts after today


@dataclass(frozen=True, slots=True)
class Situation:
    """A citizen's case state and current placements, as the pages show them."""

    case_closed: date | None = None
    placements: tuple[CurrentPlacement, ...] = ()  # the one started first first

    @property
    def placement(self) -> CurrentPlacement | None:
        """The placement the citizen is in now (the first to start), if any."""
        return self.placements[0] if self.placements else None

    @property
    def worth_saying(self) -> bool:
        """The case is closed or the citizen is in (or agreed to) a placement."""
        return self.case_closed is not None or bool(self.placements)

    def elsewhere(self, opening_id: int) -> CurrentPlacement | None:
        """The first current placement that is not for ``opening_id``."""
        return next((p for p in self.placements if p.opening_id != opening_id), None)


NOTHING = Situation()


def situations(citizen_ids: Iterable[int], today: date) -> dict[int, Situation]:
    """Each citizen's closed-case date and current placements, in one statement.

    A placement counts while it runs on ``today`` or is agreed to start later, by the portal's one
    rule (:func:`portal.placements.service.active_clause`, which closing a case and every company
    screen use too, review BN 2): not ended (no end date, one after today, or today with no end
    registered: its last day) and not cancelled before its start (end reason "aflyst":
    :func:`portal.placements.service.is_cancelled`).
    They come in the order they started, so the first is the one the citizen is in now.

    Args:
        citizen_ids: The citizens on the page.
        today: The Danish date.

    Returns:
        A :class:`Situation` for each citizen id found (citizens not found are left out).
    """
    ids = sorted({int(i) for i in citizen_ids})
    if not ids:
        return {}
    running = sa.and_(Placement.citizen_id == Citizen.id, active_clause(today))
    rows = db.session.execute(
        sa.select(Citizen.id, Citizen.case_closed, Placement.id, Placement.kind, Company.name,
                  Placement.start_date, Placement.opening_id)
        .select_from(Citizen).outerjoin(Placement, running).outerjoin(Company, Placement.company_id == Company.id)
        .where(Citizen.id.in_(ids)).order_by(Citizen.id, Placement.start_date, Placement.id))
    closed_on: dict[int, date | None] = {}
    current: dict[int, list[CurrentPlacement]] = {}
    for cid, closed, pid, kind, company, start, opening_id in rows:
        closed_on[cid] = closed
        found = current.setdefault(cid, [])
        if pid is not None:
            found.append(CurrentPlacement(pid, kind, company, start, opening_id, start <= today))
    return {cid: Situation(closed_on[cid], tuple(current[cid])) for cid in closed_on}


def situation(citizen_id: int, today: date) -> Situation:
    """One citizen's situation (:func:`situations` for a single id)."""
    return situations([citizen_id], today).get(citizen_id, NOTHING)
