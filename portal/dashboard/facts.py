"""Load the rows the policy-goal figures are computed from, for one scope, as numpy columns.

The dashboard figures are computed in Python over a small snapshot (dates, kinds, hours)
rather than in SQL: date arithmetic then behaves the same on SQLite and PostgreSQL, a
12-month trend needs one load instead of a hundred queries, and the rules stay readable.
A municipality has a few thousand cases, so the snapshot is small. No names or other
personal details are loaded.

The snapshot is laid out as arrays because the page evaluates every rule of
:mod:`.metrics` on 13 days (the chosen month and the 12-month trend): looping over every
citizen and placement in Python for each day cost ~20 ms of CPU per page, the same rules
over columns well under 2 ms. At most eight statements load it (citizens with their first CV's
date and their VK, the reopened closings, the earlier VKs, the days users were deactivated,
placements, hours (Jobbro's and, in the same statement, the wage hours the case system told of:
``prior_wage_hours``, migration 0044), contact with a company, openings), whatever the number of rows.

A month not yet frozen is recomputed from these rows, so what can change after the month is kept
as a dated history and read as of the day measured (review T 2): a case's closings
(``case_closure``), a citizen's VK (``vk_change``), a VK's deactivations (``user.deactivated_at``
and ``user_deactivation``), a company's answers on a proposal (``proposal_answer``) and the days
the citizen's name was shared with it (``proposal_disclosure``).

Dates are proleptic ordinals (``date.toordinal()``); a moment (a CV stored, a name shared, a VK
deactivated) counts on its day in Copenhagen, the day the user saw it. A missing end (an open case, a
running placement, no CV) is :data:`NEVER`, later than any day, so "open on d" is
``end > d`` and "stored by d" is ``since <= d`` without special cases. Hours are whole
hundredths of the Decimal the column loads as (``Numeric(6, 2)``: two decimals, on SQLite
too, where SQLAlchemy rounds the stored float to them), so the conversion is exact and sums
stay exact integers.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..citizens.queries import WHITESPACE, has_goal_and_cv
from ..dates import add_months, month_end  # noqa: F401 - callers import them here
from matching.vocab import COMPANY_BASED_KINDS
from store.clock import LOCAL
from store.models import (CaseClosure, Citizen, Company, CvDocument, HoursLog, Interview, Opening, Placement,
                          PriorWageHours, Proposal, ProposalAnswer, ProposalDisclosure, User, UserDeactivation,
                          VkChange)
from store.models.citizens import CV_FIRST_SAVED

SCOPE_KINDS = ("all", "team", "mine")
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole job centre, one team, or one consultant's caseload.

    A citizen is in a team's scope by ``Citizen.team_id``; in a consultant's ("mine")
    when the consultant is the citizen's VK or adviser. Companies are in scope when
    their consultant is (team member / the consultant), so co-operation is counted
    where the relationship is owned. The scope is today's caseload, in past months too: a
    citizen handed over counts in the new consultant's (and team's) figures for the months not
    yet frozen; within it, the goals read the VK a month had (:meth:`Facts.vk_on`).
    """

    kind: str = "all"
    team_id: int | None = None
    user_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"unknown scope {self.kind!r}")

    def citizen_clause(self) -> sa.ColumnElement[bool]:
        """SQL condition on ``Citizen`` for this scope (a team scope without a team is empty)."""
        if self.kind == "team":
            return Citizen.team_id == self.team_id if self.team_id else sa.false()
        if self.kind == "mine":
            return sa.or_(Citizen.vk_id == self.user_id, Citizen.adviser_id == self.user_id)
        return sa.true()

    def consultant_clause(self, column) -> sa.ColumnElement[bool]:
        """SQL condition that the user id in ``column`` is a consultant in this scope."""
        if self.kind == "team":
            if not self.team_id:
                return sa.false()
            return column.in_(sa.select(User.id).where(User.team_id == self.team_id))
        if self.kind == "mine":
            return column == self.user_id
        return sa.true()


def hundredths(hours: Decimal | float | int) -> int:
    """Hours as whole hundredths (exact for the two-decimal values the column loads as)."""
    return int(Decimal(hours).scaleb(2).to_integral_value())


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.array(values if isinstance(values, (list, tuple)) else list(values), dtype=np.int64)


def _texts(values: Iterable[str | None]) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=str)


