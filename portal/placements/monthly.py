"""All of a company's placements for one month, :data:`PER_PAGE` a page: hours to log, and the payroll export.

A placement belongs to a month when it runs on at least one day of it (started on or
before the month's last day, not ended before its first), unless its citizen is anonymised
(:func:`asked_in_month`: retention keeps that placement for the figures only, and its hours are
never asked for again). Months after the current one are
never offered. The default month is last month until its hours are due
(:func:`portal.dates.hours_due`, the 9th or the next working day: a company logs the month that
just ended), then the current month. Hours are saved through :func:`.service.log_hours` (same audit, same rules);
one form posts every row of its page and nothing is saved unless every row is valid and
every implausible figure (:mod:`.plausibility`) has been confirmed.

A page can be stale: another user (or another tab) may have saved hours since it was
rendered. So each row carries the hours it showed (hidden ``vist-<id>``, the stored value at
render time) and a row counts as changed only when its input differs from that, never merely
because it differs from the database now. An untouched row of a stale page is left as the
other user saved it (and shown with their figure if the page comes back). A row the user did
change while someone else changed it is refused at its field with the other figure; like any
bad row, that saves nothing on the page, keeps every input, and the page comes back showing
the stored hours, so saving again overwrites them deliberately. The save itself is
conditional on the shown hours in the database (:func:`save`), so this holds for two saves
pressed at the same moment too.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import re

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, selectinload
from wtforms.validators import ValidationError

from ..dates import HOURS_DUE_RULE, add_months, hours_due, month_end, month_start
from ..extensions import db
from ..i18n import format_date, format_hours_count, format_month, format_number
from store.models import Citizen, HoursLog, Placement, User
from store import clock
from . import plausibility, service
from .forms import month_value, parse_hours, parse_month

YEARS_BACK = 10  # the oldest month shown: 1 January ten years ago (older hours: the placement's own page)
MAX_INPUT = 20
PER_PAGE = 50  # placements a page of /forloeb/timer shows (as /forloeb/); ``?side=N`` pages through them
CENT = Decimal("0.01")
_SHOWN = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$")  # the machine form of ``vist-<id>``: "12.50"
_NOT_SENT = object()


@dataclass
class MonthRow:
    """One placement in the month: its label, the logged hours and (after a post) the input."""

    placement: Placement
    label: str
    hours: Decimal | None  # logged for the month; None = nothing logged
    value: str = ""  # what the input shows (the stored hours, or what was typed)
    error: str | None = None
    question: str | None = None  # "300 timer er langt over 4 t/uge … – er det rigtigt?"
    confirm: str = ""  # the confirmation token sent back with the page (:mod:`.plausibility`)
    notice: str | None = None  # "Ændret af en anden til 21 …": an untouched row someone else saved
    paused: bool = False  # the citizen's processing is restricted: shown without an input, never saved

    @property
    def shown_name(self) -> str:
        """The hidden input with the hours the page showed: ``vist-<placement id>``."""
        return f"vist-{self.placement.id}"

    @property
    def shown_value(self) -> str:
        """The stored hours as the page renders them into :attr:`shown_name` ("12.50"; "" = none)."""
        return "" if self.hours is None else f"{_cents(self.hours)}"

    @property
    def field_name(self) -> str:
        """The input's name in the one form: ``timer-<placement id>``."""
        return f"timer-{self.placement.id}"

    @property
    def confirm_name(self) -> str:
        """The hidden input that confirms an implausible figure: ``bekraeft-<placement id>``."""
        return f"bekraeft-{self.placement.id}"


def default_month(today: date) -> date:
    """Last month until its hours are due (:func:`portal.dates.hours_due`, the 9th or the next
    working day), else the current month; the day after, the policy goals freeze last month."""
    current = month_start(today)
    last = add_months(current, -1)
    return last if today <= hours_due(last) else current


def default_month_rule(today: date) -> str:
    """The hours page's default month (:func:`default_month`) as the page states it, with last
    month's deadline spelled out (:func:`portal.dates.hours_due`)."""
    last = add_months(month_start(today), -1)
    return (f"Siden viser som udgangspunkt sidste måned, til og med fristen for dens timer ({HOURS_DUE_RULE}; "
            f"for {format_month(last)} {format_date(hours_due(last))}), så I kan nå at registrere den afsluttede "
            f"måned; derefter vises den aktuelle måned. Lige nu er udgangspunktet {format_month(default_month(today))}.")


