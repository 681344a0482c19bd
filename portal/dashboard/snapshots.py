"""A finished month's figures, frozen the first time they are computed once its hours are in.

The figures are worked out from the data as it is now (:mod:`.metrics`), so a month already
reported would move when records with earlier dates are entered later or a jobmål is added
today (review: November went from 197/222 to 198/222). So the first computation of a complete
month for a scope is kept (:class:`store.models.FigureSnapshot`) and shown from then on, with
the day it was computed. The month in progress is always computed live. An administrator may
recompute a month explicitly (:func:`recompute`, audited) after data for it was corrected.

A month is final (frozen at its next view) only from the day after its hours are due
(:func:`portal.dates.hours_due`: the 9th of the next month, or the first working day after it;
review L 3, review AM 6): until then companies are still asked to register its hours (the
hours page defaults to it, :func:`portal.dates.hours_due`), so until then its figures are
computed from today's data and shown as provisional (:func:`provisional_until`). A snapshot
kept earlier than that (by the rule before, which froze on the 1st) is dropped at the first view
while the month is provisional, so the month is frozen anew once its hours are in.

With the figures the snapshot keeps the ids behind them (:func:`.basis.figure_ids`, review F 6),
so the list behind a frozen figure is the one it counted (:func:`month_lists`). Stored as JSON
``{"metrics": [...], "ids": {...}}``; a snapshot kept before that is a bare list of metrics
and stays as it is (its figures are history): it has no ids, and its lists are today's.

No month before the one Jobbro was taken into use (:mod:`.go_live`, review BG 1) is offered,
computed or kept: the portal has no data for it. A snapshot kept for such a month (before the
go-live day was known, or under a ``GO_LIVE_DATE`` set too late) is never read, and is kept all
the same: deleting it bought nothing, and a mistyped setting would then have destroyed frozen
figures that no recomputation can bring back (review BJ 9). Set right, the setting shows them
again as they were frozen.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..dates import add_months, hours_due, month_end
from .basis import figure_ids
from .facts import TABLES, Facts, Scope, load_facts
from .go_live import go_live_day
from .metrics import (FINAL, LABELS, PARTIAL_MONTH, PROVISIONAL, Metric, TrendPoint, compute_all,
                      wage_hour_months)
from store.models import FigureSnapshot

# The months /maal offers and its trend shows: this month and the 11 before it (review BA 3: the
# trend once ended with the chosen month, so its oldest months could not be chosen).
OFFERED_MONTHS = 12


def offered_months(today: date, go_live: date | None = None) -> list[date]:
    """The first days of the months /maal offers on ``today``, oldest first: the 12-month trend's
    months and the month picker's (:func:`.forms.month_choices`), the same ones; none before
    ``go_live``'s month (:func:`.go_live.go_live_day`; None: no bound)."""
    months = [add_months(today.replace(day=1), -back) for back in range(OFFERED_MONTHS - 1, -1, -1)]
    return [first for first in months if go_live is None or first >= go_live.replace(day=1)]


def before_go_live(day: date, go_live: date | None) -> bool:
    """Whether ``day``'s month lies before the month Jobbro was taken into use (no figures)."""
    return go_live is not None and day.replace(day=1) < go_live.replace(day=1)


def scope_key(scope: Scope) -> str:
    """The scope as stored: "all", "team:<id>" or "mine:<user id>"."""
    if scope.kind == "team":
        return f"team:{scope.team_id or 0}"
    if scope.kind == "mine":
        return f"mine:{scope.user_id}"
    return "all"


def final_from(day: date) -> date:
    """The first day ``day``'s month is final and frozen at its next view: the day after its
    hours are due (:func:`~portal.dates.hours_due`; 10 December for November 2026, 12 January
    2027 for December 2026, whose hours are due Monday the 11th)."""
    return hours_due(day) + timedelta(days=1)


def is_final(day: date, today: date) -> bool:
    """Whether ``day``'s month is final on ``today`` (its figures are, or are now, frozen)."""
    return today >= final_from(day)