def _local_ordinal(day: date | datetime) -> int:
    """A date's ordinal; a moment's (an aware UTC datetime, or a naive one read as UTC) is its
    day in Copenhagen, so 00:30 on the 1st belongs to the new month, as the user saw it."""
    if isinstance(day, datetime):
        moment = day if day.tzinfo is not None else day.replace(tzinfo=timezone.utc)
        return moment.astimezone(LOCAL).date().toordinal()
    return day.toordinal()


def _ordinals(days: Iterable[date | datetime | None]) -> np.ndarray:
    """Day ordinals (:func:`_local_ordinal`), :data:`NEVER` for None."""
    return _ints([NEVER if d is None else _local_ordinal(d) for d in days])


def _empty_ints() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _empty_texts() -> np.ndarray:
    return np.zeros(0, dtype=str)


# The tables besides the citizens' that a snapshot may hold (:func:`load_facts`).
TABLES = frozenset({"placements", "hours", "activity", "openings"})


@dataclass(frozen=True)
class Facts:
    """Everything the metrics read, for one scope: one array per column.

    Citizen arrays are indexed by position (``ids[i]`` is the citizen's id). The other
    tables refer to a citizen by that position (``p_citizen``, ``h_citizen``,
    ``a_citizen``); a row whose citizen is not in the snapshot points at position ``n``
    (one past the end), so per-citizen marks are made in arrays of length ``n + 1`` and
    the extra slot is dropped. Text columns hold "" for none.
    """

    # citizens
    ids: np.ndarray = field(default_factory=_empty_ints)
    benefit_group: np.ndarray = field(default_factory=_empty_texts)
    case_start: np.ndarray = field(default_factory=_empty_ints)
    case_closed: np.ndarray = field(default_factory=_empty_ints)
    case_close_reason: np.ndarray = field(default_factory=_empty_texts)  # the current closing's ("" none)
    # earlier closings that were reopened (CaseClosure): closed on .. reopened on - 1
    cl_citizen: np.ndarray = field(default_factory=_empty_ints)
    cl_closed: np.ndarray = field(default_factory=_empty_ints)
    cl_reopened: np.ndarray = field(default_factory=_empty_ints)
    cv_since: np.ndarray = field(default_factory=_empty_ints)  # the first CV with text's day
    # the last day of the last company-based placement known to the case system
    # (``Citizen.prior_company_placement_end``, review BG 2; -1: none known)
    prior_end: np.ndarray = field(default_factory=_empty_ints)
    # the day the citizen came into Jobbro (``Citizen.created_at`` in Copenhagen): the portal
    # knows the citizen's placements from then on
    known_from: np.ndarray = field(default_factory=_empty_ints)
    # a jobmål and a current CV with text today (``has_goal_and_cv``)
    profile_now: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # the citizen's VK now (user id; 0: none)
    vk_now: np.ndarray = field(default_factory=_empty_ints)
    # earlier VKs (VkChange): the citizen's VK (0: none) until the day it was replaced, in the
    # order they were replaced
    vc_citizen: np.ndarray = field(default_factory=_empty_ints)
    vc_vk: np.ndarray = field(default_factory=_empty_ints)
    vc_until: np.ndarray = field(default_factory=_empty_ints)
    # the days users were deactivated: from (0: when is unknown, long ago) .. to - 1 (NEVER: still)
    ua_user: np.ndarray = field(default_factory=_empty_ints)
    ua_from: np.ndarray = field(default_factory=_empty_ints)
    ua_to: np.ndarray = field(default_factory=_empty_ints)
    # placements
    p_id: np.ndarray = field(default_factory=_empty_ints)
    p_citizen: np.ndarray = field(default_factory=_empty_ints)
    p_company: np.ndarray = field(default_factory=_empty_ints)
    p_kind: np.ndarray = field(default_factory=_empty_texts)
    p_start: np.ndarray = field(default_factory=_empty_ints)
    p_end: np.ndarray = field(default_factory=_empty_ints)
    p_end_reason: np.ndarray = field(default_factory=_empty_texts)
    # hours logged per placement and month (the placement's citizen and kind)
    h_citizen: np.ndarray = field(default_factory=_empty_ints)
    h_kind: np.ndarray = field(default_factory=_empty_texts)
    h_month: np.ndarray = field(default_factory=_empty_ints)
    h_hundredths: np.ndarray = field(default_factory=_empty_ints)
    h_start: np.ndarray = field(default_factory=_empty_ints)  # the placement's start day
    # ordinary wage hours per citizen and month the case system told of (``prior_wage_hours``,
    # the import's »Løntimer fra fagsystemet«): at most one row per citizen and month
    ph_citizen: np.ndarray = field(default_factory=_empty_ints)
    ph_month: np.ndarray = field(default_factory=_empty_ints)
    ph_hundredths: np.ndarray = field(default_factory=_empty_ints)
    # days a company dealt with the citizen (:data:`CONTACT_EVENTS`): the name shared with it
    # (each time), its answer on a proposal (each one), a job interview booked for that day
    a_citizen: np.ndarray = field(default_factory=_empty_ints)
    a_day: np.ndarray = field(default_factory=_empty_ints)
    # openings of the companies in scope
    o_company: np.ndarray = field(default_factory=_empty_ints)
    o_created: np.ndarray = field(default_factory=_empty_ints)
    o_status: np.ndarray = field(default_factory=_empty_texts)
    # which of :data:`TABLES` were read; the others are empty here, not in the database, so the
    # figures that read them are not this snapshot's to compute (or to freeze: :mod:`.snapshots`)
    tables: frozenset = TABLES
    _masks: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        """The number of citizens."""
        return len(self.ids)

    def rows_in(self, column: str, values: Collection[str]) -> np.ndarray:
        """Mask of the rows whose ``column`` (e.g. ``"p_kind"``) is one of ``values``; memoised."""
        key = (column, frozenset(values))
        if key not in self._masks:
            self._masks[key] = np.isin(getattr(self, column), list(key[1]))
        return self._masks[key]

    def _periods(self) -> dict[int, list[tuple[int, int]]]:
        """The case periods (start, closing; :data:`NEVER` while open) of every citizen with an
        earlier closing that was reopened, by position; memoised. A citizen without one has
        the single period ``case_start`` .. ``case_closed``."""
        if "periods" not in self._masks:
            gaps: dict[int, list[tuple[int, int]]] = {}
            for position, closed, reopened in zip(self.cl_citizen.tolist(), self.cl_closed.tolist(),
                                                  self.cl_reopened.tolist()):
                if position < self.n:
                    gaps.setdefault(position, []).append((closed, reopened))
            periods = {}
            for position, closings in gaps.items():
                start, spans = int(self.case_start[position]), []
                for closed, reopened in sorted(closings):
                    spans.append((start, closed))
                    start = reopened
                spans.append((start, int(self.case_closed[position])))
                periods[position] = spans
            self._masks["periods"] = periods
        return self._masks["periods"]

    def open_on(self, day: date) -> np.ndarray:
        """Citizens whose case is open on ``day`` (started by then, not closed by then, and not
        in the gap of a closing that was reopened later: review T 2)."""
        d = day.toordinal()
        mask = (self.case_start <= d) & (self.case_closed > d)
        for position, spans in self._periods().items():
            mask[position] = any(start <= d < closed for start, closed in spans)
        return mask

    def period_start(self, day: date) -> np.ndarray:
        """Per citizen, the start of the case period open on ``day`` (a reopened case's period
        starts on its reopening), else of the latest period started by then."""
        d = day.toordinal()
        starts = self.case_start.copy()
        for position, spans in self._periods().items():
            starts[position] = max((start for start, _ in spans if start <= d), default=spans[0][0])
        return starts

    def last_closing(self, day: date) -> tuple[np.ndarray, np.ndarray]:
        """Per citizen, the latest closing on or before ``day`` (:data:`NEVER` where none) and the
        start of the period it closed: a closing later reopened still counts (review T 2)."""
        d = day.toordinal()
        closed = np.where(self.case_closed <= d, self.case_closed, NEVER)
        starts = self.case_start.copy()
        for position, spans in self._periods().items():
            ended = [(end, start) for start, end in spans if end <= d]
            closed[position], starts[position] = max(ended) if ended else (NEVER, spans[0][0])
        return closed, starts

    def vk_on(self, day: date) -> np.ndarray:
        """Per citizen, the VK at the end of ``day`` (user id; 0: none): the earliest VK replaced
        after ``day`` (:class:`~store.models.VkChange`), else today's (review T 2)."""
        d = day.toordinal()
        vks = self.vk_now.copy()
        rows = np.flatnonzero(self.vc_until > d)
        if rows.size:
            rows = rows[np.lexsort((rows, self.vc_until[rows], self.vc_citizen[rows]))]
            citizens = self.vc_citizen[rows]
            first = np.unique(citizens, return_index=True)[1]
            keep = citizens[first] < self.n
            vks[citizens[first][keep]] = self.vc_vk[rows][first][keep]
        return vks

    def vk_active_on(self, day: date) -> np.ndarray:
        """Citizens whose VK at the end of ``day`` (:meth:`vk_on`) was an active user then: not
        deactivated on that day, by the current deactivation or one undone later (review N 1, T 2)."""
        d = day.toordinal()
        vks = self.vk_on(day)
        away = self.ua_user[(self.ua_from <= d) & (self.ua_to > d)]
        return (vks > 0) & ~np.isin(vks, away)

    def placements_overlapping(self, first: date, last: date) -> np.ndarray:
        """Placements that lie wholly or partly in ``first``..``last`` (both included)."""
        return (self.p_start <= last.toordinal()) & (self.p_end >= first.toordinal())

    def citizens_marked(self, positions: np.ndarray) -> np.ndarray:
        """A per-citizen mask, True at ``positions`` (rows of citizens not in the snapshot dropped)."""
        marks = np.zeros(self.n + 1, dtype=bool)
        marks[positions] = True
        return marks[:-1]

    def hundredths_per_citizen(self, kinds: Collection[str], first_month: date, last_month: date,
                               started_by: date | None = None, with_prior: bool = False) -> np.ndarray:
        """Hours (hundredths) per citizen in placements of ``kinds``, months ``first_month``..``last_month``;
        with ``started_by``, only of placements started by that day: hours typed for a placement
        that had not started then were not worked (review AR 1).

        ``with_prior``: with the wage hours the case system told of (``ph_*``, migration 0044), a
        month counted once: where the case system's figure for a citizen's month is larger than
        the hours Jobbro counts for it, the month counts the case system's figure, else Jobbro's
        (the larger of the two, never both: the two may be the same hours, e.g. a småjob found
        through Jobbro and paid through eIndkomst)."""
        first, last = first_month.toordinal(), last_month.toordinal()
        rows = self.rows_in("h_kind", kinds) & (self.h_month >= first) & (self.h_month <= last)
        if started_by is not None:
            rows &= self.h_start <= started_by.toordinal()
        totals = np.zeros(self.n + 1, dtype=np.int64)
        np.add.at(totals, self.h_citizen[rows], self.h_hundredths[rows])
        if with_prior:
            prior = (self.ph_month >= first) & (self.ph_month <= last)
            np.add.at(totals, self.ph_citizen[prior],
                      self._prior_excess(self.h_citizen[rows], self.h_month[rows], self.h_hundredths[rows],
                                         self.ph_citizen[prior], self.ph_month[prior], self.ph_hundredths[prior]))
        return totals[:-1]

    @staticmethod
    def _prior_excess(citizens: np.ndarray, months: np.ndarray, hours: np.ndarray, prior_citizens: np.ndarray,
                      prior_months: np.ndarray, prior_hours: np.ndarray) -> np.ndarray:
        """Per case-system row, how far its month's figure exceeds the hours counted from Jobbro's
        rows (``citizens``, ``months``, ``hours``) for the same citizen and month (0 if not)."""
        if not hours.size:
            return prior_hours
        keys = citizens * 10_000_000 + months  # day ordinals stay below 10**7 (year 27,000)
        unique, inverse = np.unique(keys, return_inverse=True)
        sums = np.zeros(unique.size, dtype=np.int64)
        np.add.at(sums, inverse, hours)
        wanted = prior_citizens * 10_000_000 + prior_months
        at = np.minimum(np.searchsorted(unique, wanted), unique.size - 1)
        counted = np.where(unique[at] == wanted, sums[at], 0)
        return np.maximum(prior_hours - counted, 0)

    def prior_hundredths(self, first_month: date, last_month: date) -> np.ndarray:
        """Per citizen, the wage hours (hundredths) the case system told of for ``first_month``..``last_month``
        (all of them, whether Jobbro has hours for the month or not)."""
        rows = (self.ph_month >= first_month.toordinal()) & (self.ph_month <= last_month.toordinal())
        totals = np.zeros(self.n + 1, dtype=np.int64)
        np.add.at(totals, self.ph_citizen[rows], self.ph_hundredths[rows])
        return totals[:-1]

    def last_placement_end(self, kinds: Collection[str] | None, as_of: date) -> np.ndarray:
        """Per citizen, the last day of the latest placement of ``kinds`` (None: any kind)
        started by ``as_of``.

        A running placement (or one ending later) counts as ``as_of``; -1 where there is none.
        """
        d = as_of.toordinal()
        rows = self.p_start <= d
        if kinds is not None:
            rows &= self.rows_in("p_kind", kinds)
        last = np.full(self.n + 1, -1, dtype=np.int64)
        np.maximum.at(last, self.p_citizen[rows], np.minimum(self.p_end[rows], d))
        return last[:-1]

    def last_company_based_end(self, as_of: date) -> np.ndarray:
        """Per citizen, the last day in a company-based placement by ``as_of``: the later of the
        portal's (:meth:`last_placement_end` of :data:`COMPANY_BASED_KINDS`) and the case system's
        (``prior_end``) if it ended by then; -1 where there is none (review BG 2)."""
        prior = np.where(self.prior_end <= as_of.toordinal(), self.prior_end, -1)
        return np.maximum(self.last_placement_end(COMPANY_BASED_KINDS, as_of), prior)

    def prior_placed(self, first: date, last: date) -> np.ndarray:
        """Citizens whose company-based placement known to the case system ended in
        ``first``..``last`` (both included). One that ends after ``last`` is not counted: when it
        started is not known."""
        return (self.prior_end >= first.toordinal()) & (self.prior_end <= last.toordinal())

    def placements_unknown_before(self, as_of: date) -> np.ndarray:
        """Citizens whose case period on ``as_of`` started before the portal knew their placements
        (they came into Jobbro later) and of whom the case system told no placement ended by
        ``as_of``: "none since the case started" is then only what Jobbro registered (review BG 2)."""
        told = (self.prior_end >= 0) & (self.prior_end <= as_of.toordinal())
        return ~told & (self.period_start(as_of) < self.known_from)

    def next_placement_start(self, as_of: date) -> np.ndarray:
        """Per citizen, the first day of the earliest placement starting after ``as_of``
        (:data:`NEVER` where there is none)."""
        rows = self.p_start > as_of.toordinal()
        first = np.full(self.n + 1, NEVER, dtype=np.int64)
        np.minimum.at(first, self.p_citizen[rows], self.p_start[rows])
        return first[:-1]

    def last_activity_day(self, as_of: date) -> np.ndarray:
        """Per citizen, the latest day by ``as_of`` with contact with a company; -1 where there is none."""
        rows = self.a_day <= as_of.toordinal()
        last = np.full(self.n + 1, -1, dtype=np.int64)
        np.maximum.at(last, self.a_citizen[rows], self.a_day[rows])
        return last[:-1]


