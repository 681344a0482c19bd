"""/maal's hotline block: the month's requests and whether the job centre answered them within
the service target (DOMAIN.md: "Requests, replies and response times are tracked"; review AI 6).

A request counts in the month it was made (Copenhagen time). Its first answer is judged
against its target (``due_at``, the urgency's service target from :mod:`portal.hotline.sla`,
fixed when the request was made): *in time* when the first answer came by then, *missed*
when it came later, or has not come and the target passed while the request was open (closed
after its target, or still open past it), *waiting* when it is open, unanswered and its target
is ahead. A request closed with no answer at all is counted apart (»lukket uden svar«), and
also among the missed when it was closed after its target (»Lukket uden svar efter fristen«
on the hotline's »Lukket« list, :func:`portal.hotline.lists.closed_unanswered`); closed before
its target it is neither missed nor waiting, as that list says (review AL 2). A
follow-up's own target (the company put an answered request back to waiting) is the hotline
list's business, not this figure's: the figure is the first answer, as the target is promised
when the request is made. The block covers the whole job centre (hotline requests belong to
companies, not to a consultant's citizens), whatever the page's »Omfang«.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import HotlineRequest
from store.models.vocab import HOTLINE_URGENCIES

from ..dates import add_months
from ..i18n import TIMEZONE


@dataclass(frozen=True)
class HotlineRow:
    """One urgency's requests made in the month (``urgency`` "" for the total)."""

    urgency: str
    label: str
    received: int
    in_time: int
    missed: int
    waiting: int
    closed_unanswered: int

    @property
    def judged(self) -> int:
        """Requests whose first answer came or whose target passed: the share's base."""
        return self.in_time + self.missed

    @property
    def share_in_time(self) -> float | None:
        return self.in_time / self.judged if self.judged else None


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(TIMEZONE)).astimezone(timezone.utc)


# The block's figures that count requests (``HotlineRow``'s fields), in the table's order.
COUNTS = ("received", "in_time", "missed", "waiting", "closed_unanswered")


def classify(now: datetime) -> dict[str, sa.ColumnElement[bool]]:
    """The one rule of the block: per figure of :data:`COUNTS`, the SQL condition a request
    meets to count in it at ``now`` (see the module docstring). The figures sum these
    conditions (:func:`month_rows`) and their lists select by them
    (:func:`.hotline_lists.hotline_list`), so a list always has its figure's number."""
    answered = HotlineRequest.first_response_at.is_not(None)
    closed = HotlineRequest.status == "closed"
    return {
        "received": sa.true(),
        "in_time": sa.and_(answered, HotlineRequest.first_response_at <= HotlineRequest.due_at),
        "missed": sa.or_(sa.and_(answered, HotlineRequest.first_response_at > HotlineRequest.due_at),
                         sa.and_(~answered, closed, HotlineRequest.closed_at > HotlineRequest.due_at),
                         sa.and_(~answered, ~closed, HotlineRequest.due_at < now)),
        "waiting": sa.and_(~answered, ~closed, HotlineRequest.due_at >= now),
        "closed_unanswered": sa.and_(~answered, closed),
    }


def made_in(month: date) -> sa.ColumnElement[bool]:
    """SQL: the request was made in ``month`` (its first day), Copenhagen time."""
    return sa.and_(HotlineRequest.created_at >= _utc(month), HotlineRequest.created_at < _utc(add_months(month, 1)))


def month_rows(session: Session, month: date, now: datetime) -> list[HotlineRow]:
    """Per urgency (in the form's order) and in total, the requests made in ``month`` (its
    first day) and how their first answer stands at ``now`` (:func:`classify`). One statement."""
    rule = classify(now)

    def total(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    stmt = (sa.select(HotlineRequest.urgency, *(total(rule[name]) for name in COUNTS))
            .where(made_in(month)).group_by(HotlineRequest.urgency))
    found = {urgency: counts for urgency, *counts in session.execute(stmt)}
    rows = [HotlineRow(key, label.split(" – ")[0], *map(int, found.get(key, (0,) * len(COUNTS))))
            for key, label in HOTLINE_URGENCIES.items()]
    sums = [sum(getattr(row, name) for row in rows) for name in COUNTS]
    return [*rows, HotlineRow("", "I alt", *sums)]
