"""Placements (forløb) as a company sees them: hours per month, totals and partner outcomes.

A company sees only its own rows. It sees the citizen's name only once the identity is
released for the placement's (citizen, opening) pair (:func:`portal.proposals.identity_released`:
disclosed with a live consent), and each such read is audited ("identity_viewed", fail
closed); otherwise the label is neutral: the opening's title and the start date
(:func:`company_labels`). The caller passes the company id (from ``current_user``) and
"today", so tests control both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, selectinload

from .. import audit
from ..i18n import format_date
from ..proposals import identity_released
from ..dates import add_months, month_start
from ..extensions import db
from store.models import Citizen, Company, HoursLog, Opening, Placement, Proposal, User
from store.models.vocab import CANCELLED, ENDING_REASONS, OPENING_KINDS, SUCCESS_END_REASONS
from store import clock

LOCAL = clock.LOCAL
ZERO = Decimal(0)
NO_REASON = "ikke_angivet"


def placement_label(placement: Placement) -> str:
    """The consultant's label: "Forløb nr. id · opening title or kind label"."""
    return f"Forløb nr. {placement.id} · {title(placement)}"


def title(placement: Placement) -> str:
    """The opening's title, or the kind's label for a placement without an opening."""
    return placement.opening.title if placement.opening else OPENING_KINDS.get(placement.kind, "")


def neutral_label(placement: Placement) -> str:
    """"Lagerhjælp, start 03.03.2026": what a company sees before the identity is released."""
    return f"{title(placement)}, start {format_date(placement.start_date)}"


def disclosed_names(placements: list[Placement], today: date) -> dict[int, str]:
    """Placement id → the citizen's name, for placements whose pair has the identity released."""
    pairs = {(p.citizen_id, p.opening_id): p.id for p in placements if p.opening_id is not None}
    if not pairs:
        return {}
    found = db.session.scalars(sa.select(Proposal).where(
        Proposal.status == "disclosed", Proposal.citizen_id.in_({c for c, _o in pairs}),
        Proposal.opening_id.in_({o for _c, o in pairs}))
        # identity_released reads the consents and the citizen's restriction; the JSON columns are not needed here.
        .options(selectinload(Proposal.consents), selectinload(Proposal.citizen).load_only(Citizen.restricted),
                 defer(Proposal.explanation), defer(Proposal.shared_profile)))
    released = {pairs[(p.citizen_id, p.opening_id)]: p.citizen_id for p in found
                if (p.citizen_id, p.opening_id) in pairs and identity_released(p, today)}
    if not released:
        return {}
    names = dict(db.session.execute(sa.select(Citizen.id, Citizen.name)
                                    .where(Citizen.id.in_(set(released.values())))).all())
    return {placement_id: names[citizen_id] for placement_id, citizen_id in released.items()}


# What a company is shown the labels on (:func:`company_labels`' ``page``), the start of the
# "identity_viewed" purpose: the citizen's art. 15 access export names the page actually shown
# (portal.admin.audit_labels.PURPOSE_PHRASES). Rows written before the page was named say
# "company: placement forloeb:N" for every one of them.
COMPANY_PAGES = frozenset({
    "company: start page",  # / (Forside)
    "company: placements page",  # /forloeb, the list
    "company: placement page",  # /forloeb/<id>, the placement's own page
    "company: month hours page",  # /forloeb/timer
    "company: hotline form",  # /hotline/ny (and the API's new request)
    "company: hotline request",  # one request of the company's (the page, the API)
    "company: hotline requests",  # the API's list of the company's requests
    "api: company placements",  # the API's placements, read with a company's key
})


def company_labels(placements: list[Placement], today: date, page: str, audit_reads: bool = True) -> dict[int, str]:
    """Placement id → the label a company sees: "Name · title" once disclosed, else neutral.

    ``page``: what the labels are shown on, one of :data:`COMPANY_PAGES` (required, so that no
    caller logs another page's purpose). With ``audit_reads`` (a company user is reading) every
    name shown is logged first as "identity_viewed" with that page and the placement, all of
    them in one transaction of their own: no log, no name (fail closed:
    :class:`~portal.audit.AuditWriteError` and no label at all).
    """
    if page not in COMPANY_PAGES:
        raise ValueError(f"unknown page {page!r}: one of COMPANY_PAGES")
    names = disclosed_names(placements, today)
    if audit_reads:
        audit.record_many_now([
            {"action": "identity_viewed", "citizen_id": p.citizen_id, "opening_id": p.opening_id,
             "purpose": f"{page} forloeb:{p.id}"} for p in placements if names.get(p.id)])
    return {p.id: f"{names[p.id]} · {title(p)}" if names.get(p.id) else neutral_label(p)
            for p in placements}


