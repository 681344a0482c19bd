"""One figure at a time, for the dashboard tests: each loads the facts in scope and computes.

The page loads the facts once and computes every figure from them (:mod:`portal.dashboard.routes`,
:func:`portal.dashboard.snapshots.trend_with_ids`); these wrappers give a test one figure, list
or estimate for ``(session, as_of, scope)`` from the same functions (review AA 7: they were in the
production modules, which the page never called).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portal.dashboard.basis import figure_ids
from portal.dashboard.facts import Facts, Scope, add_months, load_facts, month_end
from portal.dashboard.goal_lists import MISSES, GoalList, active_list, focus_list, matchable_list
from portal.dashboard.metrics import (Metric, TrendPoint, compute_active_share, compute_all, compute_case_duration,
                                      compute_cooperation, compute_focus_goal, compute_matchable_share,
                                      compute_outcome_share)
from portal.dashboard.savings import DEFAULT_DEADWEIGHT, SavingsEstimate, compute_savings


def focus_goal(session: Session, as_of: date, scope: Scope) -> Metric:
    """The 70% focus goal on ``as_of`` for ``scope``."""
    return compute_focus_goal(load_facts(session, scope), as_of)


def active_share(session: Session, as_of: date, scope: Scope) -> Metric:
    """Share of citizens on benefit who are active in ``as_of``'s month (up to ``as_of``)."""
    return compute_active_share(load_facts(session, scope), as_of)


def matchable_share(session: Session, as_of: date, scope: Scope) -> Metric:
    """Share of open cases with CV, jobmål and VK."""
    return compute_matchable_share(load_facts(session, scope), as_of)


def outcome_share(session: Session, as_of: date, scope: Scope) -> Metric:
    """Share of placements ended in the last 12 months that ended in job, fleksjob or education."""
    return compute_outcome_share(load_facts(session, scope), as_of)


def case_duration(session: Session, as_of: date, scope: Scope) -> Metric:
    """Average days from start to close of cases closed in the last 12 months."""
    return compute_case_duration(load_facts(session, scope), as_of)


def cooperation(session: Session, as_of: date, scope: Scope) -> Metric:
    """Number of companies with an open opening or an ongoing placement on ``as_of``."""
    return compute_cooperation(load_facts(session, scope), as_of)


def all_metrics(session: Session, as_of: date, scope: Scope) -> list[Metric]:
    """Every figure of the follow-up on ``as_of``, in display order."""
    return compute_all(load_facts(session, scope), as_of)


def compute_trend(facts: Facts, as_of: date, months: int = 12) -> list[TrendPoint]:
    """Month-by-month figures for the ``months`` months ending with ``as_of``'s month, oldest
    first, all computed (none frozen): past months on their last day, the current on ``as_of``."""
    points = []
    for back in range(months - 1, -1, -1):
        first = add_months(as_of.replace(day=1), -back)
        day = as_of if back == 0 else month_end(first)
        points.append(TrendPoint(first, {m.key: m for m in compute_all(facts, day)}))
    return points


def trend(session: Session, as_of: date, scope: Scope, months: int = 12) -> list[TrendPoint]:
    """:func:`compute_trend` on the facts in ``scope``."""
    return compute_trend(load_facts(session, scope), as_of, months)


def savings_estimate(session: Session, as_of: date, scope: Scope,
                     deadweight: float = DEFAULT_DEADWEIGHT) -> SavingsEstimate:
    """Estimated savings so far from outcomes in the 12 months up to ``as_of``, for ``scope``."""
    return compute_savings(load_facts(session, scope), as_of, deadweight)


def focus_misses(session: Session, facts: Facts, as_of: date, page: int = 1) -> GoalList:
    """The focus population on ``as_of`` who miss the goal, by today's ids (the card's default list)."""
    return focus_list(session, facts, as_of, figure_ids(facts, as_of)["focus"], MISSES, page)


def active_misses(session: Session, facts: Facts, as_of: date, page: int = 1) -> GoalList:
    """Open cases on ``as_of`` not active in its month, by today's ids."""
    return active_list(session, facts, as_of, figure_ids(facts, as_of)["active"], MISSES, page)


def matchable_misses(session: Session, facts: Facts, as_of: date, page: int = 1) -> GoalList:
    """Open cases on ``as_of`` without CV, jobmål or VK, by today's ids."""
    return matchable_list(session, facts, as_of, figure_ids(facts, as_of)["matchable"], MISSES, page)