def load_facts(session: Session, scope: Scope, tables: Collection[str] = TABLES) -> Facts:
    """Read the snapshot for ``scope`` from the database (read-only; at most eight statements).

    The citizens are always read; of the other ``tables`` only those named (a goal list
    needs fewer than the dashboard). Left out, a table is empty in the snapshot, and
    ``Facts.tables`` says which were read.
    """
    citizens = _citizen_columns(session, scope)
    position = {cid: i for i, cid in enumerate(citizens["ids"].tolist())}

    def at(citizen_ids: Iterable[int]) -> np.ndarray:
        """Citizen ids → positions (``n`` for a citizen outside the snapshot)."""
        return _ints([position.get(cid, len(position)) for cid in citizen_ids])

    columns = dict(citizens, **_closure_columns(session, scope, at), **_vk_change_columns(session, scope, at),
                   **_deactivation_columns(session), tables=TABLES & frozenset(tables))
    if "placements" in tables:
        columns.update(_placement_columns(session, scope, at))
    if "hours" in tables:
        columns.update(_hours_columns(session, scope, at))
    if "activity" in tables:
        columns.update(_activity_columns(session, scope, at))
    if "openings" in tables:
        columns.update(_opening_columns(session, scope))
    return Facts(**columns)


def _citizen_columns(session: Session, scope: Scope) -> dict[str, np.ndarray]:
    # The first CV with text: a CV replaced later still counted from the month it was stored (review N 2),
    # also once the retention run deleted it: its marker keeps the day (CV_FIRST_SAVED, review AW 1).
    first_cv = (sa.select(sa.func.min(CvDocument.created_at)).where(
        CvDocument.citizen_id == Citizen.id,
        sa.or_(sa.func.length(sa.func.trim(sa.func.coalesce(CvDocument.text, ""), WHITESPACE)) > 0,
               CvDocument.content_type == CV_FIRST_SAVED))
        .correlate(Citizen).scalar_subquery())
    ids, groups, starts, closes, reasons, profile, cvs, vks, priors, created = _columns(session.execute(
        sa.select(Citizen.id, _plain(Citizen.benefit_group), Citizen.case_start, Citizen.case_closed,
                  _plain(Citizen.case_close_reason), has_goal_and_cv().label("profile"),
                  first_cv.label("cv_since"), Citizen.vk_id, Citizen.prior_company_placement_end,
                  Citizen.created_at).where(scope.citizen_clause())).all(), 10)
    return dict(ids=_ints(ids), benefit_group=_texts(groups), case_start=_ordinals(starts),
                case_closed=_ordinals(closes), case_close_reason=_texts(reasons), cv_since=_ordinals(cvs),
                profile_now=np.array(profile, dtype=bool), vk_now=_ints([v or 0 for v in vks]),
                prior_end=_ints([-1 if d is None else d.toordinal() for d in priors]),
                known_from=_ints([0 if d is None else _local_ordinal(d) for d in created]))


