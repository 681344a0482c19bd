"""The dashboard's GET filters: whose figures (scope), which month, and for the lists which goal."""
from __future__ import annotations

from datetime import date

from wtforms import HiddenField, IntegerField, SelectField

from ..formutil import DanishForm, DanishGetForm, choices
from ..i18n import format_date, format_month
from .facts import Scope, add_months, month_end
from .go_live import go_live_day
from .snapshots import OFFERED_MONTHS, before_go_live, offered_months, provisional_until
from store.models.vocab import BENEFIT_GROUPS, HOTLINE_URGENCIES

SCOPES = {"all": "Hele jobcentret", "team": "Mit team", "mine": "Mine borgere"}
LIST_SCOPES = {"mine": "Mine borgere", "team": "Mit team", "all": "Hele jobcentret"}
GOALS = {"fokus": "Fokusmålet (virksomhedsrettet indsats)",
         "aktiv": "Aktive borgere",
         "cv": "CV, jobmål og virksomhedskonsulent"}
# Which citizens of a goal a list shows (``vis``); the misses are the default (the cards' first
# link, review F). The active goal also lists the two parts of its numerator (review T 4).
VIEWS = {"ikke-opfyldt": "Når ikke målet", "opfyldt": "Når målet", "alle": "Hele målgruppen"}
ACTIVE_PARTS = {"forloeb": "Aktive med et forløb i en virksomhed",
                "kun-kontakt": "Aktive kun med kontakt fra en virksomhed"}
RESTRICTED_ONLY = "ja"  # ?begraenset=ja: only the citizens under restricted processing
MONTHS_BACK = OFFERED_MONTHS  # the months offered: the trend's (review BA 3)
PARTIAL = "(foreløbig – måneden er ikke slut)"


def month_label(first: date) -> str:
    """"marts 2026"."""
    return format_month(first)


def provisional_marker(until: date) -> str:
    """The label of a month that has ended while its hours may still be registered (until
    ``until``, the companies' deadline, :func:`.snapshots.provisional_until`): "(foreløbig –
    timerne skal registreres senest 09.12.2026)". Hours registered later are still taken; they
    no longer change the month's figures, which stand fixed from the day after."""
    return f"(foreløbig – timerne skal registreres senest {format_date(until)})"


def refused_month_text(raw: str, today: date) -> str:
    """Why a month asked for is not shown: one before Jobbro was taken into use has no figures
    (review BG 1); otherwise which months there are (review BA 3)."""
    go_live = go_live_day()
    asked = _parse_month(raw)
    if asked is not None and before_go_live(asked, go_live):
        return f"Måneden »{raw}« kan ikke vælges: {go_live_text(go_live)}"
    firsts = offered_months(today, go_live)
    if len(firsts) == OFFERED_MONTHS:
        return (f"Måneden »{raw}« kan ikke vælges: Mål og opfølgning har tal for de seneste "
                f"{len(firsts)} måneder, {month_label(firsts[0])} til {month_label(firsts[-1])}.")
    span = (f"kun tal for {month_label(firsts[0])}" if len(firsts) == 1
            else f"tal for {month_label(firsts[0])} til {month_label(firsts[-1])}")
    return (f"Måneden »{raw}« kan ikke vælges: Mål og opfølgning har {span} "
            f"(Jobbro blev taget i brug {format_date(go_live)}).")


def go_live_text(go_live: date) -> str:
    """What /maal says for a month before Jobbro was taken into use (review BG 1)."""
    return f"Jobbro blev taget i brug {format_date(go_live)}; der er ingen tal før."


def _parse_month(raw: str) -> date | None:
    """The first day of a "YYYY-MM", or None for anything else."""
    try:
        year, month = raw.split("-")
        return date(int(year), int(month), 1) if len(year) == 4 and len(month) == 2 else None
    except ValueError:
        return None


def last_complete_month(today: date) -> date:
    """The first day of the month before ``today``'s: the default month of the figures (the
    month in progress instead when Jobbro was taken into use in it, :func:`default_month`)."""
    return add_months(today.replace(day=1), -1)


def default_month(today: date, go_live: date | None) -> date:
    """The first day of the month /maal shows unless told: the last complete one, or the month
    Jobbro was taken into use when that is later (the month in progress, review BG 1)."""
    last = last_complete_month(today)
    return go_live.replace(day=1) if before_go_live(last, go_live) else last


def month_choices(today: date, waits_for_hours: bool = True) -> dict[str, str]:
    """``YYYY-MM`` keys for this month and the 11 before it, newest first: the months of the
    12-month trend (:func:`.snapshots.offered_months`, review BA 3).

    The current month is labelled as partial: its figures are measured on ``today``; the month
    just ended as provisional while its hours may still be registered, for figures that wait for
    them (``waits_for_hours``; the hotline's do not, review AP 5). None before the month Jobbro
    was taken into use (:func:`.go_live.go_live_day`, review BG 1).
    """
    firsts = offered_months(today, go_live_day())[::-1]
    return {f"{d:%Y-%m}": month_label(d) + _marker(d, today, back == 0, waits_for_hours)
            for back, d in enumerate(firsts)}


