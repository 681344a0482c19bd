"""The requests behind a figure of /maal's hotline block (review AL 6): exactly those the
figure counts, for the same month and urgency (or every urgency, the »I alt« row).

The list selects by the very condition the figure sums (:func:`.hotline_figures.classify`),
so its length is the figure's number at the same moment. A request's row shows what the
hotline's own staff lists show; its subject only to those who may read the request without
a purpose (:func:`portal.hotline.need_to_know.hidden_subjects`, applied by the route), and
its link leads to the request's page, which asks the others for a purpose first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from store.models import HotlineRequest
from store.models.vocab import HOTLINE_URGENCIES

from ..hotline import sla
from .goal_lists import PER_PAGE, GoalList, _clamp, _paging
from .hotline_figures import COUNTS, classify, made_in


@dataclass(frozen=True)
class HotlineListRow:
    """A request of the list; ``response``: its first answer against the target in office
    time (:func:`portal.hotline.sla.response_text`, "–" before an answer); ``overdue``: open,
    unanswered and past its target at the moment the list was made."""

    request: HotlineRequest
    response: str
    overdue: bool


def hotline_list(session: Session, month: date, now: datetime, figure: str, urgency: str | None,
                 page: int | None) -> GoalList:
    """One page (``page`` None: every row) of the requests made in ``month`` (its first day)
    of ``urgency`` (None: every urgency) that count in ``figure`` (a key of
    :data:`.hotline_figures.COUNTS`) at ``now``, oldest received first, with their companies.

    Two statements: the count, then the page's requests (a page past the end is the last).
    """
    if figure not in COUNTS:
        raise ValueError(f"unknown hotline figure: {figure!r}")
    urgencies = [urgency] if urgency is not None else list(HOTLINE_URGENCIES)
    where = sa.and_(made_in(month), HotlineRequest.urgency.in_(urgencies), classify(now)[figure])
    total = session.scalar(sa.select(sa.func.count(HotlineRequest.id)).where(where)) or 0
    page = _clamp(page, total)
    query = (sa.select(HotlineRequest).where(where).options(selectinload(HotlineRequest.company))
             .order_by(HotlineRequest.created_at, HotlineRequest.id))
    if page is not None:
        query = query.offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    rows = [HotlineListRow(r, sla.response_text(r.due_at, r.first_response_at),
                           sla.is_overdue(r.due_at, r.first_response_at, r.status, now))
            for r in session.scalars(query)] if total else []
    return GoalList(rows, total, total, **_paging(page, total))
