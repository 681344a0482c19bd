"""CSV of the rows behind a figure (review F 3: "so the statusskema can be audited").

Unlike :mod:`.export` these rows name citizens: the route asks for a fresh login and audits the
download (SECURITY.md: export). Erased citizens stay ids only ("Slettet borger").
"""
from __future__ import annotations

import csv
import io

from store.models.vocab import BENEFIT_GROUPS, END_REASONS, OPENING_KINDS
from ..exports import safe_cell


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
                   "ja" if r.fact.counted else ("nej, sagen er åben" + (" (i forløb nu)" if r.fact.in_placement else "")),
                   _day(r.fact.since), str(r.fact.weeks) if r.fact.counted else "",
                   "" if not r.fact.counted or r.fact.amount is None else str(r.fact.amount)] for r in rows]
    for row in table:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()
