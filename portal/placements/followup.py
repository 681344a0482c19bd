"""The consultant's follow-up list: running placements and which of them need attention.

Monthly follow-up is a policy goal, so a row is flagged when a finished month has no hours
logged, of the months the placement ran at least :data:`MIN_DAYS_FOR_HOURS` days of: last
month ("Ingen timer for november 2026"), and every earlier month of the last year
(:func:`.monthly.asked_months`, the months the company's reminder asks for) named together
("Timer mangler stadig for august og september 2026"), so a gap stays flagged after it is no
longer last month;
when last month, of which the placement ran at least :data:`MIN_DAYS_FOR_HOURS` days (the
hours' rule), had no follow-up and none has been registered since ("Ingen opfølgning i november
2026": follow-up is monthly by calendar month, the month in progress is not missed yet, and a
follow-up registered now answers the flag, as nothing can be dated back), or when the planned
end has passed without an end reason. A follow-up is a :class:`~.models.PlacementEvent` of kind
"followup" dated (Danish time) on or after the start: the start being registered, an end or a
correction is none. The placement's page names every month since the start without one
(:func:`months_without_followup`), so a gap stays visible after the next follow-up. A
placement whose end is registered ahead runs until that day (:func:`.service.is_active`, the rule of every page) and is listed and
flagged as any running one, marked "Slutter dd.mm.yyyy"; its page takes the follow-up that answers the flag
(:func:`.service.followed_up`, the one rule of the flags, the form and the route). A placement that has not started is
listed as "Starter dd.mm.yyyy" with no flags, and so is one of a citizen whose processing is
restricted (GDPR art. 18: nothing new is registered about the person while it lasts; the list
says so). A placement that ended in a job stays on the list while a retention
check (still employed 3 or 6 months after the end, :mod:`.retention`) is due and unanswered.
A placement, running or planned, whose citizen has withdrawn the consent to its pair's proposal
(status "withdrawn") is flagged :data:`CONSENT_WITHDRAWN` until the consultant decides on its
page: an end registered (ahead too), or a new consent recorded on the proposal (review: nothing
led anyone to the placement's »afgør, om forløbet fortsætter«).
A row *needs follow-up* when it has at least one flag (:func:`needs_follow_up`): the start
page counts those, and the list can be narrowed to them (:func:`follow_up_view`), so the
count and the list it links to agree. The caller passes the user and "today", so tests
control both.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db
from ..i18n import and_list
from store.models import Citizen, Company, HoursLog, Placement, Proposal, User
from .forms import month_label as _month_label
from .plausibility import days_in_month
from store.models import PlacementEvent
from . import monthly, retention
from .service import LOCAL, active_clause, add_months, followed_up, month_start
from store.models.vocab import SUCCESS_END_REASONS

month_label = lru_cache(maxsize=64)(_month_label)  # Babel formats each month once, not once per row
# Hours and follow-up are only missed for a month the placement ran at least a week of
# (started 29.11: no "Ingen timer for november", no "Ingen opfølgning i november").
MIN_DAYS_FOR_HOURS = 7
SCOPES = {"mine": "Mine borgere", "team": "Mit team", "all": "Alle"}
SORTS = ("start", "-start")
PER_PAGE = 50  # rows a page of the list shows (as /borgere/); ``?side=N`` pages through them
MISSING_HOURS = "mangler"  # ``?timer=mangler``: the placements without hours for last month
# The flag of a placement whose consent was withdrawn, until it is decided (end or new consent).
CONSENT_WITHDRAWN = "Samtykket er trukket tilbage: afgør, om forløbet fortsætter"


@dataclass(frozen=True, slots=True)
class FollowUpPlacement:
    """The columns of a placement the follow-up lists show and flag, with the two names.

    A plain row, not an ORM object: the lists hold hundreds of placements, and only these
    fields are read (by the templates, :func:`_row` and :func:`.retention.due_checkpoints`).
    """

    id: int
    citizen_id: int
    citizen_name: str
    company_id: int
    company_name: str
    kind: str
    start_date: date
    end_date: date | None
    weekly_hours: float
    end_reason: str | None
    employed_3m: bool | None
    employed_6m: bool | None
    restricted: bool = False  # the citizen's processing is restricted (art. 18): nothing is asked
    consent_withdrawn: bool = False  # the pair's proposal is "withdrawn" (:data:`CONSENT_WITHDRAWN`)


# The pair's proposal has its consent withdrawn (the citizen took it back; a new consent moves it on).
_WITHDRAWN = sa.exists().where(Proposal.citizen_id == Placement.citizen_id, Proposal.opening_id == Placement.opening_id,
                               Proposal.status == "withdrawn")
_COLUMNS = (Placement.id, Placement.citizen_id, Citizen.name, Placement.company_id, Company.name,
            Placement.kind, Placement.start_date, Placement.end_date, Placement.weekly_hours,
            Placement.end_reason, Placement.employed_3m, Placement.employed_6m, Citizen.restricted,
            _WITHDRAWN.label("consent_withdrawn"))


@dataclass(frozen=True)
class FollowUpRow:
    """One running placement with last month's hours, the last follow-up and the flags.

    ``last_followup`` counts only events on or after the start; ``starts`` is set (the start
    date) for a placement that has not started yet, which is never flagged; ``ends`` for one
    whose end is registered ahead, which runs, and is flagged, as any other until that day.
    """

    placement: FollowUpPlacement
    hours_last_month: Decimal | None
    last_followup: date | None
    flags: list[str]
    starts: date | None = None
    ends: date | None = None  # an end registered ahead: the placement runs (and is followed up) until then
    retention_due: bool = False  # ended in a job with a retention check due: the row links to it


def needs_follow_up(row: FollowUpRow) -> bool:
    """At least one flag; a placement not started yet and an "OK" row need nothing."""
    return bool(row.flags)


class RowPage(Pagination):
    """Flask-SQLAlchemy's :class:`~flask_sqlalchemy.pagination.Pagination` (the page object the
    portal's other lists get from ``db.paginate``) over rows already read: the flags are worked
    out in Python, so the list's page is cut after them."""

    def _query_items(self) -> list:
        rows = self._query_args["rows"]
        return rows[(self.page - 1) * self.per_page:self.page * self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


@dataclass(frozen=True)
class FollowUpView:
    """The follow-up page: one page of the rows shown, and the counts its summary and links give.

    ``total``: every row of the scope; ``flagged``: those that need follow-up;
    ``flagged_only``: only those are shown (``page`` then pages through the ``flagged`` rows).
    The counts are of the whole list, never of the page.
    """

    page: Pagination
    total: int
    flagged: int
    flagged_only: bool
    missing_hours: bool = False  # only the placements without hours for last month (:func:`list_followups`)

    @property
    def rows(self) -> list[FollowUpRow]:
        """The rows of this page."""
        return self.page.items


def follow_up_view(user: User, scope: str, today: date, sort: str = "start",
                   flagged_only: bool = False, page: int = 1, company_id: int | None = None,
                   missing_hours: bool = False) -> FollowUpView:
    """:func:`list_followups` (``company_id`` and ``missing_hours`` narrow it as there),
    narrowed to the rows that need follow-up when ``flagged_only``, one page (:data:`PER_PAGE`)
    of them: every row can be reached, however many there are (a page past the end is the last
    one)."""
    rows = list_followups(user, scope, today, sort, company_id=company_id, missing_hours=missing_hours)
    flagged = [row for row in rows if needs_follow_up(row)]
    shown = flagged if flagged_only else rows
    pages = max(1, -(-len(shown) // PER_PAGE))
    found = RowPage(page=min(max(page, 1), pages), per_page=PER_PAGE, error_out=False, rows=shown)
    return FollowUpView(found, len(rows), len(flagged), flagged_only, missing_hours)


def scopes_for(user: User, company_id: int | None = None) -> dict[str, str]:
    """The scopes ``user`` may pick: everyone for administrators, and for a consultant within
    one company (``company_id``: a list of that company's placements, as a count per company
    such as the Code of Care partners' links to it)."""
    if user.role == "admin" or company_id is not None:
        return SCOPES
    return {k: v for k, v in SCOPES.items() if k != "all"}


def _scoped(stmt, user: User, scope: str, company_id: int | None = None):
    """``stmt`` narrowed to the citizens of ``scope`` as :func:`list_followups` reads it ("all"
    as :func:`scopes_for` allows it: for administrators, and within one company)."""
    if scope == "mine":
        return stmt.where(sa.or_(Citizen.vk_id == user.id, Citizen.adviser_id == user.id))
    if scope != "all" or "all" not in scopes_for(user, company_id):
        return stmt.where(Citizen.team_id == user.team_id) if user.team_id else stmt.where(sa.false())
    return stmt


def _followed_up(today: date) -> sa.ColumnElement[bool]:
    """:func:`.service.followed_up` as a condition: no end reason (a passed end date is flagged),
    or still running by the one rule every page uses (:func:`.service.active_clause`: an end
    registered ahead runs until that day; a cancelled one never ran)."""
    return sa.or_(Placement.end_reason.is_(None), active_clause(today))


def _retention_open(today: date) -> sa.ColumnElement[bool]:
    """Ended in a job (:data:`SUCCESS_END_REASONS`) at least the first checkpoint's months ago,
    with a checkpoint unanswered: the ended placements :func:`list_followups` reads."""
    return sa.and_(Placement.end_reason.in_(SUCCESS_END_REASONS),
                   # the day clamp included (:func:`_last_end_due`): an end on 31 August opens on 30 November
                   Placement.end_date <= _last_end_due(today, min(retention.CHECKPOINTS)),
                   sa.or_(Placement.employed_3m.is_(None), Placement.employed_6m.is_(None)))


def _last_end_due(today: date, months: int) -> date:
    """The latest end date whose ``months`` checkpoint has opened by ``today``
    (:func:`.retention.opens_on` is on or before it): 30 November opens for an end on 31
    August, as ``add_months`` clamps the day."""
    day = add_months(today, -months)
    while add_months(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)
    return day


def count_followups(user: User, scope: str, today: date) -> int:
    """How many rows :func:`list_followups` gives, counted in the database (one ``COUNT``).

    The same placements: the list's statement, with the retention check it does per row
    (:func:`.retention.due_checkpoints`: a checkpoint opened and unanswered) as SQL.
    """
    due = sa.or_(*(sa.and_(Placement.end_date <= _last_end_due(today, months),
                           getattr(Placement, column).is_(None))
                   for months, column in retention.CHECKPOINTS.items()))
    stmt = (sa.select(sa.func.count(Placement.id)).join(Citizen, Placement.citizen_id == Citizen.id)
            .join(Company, Placement.company_id == Company.id)
            .where(sa.or_(_followed_up(today), sa.and_(_retention_open(today), due)),
                   Citizen.anonymised_at.is_(None)))
    return db.session.scalar(_scoped(stmt, user, scope)) or 0


def list_followups(user: User, scope: str, today: date, sort: str = "start", company_id: int | None = None,
                   missing_hours: bool = False) -> list[FollowUpRow]:
    """Placements without an end reason of the citizens in ``scope``, those whose end is
    registered ahead (running until that day, :func:`_followed_up`), and ended ones with a
    retention check due.

    ``company_id``: only that company's placements. ``missing_hours``: instead, the placements
    that ran last month without hours logged for it (:func:`.monthly.missing_in_month`, the
    rows the company's hours page leaves empty, however few days they ran and whether they have
    ended since; never an anonymised citizen's, whose hours are not asked for): exactly the
    placements :func:`.monthly.missing_hours` counts, within ``scope``. Each such row is flagged »Ingen timer
    for …« (but a restricted citizen's, of which nothing is asked).

    ``scope``: "mine" (the citizen's VK or adviser is ``user``), "team" (the user's team;
    none without a team) or "all" (administrators; anyone else gets "team").
    ``sort``: "start" (oldest start first) or "-start".

    Two statements whatever the number of placements: the placements' columns with the
    citizen's and the company's name, the last follow-up and last month's hours of each; and
    the months of the last year with hours logged (for the missing months' flag).
    :func:`count_followups` counts the same rows without reading them.
    """
    previous = add_months(month_start(today), -1)
    # "Seneste opfølgning": the last registered follow-up, not a start, end or correction (the
    # start registered days late would otherwise push the month's flag back).
    last_event = (sa.select(sa.func.max(PlacementEvent.at))
                  .where(PlacementEvent.placement_id == Placement.id, PlacementEvent.kind == "followup")
                  .scalar_subquery())
    hours = (sa.select(HoursLog.hours).where(HoursLog.placement_id == Placement.id, HoursLog.month == previous)
             .scalar_subquery())  # at most one row: a month is logged once per placement
    if missing_hours:
        rows_of = monthly.missing_in_month(previous)
    else:
        rows_of = sa.and_(sa.or_(_followed_up(today), _retention_open(today)), Citizen.anonymised_at.is_(None))

    def listed(*columns):
        stmt = (sa.select(*columns).join(Citizen, Placement.citizen_id == Citizen.id)
                .join(Company, Placement.company_id == Company.id).where(rows_of))
        if company_id is not None:
            stmt = stmt.where(Placement.company_id == company_id)
        return _scoped(stmt, user, scope, company_id)

    order = Placement.start_date.desc() if sort == "-start" else Placement.start_date.asc()
    found = []
    for *columns, last_at, logged in db.session.execute(listed(*_COLUMNS, last_event, hours)
                                                        .order_by(order, Placement.id)):
        placement = FollowUpPlacement(*columns)
        if missing_hours or followed_up(placement, today) or retention.due_checkpoints(placement, today):
            found.append((placement, _local_date(last_at) if last_at is not None else None, logged))
    logged_months: dict[int, set[date]] = {}
    for placement_id, month in db.session.execute(
            sa.select(HoursLog.placement_id, HoursLog.month)
            .where(HoursLog.placement_id.in_(listed(Placement.id)),
                   HoursLog.month >= monthly.asked_months(today)[-1], HoursLog.month <= previous)):
        logged_months.setdefault(placement_id, set()).add(month)
    rows = [_row(placement, last, logged, today, previous, logged_months.get(placement.id, set()))
            for placement, last, logged in found]
    return [_missing_flagged(row, previous) for row in rows] if missing_hours else rows


def _missing_flagged(row: FollowUpRow, previous: date) -> FollowUpRow:
    """A row of the missing hours' list with »Ingen timer for …« among its flags: the list's
    follow-up flag is raised only for a month run a week or more, and never on a placement that
    has ended, but the company is asked for the hours of every month the placement ran in.
    A restricted citizen's row stays without flags (nothing is asked while it lasts)."""
    flag = f"Ingen timer for {month_label(previous)}"
    if row.placement.restricted or flag in row.flags:
        return row
    return replace(row, flags=[flag, *row.flags])


def missing_months(placement, today: date, logged: set[date]) -> list[date]:
    """The finished months of the last year (:func:`.monthly.asked_months`) the placement ran
    at least :data:`MIN_DAYS_FOR_HOURS` days of with no hours in ``logged``; oldest first."""
    return [month for month in reversed(monthly.asked_months(today))
            if month not in logged and days_in_month(placement, month) >= MIN_DAYS_FOR_HOURS]


def months_without_followup(placement, today: date, followed_up: set[date]) -> list[date]:
    """The finished months since the start the placement ran at least :data:`MIN_DAYS_FOR_HOURS`
    days of (the rule of :func:`missing_months` and of the list's flag) with no follow-up dated
    in them; ``followed_up``: the (Danish) dates of its follow-ups. Oldest first; the month in
    progress is not missed yet."""
    followed = {month_start(day) for day in followed_up if day >= placement.start_date}
    month, months = month_start(placement.start_date), []
    while month < month_start(today):
        if month not in followed and days_in_month(placement, month) >= MIN_DAYS_FOR_HOURS:
            months.append(month)
        month = add_months(month, 1)
    return months


def followup_dates(events) -> set[date]:
    """The Danish dates of the follow-ups among a placement's ``events`` (kind "followup" only)."""
    return {_local_date(event.at) for event in events if event.kind == "followup"}


def months_text(months: list[date]) -> str:
    """"september, oktober og november 2026"; "december 2025 og januar 2026" (oldest first); "" for none."""
    if not months:
        return ""
    groups: list[tuple[int, list[str]]] = []
    for month in months:
        name = month_label(month).rsplit(" ", 1)[0]
        if groups and groups[-1][0] == month.year:
            groups[-1][1].append(name)
        else:
            groups.append((month.year, [name]))
    return and_list(f"{and_list(names)} {year}" for year, names in groups)


def _local_date(at: datetime) -> date:
    return at.astimezone(LOCAL).date()  # aware UTC from the column type (store UTCDateTime)


def _row(placement: FollowUpPlacement, last: date | None, hours: Decimal | None, today: date,
         previous: date | None = None, logged: set[date] | None = None) -> FollowUpRow:
    """``hours``: what was logged for last month (None: nothing); ``logged``: the months of
    the last year with hours (left out: only last month is checked, from ``hours``).

    A list passes ``previous`` (last month's first day) once for all rows; left out, it is
    worked out here.
    """
    previous = previous or add_months(month_start(today), -1)
    # No follow-up, hours or retention answer is asked while the processing is restricted (a
    # list's row carries the flag; a Placement row passed alone is read through its citizen).
    citizen = placement.citizen if isinstance(placement, Placement) else None
    if getattr(placement, "restricted", None) or (citizen is not None and citizen.restricted):
        return FollowUpRow(placement, hours, last, [])
    if not followed_up(placement, today):  # ended in a job: only the retention checks are asked
        flags = [f"Stadig i job eller uddannelse efter {months} måneder? Registrér svaret"
                 for months in retention.due_checkpoints(placement, today)]
        return FollowUpRow(placement, hours, last, flags, retention_due=bool(flags))
    if last is not None and last < placement.start_date:  # e.g. the start registered beforehand
        last = None
    ends = placement.end_date if placement.end_reason is not None else None  # registered ahead: runs until then
    # undecided: no end registered (an end ahead is the decision), the consent not renewed
    withdrawn = [CONSENT_WITHDRAWN] if getattr(placement, "consent_withdrawn", False) and ends is None else []
    if placement.start_date > today:
        return FollowUpRow(placement, hours, last, withdrawn, starts=placement.start_date, ends=ends)
    flags = list(withdrawn)
    if hours is None and days_in_month(placement, previous) >= MIN_DAYS_FOR_HOURS:
        flags.append(f"Ingen timer for {month_label(previous)}")
    if logged is not None and (earlier := [m for m in missing_months(placement, today, logged) if m != previous]):
        flags.append(f"Timer mangler stadig for {months_text(earlier)}")
    if days_in_month(placement, previous) >= MIN_DAYS_FOR_HOURS and (last is None or last < previous):
        # ``last`` is the newest follow-up on or after the start: before last month's first day,
        # last month had none and nothing has answered it since
        flags.append(f"Ingen opfølgning i {month_label(previous)}")
    if placement.end_date is not None and placement.end_date < today:
        flags.append("Slutdatoen er passeret: registrér afslutning og årsag")
    return FollowUpRow(placement, hours, last, flags, ends=ends)
