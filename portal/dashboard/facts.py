"""Load the rows the policy-goal figures are computed from, for one scope.

The dashboard figures are computed in Python over a small snapshot of plain tuples
(dates, kinds, hours) rather than in SQL: date arithmetic then behaves the same on
SQLite and PostgreSQL, a 12-month trend needs one load instead of a hundred queries,
and the rules stay readable. A municipality has a few thousand cases, so the
snapshot is small. No names or other personal details are loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..citizens.queries import matchable_clause
from ..dates import add_months, month_end  # noqa: F401 - callers import them here
from store.models import Citizen, Company, CvDocument, HoursLog, Opening, Placement, Proposal, User

SCOPE_KINDS = ("all", "team", "mine")


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole job centre, one team, or one consultant's caseload.

    A citizen is in a team's scope by ``Citizen.team_id``; in a consultant's ("mine")
    when the consultant is the citizen's VK or adviser. Companies are in scope when
    their consultant is (team member / the consultant), so co-operation is counted
    where the relationship is owned.
    """

    kind: str = "all"
    team_id: int | None = None
    user_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"unknown scope {self.kind!r}")

    def citizen_clause(self) -> sa.ColumnElement[bool]:
        """SQL condition on ``Citizen`` for this scope (a team scope without a team is empty)."""
        if self.kind == "team":
            return Citizen.team_id == self.team_id if self.team_id else sa.false()
        if self.kind == "mine":
            return sa.or_(Citizen.vk_id == self.user_id, Citizen.adviser_id == self.user_id)
        return sa.true()

    def consultant_clause(self, column) -> sa.ColumnElement[bool]:
        """SQL condition that the user id in ``column`` is a consultant in this scope."""
        if self.kind == "team":
            if not self.team_id:
                return sa.false()
            return column.in_(sa.select(User.id).where(User.team_id == self.team_id))
        if self.kind == "mine":
            return column == self.user_id
        return sa.true()


@dataclass(frozen=True)
class CitizenFacts:
    id: int
    benefit_group: str
    case_start: date
    case_closed: date | None
    matchable_now: bool
    cv_since: date | None  # when the current CV (with text) was stored

    def open_on(self, day: date) -> bool:
        return self.case_start <= day and (self.case_closed is None or self.case_closed > day)


@dataclass(frozen=True)
class PlacementFacts:
    citizen_id: int
    company_id: int
    kind: str
    start: date
    end: date | None
    end_reason: str | None

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass
class Facts:
    """Everything the metrics read, for one scope."""

    citizens: dict[int, CitizenFacts] = field(default_factory=dict)
    placements: list[PlacementFacts] = field(default_factory=list)
    hours: list[tuple[int, str, date, Decimal]] = field(default_factory=list)  # citizen, kind, month, hours
    proposal_days: list[tuple[int, date]] = field(default_factory=list)  # citizen, day of activity
    openings: list[tuple[int, date, str]] = field(default_factory=list)  # company, created, status
    scoped_company_ids: set[int] | None = None  # None: every company


def load_facts(session: Session, scope: Scope) -> Facts:
    """Read the snapshot for ``scope`` from the database (read-only)."""
    facts = Facts(citizens=_citizens(session, scope))
    ids = sa.select(Citizen.id).where(scope.citizen_clause())
    for row in session.execute(sa.select(
            Placement.citizen_id, Placement.company_id, Placement.kind, Placement.start_date,
            Placement.end_date, Placement.end_reason).where(Placement.citizen_id.in_(ids))):
        facts.placements.append(PlacementFacts(*row))
    facts.hours = [tuple(r) for r in session.execute(
        sa.select(Placement.citizen_id, Placement.kind, HoursLog.month, HoursLog.hours)
        .join(Placement, HoursLog.placement_id == Placement.id)
        .where(Placement.citizen_id.in_(ids)))]
    for citizen_id, created, decided in session.execute(sa.select(
            Proposal.citizen_id, Proposal.created_at, Proposal.decided_at)
            .where(Proposal.citizen_id.in_(ids))):
        facts.proposal_days.extend((citizen_id, _day(t)) for t in (created, decided) if t)
    opening_stmt = sa.select(Opening.company_id, Opening.created_at, Opening.status)
    if scope.kind != "all":
        company_ids = set(session.scalars(
            sa.select(Company.id).where(scope.consultant_clause(Company.consultant_id))))
        facts.scoped_company_ids = company_ids
        opening_stmt = opening_stmt.where(Opening.company_id.in_(company_ids))
    facts.openings = [(c, _day(t), s) for c, t, s in session.execute(opening_stmt)]
    return facts


def _citizens(session: Session, scope: Scope) -> dict[int, CitizenFacts]:
    matchable = matchable_clause()
    rows = session.execute(sa.select(
        Citizen.id, Citizen.benefit_group, Citizen.case_start, Citizen.case_closed,
        matchable.label("matchable")).where(scope.citizen_clause()))
    latest_cv = {cid: created for cid, created in session.execute(
        sa.select(CvDocument.citizen_id, sa.func.max(CvDocument.created_at))
        .join(Citizen, Citizen.id == CvDocument.citizen_id)
        .where(scope.citizen_clause()).group_by(CvDocument.citizen_id))}
    return {cid: CitizenFacts(cid, group, start, closed, bool(ok),
                              _day(latest_cv[cid]) if cid in latest_cv else None)
            for cid, group, start, closed, ok in rows}


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