def _marker(first: date, today: date, current: bool, waits_for_hours: bool) -> str:
    if current:
        return f" {PARTIAL}"
    until = provisional_until(first, today) if waits_for_hours else None
    return f" {provisional_marker(until)}" if until else ""


class FilterForm(DanishGetForm):
    """GET filters (no CSRF: they change nothing). Invalid values fall back to the defaults.

    The month defaults to the last complete month; the current month can be chosen and is
    then measured on today (``partial``).
    """

    omfang = SelectField("Vis tal for", default="all")
    maaned = SelectField("Måned", default="")
    scopes = SCOPES
    # "mine" and "team" select today's caseload, in past months too (facts.Scope; review Y 5).
    SCOPE_HINT = ("Borgerne i {whose} sagsstamme i dag, også i tidligere måneder: en borger, der er "
                  "overdraget, tæller hos den nye konsulent og det nye team, også i måneder, der ikke "
                  "står fast endnu.")

    @property
    def scope_hint(self) -> str | None:
        """What the chosen scope counts, when it is a caseload (shown under the field)."""
        whose = {"mine": "din", "team": "teamets"}.get(self.omfang.data)
        return self.SCOPE_HINT.format(whose=whose) if whose else None

    def __init__(self, formdata, today: date, default_scope: str = "all"):
        super().__init__(formdata)
        self.today = today
        self.go_live = go_live_day()  # None: no bound (outside an app context)
        self.default_scope = default_scope
        self.omfang.choices = choices(self.scopes)
        if not self.omfang.raw_data:
            self.omfang.data = default_scope
        self.maaned.choices = choices(month_choices(today))
        if not self.maaned.data:
            self.maaned.data = self.default_month
        self.partial = False
        self.refused_month: str | None = None

    @property
    def default_month(self) -> str:
        return f"{default_month(self.today, self.go_live):%Y-%m}"

    def cleaned(self, user) -> tuple[Scope, date]:
        """The scope for ``user`` and the day the figures are measured on.

        A past month is measured on its last day, the current month on ``today`` (and
        ``self.partial`` is then True).
        """
        self.validate()
        kind = self.omfang.data if not self.omfang.errors else self.default_scope
        self.omfang.data = kind
        # A month not offered (older, before Jobbro was taken into use, or not a month) shows the
        # default month; the page says so plainly, a list or a CSV refuses it (``refused_month``,
        # review BA 3, BG 1).
        if self.maaned.errors:
            self.refused_month = (self.maaned.raw_data or [""])[0][:20] or None
            self.maaned.data = self.default_month
        year, month = (int(part) for part in self.maaned.data.split("-"))
        first = date(year, month, 1)
        self.partial = first == self.today.replace(day=1)
        as_of = self.today if self.partial else month_end(first)
        scope = Scope(kind, team_id=user.team_id if kind == "team" else None,
                      user_id=user.id if kind == "mine" else None)
        return scope, as_of


MAX_PAGE = 10_000


def _clamp_page(side: IntegerField) -> int:
    """A list's 1-based page from its ``side`` field: a bad value is page 1, a huge one the
    last allowed page; the field shows what is used."""
    page = side.data if not side.errors and isinstance(side.data, int) else 1
    side.data = max(1, min(page, MAX_PAGE))
    return side.data


class UnknownChoice(ValueError):
    """A list was asked for by a value it does not know (``maal``, ``vis``, ``tal``,
    ``begraenset``): the route answers 404 with this Danish message, never another list."""


def _chosen(select: SelectField, known, default: str, what: str) -> str:
    """The value of ``select``: ``default`` when absent or empty, else one of ``known``.

    :raise UnknownChoice: for any other value (review T 4: an unknown figure fell back silently).
    """
    raw = (select.raw_data or [""])[0]
    if raw == "":
        select.data = default
        return default
    if raw not in known:
        raise UnknownChoice(f"{what} »{raw[:40]}« findes ikke. Vælg en af listerne på siden Mål og opfølgning.")
    select.data = raw
    return raw


class GoalListForm(FilterForm):
    """The goal lists' filters: which goal, which of its citizens (``vis``: the misses by
    default, those who meet it, everyone; for the active goal also the two parts of who is
    active), only those under restricted processing (``begraenset=ja``), whose citizens (own
    caseload first), month, page."""

    maal = SelectField("Mål", default="fokus")
    vis = SelectField("Vis", default="ikke-opfyldt")
    begraenset = SelectField("Begrænset behandling", default="")
    side = IntegerField("Side", default=1)
    scopes = LIST_SCOPES

    def __init__(self, formdata, today: date, default_scope: str = "mine"):
        super().__init__(formdata, today, default_scope)
        self.maal.choices = choices(GOALS)
        goal = (self.maal.raw_data or [""])[0]
        self.vis.choices = choices({**VIEWS, **(ACTIVE_PARTS if goal == "aktiv" else {})})
        self.begraenset.choices = choices({"": "Alle", RESTRICTED_ONLY: "Kun begrænset behandling"})

    def goal_view_page(self) -> tuple[str, str, bool, int]:
        """The goal key, the view, whether only restricted citizens are listed, and the 1-based
        page (call after :meth:`cleaned`).

        :raise UnknownChoice: for a goal, view or ``begraenset`` value the lists do not have (a
            part of the active citizens is a view of that goal only).
        """
        goal = _chosen(self.maal, GOALS, "fokus", "Målet")
        view = _chosen(self.vis, {**VIEWS, **(ACTIVE_PARTS if goal == "aktiv" else {})}, "ikke-opfyldt",
                       "Visningen")
        restricted = _chosen(self.begraenset, {RESTRICTED_ONLY}, "", "Filteret for begrænset behandling")
        return goal, view, restricted == RESTRICTED_ONLY, _clamp_page(self.side)


