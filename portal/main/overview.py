"""Figures for the company, partner and administrator start pages (the consultant's: :mod:`.queue`)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from ..extensions import db
from ..openings.service import candidate_counts
from ..placements.service import company_labels, is_active
from store import clock
from store.index_status import not_superseded
from store.models import (Citizen, Company, HotlineRequest, HoursLog, Opening, OutboxEvent, Placement,
                          User)


def for_company(company_id: int) -> dict:
    """The company's openings, active placements and open hotline requests."""
    openings = db.session.scalars(
        sa.select(Opening).where(Opening.company_id == company_id).order_by(Opening.created_at.desc())
    ).all()
    placements = db.session.scalars(
        sa.select(Placement).where(Placement.company_id == company_id).order_by(Placement.start_date.desc())
    ).all()
    hours = dict(db.session.execute(
        sa.select(HoursLog.placement_id, sa.func.sum(HoursLog.hours)).join(Placement)
        .where(Placement.company_id == company_id).group_by(HoursLog.placement_id)
    ).all())
    # Waiting for the job centre ("open") and answered, a reply for the company to read.
    requests = dict(db.session.execute(
        sa.select(HotlineRequest.status, sa.func.count(HotlineRequest.id))
        .where(HotlineRequest.company_id == company_id, HotlineRequest.status.in_(("open", "answered")))
        .group_by(HotlineRequest.status)).all())
    today = clock.today()
    active = [p for p in placements if is_active(p, today)]  # as /forloeb counts them
    return {
        "openings": openings,
        "candidate_counts": candidate_counts(company_id),
        "placements": placements,
        "hours_by_placement": hours,
        "active_placements": active,
        "placement_labels": company_labels(active, today),
        "open_requests": requests.get("open", 0),
        "answered_requests": requests.get("answered", 0),
    }


def for_admin() -> dict:
    """Counts of everything, and the indexer backlog (one statement: a count each)."""
    def count(model, *where):
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    # (label, count, the list of its rows; None: no one list holds every placement ever)
    figures = [
        ("Virksomheder", count(Company), url_for("admin.companies")),
        ("Code of Care-partnere", count(Company, Company.code_of_care.is_(True)),
         url_for("admin.companies", partnere=1)),
        ("Brugere", count(User), url_for("admin.users")),
        ("Borgere med åben sag", count(Citizen, Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)),
         url_for("citizens.index", scope="all")),
        ("Åbne opslag", count(Opening, Opening.status == "open"), url_for("candidates.index", alle=1)),
        ("Forløb i alt", count(Placement), None),
    ]
    backlog = [count(OutboxEvent, OutboxEvent.status == "pending"),
               # as /admin/indexer counts them: a failure put right by a later indexing is gone
               count(OutboxEvent, OutboxEvent.status == "failed", not_superseded())]
    *values, pending, failed = db.session.execute(
        sa.select(*(expr for _, expr, _ in figures), *backlog)).one()
    return {
        "figures": [(label, value, link) for (label, _, link), value in zip(figures, values)],
        "outbox_pending": pending,
        "outbox_failed": failed,
    }
