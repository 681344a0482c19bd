"""A company's placements as rows for its payroll system: one month, or every month with hours.

Both files a company downloads (/forloeb/timer/eksport.* for one month, /forloeb/eksport.*
for all placements) have the same columns (:data:`HEADER`), so a payroll system reads them
alike: the placement number (the stable reference the list pages show as "nr."), the
citizen's name, the opening, the kind, paid or not (virksomhedspraktik is unpaid: the
citizen keeps the benefit, so its hours are attendance, not pay), start, end, weekly hours,
the month and the hours of that month. The header is the first line (no title line above
it); the month is a column, and in the one-month file's name.

Nothing else about the citizen: no CPR, no benefit group, no limitations. The name is
filled in only where the company may see it (:func:`.service.disclosed_names`, identity
released with a live consent), else empty (the opening and the start tell the placements
apart, the number identifies them); every name exported is audited first, all in one
transaction ("identity_viewed", fail closed). Text cells are formula-safe
(:mod:`portal.exports`).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .. import audit
from ..exports import render_csv, render_xlsx
from store.models import Placement
from store.models.vocab import OPENING_KINDS
from . import monthly, service
from .kinds import pay_label

HEADER = ["Forløb nr.", "Navn", "Opslag", "Type", "Løn", "Start", "Slut", "Timer pr. uge", "Måned",
          "Timer i måneden"]
MONTH_COLUMN = HEADER.index("Måned")
WIDTHS = (11, 28, 30, 20, 18, 12, 12, 14, 14, 16)


def released_names(placements: list[Placement], today: date, what: str) -> dict[int, str]:
    """Placement id → the citizen's name where released; each name audited first (fail closed)."""
    names = service.disclosed_names(placements, today)
    audit.record_many_now([
        {"action": "identity_viewed", "citizen_id": p.citizen_id, "opening_id": p.opening_id,
         "purpose": f"company: {what} forloeb:{p.id}"} for p in placements if names.get(p.id)])
    return names


def line(placement: Placement, name: str | None, month: date | None, hours: Decimal | None) -> list:
    """One row of :data:`HEADER` (dates and numbers typed; text neutralised by the writers)."""
    return [placement.id, name or "", service.title(placement), OPENING_KINDS.get(placement.kind, ""),
            pay_label(placement.kind), placement.start_date, placement.end_date,
            Decimal(str(placement.weekly_hours)), month, hours]


def month_lines(company_id: int, month: date, today: date) -> list[list]:
    """The placements running in ``month``, one row each, with the month's hours (or none)."""
    placements = monthly.placements_in(company_id, month, today)
    names = released_names(placements, today, "hours export")
    return [line(p, names.get(p.id), month, next((h.hours for h in p.hours if h.month == month), None))
            for p in placements]


def all_lines(placements: list[Placement], today: date) -> list[list]:
    """One row per placement and month with hours; a placement without hours: one row, no month.
    A placement cancelled before its start is left out: it was never worked or paid."""
    placements = [p for p in placements if not service.is_cancelled(p)]
    names = released_names(placements, today, "placements export")
    rows = []
    for placement in placements:
        logged = sorted(placement.hours, key=lambda h: h.month)
        name = names.get(placement.id)
        rows += [line(placement, name, h.month, h.hours) for h in logged] or [line(placement, name, None, None)]
    return rows


def render(fmt: str, title: str, rows: list[list]) -> str | bytes:
    """The rows as CSV (Danish Excel) or XLSX (typed), header first."""
    if fmt == "csv":
        return render_csv(HEADER, rows, (MONTH_COLUMN,))
    return render_xlsx(title, HEADER, rows, (MONTH_COLUMN,), WIDTHS)
