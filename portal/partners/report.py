"""A Code of Care partner's year in figures: aggregates only, small counts suppressed.

The report covers one calendar year of the company's placements (the current year up to
this month): placements started and ended in the year, running per month, hours logged per
month, outcomes, and retention (still employed 3 and 6 months after a placement that ended in a
job, fleksjob or education, counting known answers only, with n). No citizen is named or
listed. A partner may publish the figures in its CSR report, so a count of 1 or 2 is shown
as "<3" (:func:`shown`), a count that would let one be worked out from a total is hidden
(:func:`shown_group`), also across tables that share a total (:func:`shown_counts`) and through
running at the start + started = ended + running at the end (:func:`shown_flow`), and a share is
shown only when neither side of it is 1 or 2: small
numbers could point out a person. Hours are not counts of people and are shown as logged.
A placement cancelled before its start (end reason "aflyst") never happened: it is in no figure
of the report (:func:`_placements`), and the outcomes are the ones a started placement may end
with (:data:`~store.models.vocab.ENDING_REASONS`), and "Ikke angivet" (:data:`NO_REASON`) for one
whose end date has passed without an end registered: ended, as on every page (:func:`_ended_by`).
A month is provisional (»foreløbig«) until its hours deadline has passed, and the year final
only after December's (:func:`provisional_until`): until then the figures may still change.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..dates import add_months, hours_due, month_end
from ..extensions import db
from ..placements.service import is_active, not_cancelled_clause
from store.models import Placement
from store.models.vocab import ENDING_REASONS, SUCCESS_END_REASONS

SMALL = 3  # counts below this (but above 0) are shown as "<3"
SUPPRESSED = "<3"
NO_REASON = "ikke_angivet"
RETENTION = {3: "employed_3m", 6: "employed_6m"}


HIDDEN = "skjult"  # a count of 3 or more hidden so that a "<3" beside it cannot be worked out
UNSPLIT = "–"  # a group shown only as its total: any cell may be anything up to it
# Said on the page and in the XLSX (:func:`_placements` leaves cancelled placements out).
CANCELLED_NOTE = "Forløb, der blev aflyst før start, er ikke med i nogen af tallene: de blev aldrig til noget."


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
    or 2 is "<3", and its breakdown is never shown when it has two cells or more: split only
    when one cell is not 0, "–" would say that two cells are 1 each and the total 2 (review W 2:
    "Afbrudt <3" under 1 ended, "–" under 2). Otherwise zeros stay: they are no person.
    """
    if 0 < total < SMALL:
        if len(cells) >= 2:
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
    open_until: date | None = None  # provisional: its hours may be registered until this day

    @property
    def provisional(self) -> bool:
        """Its hours are still due (:func:`provisional_until`): not a finished month yet."""
        return self.open_until is not None


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
    """The report's counts as they may be shown (:func:`shown_counts`): per month running; per
    outcome; per retention checkpoint (yes, n, no answer); and the totals."""

    running: list[int | str]
    outcomes: dict[str, int | str]
    retention: list[tuple[int | str, int | str, int | str]]
    total_started: int | str
    total_ended: int | str
    running_at_end: int | str

    @property
    def outcomes_split(self) -> bool:
        """Whether any outcome is shown on its own (else the page says the split is left out)."""
        return any(v != UNSPLIT for v in self.outcomes.values())