def pair_proposal(placement: Placement) -> Proposal | None:
    """The proposal the placement was started from (its citizen and opening), if any."""
    if placement.opening_id is None:
        return None
    return db.session.scalar(sa.select(Proposal).where(Proposal.citizen_id == placement.citizen_id,
                                                       Proposal.opening_id == placement.opening_id))


def name_hidden(placement: Placement, today: date) -> Proposal | None:
    """The pair's proposal when the placement runs (or is planned) but the company no longer
    sees the name: the consent was withdrawn or has run out, or the citizen's processing is
    restricted (the page tells these apart). The consultant must act on it (end the placement,
    or get a new consent and tell the company); None when nothing is amiss."""
    if not is_active(placement, today):
        return None
    proposal = pair_proposal(placement)
    if proposal is None or identity_released(proposal, today):
        return None
    return proposal


def responsible_consultant(company: Company, placement: Placement | None = None) -> User | None:
    """The job centre's contact for a company: the placed citizen's VK, else the company's consultant.

    Used for the hotline's assignee and for the contact a company sees. None when neither is set.
    """
    if placement is not None and placement.citizen is not None and placement.citizen.vk_id:
        return db.session.get(User, placement.citizen.vk_id)
    return company.consultant


def company_contact(company: Company, placement: Placement | None = None) -> User | None:
    """The consultant a company sees as its contact (:func:`responsible_consultant`), if active.

    A VK who has left is no contact: then the company's consultant, else None.
    """
    for user in (responsible_consultant(company, placement), company.consultant):
        if user is not None and user.active:
            return user
    return None


def is_cancelled(placement: Placement) -> bool:
    """Cancelled before its start (end reason "aflyst", :func:`.lifecycle.cancel_placement`):
    the placement never happened, so it is neither running, planned nor ended anywhere."""
    return placement.end_reason == CANCELLED


def not_cancelled_clause() -> sa.ColumnElement[bool]:
    """:func:`is_cancelled`, negated, as a condition on :class:`~store.models.Placement`."""
    return Placement.not_cancelled()


def is_active(placement: Placement, today: date) -> bool:
    """Started or not, a placement is active (running or planned) until it has ended.

    It has ended once its end date has passed, or once its end is registered (an end reason)
    and the end date has come, today included: the placement's page then says "Afsluttet"
    (``templates/placements/_status.html``). An end registered ahead (up to a month) keeps it
    active until that day; an end date of today without a reason is its last day ("Slutter i
    dag"). A cancelled placement (:func:`is_cancelled`) is never active. Every company screen,
    the API's ``active``, closing a case (:func:`portal.citizens.case.active_placement_ids`) and
    the consultant's »I forløb nu« (:func:`portal.candidates.situation.situations`) use this rule
    (:func:`active_clause`); write no copy of it (review BN 2: two copies said "ended" on the
    last day).
    """
    if is_cancelled(placement):
        return False
    if placement.end_date is None or placement.end_date > today:
        return True
    return placement.end_date == today and placement.end_reason is None


def followed_up(placement, today: date) -> bool:
    """The placement is followed up as running: its follow-up form is shown, a follow-up is
    taken, and the follow-up list flags a month without one, all by this rule.

    That is :func:`is_active` (an end registered ahead runs until that day; a cancelled one
    never ran), and also a placement whose planned end has passed with no end registered: it
    is flagged for its end and may still run, so a follow-up is taken until the end is
    registered. The list's query reads the same rule (:func:`.followup._followed_up`).
    """
    return placement.end_reason is None or is_active(placement, today)


def active_clause(today: date) -> sa.ColumnElement[bool]:
    """:func:`is_active` as a condition on :class:`~store.models.Placement` for a query."""
    return sa.or_(Placement.end_date.is_(None), sa.and_(Placement.end_date > today, not_cancelled_clause()),
                  sa.and_(Placement.end_date == today, Placement.end_reason.is_(None)))


def running_placement_start(proposal: Proposal) -> date | None:
    """The start of the pair's placement that has not ended (:func:`is_active`), if any."""
    today = clock.today()
    starts = [p.start_date for p in db.session.scalars(sa.select(Placement).where(
        Placement.opening_id == proposal.opening_id, Placement.citizen_id == proposal.citizen_id))
        if is_active(p, today)]
    return min(starts) if starts else None


