"""Screening decisions: consultants going down a ranking and deciding on each citizen.

The pipeline in :mod:`portal.demo.openings` proposes citizens whose jobmål is the opening's
occupation. Consultants also screen further down a ranking, citizens with and without that
occupation, and decide on each one the way a virksomhedskonsulent does: the occupation
counts most (the same occupation is mostly approved, a related one, sharing a sector, about
half the time, an unrelated one rarely), and then the practical fit the hand-set weights
only weigh lightly: a short commute (many citizens have no car and the buses are few) and
whether the opening uses the hours the citizen can work (a citizen who can work 30 hours
is seldom sent to an 8-hour småjob when the aim is self-support). A rejection names the reason that
weighed most. Closed openings were screened in the weeks after they were published; open
openings are screened continually, so the latest weeks hold many decisions on many openings.
These decisions are what the learned re-ranking (issue 12) learns from on the demo.

Drawn from a random source of its own, so the rest of the demo is the same with or without it.
"""
from __future__ import annotations

import math
import random
from datetime import date, timedelta

from .occupations import BY_KEY
from .openings import _explanation, distance, fits
from .people import at
from .records import DemoCitizen, DemoOpening, DemoProposal

# Citizens screened per opening: one pass after publishing; open openings get more passes.
SCREENED_PER_OPENING = (3, 7)
SCREENED_PER_OPEN_OPENING = (10, 16)
# Share of a screening drawn from citizens with the opening's occupation (a ranking's top).
SAME_OCCUPATION_SHARE = 0.4
# The consultants' preferences as log-odds of approving (see the module docstring).
BASE_LOGODDS = {"same": 1.6, "related": -0.2, "unrelated": -2.6}
NEAR_KM = 5.0  # up to here the commute counts for the citizen ...
PER_KM = 0.2  # ... and each km beyond it against
HOURS_FULL = 0.8  # hours fit (as the matcher's, see hours_fit) from which hours do not count
PER_HOURS = 4.0  # log-odds per unit of hours fit below HOURS_FULL
REJECTION_REASONS = {
    "same": ("Andre kandidater passer bedre til opgaverne.", "Borgeren ønsker ikke denne arbejdsplads."),
    "related": ("Har ikke erfaring med netop de opgaver.", "Andre kandidater passer bedre til opgaverne.",
                "Borgeren ønsker ikke denne branche."),
    "unrelated": ("Jobmålet passer ikke til opgaverne.", "Ingen erfaring med faget.",
                  "Opgaverne ligger langt fra borgerens CV og jobmål."),
    "commute": ("For lang transport; borgeren har svært ved at komme frem.",
                "Arbejdspladsen ligger for langt fra borgerens bopæl.",
                "Transporten passer ikke med borgerens hverdag."),
    "hours": ("For få timer: borgeren kan arbejde flere timer, end opslaget tilbyder.",
              "Timerne passer ikke; vi leder efter noget med flere timer til borgeren."),
}
APPROVAL_REASONS = {
    "same": ("Jobmålet passer til opgaverne.", "Erfaring med faget og tæt på arbejdspladsen.",
             "Passer til opgaverne og timerne."),
    "related": ("Erfaringen fra et beslægtet fag kan bruges her.", "Kan prøve opgaverne af i praktik."),
    "unrelated": ("Borgeren har selv spurgt efter at prøve faget.", "Tæt på og motiveret; værd at prøve."),
}


def _relation(citizen: DemoCitizen, opening: DemoOpening) -> str:
    """"same" (the opening's occupation is a jobmål), "related" (a shared sector) or "unrelated"."""
    if opening.occupation in citizen.occupations:
        return "same"
    sectors = set(BY_KEY[opening.occupation].sectors)
    shared = any(sectors & set(BY_KEY[key].sectors) for key in citizen.occupations if key in BY_KEY)
    return "related" if shared else "unrelated"


def hours_fit(citizen: DemoCitizen, opening: DemoOpening) -> float:
    """The share of the citizen's hours the opening can use, as ``matching.ranking.hours_fit``."""
    if citizen.hours_available <= opening.hours_max:
        return 1.0
    return opening.hours_max / citizen.hours_available


def approval_terms(citizen: DemoCitizen, opening: DemoOpening) -> dict[str, float]:
    """The consultant's log-odds of approving the pair, split by what weighed."""
    return {
        "occupation": BASE_LOGODDS[_relation(citizen, opening)],
        "commute": -PER_KM * (distance(citizen.postcode, opening.postcode) - NEAR_KM),
        "hours": -PER_HOURS * max(0.0, HOURS_FULL - hours_fit(citizen, opening)),
    }


def approval_chance(citizen: DemoCitizen, opening: DemoOpening) -> float:
    """How likely a consultant approves the pair (a logistic of :func:`approval_terms`)."""
    return 1.0 / (1.0 + math.exp(-sum(approval_terms(citizen, opening).values())))


def _reason(rng: random.Random, approve: bool, relation: str, terms: dict[str, float]) -> str:
    if approve:
        return rng.choice(APPROVAL_REASONS[relation])
    worst = min(("commute", "hours"), key=lambda name: terms[name])
    if terms[worst] < -1.0 and (relation == "same" or terms[worst] < terms["occupation"]):
        return rng.choice(REJECTION_REASONS[worst])
    return rng.choice(REJECTION_REASONS[relation])


def _screened(rng: random.Random, same: list[int], other: list[int], k: int) -> list[int]:
    """``k`` citizens, about ``SAME_OCCUPATION_SHARE`` of them with the opening's occupation."""
    from_same = min(len(same), round(k * SAME_OCCUPATION_SHARE))
    chosen = rng.sample(same, k=from_same)
    return chosen + rng.sample(other, k=min(k - from_same, len(other)))


def make_screening(seed: int, today: date, citizens: list[DemoCitizen], openings: list[DemoOpening],
                   eligibility: dict[tuple[str, str], bool],
                   proposals: list[DemoProposal]) -> list[DemoProposal]:
    """Decided proposals for citizens screened on each published opening."""
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
                and fits(c, opening, eligibility)]
        same = [i for i in pool if _relation(citizens[i], opening) == "same"]
        other = [i for i in pool if _relation(citizens[i], opening) != "same"]
        is_open = opening.status == "open"
        k = rng.randint(*(SCREENED_PER_OPEN_OPENING if is_open else SCREENED_PER_OPENING))
        # An open opening is screened again and again up to yesterday; others in their first weeks.
        span = max(1, (today - opening.created_at.date()).days - 1) if is_open else 20
        for ci in _screened(rng, same, other, k):
            citizen = citizens[ci]
            relation = _relation(citizen, opening)
            terms = approval_terms(citizen, opening)
            approve = rng.random() < approval_chance(citizen, opening)
            # Screening picks up as an open opening's start nears: more decisions lately.
            day = round(rng.triangular(1, span, span)) if is_open else rng.randint(1, span)
            created = opening.created_at + timedelta(days=day, hours=rng.randint(0, 6))
            decided = created + timedelta(hours=rng.randint(1, 30))
            if decided >= cutoff:
                continue
            rng.uniform(0.3, 0.6)  # once a made-up score; still drawn, so the rest is as before
            screened.append(DemoProposal(
                citizen=ci, opening=oi, status="approved" if approve else "rejected",
                explanation=_explanation(citizen, opening),
                created_at=created, decided_by=citizen.vk, decided_at=decided,
                decision_reason=_reason(rng, approve, relation, terms)))
    return screened