def shown_counts(outcomes: dict[str, int], retention: list[tuple[int, int, int]]
                 ) -> tuple[dict[str, int | str], list[tuple[int | str, int | str, int | str]], int | str]:
    """Outcomes and retention rows, suppressed together: (outcomes, retention rows, total ended).

    The tables share totals: every placement that ended in a job, fleksjob or education is in a
    retention row as yes, no or no answer, so "Kendte svar" plus "Ikke oplyst" equals the three
    job outcomes together. A reader who adds across the tables learns that sum, and with it the
    sum of the other outcomes (review: four "<3" outcomes adding up to 5 beside 4 job outcomes
    gave Andet = 1). So the counts are suppressed as a tree of groups, each with
    :func:`shown_group`: the job sum and the other sum under the year's total; the job outcomes
    under their sum, the others under theirs; per checkpoint, known answers and no answer under
    the job sum, and yes and no under the known answers. An inner sum is taken to be known to
    the reader when its group shows it; when its group shows it as "<3", what is under it is
    split as under a total of 1 or 2; when its group hides it ("skjult" or "–"), what is under it
    is not split ("–"), so that nothing under it can give the sum away. Groups that share only
    a known sum cannot pin each other down. A yes is left out ("–") while the known answers are
    not shown exactly. ``retention`` rows are (yes, no, no answer). The brute-force reader in
    the tests checks this.
    """
    keys = list(outcomes)
    total = sum(outcomes.values())
    success = [k for k in keys if k in SUCCESS_END_REASONS]
    others = [k for k in keys if k not in SUCCESS_END_REASONS]
    in_job = sum(outcomes[k] for k in success)
    if 0 < total < SMALL:
        cells, shown_total = shown_group([outcomes[k] for k in keys], total)
        # Unsplit, the job sum is unknown too: a retention row of 0 beside "–" outcomes would say
        # none went to a job, "–" that one did (review AM 8). Either way the rows read "–".
        unsplit = all(c == UNSPLIT for c in cells)
        split, job_sum = dict(zip(keys, cells)), UNSPLIT if unsplit else SUPPRESSED if in_job else 0
    else:
        shown_total = shown(total)
        # The two sums are a group of their own under the year's total; a side that may not be
        # known exactly is either small (its split as a small total) or not split at all.
        sums, _ = shown_group([in_job, total - in_job], total)
        split = {}
        for group, group_sum, sum_shown in ((success, in_job, sums[0]), (others, total - in_job, sums[1])):
            if isinstance(sum_shown, int) or sum_shown == SUPPRESSED:
                cells, _ = shown_group([outcomes[k] for k in group], group_sum)
            else:
                cells = [UNSPLIT] * len(group)
            split.update(zip(group, cells))
        job_sum = sums[0]
    rows = []
    for yes, no, unknown in retention:
        if not (isinstance(job_sum, int) or job_sum == SUPPRESSED):
            rows.append((UNSPLIT, UNSPLIT, UNSPLIT))
            continue
        (known_shown, unknown_shown), _ = shown_group([yes + no, unknown], in_job)
        if isinstance(known_shown, int):
            (yes_shown, _no), _ = shown_group([yes, no], yes + no)
        else:
            yes_shown = UNSPLIT
        rows.append((yes_shown, known_shown, unknown_shown))
    return {k: split[k] for k in keys}, rows, shown_total


def shown_flow(started: int, ended: int, running_at_end: int, ended_shown: int | str,
               running: list[int | str]) -> tuple[int | str, int | str, int | str]:
    """The year's started, ended and running at its end, as they may be shown beside each other.

    They are tied by running at the start + started = ended + running at the end, and the running
    at the start is as good as known: it is the year before's running at the end, and a January
    with 0 running says it is 0 (review W 2: 4 started, "<3" ended, "<3" running, with 0 running
    until October, made both 2, and the outcome table's single "<3" two interrupted). The
    running per month bounds them too (each month's rise is started, each fall ended). A reader
    is taken to know the running at the start as the report would show it (exactly when 0 or 3
    or more, else "<3"), the running per month as shown, and ``ended_shown`` (from
    :func:`shown_counts`). While that pins down a count of 1 or 2 among the three
    (:func:`_flow_pinned`), started is hidden ("skjult"), else running at the end, else they are
    left out ("–": any number), started first, since it is in no other table; ended last (then
    its outcomes are not split either: their sum would give it); one hidden on the way that the
    others turn out not to need is shown again. What the running per month and at the start give
    away on their own (a year of January only: its started is January's running less the start)
    no total can take back. Returns (started, ended, running at the end) as shown.
    """
    start = ended + running_at_end - started  # the running at the start the identity gives
    starts = [start] if start <= 0 or start >= SMALL else [1, 2]
    most = started + ended + running_at_end + abs(start) + 2 * SMALL
    runs = [[r] if isinstance(r, int) else [1, 2] for r in running]
    truth = [started, ended, running_at_end]
    small = [0 < v < SMALL for v in truth]
    display: list[int | str] = [shown(started), ended_shown, shown(running_at_end)]
    steps = [(0, HIDDEN), (2, HIDDEN), (0, UNSPLIT), (2, UNSPLIT), (1, UNSPLIT)]
    changed = []
    while steps and _flow_pinned(display, small, starts, runs, most):
        i, mark = steps.pop(0)
        if (mark == HIDDEN and display[i] == truth[i] and truth[i] >= SMALL) \
                or mark == UNSPLIT:
            changed.append((i, display[i]))
            display[i] = mark
    # A figure hidden on the way that the rest no longer needs hidden is shown again.
    for i, before in reversed(changed):
        if display[i] != before and not _flow_pinned([before if j == i else d for j, d in enumerate(display)],
                                                     small, starts, runs, most):
            display[i] = before
    return display[0], display[1], display[2]