def _closure_columns(session: Session, scope: Scope, at) -> dict[str, np.ndarray]:
    citizen, closed, reopened = _columns(session.execute(
        sa.select(CaseClosure.citizen_id, CaseClosure.closed_on, CaseClosure.reopened_on)
        .where(_scoped(CaseClosure.citizen_id, scope))).all(), 3)
    return dict(cl_citizen=at(citizen), cl_closed=_ordinals(closed), cl_reopened=_ordinals(reopened))


def _vk_change_columns(session: Session, scope: Scope, at) -> dict[str, np.ndarray]:
    citizen, vk, replaced = _columns(session.execute(
        sa.select(VkChange.citizen_id, VkChange.vk_id, VkChange.replaced_at)
        .where(_scoped(VkChange.citizen_id, scope)).order_by(VkChange.replaced_at, VkChange.id)).all(), 3)
    return dict(vc_citizen=at(citizen), vc_vk=_ints([v or 0 for v in vk]), vc_until=_ordinals(replaced))


def _deactivation_columns(session: Session) -> dict[str, np.ndarray]:
    """The days every user was deactivated: the current deactivation of an inactive user and
    the earlier ones undone (a few rows per user at most; users are few). A deactivation at an
    unknown moment (before 0020 without an audit event) is read as long ago (day 0)."""
    earlier = sa.select(UserDeactivation.user_id, UserDeactivation.deactivated_at, UserDeactivation.reactivated_at)
    current = sa.select(User.id, User.deactivated_at, sa.null()).where(User.active.is_(False))
    user, since, until = _columns(session.execute(sa.union_all(earlier, current)).all(), 3)
    return dict(ua_user=_ints(user), ua_from=_ints([0 if d is None else _local_ordinal(d) for d in since]),
                ua_to=_ordinals(until))


