"""Estimated municipal savings from placement outcomes (management dashboard).

Figures: DOMAIN.md, "Average municipal net cost per full-time person on benefit
(Budget 2024, from the plan)". Only the three benefit groups in that table are
priced; every other group is shown as "ikke beregnet" rather than guessed.

Assumption (shown on the page): a citizen whose placement ended in an ordinary job,
a fleksjob or education within the last 12 months has been off benefit since that
day, so the saving so far is ``min(weeks since the outcome, 52) × net cost per
week``. Each citizen counts once, from their first such outcome in the window.
That is the *gross* figure: it credits the job centre with everyone who left.

The *net* figure takes off the deadweight ("dødvægt"): the share who would have become
self-supporting anyway, without the placement. ``net = round(gross × (1 − deadweight))``.
The share is an assumption, configurable as ``SAVINGS_DEADWEIGHT`` (0..1); see
:data:`DEADWEIGHT_SOURCE` for why the default is 0.8.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from store.models.vocab import BENEFIT_GROUPS, END_REASONS, SUCCESS_END_REASONS
from .facts import Facts, Scope, load_facts
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

# The default deadweight share (config SAVINGS_DEADWEIGHT). An assumption, not a measurement.
DEFAULT_DEADWEIGHT = 0.8
DEADWEIGHT_SOURCE = (
    "Antagelse (kan ændres i indstillingen SAVINGS_DEADWEIGHT): {share} af dem, der blev "
    "selvforsørgende, ville være blevet det alligevel, også uden forløbet. Danske effektmålinger af "
    "virksomhedsrettede tilbud (virksomhedspraktik og løntilskud; fx Styrelsen for Arbejdsmarked og "
    "Rekruttering på jobeffekter.dk og VIVE) finder typisk positive, men moderate effekter på "
    "beskæftigelsen: de fleste, der kommer i job efter et forløb, ville også være kommet i job uden. "
    "Standardværdien 80 % er et forsigtigt, afrundet skøn ud fra den iagttagelse, ikke et tal fra én "
    "bestemt undersøgelse. Sæt jobcentrets egen vurdering ind, hvis I har en bedre kilde.")

ASSUMPTION = (
    "Bruttoskøn: en borger, hvis forløb inden for de seneste 12 måneder endte i ordinært job, fleksjob "
    "eller uddannelse, antages at have været selvforsørgende siden. Besparelsen er antal hele uger "
    "siden (højst 52) gange kommunens nettoudgift pr. uge for borgerens ydelsesgruppe (Budget 2024). "
    "Hver borger tælles én gang. Ydelsesgrupper uden tal i budgettabellen er ikke beregnet.")


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
        return DEADWEIGHT_SOURCE.format(share=f"{self.deadweight * 100:.0f} %".replace(".", ","))


def compute_savings(facts: Facts, as_of: date, deadweight: float = DEFAULT_DEADWEIGHT) -> SavingsEstimate:
    """The estimate from a facts snapshot (see the module docstring for the assumptions).

    Raises:
        ValueError: ``deadweight`` outside 0..1.
    """
    if not 0 <= deadweight <= 1:
        raise ValueError(f"deadweight must be a share between 0 and 1, not {deadweight!r}")
    outcomes = _first_outcomes(facts, as_of)
    citizens: dict[str, int] = {}
    weeks: dict[str, int] = {}
    per_reason: dict[str, list[int]] = {reason: [0, 0] for reason in SUCCESS_END_REASONS}
    for position, (day, reason) in outcomes.items():
        group = str(facts.benefit_group[position])
        w = min((as_of.toordinal() - day) // 7, MAX_WEEKS)
        citizens[group] = citizens.get(group, 0) + 1
        weeks[group] = weeks.get(group, 0) + w
        per_reason[reason][0] += 1
        per_reason[reason][1] += w * BUDGET_2024[group].net_week if group in BUDGET_2024 else 0
    rows = []
    for group, label in BENEFIT_GROUPS.items():
        if group not in citizens and group not in BUDGET_2024:
            continue
        cost = BUDGET_2024.get(group)
        n, w = citizens.get(group, 0), weeks.get(group, 0)
        rows.append(SavingsRow(group, cost.label if cost else label, n, w,
                               cost.net_week if cost else None, w * cost.net_week if cost else None))
    by_outcome = [OutcomeRow(reason, END_REASONS[reason], n, amount)
                  for reason, (n, amount) in per_reason.items()]
    return SavingsEstimate(rows, by_outcome, deadweight=deadweight)


def _first_outcomes(facts: Facts, as_of: date) -> dict[int, tuple[int, str]]:
    """Each citizen's first self-support outcome (day ordinal, end reason) in the 12 months up to
    ``as_of``, by the citizen's position in ``facts``; the earlier placement row wins a tie."""
    ended = (facts.rows_in("p_end_reason", SUCCESS_END_REASONS)
             & (facts.p_end >= window_start(as_of).toordinal()) & (facts.p_end <= as_of.toordinal())
             & (facts.p_citizen < facts.n))
    outcomes: dict[int, tuple[int, str]] = {}
    for position, end, reason in zip(facts.p_citizen[ended].tolist(), facts.p_end[ended].tolist(),
                                     facts.p_end_reason[ended].tolist()):
        if position not in outcomes or end < outcomes[position][0]:
            outcomes[position] = (end, reason)
    return outcomes


def savings_estimate(session: Session, as_of: date, scope: Scope,
                     deadweight: float = DEFAULT_DEADWEIGHT) -> SavingsEstimate:
    """Estimated savings so far from outcomes in the 12 months up to ``as_of``, for ``scope``."""
    return compute_savings(load_facts(session, scope), as_of, deadweight)
