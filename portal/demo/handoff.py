"""The company hand-off in the demo: approved profiles on disclosed proposals, one booked interview.

A disclosed proposal with a live consent gets the profile a consultant would approve for the
company: experience and jobmål as job titles, hours, driving licences, languages, start, and
the phone number the citizen agreed to share. Never limitations, benefit group or health
words (left out as the consultant's profile form leaves them out). The first such proposal still waiting for the company gets a booked interview two days
ahead, so the demo shows "Samtale aftalt" on both sides.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from store.clock import LOCAL
from store.models import Citizen, Interview, Proposal
from ..candidates.profile import draft
from ..proposals import identity_released


def shared_profile(citizen: Citizen) -> dict:
    """The consultant-approved profile for a demo citizen, in the stored format of
    :mod:`portal.candidates.profile` (its :func:`~portal.candidates.profile.draft`: CV
    sentences without health words, jobmål as titles; no limitations, no benefit group),
    with the phone number the citizen agreed to share."""
    values = draft(citizen)
    titles = [t for t in values["goals"].split(", ") if t]
    hours = values["hours"]
    return {
        "experience": values["experience"] or (f"Erfaring som {titles[0].lower()}" if titles else "Erfaring fra flere brancher"),
        "goals": values["goals"],
        "hours": int(hours) if hours is not None and float(hours).is_integer() else hours,
        "licences": values["licences"],
        "languages": values["languages"],
        "start": "",  # efter aftale
        "phone": citizen.phone or "",
    }


def add_handoff(proposals: list[Proposal], today: date) -> list[Interview]:
    """Give each disclosed, consented proposal its profile; book one interview. Returns it (or [])."""
    booked: list[Interview] = []
    for proposal in proposals:
        if not identity_released(proposal, today):
            continue
        consent = proposal.consents[-1]
        proposal.shared_profile = shared_profile(proposal.citizen)
        proposal.profile_approved_by_id, proposal.profile_approved_at = consent.recorded_by_id, consent.given_at
        if not booked and proposal.company_response in (None, "interested"):
            start = datetime.combine(today + timedelta(days=2), time(10, 0), tzinfo=LOCAL)
            booked.append(Interview(
                proposal=proposal, starts_at=start, duration_minutes=45,
                location=f"{proposal.opening.company.address or proposal.opening.company.name}",
                offered_by="company", offered_by_id=proposal.opening.created_by_id, status="booked",
                uid=f"{uuid.uuid4()}@jobbro", sequence=0, decided_at=consent.given_at))
    return booked
