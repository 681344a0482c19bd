"""The dashboard's GET filter: whose figures (scope) and which month."""
from __future__ import annotations

from datetime import date

from wtforms import SelectField

from ..formutil import DanishGetForm, choices
from ..i18n import format_month
from .facts import Scope, add_months, month_end

SCOPES = {"all": "Hele jobcentret", "team": "Mit team", "mine": "Mine borgere"}
MONTHS_BACK = 12


def month_label(first: date) -> str:
    """"marts 2026"."""
    return format_month(first)


def month_choices(today: date) -> dict[str, str]:
    """``YYYY-MM`` keys for this month and the 11 before it, newest first."""
    firsts = [add_months(today.replace(day=1), -back) for back in range(MONTHS_BACK)]
    return {f"{d:%Y-%m}": month_label(d) for d in firsts}


class FilterForm(DanishGetForm):
    """GET filters (no CSRF: they change nothing). Invalid values fall back to the defaults."""

    omfang = SelectField("Vis tal for", default="all")
    maaned = SelectField("Måned", default="")

    def __init__(self, formdata, today: date):
        super().__init__(formdata)
        self.today = today
        self.omfang.choices = choices(SCOPES)
        self.maaned.choices = choices(month_choices(today))
        if not self.maaned.data:
            self.maaned.data = f"{today:%Y-%m}"

    def cleaned(self, user) -> tuple[Scope, date]:
        """The scope for ``user`` and the day the figures are measured on.

        A past month is measured on its last day, the current month on ``today``.
        """
        self.validate()
        kind = self.omfang.data if not self.omfang.errors else "all"
        self.omfang.data = kind
        if self.maaned.errors:
            self.maaned.data = f"{self.today:%Y-%m}"
        year, month = (int(part) for part in self.maaned.data.split("-"))
        first = date(year, month, 1)
        as_of = self.today if first == self.today.replace(day=1) else month_end(first)
        scope = Scope(kind, team_id=user.team_id if kind == "team" else None,
                      user_id=user.id if kind == "mine" else None)
        return scope, as_of