FIGURES = {"udfald": "Forløb der endte i job, fleksjob eller uddannelse",
           "varighed": "Gennemsnitlig sagsvarighed for afsluttede sager",
           "virksomheder": "Samarbejdende virksomheder",
           "besparelse": "Skønnet besparelse"}


class FigureListForm(FilterForm):
    """The filters of a list behind a figure (``tal``): whose rows, month, benefit group
    (``gruppe``, for the savings only; "" = all), page."""

    tal = SelectField("Tal", default="udfald")
    gruppe = SelectField("Ydelsesgruppe", default="")
    side = IntegerField("Side", default=1)
    scopes = LIST_SCOPES

    def __init__(self, formdata, today: date, default_scope: str = "mine"):
        super().__init__(formdata, today, default_scope)
        self.tal.choices = choices(FIGURES)
        self.gruppe.choices = choices([("", "Alle ydelsesgrupper"), *BENEFIT_GROUPS.items()])

    def figure_group_page(self) -> tuple[str, str | None, int]:
        """The figure key, the benefit group (None: all) and the 1-based page (after :meth:`cleaned`).

        :raise UnknownChoice: for a figure the lists do not have (it gave the outcomes' rows).
        """
        _chosen(self.tal, FIGURES, "udfald", "Tallet")
        if self.gruppe.errors or self.gruppe.data not in BENEFIT_GROUPS:
            self.gruppe.data = ""
        return self.tal.data, self.gruppe.data or None, _clamp_page(self.side)


# The figures of the hotline block that count requests (``tal``) → :data:`.hotline_figures.COUNTS`
# key and the column's heading on /maal (review AL 6).
HOTLINE_FIGURES = {"modtaget": ("received", "Modtaget"),
                   "inden-for-fristen": ("in_time", "Svar inden for fristen"),
                   "overskredet": ("missed", "Fristen overskredet"),
                   "venter": ("waiting", "Venter på svar (fristen ikke nået)"),
                   "lukket-uden-svar": ("closed_unanswered", "Lukket uden svar")}
# COUNTS key → (``tal``, heading): what /maal links a count with
HOTLINE_FIGURE_KEYS = {key: (value, label) for value, (key, label) in HOTLINE_FIGURES.items()}
ALL_URGENCIES = ""  # ``hast`` of the »I alt« row


class HotlineListForm(FilterForm):
    """The filters of the requests behind a hotline figure: which figure (``tal``), which
    urgency (``hast``; "" every urgency), month, page. The block covers the whole job centre,
    so there is no scope to choose (``omfang`` is only carried back to /maal)."""

    tal = SelectField("Tal", default="modtaget")
    hast = SelectField("Hast", default=ALL_URGENCIES)
    side = IntegerField("Side", default=1)

    def __init__(self, formdata, today: date):
        super().__init__(formdata, today)
        self.tal.choices = choices({value: label for value, (_key, label) in HOTLINE_FIGURES.items()})
        self.hast.choices = choices([(ALL_URGENCIES, "Alle (i alt)"),
                                     *((key, label.split(" – ")[0]) for key, label in HOTLINE_URGENCIES.items())])
        # The hotline's figures wait for no hours (review AP 5): only the month in progress is partial.
        self.maaned.choices = choices(month_choices(today, waits_for_hours=False))

    def figure_urgency_page(self) -> tuple[str, str | None, int]:
        """The figure (a :data:`.hotline_figures.COUNTS` key), the urgency (None: every one) and
        the 1-based page (after :meth:`cleaned`).

        :raise UnknownChoice: for a figure or urgency the block does not have.
        """
        figure = _chosen(self.tal, HOTLINE_FIGURES, "modtaget", "Tallet")
        urgency = _chosen(self.hast, HOTLINE_URGENCIES, ALL_URGENCIES, "Hastegraden")
        return HOTLINE_FIGURES[figure][0], urgency or None, _clamp_page(self.side)


class RecomputeForm(DanishForm):
    """An administrator's "compute this month again" (POST, CSRF); ``maaned`` is "YYYY-MM"."""

    maaned = HiddenField()

    def month(self) -> date | None:
        """The first day of the posted month, or None when it is not a "YYYY-MM"."""
        return _parse_month(self.maaned.data or "")