# The one rule for both hours pages (/forloeb/<id> and /forloeb/timer), as the pages state it.
HOURS_MONTHS_RULE = ("Timer kan registreres og rettes for hver måned, forløbet har kørt i, "
                     "fra startmåneden til og med den aktuelle måned (eller slutmåneden), "
                     "og først når startdagen er kommet.")


def allowed_months(placement: Placement, today: date) -> list[date]:
    """Months hours may be logged for: within the placement's period and not in the future.

    Only days that have begun can have been worked: nothing is offered before the start day
    (``start_date > today``; review AR 1: hours typed before the start made a placement that
    never happened look worked, and blocked its cancellation). From the start day the start
    month is offered, its first days before the start included in the month's figure as ever.

    The same rule decides which placements /forloeb/timer lists for a month
    (:func:`.monthly.placements_in`); :data:`HOURS_MONTHS_RULE` says it on both pages. The
    web form and the API accept only these months (:class:`.forms.HoursForm`).

    Returns first days of months, newest first; empty if the placement has not started yet or
    was cancelled (:func:`is_cancelled`: no one worked a day of it), if its citizen is
    anonymised (:func:`.monthly.not_anonymised`: its hours are never asked for again), or while
    its citizen's processing is restricted (:func:`refuse_if_paused`; the month page lists the
    row without an input, :func:`.monthly.not_restricted`).
    """
    citizen = placement.citizen
    if is_cancelled(placement) or placement.start_date > today or citizen.anonymised_at is not None \
            or citizen.restricted:
        return []
    last = month_start(min(placement.end_date or today, today))
    month, months = month_start(placement.start_date), []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months[::-1]


def hours_in_window(placement: Placement, today: date) -> Decimal:
    """Hours logged in the 12 calendar months ending with ``today``'s month (the 100-hours rule).

    Same window as the dashboard's focus goal: the current month and the 11 before it.
    """
    last = month_start(today)
    first = add_months(last, -11)
    return sum((h.hours for h in placement.hours if first <= h.month <= last), ZERO)


@dataclass(frozen=True)
class PlacementRow:
    """One placement in the company's list with its hour totals."""

    placement: Placement
    label: str
    active: bool
    hours_this_month: Decimal | None  # None: nothing registered for the month (not 0: a registered 0)
    hours_total: Decimal | None  # None: no hours registered at all

    @property
    def cancelled(self) -> bool:
        """Cancelled before the start: listed last, as »Aflyst«, and in no result."""
        return is_cancelled(self.placement)


@dataclass
class PartnerSummary:
    """A Code of Care partner's results: counts, hours and outcomes of its placements."""

    placements: int = 0  # cancelled ones not included: they never happened
    active: int = 0
    ended: int = 0
    cancelled: int = 0  # cancelled before the start: shown apart, counted in nothing else
    total_hours: Decimal = ZERO
    outcomes: dict[str, int] = field(default_factory=dict)  # end reason (or NO_REASON) -> count
    moved_on: int = 0  # ended with a success reason (SUCCESS_END_REASONS)

    @property
    def moved_on_share(self) -> float | None:
        """Share of ended placements that ended in job, fleksjob or education; None if none ended."""
        return self.moved_on / self.ended if self.ended else None


PER_PAGE = 50  # placements a page of /forloeb/ shows; ``?side=N`` pages through the rest
MAX_PAGE = 1_000_000  # no list has more pages; a larger ``?side=`` would overflow the database's OFFSET


def paginate_clamped(query, page: int, per_page: int):
    """``db.paginate`` of ``query`` at ``page``, where a page below 1 is the first and a page past
    the end, however large (``?side=99999999999999999999``), is the last: the number is bounded
    before the database sees it, so an OFFSET never overflows (review AH 2)."""
    page = min(max(page, 1), MAX_PAGE)
    found = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if not found.items and found.pages and page > found.pages:
        found = db.paginate(query, page=found.pages, per_page=per_page, error_out=False)
    return found


def page_for_company(company_id: int, today: date, page: int = 1, month: date | None = None):
    """One page (:data:`PER_PAGE`) of the company's placements as :class:`PlacementRow` items:
    active first, then ended, then cancelled; newest start first within each. Every placement
    can be reached, however long the history (a page past the end is the last one).

    A fixed number of statements whatever the number of placements: the count, the page with
    its openings' titles, the page's hours (:func:`hour_totals`) and the names released on
    it (only the page's names are read, and audited). ``month``: the month whose hours the
    list shows (the route passes the one companies are asked for); by default today's.
    """
    group = sa.case((Placement.end_reason == CANCELLED, 2), (active_clause(today), 0), else_=1)
    query = (sa.select(Placement).where(Placement.company_id == company_id)
             .options(joinedload(Placement.opening).load_only(Opening.title))
             .order_by(group, Placement.start_date.desc(), Placement.id.desc()))
    found = paginate_clamped(query, page, PER_PAGE)
    placements = list(found.items)
    totals = hour_totals([p.id for p in placements], month or month_start(today))
    labels = company_labels(placements, today, "company: placements page")
    found.items = [PlacementRow(p, labels[p.id], is_active(p, today), *totals.get(p.id, (None, None)))
                   for p in placements]
    return found


