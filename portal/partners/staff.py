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

from ..dates import add_months, month_start
from ..extensions import db
from ..placements import monthly
from ..placements.service import active_clause, not_cancelled_clause
from store.models import Company, HotlineRequest, HoursLog, Placement
from store.models.vocab import SUCCESS_END_REASONS
from . import report


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
    """Every Code of Care partner by name with its key figures (a few statements a partner)."""
    companies = db.session.scalars(sa.select(Company).where(Company.code_of_care.is_(True))
                                   .options(joinedload(Company.consultant)).order_by(Company.name, Company.id))
    last_month = add_months(month_start(today), -1)
    missing = monthly.missing_hours(last_month)
    hotline = dict(db.session.execute(sa.select(HotlineRequest.company_id, sa.func.count())
                                      .where(HotlineRequest.status == "open").group_by(HotlineRequest.company_id)).all())
    rows = []
    for company in companies:
        figures = report.build(company.id, today.year, today)
        running, planned = (db.session.scalar(
            sa.select(sa.func.count()).select_from(Placement)
            .where(Placement.company_id == company.id, active_clause(today), not_cancelled_clause(), condition))
            for condition in (Placement.start_date <= today, Placement.start_date > today))
        hours = db.session.scalar(sa.select(sa.func.sum(HoursLog.hours)).join(Placement)
                                  .where(Placement.company_id == company.id, HoursLog.month == last_month,
                                         not_cancelled_clause()))
        moved_on = sum(count for key, count in figures.outcomes.items() if key in SUCCESS_END_REASONS)
        rows.append(PartnerRow(company, running, planned, figures.started, figures.ended, moved_on,
                               Decimal(hours) if hours is not None else Decimal(0), missing[company.id],
                               hotline.get(company.id, 0)))
    return rows
