"""CSV of the rows behind a figure (review F 3: "so the statusskema can be audited") and of
the goal lists (review T 4: who meets a goal, who misses it, everyone counted).

Unlike :mod:`.export` these rows name citizens: the route asks for a fresh login and audits the
download (SECURITY.md: export). Erased citizens stay ids only ("Slettet borger").
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from store.models.vocab import BENEFIT_GROUPS, END_REASONS, OPENING_KINDS
from ..exports import safe_cell
from .basis import Basis


def _day(d) -> str:
    return d.isoformat() if d else ""


def _name(c) -> str:
    return getattr(c, "name", "Slettet borger")


def render_rows(figure: str, rows: list) -> str:
    """Every row of one figure's list (all pages) as semicolon-separated CSV (Danish Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if figure == "udfald":
        table = [["Forløb nr.", "Borger nr.", "Borger", "Virksomhed", "Type", "Start", "Slut", "Årsag",
                  "Tæller som job, fleksjob eller uddannelse"]]
        table += [[str(r.placement_id), "", "Slettet borger", "", "", "", "", "", "ja" if r.success else "nej"]
                  if r.placement is None else
                  [str(r.placement_id), str(r.placement.citizen_id), r.placement.citizen.name, r.placement.company.name,
                   OPENING_KINDS.get(r.placement.kind, r.placement.kind), _day(r.placement.start_date),
                   _day(r.placement.end_date), END_REASONS.get(r.placement.end_reason or "", ""),
                   "ja" if r.success else "nej"] for r in rows]
    elif figure == "varighed":
        table = [["Borger nr.", "Borger", "Sagsstart", "Sagen afsluttet", "Varighed (dage)"]]
        table += [[str(r.citizen.id), _name(r.citizen), _day(getattr(r.citizen, "case_start", None)),
                   _day(getattr(r.citizen, "case_closed", None)), str(r.days)] for r in rows]
    elif figure == "virksomheder":
        table = [["Virksomhed nr.", "Virksomhed", "Åbent opslag", "Forløb i gang"]]
        table += [[str(r.company_id), r.company.name if r.company else "Slettet virksomhed",
                   "ja" if r.open_opening else "nej", "ja" if r.running_placement else "nej"] for r in rows]
    else:
        table = [["Borger nr.", "Borger", "Ydelsesgruppe", "Udfald", "Forløbet endte", "Sagen afsluttet",
                  "Talt med", "Uger fra", "Uger uden ydelse", "Besparelse (kr.)"]]
        table += [[str(r.citizen.id), _name(r.citizen), BENEFIT_GROUPS.get(r.fact.benefit_group, r.fact.benefit_group),
                   END_REASONS[r.fact.end_reason], _day(r.fact.outcome_day), _day(r.fact.case_closed),
                   "ja" if r.fact.counted else "nej, flyttet fra kommunen" if r.fact.moved else
                   ("nej, sagen er åben" + (" (i forløb nu)" if r.fact.in_placement else "")),
                   _day(r.fact.since), str(r.fact.weeks) if r.fact.counted else "",
                   "" if not r.fact.counted or r.fact.amount is None else str(r.fact.amount)] for r in rows]
    for row in table:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()


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

    def lines(self) -> list[list[str]]:
        if self.basis.frozen and not self.basis.as_today:
            source = f"Står fast: de borgere, tallet blev opgjort ud fra {self.basis.frozen:%Y-%m-%d}"
        elif self.basis.frozen:
            source = f"Regnet ud fra dagens data ({self.today.isoformat()}); tallet står fast fra {self.basis.frozen:%Y-%m-%d}"
        else:
            source = f"Foreløbig: regnet ud fra dagens data ({self.today.isoformat()})"
        listed = self.view + (", kun begrænset behandling" if self.restricted_only else "")
        return [["Liste", f"{self.goal}: {listed}"], ["Måned", self.month], ["Opgjort pr.", self.as_of.isoformat()],
                ["Udvalg", self.scope], ["Grundlag", source],
                ["Borgere i listen", str(self.count)], ["Borgere i målgruppen", str(self.population)],
                ["Heraf når målet", str(self.met)], []]


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
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    table = header.lines()
    if goal == "fokus":
        table.append(["Borger nr.", "Borger", "Når målet", "Måneder med sag", "Måneder uden praktik eller løntilskud",
                      "Løntimer seneste 12 mdr.", "Løntimer der mangler", "VK", "Begrænset behandling"])
        table += [[str(r.citizen.id), _name(r.citizen), _yes(r.met), _num(r.months_on_benefit),
                   _num(r.months_without_placement), _num(r.wage_hours), "" if r.met else _num(r.hours_short),
                   _vk(r.citizen), _restricted(r.citizen)] for r in rows]
    elif goal == "aktiv":
        table.append(["Borger nr.", "Borger", "Aktiv i måneden", "Seneste forløb sluttede",
                      "Seneste kontakt med en virksomhed", "Næste forløb starter", "VK", "Begrænset behandling"])
        table += [[str(r.citizen.id), _name(r.citizen), ACTIVE_PARTS[r.part], _day(r.last_placement_end),
                   _day(r.last_activity), _day(r.next_placement_start), _vk(r.citizen), _restricted(r.citizen)]
                  for r in rows]
    else:
        table.append(["Borger nr.", "Borger", "Når målet", "Mangler i dag", "VK", "Begrænset behandling"])
        table += [[str(r.citizen.id), _name(r.citizen), _yes(r.met), ", ".join(r.missing), _vk(r.citizen),
                   _restricted(r.citizen)] for r in rows]
    for row in table:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()


def _num(value) -> str:
    """A count or hours as Danish Excel reads it ("40,5"); "" for none."""
    return "" if value is None else str(value).replace(".", ",")