def provisional_until(day: date, today: date) -> date | None:
    """For a month that has ended but is not final on ``today``: the last day companies are
    asked to register its hours (9 December for November), until which its figures are
    computed from today's data. None for the month in progress and for a final month."""
    ended = month_end(day) < today
    return hours_due(day) if ended and not is_final(day, today) else None


def month_metrics(session: Session, facts: Facts, scope: Scope, day: date,
                  today: date) -> tuple[list[Metric], datetime | None]:
    """The figures of ``day``'s month measured on ``day``, and when they were frozen (None: live).

    A month that is final on ``today`` (:func:`is_final`) is read from its snapshot, or computed
    and kept now; the caller commits.
    """
    return _months(session, facts, scope, [day], today)[0]


def trend_with_ids(session: Session, facts: Facts, scope: Scope, as_of: date,
                   today: date) -> tuple[list[TrendPoint], TrendPoint, datetime | None, dict | None]:
    """Month-by-month figures for the months /maal offers (:func:`offered_months`), oldest first
    (past months measured on their last day, the month in progress on ``today``), final months
    frozen, each with its state (:func:`month_status`); the point of the chosen month (``as_of``'s,
    one of them); when it was frozen, None when it is live; and the ids kept with it (None: live,
    or kept without ids; :func:`month_lists`), from the same read: the cards' lists need them
    (review T 6). One read for the kept months.

    :raise ValueError: for an ``as_of`` outside the months offered (the form refuses those).
    """
    days = [today if first == today.replace(day=1) else month_end(first)
            for first in offered_months(today, go_live_day())]
    if as_of not in days:
        raise ValueError(f"{as_of} is not a day /maal measures on {today}")
    found = _kept_months(session, facts, scope, days, today)
    points = [TrendPoint(day.replace(day=1), {m.key: m for m in metrics}, *month_status(day, today))
              for day, (metrics, _, _) in zip(days, found)]
    chosen = days.index(as_of)
    return points, points[chosen], found[chosen][2], found[chosen][1]


def month_status(day: date, today: date) -> tuple[str, date | None]:
    """The state of ``day``'s month on ``today`` and, for a provisional month, the last day its
    hours may be registered: the month in progress is partial, a month whose hours are not in
    yet is provisional (:func:`provisional_until`), any other is final (review BA 2)."""
    if month_end(day) >= today:
        return PARTIAL_MONTH, None
    until = provisional_until(day, today)
    return (PROVISIONAL, until) if until else (FINAL, None)


def _months(session: Session, facts: Facts, scope: Scope, days: list[date],
            today: date) -> list[tuple[list[Metric], datetime | None]]:
    return [(metrics, frozen) for metrics, _ids, frozen in _kept_months(session, facts, scope, days, today)]


def _kept_months(session: Session, facts: Facts, scope: Scope, days: list[date],
                 today: date) -> list[tuple[list[Metric], dict | None, datetime | None]]:
    """Per day: the month's figures, the ids kept with them (None: live, or kept without ids),
    and when they were frozen (None: live).

    :raise ValueError: for a day before the month Jobbro was taken into use (:func:`before_go_live`):
        it has no figures, and is never kept (the forms refuse such a month).
    """
    go_live = go_live_day()
    if any(before_go_live(day, go_live) for day in days):
        raise ValueError(f"Jobbro was taken into use on {go_live}: no figures before")
    key = scope_key(scope)
    # Ended months: the final ones are read (or kept now); a provisional one's early snapshot is dropped.
    ended = [day.replace(day=1) for day in days if month_end(day) < today]
    kept = {s.month: s for s in session.scalars(sa.select(FigureSnapshot).where(
        FigureSnapshot.scope == key, FigureSnapshot.month.in_(ended)))} if ended else {}
    out = []
    for day in days:
        first = day.replace(day=1)
        if month_end(first) >= today:
            out.append((compute_all(facts, day), None, None))
            continue
        snapshot = kept.get(first)
        if not is_final(first, today):  # its hours may still be registered: live, never kept yet
            if snapshot is not None:  # kept before its hours were in (the rule before review L 3)
                session.delete(snapshot)
                session.flush()
            out.append((compute_all(facts, month_end(first)), None, None))
            continue
        if snapshot is not None:
            try:
                metrics, ids = _read(snapshot.metrics)
                out.append((metrics, ids, snapshot.computed_at))
                continue
            except (TypeError, ValueError, KeyError):  # kept by an older version of the figures: keep anew
                session.delete(snapshot)
                session.flush()
        last = month_end(first)
        if facts.tables != TABLES:  # a list's snapshot lacks tables: the figures kept are computed in full
            facts = load_facts(session, scope)
        out.append(_keep(session, first, key, compute_all(facts, last), figure_ids(facts, last)))
    # A snapshot of a month before go-live is never read here, and never deleted either: a
    # GO_LIVE_DATE set too late would otherwise destroy frozen figures for good (review BJ 9).
    return out