def deadline_note(month: date, today: date) -> str:
    """What companies are told about ``month``'s deadline (:func:`portal.dates.hours_due`, the
    9th of the next month or the next working day), after which the job centre's figures for the month stand fixed
    (the policy goals freeze the month from the next day: ``portal.dashboard.snapshots``).
    Later hours are still taken: they count for the placement, not in the fixed figures."""
    due = hours_due(month)
    if today <= due:
        return (f"Registrér timerne for {format_month(month)} senest {format_date(due)}; så tæller de med "
                f"i jobcentrets opgørelse for måneden.")
    return (f"Fristen for timerne for {format_month(month)} var {format_date(due)}. I kan stadig registrere og "
            f"rette dem, og de gemmes på forløbet, men jobcentrets opgørelse for {format_month(month)} står "
            f"fast fra {format_date(due + timedelta(days=1))} og ændres ikke af dem.")


def late_note(month: date, today: date) -> str | None:
    """Said after saving hours for ``month`` past its deadline (:func:`deadline_note`); else None."""
    due = hours_due(month)
    if today <= due:
        return None
    return (f"Timerne er gemt efter fristen {format_date(due)}: de tæller på forløbet, men ændrer ikke "
            f"jobcentrets opgørelse for {format_month(month)}, der står fast.")


def latest_month(today: date) -> date:
    """The newest month that may be shown: the current one."""
    return month_start(today)


def earliest_month(today: date) -> date:
    """The oldest month that may be shown: January :data:`YEARS_BACK` years before ``today``'s year."""
    return date(today.year - YEARS_BACK, 1, 1)


def chosen_month(raw: str | None, today: date) -> tuple[date | None, str | None]:
    """The month asked for as ``YYYY-MM`` and, if it is refused, why (Danish).

    Returns ``(None, None)`` when nothing was asked for (the caller uses :func:`default_month`),
    ``(month, None)`` for a month in :func:`earliest_month` .. :func:`latest_month`, and
    ``(None, message)`` for a malformed month ("2026-13", "abc"), one before the earliest
    ("1900-01") or one in the future. Every route of the page refuses alike.
    """
    if raw is None or raw == "":
        return None, None
    month = parse_month(raw[:MAX_INPUT])
    example = month_value(default_month(today))
    if month is None:
        return None, f"Måneden skal angives som år og måned (ÅÅÅÅ-MM), fx {example}."
    if month > latest_month(today):
        return None, "Timer kan ikke registreres for en måned i fremtiden."
    if month < earliest_month(today):
        return None, (f"Timer kan vises for måneder fra {format_month(earliest_month(today))} "
                      f"til og med {format_month(latest_month(today))}.")
    return month, None


def ran_in_month(month: date) -> sa.ColumnElement[bool]:
    """A placement that runs on at least one day of ``month`` (its first day): started on or
    before the month's last day, not ended before its first, and not cancelled (a cancelled one
    never ran: :func:`.service.is_cancelled`). The page's rows, the start page's and the hours
    reminder's count all use this one clause, through :func:`asked_in_month`."""
    return sa.and_(Placement.start_date <= month_end(month),
                   sa.or_(Placement.end_date.is_(None), Placement.end_date >= month),
                   service.not_cancelled_clause())


def not_anonymised() -> sa.ColumnElement[bool]:
    """The placement's citizen is not anonymised. Retention keeps an anonymised case's placements
    (company, kind, months, hours) for the figures only (:mod:`portal.privacy`): an ordinary job
    or fleksjob without an end day no longer holds a closed case back, so such a placement may
    still run as the company's employment. Its hours are never asked for again: no row on the
    month's page, no count on the start page, in the reminder or the staff's lists, no month on
    its own page (:func:`.service.allowed_months`); what was logged stays, so no figure moves."""
    anonymised = aliased(Citizen)  # its own alias: a list that joins the citizen keeps this apart
    return ~sa.exists().where(anonymised.id == Placement.citizen_id, anonymised.anonymised_at.is_not(None))


def not_restricted() -> sa.ColumnElement[bool]:
    """The placement's citizen's processing is not restricted (GDPR art. 18). While it is, no
    hours are registered (:func:`.service.refuse_if_paused`), so none are asked for: the month's
    page shows the row without an input, and no count, reminder or staff list calls it missing."""
    restricted = aliased(Citizen)  # its own alias, as not_anonymised
    return ~sa.exists().where(restricted.id == Placement.citizen_id, restricted.restricted.is_(True))


