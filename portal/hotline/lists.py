"""The staff's list of closed hotline requests (review AI 6), a page at a time.

Closed requests are history: every one is listed, newest closed first, or only those of one
assignee or of one company (``?virksomhed=<id>``, :mod:`portal.company_filter`). A page number past the end gives the last page, and a huge one never reaches the
database (:data:`MAX_PAGE`).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from store.models import HotlineRequest
from . import sla

PER_PAGE = 50
MAX_PAGE = 10**6  # far beyond any list; keeps LIMIT/OFFSET within the database's integers


def closed_page(page: int = 1, assignee_id: int | None = None, company_id: int | None = None):
    """One page (:data:`PER_PAGE`) of the closed requests, newest closed first, with their
    companies (one more statement); with ``assignee_id`` only those assigned to that user, with
    ``company_id`` only that company's. Flask-SQLAlchemy's page object; a page past the end is
    the last one."""
    query = (sa.select(HotlineRequest).where(HotlineRequest.status == "closed")
             .options(selectinload(HotlineRequest.company))
             .order_by(HotlineRequest.closed_at.desc(), HotlineRequest.id.desc()))
    if assignee_id is not None:
        query = query.where(HotlineRequest.assigned_to_id == assignee_id)
    if company_id is not None:
        query = query.where(HotlineRequest.company_id == company_id)
    page = min(max(page, 1), MAX_PAGE)
    found = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    if not found.items and found.pages and page > found.pages:
        found = db.paginate(query, page=found.pages, per_page=PER_PAGE, error_out=False)
    return found


def closed_unanswered(request: HotlineRequest) -> str:
    """The mark of a request closed without any answer from the job centre (review AI 6):
    »Lukket uden svar«, with »efter fristen« when it was closed after its target had passed
    (a miss, not a request the company withdrew in time); "" for any other request."""
    if request.status != "closed" or request.first_response_at is not None:
        return ""
    late = request.closed_at is not None and sla.as_utc(request.closed_at) > sla.as_utc(request.due_at)
    return "Lukket uden svar efter fristen" if late else "Lukket uden svar"
