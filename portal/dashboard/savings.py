"""Estimated municipal savings from placement outcomes (management dashboard).

Figures: DOMAIN.md, "Average municipal net cost per full-time person on benefit
(Budget 2024, from the plan)". Only the three benefit groups in that table are
priced; every other group is shown as "ikke beregnet" rather than guessed.

Assumption (shown on the page): a citizen whose placement ended in an ordinary job,
a fleksjob or education within the last 12 months has been off benefit since that
day, *if their case is closed* by the day measured. An open case means the citizen
is still on benefit: the portal's own rule for "citizens on benefit" (the active share),
and the reviewer found 16 of 55 counted citizens with an open case, some back in an
unpaid virksomhedspraktik (review F 5). So a citizen with an open case is left out (and
counted as such, with whether they are in a placement now), and the weeks run from the
later of the outcome and the case's closing: ``min(weeks, 52) × net cost per week``.
Each citizen counts once, from their first such outcome in the window. That is the
*gross* figure: it credits the job centre with everyone who left.

A citizen whose case was closed because they moved away ("Flyttet fra kommunen") is left
out too, and counted apart (review T 5): they left this municipality's benefit, not benefit, and
the placement cannot be credited with it. Every other closing reason counts: the placement's
end reason says what the citizen went on to.

The *net* figure takes off the deadweight ("dødvægt"): the share who would have become
self-supporting anyway, without the placement. ``net = round(gross × (1 − deadweight))``.
The share is an assumption, configurable as ``SAVINGS_DEADWEIGHT`` (0..1); see
:data:`DEADWEIGHT_SOURCE` for why the default is 0.8.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from store.models.vocab import BENEFIT_GROUPS, END_REASONS, SUCCESS_END_REASONS
from ..i18n import format_number
from .facts import NEVER, Facts
from .metrics import window_start


@dataclass(frozen=True)
class BenefitCost:
    label: str
    gross_year: int
    refund_percent: float
    net_year: int
    net_week: int


# Budget 2024 (kr. per full-time person), keyed by the portal's benefit-group keys.
BUDGET_2024 = {
    "kontanthjaelp": BenefitCost("Kontanthjælp", 154_031, 22.87, 118_804, 2_285),
    "uddannelseshjaelp": BenefitCost("Uddannelseshjælp", 86_511, 24.76, 65_091, 1_252),
    "ressourceforloeb": BenefitCost("Ressourceforløbsydelse", 164_645, 20.15, 131_469, 2_528),
}
PLAN_REFERENCE_PERSONS = 2
PLAN_REFERENCE_SAVING = 630_728
MAX_WEEKS = 52

# The default deadweight share (config SAVINGS_DEADWEIGHT). An assumption, not a measurement. The
# text names no setting: consultants read it, and the variable belongs in the README (review BI 9).
DEFAULT_DEADWEIGHT = 0.8
DEADWEIGHT_SOURCE = (
    "Antagelse (jobcentrets administrator kan ændre den): {share} af dem, der blev "
    "selvforsørgende, ville være blevet det alligevel, også uden forløbet. Danske effektmålinger af "
    "virksomhedsrettede tilbud (virksomhedspraktik og løntilskud; fx Styrelsen for Arbejdsmarked og "
    "Rekruttering på jobeffekter.dk og VIVE) finder typisk positive, men moderate effekter på "
    "beskæftigelsen: de fleste, der kommer i job efter et forløb, ville også være kommet i job uden. "
    "Standardværdien 80 % er et forsigtigt, afrundet skøn ud fra den iagttagelse, ikke et tal fra én "
    "bestemt undersøgelse. Sæt jobcentrets egen vurdering ind, hvis I har en bedre kilde.")

MOVED = "flyttet"  # the closing reason of a citizen who moved away (CASE_CLOSE_REASONS)

ASSUMPTION = (
    "Bruttoskøn: en borger, hvis forløb inden for de seneste 12 måneder endte i ordinært job, fleksjob "
    "eller uddannelse, og hvis sag er afsluttet, antages at have været selvforsørgende siden. En borger "
    "med en åben sag får stadig ydelse og tælles ikke med (heller ikke hvis borgeren er i et nyt forløb), "
    "og en borger, hvis sag er afsluttet, fordi borgeren er flyttet fra kommunen, tælles heller ikke med. "
    "Besparelsen er antal hele uger fra det seneste af forløbets slutning og sagens afslutning (højst 52) "
    "gange kommunens nettoudgift pr. uge for borgerens ydelsesgruppe (Budget 2024). Hver borger tælles "
    "én gang. Ydelsesgrupper uden tal i budgettabellen er ikke beregnet.")


def plan_reference_saving(persons: int = PLAN_REFERENCE_PERSONS) -> int:
    """Yearly saving of ``persons`` fewer full-time persons in each priced group (the plan's 630,728)."""
    return sum(persons * cost.net_year for cost in BUDGET_2024.values())


@dataclass(frozen=True)
class SavingsRow:
    """One benefit group: how many citizens moved on, weeks off benefit, estimated kroner.

    ``amount`` is None for a group without Budget 2024 figures ("ikke beregnet").
    """

    benefit_group: str
    label: str
    citizens: int
    weeks: int
    net_week: int | None
    amount: int | None
    left_out: int = 0  # outcomes not counted: the citizen's case is open (still on benefit)


@dataclass(frozen=True)
class OutcomeRow:
    """One kind of outcome (ordinary job, fleksjob, education): citizens and priced kroner."""

    end_reason: str
    label: str
    citizens: int
    amount: int  # only citizens in priced benefit groups contribute


@dataclass(frozen=True)
class SavingsEstimate:
    """Gross savings per group and outcome, and the net figure after the deadweight share."""

    rows: list[SavingsRow]
    by_outcome: list[OutcomeRow] = field(default_factory=list)
    assumption: str = ASSUMPTION
    deadweight: float = DEFAULT_DEADWEIGHT
    left_out: int = 0  # citizens with an outcome left out: their case is open, or they moved away
    left_out_placed: int = 0  # of them, in a placement on the day measured
    left_out_moved: int = 0  # of them, closed because they moved away from the municipality

    @property
    def counted(self) -> int:
        return sum(r.citizens for r in self.rows)

    @property
    def total(self) -> int:
        """Gross: as if every outcome was the job centre's doing."""
        return sum(r.amount for r in self.rows if r.amount is not None)

    @property
    def deadweight_amount(self) -> int:
        """The part of the gross figure that would have been saved anyway."""
        return self.total - self.net

    @property
    def net(self) -> int:
        """Gross minus the deadweight share, rounded to whole kroner."""
        return round(self.total * (1 - self.deadweight))

    @property
    def deadweight_source(self) -> str:
        return DEADWEIGHT_SOURCE.format(share=f"{format_number(self.deadweight * 100)} %")


@dataclass(frozen=True)
class SavingsCitizen:
    """One citizen behind the estimate: the first outcome in the window and what it counts.

    ``counted`` False: the case is open on the day measured (still on benefit), or it was
    closed because the citizen moved away (``moved``); ``in_placement`` says whether the citizen
    is in a placement that day. ``since`` is the day the weeks run
    from (the later of the outcome and the case's closing), ``amount`` None for an unpriced group.
    """

    citizen_id: int
    benefit_group: str
    placement_id: int
    outcome_day: date
    end_reason: str
    case_closed: date | None
    counted: bool
    in_placement: bool
    since: date | None
    weeks: int
    amount: int | None
    moved: bool = False


def savings_citizens(facts: Facts, as_of: date) -> list[SavingsCitizen]:
    """Every citizen with a self-support outcome in the 12 months up to ``as_of`` (see the module
    docstring), counted or left out, in citizen order of the snapshot."""
    d = as_of.toordinal()
    running = facts.citizens_marked(facts.p_citizen[facts.placements_overlapping(as_of, as_of)])
    out = []
    for position, (day, reason, row) in sorted(_first_outcomes(facts, as_of).items()):
        group = str(facts.benefit_group[position])
        closed = int(facts.case_closed[position])
        moved = closed <= d and str(facts.case_close_reason[position]) == MOVED
        counted = closed <= d and not moved
        since = max(day, closed) if counted else None
        weeks = min((d - since) // 7, MAX_WEEKS) if counted else 0
        cost = BUDGET_2024.get(group)
        out.append(SavingsCitizen(
            int(facts.ids[position]), group, int(facts.p_id[row]) if facts.p_id.size else 0,
            date.fromordinal(day), reason, date.fromordinal(closed) if closed < NEVER else None, counted,
            bool(running[position]), date.fromordinal(since) if since is not None else None, weeks,
            weeks * cost.net_week if cost else None, moved))
    return out


def compute_savings(facts: Facts, as_of: date, deadweight: float = DEFAULT_DEADWEIGHT) -> SavingsEstimate:
    """The estimate from a facts snapshot (see the module docstring for the assumptions).

    Raises:
        ValueError: ``deadweight`` outside 0..1.
    """
    if not 0 <= deadweight <= 1:
        raise ValueError(f"deadweight must be a share between 0 and 1, not {deadweight!r}")
    people = savings_citizens(facts, as_of)
    citizens: dict[str, int] = {}
    weeks: dict[str, int] = {}
    left_out: dict[str, int] = {}
    per_reason: dict[str, list[int]] = {reason: [0, 0] for reason in SUCCESS_END_REASONS}
    for p in people:
        if not p.counted:
            left_out[p.benefit_group] = left_out.get(p.benefit_group, 0) + 1
            continue
        citizens[p.benefit_group] = citizens.get(p.benefit_group, 0) + 1
        weeks[p.benefit_group] = weeks.get(p.benefit_group, 0) + p.weeks
        per_reason[p.end_reason][0] += 1
        per_reason[p.end_reason][1] += p.amount or 0
    rows = []
    for group, label in BENEFIT_GROUPS.items():
        if group not in citizens and group not in left_out and group not in BUDGET_2024:
            continue
        cost = BUDGET_2024.get(group)
        n, w = citizens.get(group, 0), weeks.get(group, 0)
        rows.append(SavingsRow(group, cost.label if cost else label, n, w,
                               cost.net_week if cost else None, w * cost.net_week if cost else None,
                               left_out.get(group, 0)))
    by_outcome = [OutcomeRow(reason, END_REASONS[reason], n, amount)
                  for reason, (n, amount) in per_reason.items()]
    return SavingsEstimate(rows, by_outcome, deadweight=deadweight,
                           left_out=sum(not p.counted for p in people),
                           left_out_placed=sum(not p.counted and p.in_placement for p in people),
                           left_out_moved=sum(p.moved for p in people))


def _first_outcomes(facts: Facts, as_of: date) -> dict[int, tuple[int, str, int]]:
    """Each citizen's first self-support outcome (day ordinal, end reason, placement row) in the 12
    months up to ``as_of``, by the citizen's position in ``facts``; the earlier placement row wins a tie."""
    ended = (facts.rows_in("p_end_reason", SUCCESS_END_REASONS)
             & (facts.p_end >= window_start(as_of).toordinal()) & (facts.p_end <= as_of.toordinal())
             & (facts.p_citizen < facts.n))
    outcomes: dict[int, tuple[int, str, int]] = {}
    for row in np.flatnonzero(ended).tolist():
        position, end, reason = int(facts.p_citizen[row]), int(facts.p_end[row]), str(facts.p_end_reason[row])
        if position not in outcomes or end < outcomes[position][0]:
            outcomes[position] = (end, reason, row)
    return outcomes