def _placement_columns(session: Session, scope: Scope, at) -> dict[str, np.ndarray]:
    # A placement cancelled before its start (end reason "aflyst") never happened: it is in no
    # goal or figure (focus goal, active share, outcome share, savings, months without a
    # placement, companies cooperating), so it is not loaded at all.
    ids, citizen, company, kind, start, end, reason = _columns(session.execute(sa.select(
        Placement.id, Placement.citizen_id, Placement.company_id, _plain(Placement.kind), Placement.start_date,
        Placement.end_date, _plain(Placement.end_reason)).where(_scoped(Placement.citizen_id, scope),
                                                                Placement.not_cancelled())).all(), 7)
    return dict(p_id=_ints(ids), p_citizen=at(citizen), p_company=_ints(company), p_kind=_texts(kind),
                p_start=_ordinals(start), p_end=_ordinals(end), p_end_reason=_texts(reason))


# The kind of a row of ``prior_wage_hours`` in the hours statement (no placement kind is empty).
_PRIOR = ""


def _hours_columns(session: Session, scope: Scope, at) -> dict[str, np.ndarray]:
    # A cancelled placement's hours are not loaded, as the placement is not (it never happened).
    # The case system's wage hours come in the same statement (kind ""), so the snapshot's
    # statements stay eight.
    logged = (sa.select(Placement.citizen_id, _plain(Placement.kind), HoursLog.month, HoursLog.hours,
                        Placement.start_date)
              .join(Placement, HoursLog.placement_id == Placement.id)
              .where(_scoped(Placement.citizen_id, scope), Placement.not_cancelled()))
    prior = sa.select(PriorWageHours.citizen_id, sa.literal(_PRIOR, sa.String()), PriorWageHours.month,
                      PriorWageHours.hours, PriorWageHours.month).where(_scoped(PriorWageHours.citizen_id, scope))
    rows = session.execute(sa.union_all(logged, prior)).all()
    citizen, kind, month, hours, start = _columns(rows, 5)
    told = np.array([k == _PRIOR for k in kind], dtype=bool)
    citizens, kinds, months = at(citizen), _texts(kind), _ordinals(month)
    amounts, starts = _ints([hundredths(h) for h in hours]), _ordinals(start)
    return dict(h_citizen=citizens[~told], h_kind=kinds[~told], h_month=months[~told],
                h_hundredths=amounts[~told], h_start=starts[~told],
                ph_citizen=citizens[told], ph_month=months[told], ph_hundredths=amounts[told])