def asked_in_month(month: date) -> sa.ColumnElement[bool]:
    """A placement whose hours the company is asked for in ``month``: it ran in the month
    (:func:`ran_in_month`) and its citizen is not anonymised (:func:`not_anonymised`). The
    month's page, the start page's and the hours reminder's counts and the staff's list of the
    missing hours all use this one clause."""
    return sa.and_(ran_in_month(month), not_anonymised())


def _in_month(company_id: int, month: date, today: date) -> sa.Select:
    # Started by today: no hours before the start day (.service.allowed_months, review AR 1).
    return (sa.select(Placement)
            .where(Placement.company_id == company_id, asked_in_month(month), Placement.start_date <= today)
            .options(selectinload(Placement.hours.and_(HoursLog.month == month)), selectinload(Placement.opening))
            .order_by(Placement.start_date, Placement.id))


def placements_in(company_id: int, month: date, today: date | None = None) -> list[Placement]:
    """The company's placements that run on at least one day of ``month`` and whose hours are
    asked for (:func:`asked_in_month`: not an anonymised citizen's), and have started by ``today`` (default: the job centre's today; hours are logged from the
    start day: :func:`.service.allowed_months`), oldest start first.

    Each placement's ``hours`` holds only ``month``'s row (at most one), not the placement's
    whole history: every reader of this list reads that month alone (review AB 12).
    """
    return list(db.session.scalars(_in_month(company_id, month, today or clock.today())))


def missing_in_month(month: date) -> sa.ColumnElement[bool]:
    """A placement asked for in ``month`` (:func:`asked_in_month`: it ran then, and its citizen
    is not anonymised) with no hours logged for it: a row the month's page leaves empty. The counts (:func:`missing_by_month`) and the staff's
    list of those rows (:func:`.followup.list_followups` with ``missing_hours``) use this one
    clause, so a count links to exactly its rows."""
    logged = sa.select(HoursLog.id).where(HoursLog.placement_id == Placement.id, HoursLog.month == month)
    # A restricted citizen's row is on the page, without an input: its hours are not asked for.
    return sa.and_(asked_in_month(month), not_restricted(), ~logged.exists())


MISSING_MONTHS_BACK = 12  # missing hours are asked for the last 12 finished months (the focus goal's year)


def asked_months(today: date) -> list[date]:
    """The finished months whose missing hours are asked for, newest first: last month and the
    :data:`MISSING_MONTHS_BACK` - 1 before it (a gap stays asked for a year, not only while it is
    last month)."""
    last = add_months(month_start(today), -1)
    return [add_months(last, -n) for n in range(MISSING_MONTHS_BACK)]


def missing_by_month(months: Iterable[date], company_id: int | None = None,
                     kinds: Iterable[str] | None = None) -> dict[date, Counter[int]]:
    """month → company_id → how many placements ran in the month with no hours logged for it
    (:func:`missing_in_month`, never an anonymised citizen's): the rows the month's page leaves empty. One statement for all
    ``months``; only ``company_id``'s placements when given. A month with none missing maps to
    an empty Counter.

    The company's start page, the hours reminder (:mod:`.hours_reminder`) and
    :func:`missing_hours` count with this, for the months of :func:`asked_months`.
    """
    months = list(dict.fromkeys(months))
    found: dict[date, Counter[int]] = {month: Counter() for month in months}
    if not months:
        return found
    selects = []
    for month in months:
        stmt = (sa.select(sa.literal(f"{month:%Y-%m}").label("month"), Placement.company_id.label("company_id"))
                .where(missing_in_month(month)))
        if company_id is not None:
            stmt = stmt.where(Placement.company_id == company_id)
        if kinds is not None:
            stmt = stmt.where(Placement.kind.in_(sorted(kinds)))
        selects.append(stmt)
    rows = sa.union_all(*selects).subquery()
    for month_text, company, count in db.session.execute(
            sa.select(rows.c.month, rows.c.company_id, sa.func.count())
            .group_by(rows.c.month, rows.c.company_id)):
        found[parse_month(month_text)][company] = count
    return found


