"""Screening decisions: consultants going through ranked citizens outside the occupation.

The pipeline in :mod:`portal.demo.openings` proposes citizens whose jobmål is the opening's
occupation. Consultants also look further down a ranking and decide on citizens who do not
have that occupation: they mostly reject them (with a reason), approve some from a related
occupation (a shared sector: the tasks carry over) and, rarely, one from an unrelated one;
a short commute makes them a little more willing. These decisions, spread over the whole
history, are what the learned re-ranking (issue 12) learns from on the demo.

Drawn from a random source of its own, so the rest of the demo is the same with or without it.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from .occupations import BY_KEY
from .openings import _explanation, distance, fits
from .people import at
from .records import DemoCitizen, DemoOpening, DemoProposal

SCREENED_PER_OPENING = (3, 7)
APPROVE_RELATED = 0.45
APPROVE_UNRELATED = 0.08
NEAR_KM, NEAR_BONUS = 5.0, 0.10
REJECTION_REASONS = {
    "related": ("Har ikke erfaring med netop de opgaver.", "Andre kandidater passer bedre til opgaverne.",
                "Borgeren ønsker ikke denne branche."),
    "unrelated": ("Jobmålet passer ikke til opgaverne.", "Ingen erfaring med faget.",
                  "Opgaverne ligger langt fra borgerens CV og jobmål."),
}
APPROVAL_REASONS = {
    "related": ("Erfaringen fra et beslægtet fag kan bruges her.", "Kan prøve opgaverne af i praktik."),
    "unrelated": ("Borgeren har selv spurgt efter at prøve faget.", "Tæt på og motiveret; værd at prøve."),
}


def _relation(citizen: DemoCitizen, opening: DemoOpening) -> str | None:
    """"related" (a shared sector), "unrelated", or None when the occupation is the citizen's."""
    if opening.occupation in citizen.occupations:
        return None
    sectors = set(BY_KEY[opening.occupation].sectors)
    shared = any(sectors & set(BY_KEY[key].sectors) for key in citizen.occupations if key in BY_KEY)
    return "related" if shared else "unrelated"


def make_screening(seed: int, today: date, citizens: list[DemoCitizen], openings: list[DemoOpening],
                   eligibility: dict[tuple[str, str], bool],
                   proposals: list[DemoProposal]) -> list[DemoProposal]:
    """Decided proposals for citizens outside each published opening's occupation."""
    rng = random.Random(f"screening-{seed}")
    taken = {(p.citizen, p.opening) for p in proposals}
    cutoff = at(today, 0)
    screened = []
    for oi, opening in enumerate(openings):
        if opening.status == "draft":
            continue
        pool = [i for i, c in enumerate(citizens)
                if (i, oi) not in taken and c.cv_text and c.job_goals and c.vk is not None
                and c.case_closed is None and c.case_start < opening.created_at.date()
                and _relation(c, opening) is not None and fits(c, opening, eligibility)]
        for ci in rng.sample(pool, k=min(rng.randint(*SCREENED_PER_OPENING), len(pool))):
            citizen = citizens[ci]
            relation = _relation(citizen, opening)
            assert relation is not None
            near = distance(citizen.postcode, opening.postcode) <= NEAR_KM
            chance = (APPROVE_RELATED if relation == "related" else APPROVE_UNRELATED) + (NEAR_BONUS if near else 0)
            approve = rng.random() < chance
            created = opening.created_at + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 6))
            decided = created + timedelta(hours=rng.randint(1, 30))
            if decided >= cutoff:
                continue
            reasons = (APPROVAL_REASONS if approve else REJECTION_REASONS)[relation]
            screened.append(DemoProposal(
                citizen=ci, opening=oi, status="approved" if approve else "rejected",
                score=round(rng.uniform(0.3, 0.6), 3), explanation=_explanation(citizen, opening),
                created_at=created, decided_by=citizen.vk, decided_at=decided,
                decision_reason=rng.choice(reasons)))
    return screened
