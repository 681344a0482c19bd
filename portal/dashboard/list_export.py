"""CSV of the rows behind a figure (review F 3: "so the statusskema can be audited") and of
the goal lists (review T 4: who meets a goal, who misses it, everyone counted).

Unlike :mod:`.export` these rows name citizens: the route asks for a fresh login and audits the
download (SECURITY.md: export). Erased citizens stay ids only ("Slettet borger").

Both are written by :func:`portal.exports.render_csv` from typed values (review AA 3): dates
dd.mm.yyyy, hours and counts with a decimal comma, text formula-safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from store.models.vocab import BENEFIT_GROUPS, END_REASONS, OPENING_KINDS
from ..exports import render_csv
from ..i18n import format_date
from .basis import Basis


def _name(c) -> str:
    return getattr(c, "name", "Slettet borger")


def _left_out(fact, as_of: date | None, today: date | None) -> str:
    """Why a savings row is not counted: its case and placement on the day measured, »nu« only
    when that is today (review BA 4: a past month's »nu« was read as today)."""
    if fact.moved:
        return "nej, flyttet fra kommunen"
    if as_of is None or as_of == today:
        return "nej, sagen er åben" + (" (i forløb nu)" if fact.in_placement else "")
    return f"nej, sagen var åben pr. {format_date(as_of)}" + (" (i forløb da)" if fact.in_placement else "")


def render_rows(figure: str, rows: list, as_of: date | None = None, today: date | None = None) -> str:
    """Every row of one figure's list (all pages) as semicolon-separated CSV (Danish Excel);
    ``as_of`` is the day measured, ``today`` today's date (the savings rows say »nu« only then)."""
    if figure == "udfald":
        table = [["Forløb nr.", "Borger nr.", "Borger", "Virksomhed", "Type", "Start", "Slut", "Årsag",
                  "Tæller som job, fleksjob eller uddannelse"]]
        table += [[r.placement_id, None, "Slettet borger", None, None, None, None, None, _yes(r.success)]
                  if r.placement is None else
                  [r.placement_id, r.placement.citizen_id, r.placement.citizen.name, r.placement.company.name,
                   OPENING_KINDS.get(r.placement.kind, r.placement.kind), r.placement.start_date,
                   r.placement.end_date, END_REASONS.get(r.placement.end_reason or "", ""), _yes(r.success)]
                  for r in rows]
    elif figure == "varighed":
        table = [["Borger nr.", "Borger", "Sagsstart", "Sagen afsluttet", "Varighed (dage)"]]
        table += [[r.citizen.id, _name(r.citizen), getattr(r.citizen, "case_start", None),
                   getattr(r.citizen, "case_closed", None), r.days] for r in rows]
    elif figure == "virksomheder":
        table = [["Virksomhed nr.", "Virksomhed", "Åbent opslag", "Forløb i gang"]]
        table += [[r.company_id, r.company.name if r.company else "Slettet virksomhed",
                   _yes(r.open_opening), _yes(r.running_placement)] for r in rows]
    else:
        table = [["Borger nr.", "Borger", "Ydelsesgruppe", "Udfald", "Forløbet endte", "Sagen afsluttet",
                  "Talt med", "Uger fra", "Uger uden ydelse", "Besparelse (kr.)"]]
        table += [[r.citizen.id, _name(r.citizen), BENEFIT_GROUPS.get(r.fact.benefit_group, r.fact.benefit_group),
                   END_REASONS[r.fact.end_reason], r.fact.outcome_day, r.fact.case_closed,
                   "ja" if r.fact.counted else _left_out(r.fact, as_of, today),
                   r.fact.since, r.fact.weeks if r.fact.counted else None,
                   r.fact.amount if r.fact.counted else None] for r in rows]
    return render_csv(table[0], table[1:])


@dataclass(frozen=True)
class GoalHeader:
    """What a goal list's CSV says above its rows: the list, the month (with its provisional
    marker), the day measured, the scope, and whether the ids are the frozen ones or today's."""

    as_of: date
    month: str
    scope: str
    goal: str
    view: str
    restricted_only: bool
    basis: Basis
    today: date
    count: int
    population: int
    met: int

    def lines(self) -> list[list]:
        """The lines above the rows, typed (dates and counts as values, :func:`render_goal_rows`)."""
        # The day frozen as the page shows it (dd.mm.yyyy, Danish time), without the clock.
        frozen = format_date(self.basis.frozen)[:10] if self.basis.frozen else ""
        if self.basis.frozen and not self.basis.as_today:
            source = f"Står fast: de borgere, tallet blev opgjort ud fra {frozen}"
        elif self.basis.frozen:
            source = f"Regnet ud fra dagens data ({format_date(self.today)}); tallet står fast fra {frozen}"
        else:
            source = f"Foreløbig: regnet ud fra dagens data ({format_date(self.today)})"
        listed = self.view + (", kun begrænset behandling" if self.restricted_only else "")
        return [["Liste", f"{self.goal}: {listed}"], ["Måned", self.month], ["Opgjort pr.", self.as_of],
                ["Udvalg", self.scope], ["Grundlag", source],
                ["Borgere i listen", self.count], ["Borgere i målgruppen", self.population],
                ["Heraf når målet", self.met], []]


def _yes(flag: bool) -> str:
    return "ja" if flag else "nej"


def _restricted(c) -> str:
    return _yes(bool(getattr(c, "restricted", False)))


def _vk(c) -> str:
    vk = getattr(c, "vk", None)
    return vk.name if vk else ""


ACTIVE_PARTS = {"placement": "ja, forløb i en virksomhed", "contact": "ja, kun kontakt fra en virksomhed", None: "nej"}


def render_goal_rows(goal: str, view: str, rows: list, header: GoalHeader) -> str:
    """Every row of one goal list (all pages, :mod:`.goal_lists`) as CSV, under ``header``.
    A citizen under restricted processing is marked "Begrænset behandling: ja" (review T 6)."""
    table = header.lines()
    if goal == "fokus":
        table.append(["Borger nr.", "Borger", "Når målet", "Måneder med sag", "Måneder uden praktik eller løntilskud",
                      "Løntimer seneste 12 mdr.", "Heraf oplyst af fagsystemet", "Løntimer der mangler", "VK",
                      "Begrænset behandling"])
        table += [[r.citizen.id, _name(r.citizen), _yes(r.met), r.months_on_benefit,
                   r.months_without_placement, r.wage_hours, r.told_hours, None if r.met else r.hours_short,
                   _vk(r.citizen), _restricted(r.citizen)] for r in rows]
    elif goal == "aktiv":
        table.append(["Borger nr.", "Borger", "Aktiv i måneden", "Seneste forløb sluttede",
                      "Seneste kontakt med en virksomhed", "Næste forløb starter", "VK", "Begrænset behandling"])
        table += [[r.citizen.id, _name(r.citizen), ACTIVE_PARTS[r.part], r.last_placement_end,
                   r.last_activity, r.next_placement_start, _vk(r.citizen), _restricted(r.citizen)]
                  for r in rows]
    else:
        table.append(["Borger nr.", "Borger", "Når målet", "Mangler i dag", "VK", "Begrænset behandling"])
        table += [[r.citizen.id, _name(r.citizen), _yes(r.met), ", ".join(r.missing), _vk(r.citizen),
                   _restricted(r.citizen)] for r in rows]
    return render_csv(table[0], table[1:])