# What counts as contact with a company about the citizen (the active share, review F 9): the
# citizen's name shared with the company (each time on its day: ``proposal.disclosed_at`` and the
# earlier times before the name was shared again, ``proposal_disclosure``, review T 2), the
# company's answer on a proposal (each answer on its day: the current one and those replaced or
# cleared since, ``proposal_answer``, review T 2), a job interview booked for the day. Never a
# step inside the job centre alone: a proposal made, approved or rejected by a consultant.
CONTACT_EVENTS = ("identity_disclosed", "company_responded", "interview")


def _activity_columns(session: Session, scope: Scope, at) -> dict[str, np.ndarray]:
    disclosed = sa.select(Proposal.citizen_id.label("citizen_id"), Proposal.disclosed_at.label("day")).where(
        Proposal.disclosed_at.is_not(None), _scoped(Proposal.citizen_id, scope))
    disclosed_before = sa.select(Proposal.citizen_id, ProposalDisclosure.disclosed_at).join(
        Proposal, ProposalDisclosure.proposal_id == Proposal.id).where(_scoped(Proposal.citizen_id, scope))
    answered = sa.select(Proposal.citizen_id, Proposal.company_responded_at).where(
        Proposal.company_response.is_not(None), Proposal.company_responded_at.is_not(None),
        _scoped(Proposal.citizen_id, scope))
    answered_before = sa.select(Proposal.citizen_id, ProposalAnswer.answered_at).join(
        Proposal, ProposalAnswer.proposal_id == Proposal.id).where(_scoped(Proposal.citizen_id, scope))
    interviews = sa.select(Proposal.citizen_id, Interview.starts_at).join(
        Proposal, Interview.proposal_id == Proposal.id).where(
        Interview.status == "booked", _scoped(Proposal.citizen_id, scope))
    citizen, day = _columns(session.execute(
        sa.union_all(disclosed, disclosed_before, answered, answered_before, interviews)).all(), 2)
    return dict(a_citizen=at(citizen), a_day=_ordinals(day))