def hour_totals(placement_ids: list[int], month: date) -> dict[int, tuple[Decimal | None, Decimal]]:
    """Placement id → (hours logged for ``month``, or None when that month has none logged;
    hours logged in all), in one statement.

    Summed here as :class:`~decimal.Decimal` (SQLite would sum the numeric column as a float).
    Placements without hours are absent.
    """
    totals: dict[int, tuple[Decimal | None, Decimal]] = {}
    if not placement_ids:
        return totals
    for placement_id, logged_month, hours in db.session.execute(
            sa.select(HoursLog.placement_id, HoursLog.month, HoursLog.hours)
            .where(HoursLog.placement_id.in_(placement_ids))):
        in_month, total = totals.get(placement_id, (None, ZERO))
        totals[placement_id] = (hours if logged_month == month else in_month, total + hours)
    return totals


def partner_summary(company_id: int, today: date) -> PartnerSummary:
    """Counts, total hours and outcomes by end reason over all the company's placements, read
    in the database (not from a page of them); a cancelled placement is counted apart
    (``cancelled``) and is not an ended one (no outcome)."""
    summary = PartnerSummary(outcomes={key: 0 for key in ENDING_REASONS})
    cancelled = Placement.end_reason == CANCELLED
    # Grouped on a subquery's columns, not on the CASE itself: a CASE with bind parameters in both
    # the select list and GROUP BY holds only while the driver renders them as the same parameters.
    placements = (sa.select(sa.case((cancelled, "cancelled"), (active_clause(today), "active"), else_="ended")
                            .label("state"), Placement.end_reason)
                  .where(Placement.company_id == company_id).subquery())
    for kind, reason, count in db.session.execute(
            sa.select(placements.c.state, placements.c.end_reason, sa.func.count())
            .group_by(placements.c.state, placements.c.end_reason)):
        if kind == "cancelled":
            summary.cancelled += count
            continue
        summary.placements += count
        if kind == "active":
            summary.active += count
            continue
        summary.ended += count
        reason = reason or NO_REASON
        summary.outcomes[reason] = summary.outcomes.get(reason, 0) + count
        summary.moved_on += count if reason in SUCCESS_END_REASONS else 0
    hours = db.session.scalar(sa.select(sa.func.sum(HoursLog.hours)).join(Placement)
                              .where(Placement.company_id == company_id, not_cancelled_clause()))
    summary.total_hours = Decimal(hours) if hours is not None else ZERO
    return summary


def _find(placement_id: int, month: date) -> HoursLog | None:
    return db.session.scalar(sa.select(HoursLog).where(HoursLog.placement_id == placement_id,
                                                       HoursLog.month == month))


# Said wherever hours are refused or not offered for a restricted citizen's placement: why,
# never the citizen's grounds (the company's wording for a restriction: »må ikke bruges for nu«).
HOURS_PAUSED = ("Der registreres ikke timer for forløbet for nu: jobcentret har begrænset behandlingen af "
                "borgerens oplysninger. Jobcentret giver besked, når begrænsningen er ophævet.")
HOURS_NOT_SAVED = f"Timerne er ikke gemt. {HOURS_PAUSED}"  # a figure sent all the same


class HoursPaused(Exception):
    """The citizen's processing is restricted (GDPR art. 18): no hours are registered for the
    placement, by anyone, while it lasts. Nothing was written. The message is :data:`HOURS_PAUSED`."""

    def __init__(self, placement_id: int) -> None:
        super().__init__(HOURS_PAUSED)
        self.placement_id = placement_id


def hours_paused(placement: Placement) -> bool:
    """No hours are registered for the placement now: its citizen's processing is restricted
    (read from the database, not the session's cache, so a restriction made since the page was
    loaded counts)."""
    return bool(db.session.scalar(sa.select(Citizen.restricted).where(Citizen.id == placement.citizen_id)))


