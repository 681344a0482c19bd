"""Helpers shared by the citizen-page tests: seed citizens, count writes, read CSRF tokens."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Citizen, CvDocument, JobGoal, OutboxEvent

CV_TEXT = "Lagermedarbejder med truckcertifikat og fem års erfaring fra Horsens Havn."


def make_citizen(app, *, name: str = "Sofie Andersen", vk_id: int | None = None,
                 adviser_id: int | None = None, goals: tuple[str, ...] = ("Lagermedarbejder",),
                 cv_text: str | None = CV_TEXT, team_id: int | None = None, **fields) -> int:
    """Insert a citizen (committed) and return its id."""
    with app.app_context():
        values = dict(name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=15.0,
                      readiness_group="paa_vej", case_start=date(2025, 3, 1), languages="dansk",
                      vk_id=vk_id, adviser_id=adviser_id, team_id=team_id)
        values.update(fields)
        citizen = Citizen(**values)
        citizen.job_goals = [JobGoal(title=t, position=i) for i, t in enumerate(goals)]
        if cv_text is not None:
            citizen.cv_documents = [CvDocument(text=cv_text, content_type="txt")]
        db.session.add(citizen)
        db.session.commit()
        return citizen.id


@dataclass(frozen=True)
class Snapshot:
    """What a write would change: the citizen's version, its children and side rows."""

    version: int
    goals: tuple[str, ...]
    cvs: int
    outbox: int
    audit_changes: int
    fields: tuple


def snapshot(app, citizen_id: int) -> Snapshot:
    with app.app_context():
        c = db.session.get(Citizen, citizen_id)
        outbox = db.session.scalar(sa.select(sa.func.count(OutboxEvent.id))
                                   .where(OutboxEvent.entity_id == citizen_id))
        changes = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.citizen_id == citizen_id,
            AuditEvent.action.not_in(("read_citizen", "read_limitations", "upload_rejected"))))
        return Snapshot(
            version=c.version, goals=tuple(g.title for g in c.job_goals), cvs=len(c.cv_documents),
            outbox=outbox, audit_changes=changes,
            fields=(c.name, c.postcode, c.hours_available, c.max_commute_km, c.languages,
                    c.case_start, c.benefit_group, c.readiness_group, c.vk_id, c.adviser_id))


def audit_actions(app, citizen_id: int | None = None) -> list[str]:
    with app.app_context():
        stmt = sa.select(AuditEvent.action).order_by(AuditEvent.id)
        if citizen_id is not None:
            stmt = stmt.where(AuditEvent.citizen_id == citizen_id)
        return list(db.session.scalars(stmt))


def csrf(auth) -> str:
    """A CSRF token without opening a citizen page (the list page's logout form holds one)."""
    return auth.csrf_token("/borgere/")