def _opening_columns(session: Session, scope: Scope) -> dict[str, np.ndarray]:
    stmt = sa.select(Opening.company_id, Opening.created_at, _plain(Opening.status))
    if scope.kind != "all":
        stmt = stmt.where(Opening.company_id.in_(
            sa.select(Company.id).where(scope.consultant_clause(Company.consultant_id))))
    company, created, status = _columns(session.execute(stmt).all(), 3)
    return dict(o_company=_ints(company), o_created=_ordinals(created), o_status=_texts(status))


def _scoped(citizen_id: sa.ColumnElement[int], scope: Scope) -> sa.ColumnElement[bool]:
    """``citizen_id`` is a citizen in ``scope``. Every row belongs to a citizen (a required
    foreign key), so "all" needs no filter (SQLite would still run the IN: ~1 ms here)."""
    if scope.kind == "all":
        return sa.true()
    return citizen_id.in_(sa.select(Citizen.id).where(scope.citizen_clause()))


def _plain(column: sa.ColumnElement) -> sa.ColumnElement:
    """An enum column read as its stored string (the keys are the values; skips the enum's
    per-value result processing)."""
    return sa.type_coerce(column, sa.String())


def _columns(rows: list, width: int) -> list[tuple]:
    """Rows → one tuple per column (``width`` empty tuples for no rows)."""
    return list(zip(*rows)) if rows else [()] * width
