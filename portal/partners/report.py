"""A Code of Care partner's year in figures: aggregates only, small counts suppressed.

The report covers one calendar year of the company's placements (the current year up to
this month): placements started, running and ended per month, hours logged per month,
outcomes, and retention (still employed 3 and 6 months after a placement that ended in a
job, fleksjob or education, counting known answers only, with n). No citizen is named or
listed. A partner may publish the figures in its CSR report, so a count of 1 or 2 is shown
as "<3" (:func:`shown`), a count that would let one be worked out from a total is hidden
(:func:`shown_group`), and a share is shown only when neither side of it is 1 or 2: small
numbers could point out a person. Hours are not counts of people and are shown as logged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..dates import add_months, month_end
from ..extensions import db
from store.models import Placement
from store.models.vocab import END_REASONS, SUCCESS_END_REASONS

SMALL = 3  # counts below this (but above 0) are shown as "<3"
SUPPRESSED = "<3"
NO_REASON = "ikke_angivet"
RETENTION = {3: "employed_3m", 6: "employed_6m"}


HIDDEN = "skjult"  # a count of 3 or more hidden so that a "<3" beside it cannot be worked out
UNSPLIT = "–"  # a group shown only as its total: any cell may be anything up to it


def shown(count: int) -> int | str:
    """The count as it may be shown: 0 and 3+ as they are, 1 and 2 as "<3"."""
    return SUPPRESSED if 0 < count < SMALL else count


def shown_group(cells: list[int], total: int) -> tuple[list[int | str], int | str]:
    """Counts that add up to a shown total, and the total, as they may be shown together.

    Each count of 1 or 2 is "<3" (:func:`shown`); but a reader who knows the total can work some
    out: okt "<3", nov 4, dec "<3" under a total of 6 makes okt and dec 1 each. So (secondary
    suppression) while the unknown cells are pinned down by the total (a single one, or all at
    their least, or all "<3" at their most), a shown count of 3 or more is hidden too
    ("skjult", known only to be 3 or more: the smallest that frees the rest); when none is
    left, the group is shown only as its total (every cell "–", zeros included). A total of 1
    or 2 is "<3", and its breakdown is not shown when it has two cells or more (two "<3" under a
    total "<3" are 1 each). Otherwise zeros stay: they are no person.
    """
    if 0 < total < SMALL:
        if sum(1 for c in cells if c) >= 2:
            return [UNSPLIT] * len(cells), SUPPRESSED
        return [shown(c) for c in cells], SUPPRESSED
    display: list[int | str] = [shown(c) for c in cells]
    while _pinned(display, total):
        visible = sorted((i for i, d in enumerate(display) if isinstance(d, int) and d >= SMALL),
                         key=lambda i: (cells[i], i))
        if not visible:
            return [UNSPLIT] * len(cells), shown(total)
        # The smallest count whose hiding frees the rest; else the smallest, and look again.
        freeing = [i for i in visible if not _pinned([HIDDEN if j == i else d for j, d in enumerate(display)], total)]
        display[(freeing or visible)[0]] = HIDDEN
    return display, shown(total)


def _pinned(display: list[int | str], total: int) -> bool:
    """Whether the total pins down a "<3" (1 or 2) among ``display`` given the hidden (3 or more)."""
    low = sum(1 for d in display if d == SUPPRESSED)
    high = sum(1 for d in display if d == HIDDEN)
    if not low:
        return False
    rest = total - sum(d for d in display if isinstance(d, int))
    return low + high == 1 or rest == low + SMALL * high or (not high and rest == (SMALL - 1) * low)


@dataclass(frozen=True)
class MonthFigures:
    """One month: placements started, running at some day of it, ended, and the hours logged."""

    month: date
    started: int
    running: int
    ended: int
    hours: Decimal


@dataclass(frozen=True)
class Retention:
    """Known answers at a checkpoint among placements that ended in a job during the year."""

    months: int
    employed: int  # answered yes
    known: int  # answered yes or no (n)
    unknown: int  # ended in a job, checkpoint passed or not, no answer yet

    @property
    def share(self) -> float | None:
        """Share still employed, or None when it would reveal a count of 1 or 2 (or n is 0)."""
        if self.known == 0 or 0 < self.employed < SMALL or 0 < self.known - self.employed < SMALL:
            return None
        return self.employed / self.known


@dataclass(frozen=True)
class ShownFigures:
    """The report's counts as they may be shown (:func:`shown_group`): per month started, running
    and ended; per outcome; per retention checkpoint (yes, n, no answer); and the totals."""

    started: list[int | str]
    running: list[int | str]
    ended: list[int | str]
    outcomes: dict[str, int | str]
    retention: list[tuple[int | str, int | str, int | str]]
    total_started: int | str
    total_ended: int | str
    running_at_end: int | str


@dataclass
class PartnerReport:
    """The year's figures for one company."""

    year: int
    months: list[MonthFigures] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    retention: list[Retention] = field(default_factory=list)
    started: int = 0
    ended: int = 0
    running_at_end: int = 0
    hours: Decimal = Decimal(0)
    partial: bool = False  # the year is not over yet

    def shown(self) -> ShownFigures:
        """Every count as it may be shown, small ones and what would reveal them suppressed."""
        started, total_started = shown_group([m.started for m in self.months], self.started)
        ended, total_ended = shown_group([m.ended for m in self.months], self.ended)
        keys = list(self.outcomes)
        outcomes, _ = shown_group([self.outcomes[k] for k in keys], self.ended)
        retention = []
        for r in self.retention:
            (yes, _no), known = shown_group([r.employed, r.known - r.employed], r.known)
            retention.append((yes, known, shown(r.unknown)))
        return ShownFigures(started, [shown(m.running) for m in self.months], ended,
                            dict(zip(keys, outcomes)), retention, total_started, total_ended,
                            shown(self.running_at_end))