def _read(stored: str) -> tuple[list[Metric], dict | None]:
    """A snapshot's figures and ids; a bare list (kept before the ids were) has no ids."""
    data = json.loads(stored)
    metrics, ids = (data, None) if isinstance(data, list) else (data["metrics"], data.get("ids"))
    return [_metric(m) for m in metrics], ids


def _metric(stored: dict) -> Metric:
    """A kept figure under today's heading (:data:`.metrics.LABELS`): the wording may change,
    what was counted and its definition stay as kept."""
    return Metric(**{**stored, "label": LABELS.get(stored["key"], stored["label"])})


def month_lists(session: Session, facts: Facts, scope: Scope, day: date,
                today: date) -> tuple[list[Metric], dict | None, datetime | None]:
    """The figures of ``day``'s month, the ids they were counted from, and when they were frozen.

    For a final month the ids are the ones kept with its snapshot (kept now if the month was
    never shown), None when the snapshot is older than the ids; for the month in progress and a
    provisional month they are None too: the caller works out today's (:func:`.basis.figure_ids`).
    The caller commits.
    """
    return _kept_months(session, facts, scope, [day], today)[0]


def _keep(session: Session, first: date, key: str, metrics: list[Metric],
          ids: dict | None = None) -> tuple[list[Metric], dict | None, datetime]:
    """Keep ``metrics`` (and the ``ids`` behind them) as the month's snapshot; if another request
    kept it first (two views of a month that just ended), theirs stands and is returned instead."""
    snapshot = FigureSnapshot(month=first, scope=key, metrics=json.dumps(
        {"metrics": [dataclasses.asdict(m) for m in metrics], "ids": ids}, separators=(",", ":")))
    try:
        with session.begin_nested():
            session.add(snapshot)
    except IntegrityError:
        kept = session.scalars(sa.select(FigureSnapshot).where(
            FigureSnapshot.scope == key, FigureSnapshot.month == first)).one()
        return (*_read(kept.metrics), kept.computed_at)
    return metrics, ids, snapshot.computed_at


def recompute(session: Session, month: date) -> int:
    """Drop ``month``'s frozen figures for every scope, so the next view computes them from the
    data as it is then; audited ("recompute_policy_goals"). Returns how many were dropped; the
    caller commits."""
    first = month.replace(day=1)
    dropped = session.execute(sa.delete(FigureSnapshot).where(FigureSnapshot.month == first)).rowcount
    audit.record("recompute_policy_goals", purpose=f"{first:%Y-%m}:{dropped}")
    return dropped


def frozen_focus_months(session: Session, months: Iterable[date], today: date) -> list[date]:
    """The months whose figures are frozen (kept for some scope and final on ``today``, none
    before go-live: the ones :func:`_kept_months` reads) and whose focus goal counts one of
    ``months`` (its 12 calendar months, :func:`.metrics.wage_hour_months`), oldest first: the
    frozen figures that wage hours told for ``months`` would have changed, had they not been
    frozen, until an administrator recomputes them (:func:`recompute`)."""
    told = sorted({month.replace(day=1) for month in months})
    if not told:
        return []
    go_live = go_live_day()
    kept = session.scalars(sa.select(FigureSnapshot.month).distinct().where(
        FigureSnapshot.month.between(told[0], add_months(told[-1], 11)))).all()
    return sorted(first for first in set(kept)
                  if is_final(first, today) and not before_go_live(first, go_live)
                  and any(wage_hour_months(first)[0] <= month <= first for month in told))