def _flow_pinned(display: list[int | str], small: list[bool], starts: list[int], runs: list[list[int]],
                 most: int) -> bool:
    """Whether a reader can pin down a count of 1 or 2 (``small``) among (started, ended,
    running at the end), shown as ``display``.

    The worlds a reader must consider: any running at the start among ``starts``, started and
    running at the end among what their shown forms allow (up to ``most``), ended by the
    identity and allowed by its shown form, and a running per month among ``runs`` that such a
    year can have (:func:`_flow_fits`).
    """
    def values(d):
        if isinstance(d, int):
            return [d]
        return [1, 2] if d == SUPPRESSED else range(SMALL if d == HIDDEN else 0, most + 1)

    allowed_started, allowed_ended = set(values(display[0])), set(values(display[1]))
    seen: list[set[int]] = [set(), set(), set()]
    for start in starts:
        for r in values(display[2]):
            fits = _flow_fits(runs, start, r)
            # started and ended differ by r - start: walk the shorter list (one of them is often exact)
            pairs = ((s, s + start - r) for s in allowed_started) if len(allowed_started) <= len(allowed_ended) \
                else ((e + r - start, e) for e in allowed_ended)
            for s, e in pairs:
                if s in allowed_started and e in allowed_ended and fits(s + start):
                    for cell, value in zip(seen, (s, e, r)):
                        cell.add(value)
    return any(is_small and len(cell) < 2 for is_small, cell in zip(small, seen))


def _flow_fits(runs: list[list[int]], start: int, end: int) -> Callable[[int], bool]:
    """Whether a running per month among ``runs`` fits a year with running ``start`` at its
    start, ``end`` at its end and a given start plus started (the returned test).

    January's running is the start plus January's starts, each later month's the month before's
    less its ends plus its starts, and the running at the end is at most the last month's. So
    the least start plus started is January's running plus every month's rise; any more is a
    placement ended in one month for each one more started in the next. A year of one month
    has no next: its start plus started is January's running.
    """
    best = {v: v for v in runs[0] if v >= start} if runs else {start: start}
    for options in runs[1:]:
        best = {v: min(c + max(0, v - u) for u, c in best.items()) for v in options} if best else {}
    needed = {c for v, c in best.items() if v >= end}
    if len(runs) <= 1:
        return needed.__contains__
    least = min(needed, default=None)
    return lambda total: least is not None and total >= least


def shown_share(row: tuple[int | str, int | str, int | str]) -> float | None:
    """The share yes among known answers, only when both are shown and neither side is 1 or 2."""
    yes, known = row[0], row[1]
    if not isinstance(yes, int) or not isinstance(known, int) or known == 0:
        return None
    if 0 < yes < SMALL or 0 < known - yes < SMALL:
        return None
    return yes / known


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
    partial: bool = False  # the year is not over yet (its last day included)
    current: date | None = None  # the month in progress (the last of ``months``), if any
    final: bool = True  # December's hours deadline has passed: the year's figures no longer change
    final_after: date | None = None  # December's hours deadline (:func:`provisional_until`)

    @property
    def provisional_months(self) -> list[MonthFigures]:
        """The months whose hours are still due (the month in progress among them)."""
        return [m for m in self.months if m.provisional]

    @property
    def finished_months(self) -> list[MonthFigures]:
        """The months that are over and whose hours deadline has passed: the ones to chart."""
        return [m for m in self.months if not m.provisional and m.month != self.current]

    def shown(self) -> ShownFigures:
        """Every count as it may be shown, small ones and what would reveal them suppressed.

        Placements started and ended are shown for the year only, not per month: beside the
        running count per month, a month's started and ended are its differences, which would
        undo any suppression of them (review: January's "skjult" 5 started was the running 5).
        The year's started, ended and running at the end are one group with the running at the
        start (:func:`shown_flow`).
        """
        outcomes, retention, total_ended = shown_counts(
            self.outcomes, [(r.employed, r.known - r.employed, r.unknown) for r in self.retention])
        running = [shown(m.running) for m in self.months]
        started, total_ended, running_at_end = shown_flow(
            self.started, self.ended, self.running_at_end, total_ended, running)
        if total_ended == UNSPLIT:
            # Nothing under a sum left out may give it away: the outcomes, and the retention
            # rows, whose answers add up to the job outcomes.
            outcomes = {k: UNSPLIT for k in outcomes}
            retention = [(UNSPLIT, UNSPLIT, UNSPLIT) for _ in retention]
        return ShownFigures(running, outcomes, retention, started, total_ended, running_at_end)


