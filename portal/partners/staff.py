"""The job centre's view of its Code of Care partners: key figures per partner for staff.

Consultants and administrators see every partner (the figures are the partner's aggregates,
the ones it may publish; no citizen is named), the VK's own partners marked. Each partner's
report is the partner's own (:func:`.report.build`), read-only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from .. import name_order
from ..dates import add_months, month_start
from ..extensions import db
from ..placements import monthly
from ..placements.service import active_clause, not_cancelled_clause
from store.models import Company, HotlineRequest, HoursLog, Placement
from store.models.vocab import SUCCESS_END_REASONS


@dataclass(frozen=True)
class PartnerRow:
    """One partner's key figures: running and planned today, this year's started, ended and
    moved on (to job, fleksjob or education), the hours of the month just ended and how many
    placements still miss them, and its open hotline requests."""

    company: Company
    running: int
    planned: int
    started: int
    ended: int
    moved_on: int
    last_month_hours: Decimal
    missing_hours: int  # placements that ran last month without hours for it (the start page's count)
    open_hotline: int  # hotline requests with status "Åben"

    @property
    def moved_on_share(self) -> float | None:
        """Share of this year's ended placements that ended in job, fleksjob or education."""
        return self.moved_on / self.ended if self.ended else None


def partner_or_404(company_id: int) -> Company:
    """A Code of Care partner company by id.

    :raise 404: unknown id, or a company that is not a partner (it has no report).
    """
    company = db.session.get(Company, company_id) if 0 < company_id < 2**31 else None
    if company is None or not company.code_of_care:
        abort(404)
    return company


def partner_rows(today: date) -> list[PartnerRow]:
    """Every Code of Care partner by name with its key figures.

    A fixed number of statements whatever the number of partners (review: it built each
    partner's whole report and counted a few more per partner): the partners, their
    placements' counts grouped by company (:func:`_placement_counts`), last month's hours
    grouped by company, the missing hours (:func:`portal.placements.monthly.missing_hours`) and
    the open hotline requests grouped by company. The figures are the ones each partner's
    report (:func:`.report.build`) and the placements' rules give.
    """
    partners = sa.select(Company.id).where(Company.code_of_care.is_(True))
    companies = db.session.scalars(sa.select(Company).where(Company.code_of_care.is_(True))
                                   .options(joinedload(Company.consultant)).order_by(*name_order.order_by(Company.name, Company.id)))
    last_month = add_months(month_start(today), -1)
    counts = _placement_counts(partners, today)
    hours = dict(db.session.execute(
        sa.select(Placement.company_id, sa.func.sum(HoursLog.hours)).join(Placement)
        .where(Placement.company_id.in_(partners), HoursLog.month == last_month, not_cancelled_clause())
        .group_by(Placement.company_id)).all())
    missing = monthly.missing_hours(last_month)
    hotline = dict(db.session.execute(sa.select(HotlineRequest.company_id, sa.func.count())
                                      .where(HotlineRequest.status == "open").group_by(HotlineRequest.company_id)).all())
    rows = []
    for company in companies:
        running, planned, started, ended, moved_on = counts.get(company.id, (0, 0, 0, 0, 0))
        logged = hours.get(company.id)
        rows.append(PartnerRow(company, running, planned, started, ended, moved_on,
                               Decimal(logged) if logged is not None else Decimal(0), missing[company.id],
                               hotline.get(company.id, 0)))
    return rows


def _placement_counts(companies: sa.Select, today: date) -> dict[int, tuple[int, int, int, int, int]]:
    """company id → (running, planned, started, ended, moved on) for ``companies``' placements
    (a cancelled one is none), in one statement grouped by company.

    Running and planned today: active (:func:`~portal.placements.service.active_clause`) and
    started by today, or starting later. The year's started, ended and moved on as
    :func:`.report.build` counts them for this year up to ``today``: of the placements that ran
    on a day of the year (:func:`.report._placements`), started from 1 January to today;
    ended in the year and by today (:func:`.report._ended_by`: no longer active, so an end
    registered ahead is not ended yet, and a passed end date without a reason is); and of
    those, ended in a job, fleksjob or education (:data:`~store.models.vocab.SUCCESS_END_REASONS`).
    A company without placements is absent.
    """
    first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    in_year = sa.and_(Placement.start_date <= last,
                      sa.or_(Placement.end_date.is_(None), Placement.end_date >= first))
    # Ended: no longer active (the one rule, active_clause; the statement counts no cancelled one).
    ended = sa.and_(in_year, Placement.end_date >= first, Placement.end_date <= last, sa.not_(active_clause(today)))

    def count(condition: sa.ColumnElement[bool]):
        return sa.func.count(sa.case((condition, Placement.id)))

    found = db.session.execute(
        sa.select(Placement.company_id,
                  count(sa.and_(active_clause(today), Placement.start_date <= today)),
                  count(sa.and_(active_clause(today), Placement.start_date > today)),
                  count(sa.and_(in_year, Placement.start_date >= first, Placement.start_date <= today)),
                  count(ended),
                  count(sa.and_(ended, Placement.end_reason.in_(SUCCESS_END_REASONS))))
        .where(Placement.company_id.in_(companies), not_cancelled_clause())
        .group_by(Placement.company_id))
    return {company_id: tuple(figures) for company_id, *figures in found}