def missing_hours(month: date, company_id: int | None = None) -> Counter[int]:
    """company_id → how many placements ran in ``month`` with no hours logged for it
    (:func:`missing_in_month`): the rows the page leaves empty for that month (:func:`missing_by_month` for
    one month). Only ``company_id``'s placements when given; a company with none missing is
    absent (its count reads 0).
    """
    return missing_by_month([month], company_id)[month]


def _logged(placement: Placement, month: date) -> Decimal | None:
    return next((h.hours for h in placement.hours if h.month == month), None)


def _cents(hours: Decimal | None) -> Decimal | None:
    return None if hours is None else Decimal(hours).quantize(CENT, rounding=ROUND_HALF_UP)


def _shown_hours(row: MonthRow, formdata):
    """The hours the posted page showed for ``row``: a Decimal, None (nothing logged) or
    :data:`_NOT_SENT` when the post does not say (a page from before ``vist-`` or a malformed value)."""
    raw = formdata.get(row.shown_name)
    if raw is None:
        return _NOT_SENT
    raw = raw.strip()
    if raw == "":
        return None
    return Decimal(raw) if _SHOWN.match(raw) else _NOT_SENT


def _reads_as(text: str, hours: Decimal | None) -> bool:
    """Whether the typed ``text`` means ``hours`` ("12,5", "12.50" and " 12,5 " all mean 12.5)."""
    if not text:
        return hours is None
    if hours is None or len(text) > MAX_INPUT:
        return False
    try:
        return parse_hours(text) == hours
    except ValidationError:
        return False


def _display(hours: Decimal | None) -> str:
    return "" if hours is None else format_number(hours, 2, trim=True)


def changed_by_another(hours: Decimal | None) -> str:
    """The refusal at a field whose hours someone else saved since the page showed them (both hours pages)."""
    if hours is None:
        return "Timerne er slettet af en anden, siden du åbnede siden. Tjek tallet og gem igen."
    return f"Timerne er ændret af en anden til {_display(hours)}, siden du åbnede siden. Tjek tallet og gem igen."


def _settled_as_stale(row: MonthRow, text: str, formdata) -> bool:
    """Whether ``row`` is settled because its stored hours changed since the page showed them.

    Untouched (``text`` still means the shown hours): the other user's hours stand and the
    input shows them, with a ``notice``. Typed over: refused with the other figure, unless
    typed to exactly that figure (then the row goes on and is no change).
    """
    shown, stored = _shown_hours(row, formdata), _cents(row.hours)
    if shown is _NOT_SENT or shown == stored:
        return False
    if _reads_as(text, shown):
        row.value = _display(row.hours)
        row.notice = (f"Ændret af en anden til {_display(row.hours)}, siden du åbnede siden."
                      if row.hours is not None else "Slettet af en anden, siden du åbnede siden.")
        return True
    if _reads_as(text, stored):
        return False
    row.error = changed_by_another(row.hours)
    return True


def _rows(placements: list[Placement], month: date, today: date) -> list[MonthRow]:
    labels = service.company_labels(placements, today, "company: month hours page")
    paused = _paused_ids([p.id for p in placements])
    rows = []
    for placement in placements:
        hours = _logged(placement, month)
        rows.append(MonthRow(placement, labels[placement.id], hours, _display(hours),
                             paused=placement.id in paused))
    return rows


def _paused_ids(placement_ids: list[int]) -> set[int]:
    """The placements among these whose citizen's processing is restricted (one statement)."""
    if not placement_ids:
        return set()
    return set(db.session.scalars(sa.select(Placement.id).where(Placement.id.in_(placement_ids),
                                                                sa.not_(not_restricted()))))


def month_rows(company_id: int, month: date, today: date) -> list[MonthRow]:
    """The rows of every placement in the month, labelled as the placements pages label them (names audited)."""
    return _rows(placements_in(company_id, month, today), month, today)


def month_page(company_id: int, month: date, today: date, page: int = 1, posted: Iterable[int] = ()) -> Pagination:
    """One page (:data:`PER_PAGE`) of the month's placements (:func:`placements_in`'s order) as
    :class:`MonthRow` items, labelled as the placements pages label them (only the page's names
    are read, and audited). A page past the end is the last one.

    ``posted``: the placement ids a posted page carried. One no longer on the page (a placement
    started or cancelled in between moved the rows) is read too, after the page's rows, if it
    is still the company's and in the month, so that no hours typed are dropped unsaid.
    """
    query = _in_month(company_id, month, today)
    found = service.paginate_clamped(query, page, PER_PAGE)
    placements = list(found.items)
    moved = set(posted) - {p.id for p in placements}
    if moved:
        placements += db.session.scalars(query.where(Placement.id.in_(sorted(moved)))).all()
    found.items = _rows(placements, month, today)
    return found


