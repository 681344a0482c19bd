"""Shared by the identity-release tests: a consultant, two companies, an opening and a proposal."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from portal import consents
from portal.extensions import db
from store.models import AuditEvent, Citizen, Consent, Interview, JobGoal, Opening, Proposal, User
from tests.clock import TODAY  # the injected date: tests using it take the frozen_today fixture

MARKER = "Qzvwxy Markersen"  # a name string that cannot appear on a page by accident
IN_90_DAYS = TODAY + timedelta(days=90)


def build_world(app, make_user) -> dict:
    """A consultant, two companies, an opening of the first company and an approved proposal."""
    consultant = make_user("consultant")
    company = make_user("company")
    other = make_user("company")
    with app.app_context():
        citizen = Citizen(name=MARKER, postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=12.5)
        # the jobmål the match found; the company is shown its title, »Kok« (shared_goal.shown_goal)
        citizen.job_goals.append(JobGoal(title="Kok (skånejob pga. rygskade)"))
        openings = [Opening(company_id=company.company_id, kind="virksomhedspraktik", title=title,
                            hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
                    for title in ("Praktik i kantinen", "Praktik på lageret")]
        db.session.add_all([citizen, *openings])
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=openings[0].id, status="approved",
                            explanation={"similarity_band": "Stærkt match",
                                         "matched_goals": ["Kok (skånejob pga. rygskade)"]},
                            shared_goal="Kok", decided_by_id=consultant.id)
        db.session.add(proposal)
        db.session.commit()
        return {"consultant": consultant, "company": company, "other": other, "citizen": citizen.id,
                "opening": openings[0].id, "opening2": openings[1].id, "proposal": proposal.id}


def load(world, key: str = "proposal") -> tuple[Proposal, User]:
    return db.session.get(Proposal, world[key]), db.session.get(User, world["consultant"].id)


def set_status(app, proposal_id: int, status: str, consent: bool = False) -> None:
    """Put a proposal straight into ``status`` (optionally with a live consent)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = status
        if consent:
            db.session.add(Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=IN_90_DAYS,
                                   recorded_by_id=proposal.decided_by_id))
        db.session.commit()


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def disclosed_world(app, make_user) -> dict:
    """:func:`build_world` with the consultant as the citizen's VK and the proposal disclosed
    under a live consent: where interviews are arranged."""
    world = build_world(app, make_user)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
    set_status(app, world["proposal"], "disclosed", consent=True)
    return world


def add_interview(app, world, *, hours_from_now: float, status: str = "booked") -> int:
    """An interview the company offered for the world's proposal, ``hours_from_now`` from now."""
    with app.app_context():
        interview = Interview(proposal_id=world["proposal"], status=status, duration_minutes=60,
                              starts_at=datetime.now(timezone.utc) + timedelta(hours=hours_from_now),
                              location="Kantinen", offered_by="company", offered_by_id=world["company"].id,
                              uid=f"{uuid.uuid4()}@jobbro")
        db.session.add(interview)
        db.session.commit()
        return interview.id
