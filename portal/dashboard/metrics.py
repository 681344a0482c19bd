"""The policy goals of the monthly follow-up ("statusskema"), each with its definition.

Every ``compute_*`` function takes a loaded :class:`~portal.dashboard.facts.Facts` snapshot
and a day and returns a :class:`Metric`: the number, what it was computed from, the target,
and the definition in plain Danish (shown under the figure card as "Sådan er tallet regnet").
The facts are loaded once, so the 12-month trend (:func:`.snapshots.trend_with_ids`) reads the
database once.

Readings of DOMAIN.md ("Policy goals") that the definitions document:

* "Unemployed and sick-listed" covers every benefit group the portal knows (dagpenge,
  kontanthjælp, uddannelseshjælp, integrationsydelse, sygedagpenge, jobafklaring,
  ressourceforløb, ledighedsydelse): each is either out of work or sick-listed.
* "A 12-month case": the case started on or before the day 12 calendar months before
  ``as_of`` and is still open on ``as_of``.
* "Citizens on benefit" (active share) are all citizens with an open case.
* "Active" (review F 9) means something happened *with* the citizen in the month: a placement
  in a company, or a company dealt with them (their name shared with it, its answer on a
  proposal, a job interview; :data:`.facts.CONTACT_EVENTS`). A proposal made, approved or
  rejected by a consultant alone is housekeeping inside the job centre and does not count.
  Until 5 December 2026 it did; months frozen before keep their figure, with the old
  definition stored beside it (:mod:`.snapshots`), and the page says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from matching.ranking import whole_months  # noqa: F401 - the card and the goal lists count alike
from matching import vocab
from matching.vocab import COMPANY_BASED_KINDS, WAGE_HOUR_KINDS
from store.models.vocab import SUCCESS_END_REASONS
from .facts import Facts, add_months, hundredths

FOCUS_HOURS = Decimal(vocab.FOCUS_HOURS)
FOCUS_HUNDREDTHS = hundredths(FOCUS_HOURS)
FOCUS_TARGET = 0.70
ACTIVE_TARGET = 0.80  # "75% then 80%": the later, binding step
ACTIVE_FIRST_TARGET = 0.75
MATCHABLE_TARGET = 0.85  # "80% then 85%"
MATCHABLE_FIRST_TARGET = 0.80
# Decimals a figure is shown with, by unit: a share to 0,1 %, days and counts whole ("27", never
# "27,0"). The one source for the card, the 12-month table and chart and the CSV (review AA 3).
DISPLAY_DECIMALS = {"share": 1, "days": 0, "count": 0}
# Each figure's heading, by key. A frozen month is shown under today's (:mod:`.snapshots`): a
# heading is wording, not part of what was counted (review AD 12).
LABELS = {"focus": "Fokusmål: virksomhedsrettet indsats", "active": "Aktive borgere",
          "matchable": "CV, jobmål og virksomhedskonsulent",
          "outcomes": "Forløb der endte i job, fleksjob eller uddannelse",
          "duration": "Gennemsnitlig sagsvarighed for afsluttede sager",
          "cooperation": "Samarbejdende virksomheder"}


@dataclass(frozen=True)
class Metric:
    """One figure of the follow-up.

    ``value`` is a share in 0..1 (unit "share"), a count ("count") or days ("days");
    None when there is nothing to measure (e.g. no citizen in scope).
    """

    key: str
    label: str
    value: float | None
    unit: str
    definition: str
    numerator: int | None = None
    denominator: int | None = None
    target: float | None = None
    first_target: float | None = None
    # Parts of the numerator, by name (the active share: "placement", "contact_only"); None
    # where the figure has none, and in months frozen before it was kept.
    breakdown: dict[str, int] | None = None

    @property
    def met(self) -> bool | None:
        """True/False against the target; None without a target or a value."""
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target

    @property
    def decimals(self) -> int:
        """The decimals :attr:`shown` has (:data:`DISPLAY_DECIMALS`)."""
        return DISPLAY_DECIMALS[self.unit]

    @property
    def shown(self) -> Decimal | None:
        """The value as the page shows it (:func:`display_value`); None without a value."""
        return display_value(self.value, self.unit)


def display_value(value: float | None, unit: str) -> Decimal | None:
    """A figure as shown: a share in per cent, rounded half up to :data:`DISPLAY_DECIMALS`
    from its shortest decimal form, as :func:`portal.i18n.format_number` rounds (1/16 is 6,3 %)."""
    if value is None:
        return None
    places = Decimal(1).scaleb(-DISPLAY_DECIMALS[unit])
    return Decimal(str(value * 100 if unit == "share" else value)).quantize(places, rounding=ROUND_HALF_UP)


def _share(key: str, label: str, hits: int, total: int, definition: str, **targets) -> Metric:
    return Metric(key, label, hits / total if total else None, "share", definition,
                  numerator=hits, denominator=total, **targets)


def window_start(as_of: date) -> date:
    """First day of the 12 months ending on ``as_of`` (both days included): the day after the
    same day a year back, so the window is exactly 12 months (01.12.2025–30.11.2026 for
    November 2026; the first day of the month 11 months back for a month's last day). Until
    review BA 1 it began on that same day, a 12-months-and-a-day window that counted an outcome
    on a month's last day in two years' figures. The focus placements, the outcomes, the closed
    cases and the savings read it."""
    return add_months(as_of + timedelta(days=1), -12)


def twelve_months_before(as_of: date) -> date:
    """The same day 12 calendar months before ``as_of``: a case started by then is 12 months old
    on ``as_of`` (the focus population; :func:`whole_months` says 12 for it)."""
    return add_months(as_of, -12)


def wage_hour_months(as_of: date) -> tuple[date, date]:
    """First and last month (first days) of the 12 calendar months ending with ``as_of``'s month."""
    last = as_of.replace(day=1)
    return add_months(last, -11), last


# What "the last 12 months" of a figure is (:func:`window_start`), said in its definition, so a month
# frozen under the 12-months-and-a-day window before review BA 1 shows as counted under another
# definition (:func:`redefined`) with today's figure beside it.
WINDOW_SENTENCE = ("De seneste 12 måneder går fra dagen efter samme dato året før til og med dagen, der måles på "
                   "(for november 2026: 01.12.2025–30.11.2026). ")


FOCUS_DEFINITION = (
    "Borgere med en åben sag, der er mindst 12 måneder gammel (alle ydelsesgrupper: ledige og "
    "sygemeldte). Opfyldt, hvis borgeren inden for de seneste 12 måneder har haft mindst ét "
    "virksomhedsrettet forløb (virksomhedspraktik eller løntilskud, som helt eller delvist ligger "
    "i perioden) eller mindst 100 ordinære løntimer (registrerede timer i småjob, ordinært job "
    "eller fleksjob i de seneste 12 kalendermåneder inkl. indeværende, inkl. timer, fagsystemet har oplyst; "
    "for en måned med timer både i Jobbro og fra fagsystemet tæller det højeste tal, aldrig begge). "
    "Det seneste virksomhedsrettede forløb, "
    "fagsystemet kender fra før Jobbro (borgerens »Seneste virksomhedsrettede forløb«), tæller, når dets "
    "slutdato ligger i perioden. " + WINDOW_SENTENCE + "Mål: mindst 70 %.")


@dataclass(frozen=True)
class FocusStatus:
    """One citizen of the focus population on ``as_of``: what they have, and whether it is enough.

    ``last_placement_end`` is the last day of the citizen's latest company-based placement
    that started by ``as_of`` (None: none since the case started; a running one counts as
    ``as_of``), or of the last one the case system knows if that is later and ended by ``as_of``
    (review BG 2). ``wage_hours`` are the ordinary wage hours of the 12 calendar months.
    ``history_unknown``: the case started before the citizen came into Jobbro and the case system
    told of no placement by ``as_of``, so none known is none registered in Jobbro.
    ``told_hours``: of ``wage_hours``, what the case system's figures added (0044: its months
    without hours in Jobbro, and what its figure for a month exceeds Jobbro's by).
    """

    citizen_id: int
    case_start: date
    placed: bool
    wage_hours: Decimal
    last_placement_end: date | None
    history_unknown: bool = False
    told_hours: Decimal = Decimal(0)

    @property
    def met(self) -> bool:
        return self.placed or self.wage_hours >= FOCUS_HOURS

    @property
    def hours_short(self) -> Decimal:
        """Wage hours still missing to reach 100 (0 when reached)."""
        return max(FOCUS_HOURS - self.wage_hours, Decimal(0))


def _focus(facts: Facts, as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the focus population and of who is placed, and wage hours (hundredths) per citizen."""
    first = window_start(as_of)
    population = facts.open_on(as_of) & (facts.period_start(as_of) <= twelve_months_before(as_of).toordinal())
    placements = facts.rows_in("p_kind", COMPANY_BASED_KINDS) & facts.placements_overlapping(first, as_of)
    # the portal's placements, and the last one the case system knows (review BG 2)
    placed = facts.citizens_marked(facts.p_citizen[placements]) | facts.prior_placed(first, as_of)
    # Only placements started by ``as_of``, as ``placed``: hours typed before the start were not worked.
    # With the case system's wage hours (0044): a month counts the larger of its two figures, never both.
    hours = facts.hundredths_per_citizen(WAGE_HOUR_KINDS, *wage_hour_months(as_of), started_by=as_of, with_prior=True)
    return population, placed, hours


def focus_statuses(facts: Facts, as_of: date, ids: set[int] | None = None) -> list[FocusStatus]:
    """Every citizen of the focus population on ``as_of`` (see ``FOCUS_DEFINITION``); with
    ``ids``, those citizens of the snapshot instead, in the population or not (a frozen list)."""
    population, placed, hours = _focus(facts, as_of)
    if ids is not None:
        population = np.isin(facts.ids, list(ids))
    last_end = facts.last_company_based_end(as_of)
    unknown = facts.placements_unknown_before(as_of)
    starts = facts.period_start(as_of)
    told = hours - facts.hundredths_per_citizen(WAGE_HOUR_KINDS, *wage_hour_months(as_of), started_by=as_of)
    return [FocusStatus(int(facts.ids[i]), date.fromordinal(int(starts[i])), bool(placed[i]),
                        Decimal(int(hours[i])).scaleb(-2),
                        date.fromordinal(int(last_end[i])) if last_end[i] >= 0 else None, bool(unknown[i]),
                        Decimal(int(told[i])).scaleb(-2))
            for i in np.flatnonzero(population)]


def compute_focus_goal(facts: Facts, as_of: date) -> Metric:
    population, placed, hours = _focus(facts, as_of)
    hits = int(np.count_nonzero(population & (placed | (hours >= FOCUS_HUNDREDTHS))))
    return _share("focus", LABELS["focus"], hits, int(np.count_nonzero(population)),
                  FOCUS_DEFINITION, target=FOCUS_TARGET)


ACTIVE_DEFINITION = (
    "Borgere med en åben sag ved periodens slut. Aktiv er den, der i måneden har et forløb i en "
    "virksomhed (småjob, praktik, løntilskud, job eller fleksjob, som helt eller delvist ligger i "
    "måneden), eller som en virksomhed i måneden har haft kontakt med: borgerens navn er delt med "
    "virksomheden, virksomheden har svaret på et forslag, eller der har været en jobsamtale. Et "
    "forslag, som kun er lavet, godkendt eller fravalgt i jobcentret, tæller ikke. "
    "Mål: 75 %, derefter 80 %.")


def _active(facts: Facts, as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the open cases on ``as_of``, of who had a placement in its month up to ``as_of``,
    and of who had contact with a company in that time."""
    first = as_of.replace(day=1)
    days = (facts.a_day >= first.toordinal()) & (facts.a_day <= as_of.toordinal())
    placed = facts.citizens_marked(facts.p_citizen[facts.placements_overlapping(first, as_of)])
    return facts.open_on(as_of), placed, facts.citizens_marked(facts.a_citizen[days])


def compute_active_share(facts: Facts, as_of: date) -> Metric:
    population, placed, contact = _active(facts, as_of)
    with_placement = int(np.count_nonzero(population & placed))
    contact_only = int(np.count_nonzero(population & contact & ~placed))
    return _share("active", LABELS["active"], with_placement + contact_only,
                  int(np.count_nonzero(population)), ACTIVE_DEFINITION, target=ACTIVE_TARGET,
                  first_target=ACTIVE_FIRST_TARGET,
                  breakdown={"placement": with_placement, "contact_only": contact_only})


MATCHABLE_DEFINITION = (
    "Åbne sager, hvor borgeren har CV, mindst ét jobmål og en aktiv virksomhedskonsulent (en "
    "deaktiveret tæller som ingen; samme regel som borgerlisten). For tidligere måneder bruges "
    "nuværende jobmål og CV, og konsulenten er den, borgeren havde ved månedens udgang; den "
    "tæller, hvis den var aktiv da (en konsulent, der senere er skiftet, fjernet, deaktiveret "
    "eller aktiveret igen, ændrer ikke måneden). CV'et tæller, hvis borgeren havde et CV med tekst gemt inden "
    "månedens udgang; et CV, der er opdateret siden, tæller fra det første. "
    "Mål: 80 %, derefter 85 %.")


def _matchable(facts: Facts, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the open cases on ``as_of`` and of who counts as matchable then: a jobmål and a
    current CV with text today, a CV with text stored by ``as_of``, and the VK the citizen had
    on ``as_of``, active then (a VK deactivated, activated again, handed over or taken away
    since leaves the month as it was: review N 1, T 2)."""
    day = as_of.toordinal()
    return facts.open_on(as_of), facts.profile_now & (facts.cv_since <= day) & facts.vk_active_on(as_of)


def compute_matchable_share(facts: Facts, as_of: date) -> Metric:
    population, ok = _matchable(facts, as_of)
    return _share("matchable", LABELS["matchable"], int(np.count_nonzero(population & ok)),
                  int(np.count_nonzero(population)), MATCHABLE_DEFINITION, target=MATCHABLE_TARGET,
                  first_target=MATCHABLE_FIRST_TARGET)


OUTCOME_DEFINITION = (
    "Forløb, der er afsluttet med en registreret årsag inden for de seneste 12 måneder. Andelen, "
    "der endte i ordinært job, fleksjob eller uddannelse. " + WINDOW_SENTENCE + "Der er ikke sat et måltal.")


def outcome_rows(facts: Facts, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the placements ended with a reason in the 12 months up to ``as_of``, and of the
    successful ones among them (see ``OUTCOME_DEFINITION``)."""
    ended = ((facts.p_end_reason != "") & (facts.p_end >= window_start(as_of).toordinal())
             & (facts.p_end <= as_of.toordinal()))
    return ended, ended & facts.rows_in("p_end_reason", SUCCESS_END_REASONS)


def compute_outcome_share(facts: Facts, as_of: date) -> Metric:
    ended, success = outcome_rows(facts, as_of)
    hits = int(np.count_nonzero(success))
    return _share("outcomes", LABELS["outcomes"], hits,
                  int(np.count_nonzero(ended)), OUTCOME_DEFINITION)


DURATION_DEFINITION = (
    "Gennemsnitligt antal dage fra sagsstart til sagsafslutning for sager, der er afsluttet inden "
    "for de seneste 12 måneder. " + WINDOW_SENTENCE + "Der er ikke sat et måltal.")


def closed_cases(facts: Facts, as_of: date) -> np.ndarray:
    """Mask of the citizens whose case closed in the 12 months up to ``as_of`` (the latest
    closing by then, :meth:`Facts.last_closing`: a case reopened since still closed then)."""
    closed, _ = facts.last_closing(as_of)
    return (closed >= window_start(as_of).toordinal()) & (closed <= as_of.toordinal())


def case_days(facts: Facts, as_of: date) -> np.ndarray:
    """Per citizen, the days of the case period closed last by ``as_of`` (read where
    :func:`closed_cases` is True)."""
    closed, starts = facts.last_closing(as_of)
    return closed - starts


def compute_case_duration(facts: Facts, as_of: date) -> Metric:
    closed = closed_cases(facts, as_of)
    count = int(np.count_nonzero(closed))
    total = int(case_days(facts, as_of)[closed].sum())  # exact: whole days
    return Metric("duration", LABELS["duration"], total / count if count else None,
                  "days", DURATION_DEFINITION, numerator=None, denominator=count)


COOPERATION_DEFINITION = (
    "Virksomheder med mindst ét åbent opslag (oprettet senest på dagen; for tidligere måneder "
    "bruges opslagets nuværende status) eller et igangværende forløb på dagen. For et team eller "
    "en konsulent: virksomheder, som teamet/konsulenten er kontaktperson for, samt virksomheder "
    "med et igangværende forløb for en borger i udvalget. Der er ikke sat et måltal.")


def cooperating_companies(facts: Facts, as_of: date) -> np.ndarray:
    """The ids of the companies counted on ``as_of`` (see ``COOPERATION_DEFINITION``), sorted."""
    return np.union1d(facts.p_company[facts.placements_overlapping(as_of, as_of)],
                      facts.o_company[facts.rows_in("o_status", ("open",)) & (facts.o_created <= as_of.toordinal())])


def compute_cooperation(facts: Facts, as_of: date) -> Metric:
    companies = cooperating_companies(facts, as_of).size
    return Metric("cooperation", LABELS["cooperation"], float(companies), "count",
                  COOPERATION_DEFINITION, numerator=companies)


# Each figure's definition as the portal computes it now. A frozen month keeps the definition it
# was computed under (in its Metric); the page compares the two to say when they differ.
DEFINITIONS = {"focus": FOCUS_DEFINITION, "active": ACTIVE_DEFINITION, "matchable": MATCHABLE_DEFINITION,
               "outcomes": OUTCOME_DEFINITION, "duration": DURATION_DEFINITION,
               "cooperation": COOPERATION_DEFINITION}


def redefined(metric: Metric) -> bool:
    """Whether ``metric`` (e.g. of a frozen month) was computed under another definition than now."""
    return metric.key in DEFINITIONS and metric.definition != DEFINITIONS[metric.key]


CALCULATIONS = (compute_focus_goal, compute_active_share, compute_matchable_share,
                compute_outcome_share, compute_case_duration, compute_cooperation)


def compute_all(facts: Facts, as_of: date) -> list[Metric]:
    return [calc(facts, as_of) for calc in CALCULATIONS]


# A trend month's state (review BA 2), as the Code of Care report marks its months: final (its hours
# are in; frozen), provisional (ended, its hours may still be registered until ``open_until``) or
# partial (the month in progress, measured today).
FINAL, PROVISIONAL, PARTIAL_MONTH = "final", "provisional", "partial"


@dataclass(frozen=True)
class TrendPoint:
    month: date  # first day of the month
    metrics: dict[str, Metric]
    status: str = FINAL
    open_until: date | None = None  # provisional: the last day its hours may be registered