def read_input(rows: list[MonthRow], formdata) -> dict[int, Decimal]:
    """Validate every row's input; returns placement id → hours to save (changed rows only).

    Each row keeps what was typed in ``value``; a bad row gets a Danish ``error``. An empty
    input leaves an unlogged month unlogged; emptying a logged month is refused (hours are
    corrected, never deleted: type 0; the field gets the saved hours back and the error names
    them); a row missing from the post (the placement was
    added after the page was loaded) is left as it is. The caller saves nothing if any row has an error.

    A row is compared with the hours the page showed (``vist-<id>``; a post without it is
    compared with the stored hours). If the stored hours have changed since (someone saved
    in between): an untouched row is no change, and its input is set to the stored hours with
    a ``notice``; a row typed over is refused with the other figure, unless it was typed to
    exactly that figure (then it is no change either).
    """
    changes = {}
    for row in rows:
        if row.field_name not in formdata:  # not on the page the user posted from: unchanged
            continue
        raw = formdata.get(row.field_name, "")
        row.value = raw[:MAX_INPUT * 5]
        text = raw.strip()
        if row.paused:  # restricted since the page was shown: a changed figure is refused, saying why
            if text and not _reads_as(text, row.hours):
                row.error = service.HOURS_NOT_SAVED
            row.value = _display(row.hours)
            continue
        if _settled_as_stale(row, text, formdata):
            continue
        if not text:
            if row.hours is not None:  # the saved figure goes back in the field, and is named
                row.value = _display(row.hours)
                row.error = ("Timer kan ikke slettes. Skriv 0, hvis der ikke blev arbejdet. "
                             f"Gemt: {format_hours_count(row.hours)}.")
            continue
        if len(text) > MAX_INPUT:
            row.error = "Angiv timer som et tal, fx 12,5."
            continue
        try:
            hours = parse_hours(text)
        except ValidationError as err:
            row.error = str(err)
            continue
        if hours != row.hours:
            changes[row.placement.id] = hours
    return changes


def ask_implausible(rows: list[MonthRow], changes: dict[int, Decimal], month: date, formdata) -> int:
    """Question each changed row whose figure is implausible and not yet confirmed; returns how many.

    A row is confirmed when the page sent back the token of exactly this month and figure
    (the page carries it once the question has been shown). The caller saves nothing if any
    row is questioned.
    """
    asked = 0
    month_text = format_month(month)
    for row in rows:
        hours = changes.get(row.placement.id)
        if hours is None:
            continue
        question = plausibility.warning(row.placement, month, hours, month_text)
        token = plausibility.confirmation_token(month, hours)
        if question and formdata.get(row.confirm_name) != token:
            row.question, row.confirm = question, token
            asked += 1
        elif question:
            row.confirm = token
    return asked


def save(rows: list[MonthRow], changes: dict[int, Decimal], month: date, user: User) -> int | None:
    """Log ``changes`` for ``month`` with :func:`.service.log_hours`, all in one transaction;
    returns how many rows changed.

    Each write is conditional on the hours the page showed (the row's ``hours``, which
    :func:`read_input` has checked against ``vist-<id>``), in the database: of two saves in
    flight at once, the second finds the figure changed. Then nothing of the page is saved
    (rolled back), the row is refused at its field with the other figure, as when the page was
    stale before the save, and None is returned; the row now shows the stored hours, so saving
    again overwrites them deliberately.
    """
    try:
        for row in rows:
            if row.placement.id in changes:
                service.log_hours(row.placement, month, changes[row.placement.id], user,
                                  expected=row.hours, commit=False)
        db.session.commit()
    except service.StaleHours as stale:
        db.session.rollback()
        for row in rows:
            if row.placement.id == stale.placement_id:
                row.hours, row.error = stale.current, changed_by_another(stale.current)
        return None
    except service.HoursPaused as paused:  # restricted after the page was read: nothing is saved
        db.session.rollback()
        for row in rows:
            if row.placement.id == paused.placement_id:
                row.paused, row.error = True, service.HOURS_NOT_SAVED
        return None
    return len(changes)