def years_available(company_id: int, today: date) -> list[int]:
    """The years from the company's first placement to this year, newest first."""
    first = db.session.scalar(sa.select(sa.func.min(Placement.start_date))
                              .where(Placement.company_id == company_id))
    start = min(first.year, today.year) if first else today.year
    return list(range(today.year, start - 1, -1))


def _placements(company_id: int, year: int) -> list[Placement]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    return list(db.session.scalars(
        sa.select(Placement).where(Placement.company_id == company_id, Placement.start_date <= last,
                                   sa.or_(Placement.end_date.is_(None), Placement.end_date >= first))
        .options(selectinload(Placement.hours))))


def _ended_by(placement: Placement, day: date) -> bool:
    return placement.end_reason is not None and placement.end_date is not None and placement.end_date <= day


def build(company_id: int, year: int, today: date) -> PartnerReport:
    """The report for ``year``; months after ``today``'s month are left out."""
    placements = _placements(company_id, year)
    report = PartnerReport(year=year, partial=today < date(year, 12, 31))
    month = date(year, 1, 1)
    while month.year == year and month <= today:
        last = month_end(month)
        report.months.append(MonthFigures(
            month,
            started=sum(1 for p in placements if month <= p.start_date <= last),
            running=sum(1 for p in placements if p.start_date <= last and (p.end_date is None or p.end_date >= month)),
            ended=sum(1 for p in placements if p.end_reason and p.end_date and month <= p.end_date <= last),
            hours=sum((h.hours for p in placements for h in p.hours if h.month == month), Decimal(0))))
        month = add_months(month, 1)
    ended = [p for p in placements if p.end_reason and p.end_date and p.end_date.year == year]
    report.outcomes = {key: 0 for key in END_REASONS}
    for placement in ended:
        report.outcomes[placement.end_reason] = report.outcomes.get(placement.end_reason, 0) + 1
    in_job = [p for p in ended if p.end_reason in SUCCESS_END_REASONS]
    for months, column in RETENTION.items():
        answers = [getattr(p, column) for p in in_job]
        known = [a for a in answers if a is not None]
        report.retention.append(Retention(months, sum(1 for a in known if a), len(known),
                                          len(answers) - len(known)))
    report.started = sum(m.started for m in report.months)
    report.ended = len(ended)
    end_of_period = min(date(year, 12, 31), today)
    report.running_at_end = sum(1 for p in placements
                                if p.start_date <= end_of_period and not _ended_by(p, end_of_period)
                                and (p.end_date is None or p.end_date >= end_of_period))
    report.hours = sum((m.hours for m in report.months), Decimal(0))
    return report
