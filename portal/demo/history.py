"""Fourteen months of placements and monthly hours before ``today``.

Company-based placements (virksomhedspraktik, løntilskud) are common enough that the 70%
focus goal is nearly, not trivially, met; småjob and fleksjob log paid hours per month; a
success ends the case (ordinary job, fleksjob or education), so outcomes are visible too.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ..dates import add_months, month_start
from .followups import placement_events
from .openings import distance
from .occupations import BY_KEY
from .people import at
from .records import (DemoCitizen, DemoCompany, DemoHours, DemoOpening, DemoPlacement,
                      DemoProposal)

HISTORY_DAYS = 425  # a little over 14 months
# Chance of at least one company-based placement in the window, per benefit group.
COMPANY_BASED_P = {"dagpenge": .6, "kontanthjaelp": .72, "uddannelseshjaelp": .72,
                   "integrationsydelse": .78, "sygedagpenge": .6, "jobafklaring": .68,
                   "ressourceforloeb": .66, "ledighedsydelse": .6}
SMAAJOB_P = .38
END_REASONS = ("ordinaert_job", "fleksjob", "uddannelse", "forloeb_slut", "afbrudt", "andet")
END_WEIGHTS = {"default": (22, 0, 6, 52, 14, 6), "uddannelseshjaelp": (14, 0, 30, 40, 12, 4),
               "ledighedsydelse": (5, 45, 0, 35, 12, 3), "ressourceforloeb": (6, 10, 4, 60, 16, 4),
               "jobafklaring": (8, 8, 4, 60, 16, 4)}
LOGGED_KINDS = ("smaajob", "fleksjob", "ordinaert")


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return add_months(month_start(day), 1)


def monthly_hours(rng: random.Random, placement: DemoPlacement, today: date,
                  logger: int) -> list[DemoHours]:
    """One log per completed month the placement was active (the current month is not yet logged)."""
    logs = []
    month = month_start(placement.start_date)
    last = placement.end_date or today
    while next_month(month) <= today and month <= last:
        first, stop = max(month, placement.start_date), min(next_month(month), last + timedelta(1))
        active_days = (stop - first).days
        hours = placement.weekly_hours * active_days / 7 * rng.uniform(0.75, 1.1)
        logged = next_month(month) + timedelta(days=rng.randint(0, 6))
        if active_days > 0 and logged < today:
            value = Decimal(round(min(hours, 400) * 2) / 2).quantize(Decimal("0.01"))
            logs.append(DemoHours(month, value, logger, at(logged, rng.randint(8, 16))))
        month = next_month(month)
    return logs


class PlacementBuilder:
    """Builds every citizen's placement timeline; holds the shared lookups."""

    def __init__(self, rng: random.Random, today: date, citizens: list[DemoCitizen],
                 companies: list[DemoCompany], company_users: dict[int, list[int]],
                 eligibility: dict[tuple[str, str], bool]) -> None:
        self.rng, self.today, self.citizens = rng, today, citizens
        self.companies, self.company_users, self.eligibility = companies, company_users, eligibility
        self.placements: list[DemoPlacement] = []

    def add(self, ci: int, company: int, kind: str, start: date, weeks: int,
            weekly: float, opening: int | None = None) -> DemoPlacement:
        """Add a placement; it ends (with a reason) only if its planned end is past."""
        rng, citizen = self.rng, self.citizens[ci]
        end: date | None = start + timedelta(weeks=weeks)
        reason = None
        if end >= self.today:
            end = None
        else:
            weights = END_WEIGHTS.get(citizen.benefit_group, END_WEIGHTS["default"])
            reason = rng.choices(END_REASONS, weights)[0]
            if reason == "afbrudt":
                end = start + timedelta(days=rng.randint(5, max(6, weeks * 7 - 1)))
        # Registered a few days before it starts, and never after today.
        registered = min(start - timedelta(days=rng.randint(1, 10)), self.today - timedelta(1))
        placement = DemoPlacement(ci, opening, company, kind, start, end, weekly, reason,
                                  at(registered, 10))
        if kind in LOGGED_KINDS:
            placement.hours = monthly_hours(rng, placement, self.today,
                                            rng.choice(self.company_users[company]))
        self.placements.append(placement)
        return placement

    def company_for(self, citizen: DemoCitizen) -> int:
        """A company in the citizen's trades within commuting range, else the nearest in range."""
        sectors = {s for key in citizen.occupations for s in BY_KEY[key].sectors}
        near = [i for i, c in enumerate(self.companies)
                if distance(citizen.postcode, c.postcode) <= max(citizen.max_commute_km, 10)]
        fitting = [i for i in near if self.companies[i].sector in sectors]
        return self.rng.choice(fitting or near or list(range(len(self.companies))))

    def from_hires(self, proposals: list[DemoProposal], openings: list[DemoOpening]) -> set[int]:
        """Placements for proposals the company answered "hired"; returns those citizens."""
        hired = set()
        for p in proposals:
            if p.company_response != "hired" or p.company_responded_at is None:
                continue
            opening = openings[p.opening]
            start = p.company_responded_at.date() + timedelta(days=self.rng.randint(3, 14))
            weeks = opening.duration_weeks or self.rng.randint(30, 80)
            weekly = min(self.citizens[p.citizen].hours_available, opening.hours_max)
            self.add(p.citizen, opening.company, opening.kind, start, weeks, weekly, p.opening)
            hired.add(p.citizen)
        return hired

    def timeline(self, ci: int) -> None:
        """Direct placements arranged by the VK (no opening), up to two in a row."""
        rng, citizen = self.rng, self.citizens[ci]
        window = max(citizen.case_start, self.today - timedelta(days=HISTORY_DAYS))
        if (self.today - window).days < 10:
            return
        group = citizen.benefit_group
        if self.eligibility[(group, "smaajob")] and rng.random() < SMAAJOB_P:
            self._smaajob(ci, window)
        cursor = window
        for _ in range(rng.choice((1, 1, 2))):
            if rng.random() >= COMPANY_BASED_P[group] or (self.today - cursor).days < 10:
                break
            placement = self._company_based(ci, cursor)
            if placement.end_date is None or self._success(placement):
                break
            cursor = placement.end_date + timedelta(days=rng.randint(10, 60))

    def _day(self, start: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (self.today - start).days - 7)))

    def _smaajob(self, ci: int, window: date) -> None:
        citizen = self.citizens[ci]
        weekly = float(min(citizen.hours_available, self.rng.choice((3, 4, 5, 6, 8, 10, 12, 15))))
        self.add(ci, self.company_for(citizen), "smaajob", self._day(window),
                 self.rng.randint(8, 60), weekly)

    def _company_based(self, ci: int, cursor: date) -> DemoPlacement:
        rng, citizen = self.rng, self.citizens[ci]
        kind = "virksomhedspraktik"
        if self.eligibility[(citizen.benefit_group, "loentilskud")] and rng.random() < 0.3:
            kind = "loentilskud"
        weeks = rng.choice((4, 6, 8, 13) if kind == "virksomhedspraktik" else (13, 26, 39))
        weekly = float(min(citizen.hours_available, rng.choice((10, 15, 20, 25, 30, 37))))
        return self.add(ci, self.company_for(citizen), kind, self._day(cursor), weeks, weekly)

    def _success(self, placement: DemoPlacement) -> bool:
        """Follow a successful end with the job it led to and close the case."""
        reason, end = placement.end_reason, placement.end_date
        if reason not in ("ordinaert_job", "fleksjob", "uddannelse") or end is None:
            return False
        citizen = self.citizens[placement.citizen]
        start = end + timedelta(days=self.rng.randint(1, 14))
        if reason != "uddannelse" and start < self.today:
            kind = "ordinaert" if reason == "ordinaert_job" else "fleksjob"
            hours = 37.0 if kind == "ordinaert" else max(citizen.hours_available, 8.0)
            follow = self.add(placement.citizen, placement.company, kind, start, 520, hours)
        else:
            follow = None
        closed = end + timedelta(days=self.rng.randint(7, 45))
        if closed < self.today:
            citizen.case_closed = closed
            self._stop_others(placement.citizen, closed, keep=follow)
        return True

    def _stop_others(self, ci: int, closed: date, keep: DemoPlacement | None) -> None:
        """A closed case ends the citizen's other placements (småjob, praktik) that day.

        ``keep`` (the job the success led to) goes on; a placement that would only have
        started after the case closed never happened.
        """
        kept = []
        for p in self.placements:
            if p.citizen == ci and p is not keep:
                if p.start_date >= closed:
                    continue
                if p.end_date is None or p.end_date > closed:
                    p.end_date, p.end_reason = closed, p.end_reason or "forloeb_slut"
                    p.hours = [h for h in p.hours if h.month <= closed]
            kept.append(p)
        self.placements[:] = kept


def make_placements(rng: random.Random, today: date, citizens: list[DemoCitizen],
                    companies: list[DemoCompany], company_users: dict[int, list[int]],
                    proposals: list[DemoProposal], openings: list[DemoOpening],
                    eligibility: dict[tuple[str, str], bool]) -> list[DemoPlacement]:
    """All placements of the history window, hires first, then direct arrangements."""
    builder = PlacementBuilder(rng, today, citizens, companies, company_users, eligibility)
    hired = builder.from_hires(proposals, openings)
    for ci in range(len(citizens)):
        if ci not in hired:
            builder.timeline(ci)
    for p in builder.placements:  # once every end date is final
        citizen = citizens[p.citizen]
        p.events = placement_events(p, citizen.vk if citizen.vk is not None else citizen.adviser, today)
    return builder.placements