def years_available(company_id: int, today: date) -> list[int]:
    """The years from the company's first placement (a cancelled one is none) to this year, newest first."""
    first = db.session.scalar(sa.select(sa.func.min(Placement.start_date))
                              .where(Placement.company_id == company_id, not_cancelled_clause()))
    start = min(first.year, today.year) if first else today.year
    return list(range(today.year, start - 1, -1))


def _placements(company_id: int, year: int) -> list[Placement]:
    """The company's placements that ran on a day of ``year``; a cancelled one never ran (not
    started, running, ended nor an outcome: :func:`portal.placements.service.is_cancelled`)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return list(db.session.scalars(
        sa.select(Placement).where(Placement.company_id == company_id, Placement.start_date <= last,
                                   sa.or_(Placement.end_date.is_(None), Placement.end_date >= first),
                                   not_cancelled_clause())
        .options(selectinload(Placement.hours))))


def _ended_by(placement: Placement, day: date) -> bool:
    """Ended by ``day``: the one rule of every page (:func:`~portal.placements.service.is_active`):
    once its end date has passed, with a reason or not (then its outcome is "Ikke angivet", as
    on /forloeb/, :func:`~portal.placements.service.partner_summary`); an end registered ahead
    is running, not ended, until its date (its outcome counts from then)."""
    return not is_active(placement, day)


def provisional_until(month: date) -> date:
    """The last day ``month``'s hours may still be registered (:func:`portal.dates.hours_due`):
    until that day has passed the month's figures are provisional (»foreløbig«)."""
    return hours_due(month)


def build(company_id: int, year: int, today: date) -> PartnerReport:
    """The report for ``year``; months after ``today``'s month are left out.

    Every figure goes to and including ``today`` (a placement planned to start later this
    month has not started and is not running yet). A month is provisional until its hours
    deadline has passed (:func:`provisional_until`), and the year is final only after
    December's (``final``).
    """
    placements = _placements(company_id, year)
    december_due = provisional_until(date(year, 12, 1))
    report = PartnerReport(year=year, partial=today <= date(year, 12, 31),
                           final=today > december_due, final_after=december_due)
    end_of_period = min(date(year, 12, 31), today)
    month = date(year, 1, 1)
    while month.year == year and month <= today:
        last = min(month_end(month), end_of_period)
        report.months.append(MonthFigures(
            month,
            started=sum(1 for p in placements if month <= p.start_date <= last),
            running=sum(1 for p in placements if p.start_date <= last and (p.end_date is None or p.end_date >= month)),
            ended=sum(1 for p in placements if p.end_date and month <= p.end_date <= last
                      and _ended_by(p, end_of_period)),
            hours=sum((h.hours for p in placements for h in p.hours if h.month == month), Decimal(0)),
            open_until=provisional_until(month) if today <= provisional_until(month) else None))
        month = add_months(month, 1)
    ended = [p for p in placements if p.end_date and p.end_date.year == year and _ended_by(p, end_of_period)]
    report.outcomes = {key: 0 for key in ENDING_REASONS} | {NO_REASON: 0}
    for placement in ended:
        reason = placement.end_reason or NO_REASON
        report.outcomes[reason] = report.outcomes.get(reason, 0) + 1
    in_job = [p for p in ended if p.end_reason in SUCCESS_END_REASONS]
    for months, column in RETENTION.items():
        answers = [getattr(p, column) for p in in_job]
        known = [a for a in answers if a is not None]
        report.retention.append(Retention(months, sum(1 for a in known if a), len(known),
                                          len(answers) - len(known)))
    report.started = sum(m.started for m in report.months)
    report.ended = len(ended)
    report.running_at_end = sum(1 for p in placements
                                if p.start_date <= end_of_period and not _ended_by(p, end_of_period))
    report.hours = sum((m.hours for m in report.months), Decimal(0))
    this_month = today.replace(day=1)
    if report.months and report.months[-1].month == this_month:
        report.current = this_month  # the month in progress, its last day included
    return report
