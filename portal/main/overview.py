"""Figures for the company, partner and administrator start pages (the consultant's: :mod:`.queue`)."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..openings.service import CandidateCount, candidate_counts
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
    open_requests = db.session.scalar(
        sa.select(sa.func.count(HotlineRequest.id))
        .where(HotlineRequest.company_id == company_id, HotlineRequest.status != "closed")
    )
    today = clock.today()
    active = [p for p in placements if is_active(p, today)]  # as /forloeb counts them
    return {
        "openings": openings,
        "candidate_counts": candidate_counts(company_id),
        "empty_count": CandidateCount(),
        "placements": placements,
        "hours_by_placement": hours,
        "active_placements": active,
        "placement_labels": company_labels(active, today),
        "open_requests": open_requests,
    }


def for_admin() -> dict:
    """Counts of everything, and the indexer backlog (one statement: a count each)."""
    def count(model, *where):
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    figures = {
        "Virksomheder": count(Company),
        "Code of Care-partnere": count(Company, Company.code_of_care.is_(True)),
        "Brugere": count(User),
        "Borgere med åben sag": count(Citizen, Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)),
        "Åbne opslag": count(Opening, Opening.status == "open"),
        "Forløb i alt": count(Placement),
        "outbox_pending": count(OutboxEvent, OutboxEvent.status == "pending"),
        # as /admin/indexer counts them: a failure put right by a later indexing is gone
        "outbox_failed": count(OutboxEvent, OutboxEvent.status == "failed", not_superseded()),
    }
    values = dict(zip(figures, db.session.execute(sa.select(*figures.values())).one()))
    return {
        "counts": {label: values[label] for label in list(figures)[:6]},
        "outbox_pending": values["outbox_pending"],
        "outbox_failed": values["outbox_failed"],
    }