def refuse_if_paused(placement: Placement) -> None:
    """The one guard for every hours write (:func:`log_hours` calls it; the pages and the API call
    it first to answer before reading the input).

    Raises:
        HoursPaused: :func:`hours_paused`.
    """
    if hours_paused(placement):
        raise HoursPaused(placement.id)


class StaleHours(Exception):
    """The month's hours are no longer what the page showed (someone saved in between): nothing
    of this save was written. ``current``: the stored hours now (None: none)."""

    def __init__(self, placement_id: int, month: date, current: Decimal | None) -> None:
        super().__init__(f"hours of placement {placement_id} for {month:%Y-%m} changed meanwhile")
        self.placement_id, self.month, self.current = placement_id, month, current


_UNCHECKED = object()


def stored_hours(placement_id: int, month: date) -> Decimal | None:
    """The hours stored for the month now (read past the session's cache), None when none."""
    return db.session.scalar(sa.select(HoursLog.hours).where(HoursLog.placement_id == placement_id,
                                                             HoursLog.month == month)
                             .execution_options(populate_existing=True))


def log_hours(placement: Placement, month: date, hours: Decimal, user: User, expected=_UNCHECKED,
              commit: bool = True) -> tuple[HoursLog, Decimal | None]:
    """Record ``hours`` for ``month``; an existing month is updated. Commits (unless ``commit``
    is False: the caller commits several months at once, or rolls them all back).

    The caller has checked ownership and that ``month`` is in :func:`allowed_months`.
    The audit event carries only the numbers (old→new), never free text.

    ``expected``: the hours the user's page showed for the month (None: none). Given, the
    write is conditional in the database (``UPDATE … WHERE hours = <expected>``, or an insert
    that the unique constraint refuses when a row appeared), so of two saves in flight at once
    from pages that showed the same figure only the first is written; the other raises
    :class:`StaleHours` and writes nothing. Left out (the API), an existing month is
    overwritten: if another request inserts the same month at the same moment, the unique
    constraint refuses our insert and this one becomes an update.

    Returns:
        The row and the previous hours (None when the month was new).

    Raises:
        StaleHours: ``expected`` was given and the stored hours are no longer it.
        HoursPaused: the citizen's processing is restricted (:func:`refuse_if_paused`): nothing
            is written, whoever the caller.
    """
    refuse_if_paused(placement)
    if expected is not _UNCHECKED:
        return _log_checked(placement, month, hours, user, expected, commit)
    row = _find(placement.id, month)
    if row is None:
        inserted = _insert(placement, month, hours, user)
        if inserted is not None:
            return _audit_and_commit(placement, inserted, None, hours, commit)
        row = _find(placement.id, month)
    old = row.hours
    row.hours, row.logged_by_id = hours, user.id
    return _audit_and_commit(placement, row, old, hours, commit)


def _log_checked(placement: Placement, month: date, hours: Decimal, user: User, expected: Decimal | None,
                 commit: bool) -> tuple[HoursLog, Decimal | None]:
    if expected is None:
        inserted = _insert(placement, month, hours, user)
        if inserted is None:
            raise StaleHours(placement.id, month, stored_hours(placement.id, month))
        return _audit_and_commit(placement, inserted, None, hours, commit)
    done = db.session.execute(
        sa.update(HoursLog).where(HoursLog.placement_id == placement.id, HoursLog.month == month,
                                  HoursLog.hours == expected)
        .values(hours=hours, logged_by_id=user.id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise StaleHours(placement.id, month, stored_hours(placement.id, month))
    row = db.session.scalar(sa.select(HoursLog).where(HoursLog.placement_id == placement.id,
                                                      HoursLog.month == month)
                            .execution_options(populate_existing=True))
    return _audit_and_commit(placement, row, expected, hours, commit)


def _insert(placement: Placement, month: date, hours: Decimal, user: User) -> HoursLog | None:
    """Insert the month's row in a savepoint; None when the unique constraint refused it (a
    row for the month appeared since it was read)."""
    try:
        with db.session.begin_nested():
            row = HoursLog(placement_id=placement.id, month=month, hours=hours, logged_by_id=user.id)
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def _audit_and_commit(placement: Placement, row: HoursLog, old: Decimal | None,
                      hours: Decimal, commit: bool = True) -> tuple[HoursLog, Decimal | None]:
    before = "ny" if old is None else f"{old:.2f}"
    audit.record("hours_logged" if old is None else "hours_updated", citizen_id=placement.citizen_id,
                 purpose=f"forloeb:{placement.id} {row.month:%Y-%m} {before}->{hours:.2f}")
    if commit:
        db.session.commit()
    return row, old
