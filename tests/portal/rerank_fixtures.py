"""A small synthetic decision history in the database, for the re-ranking tests.

``seed_decisions`` writes openings × citizens proposals, each decided at its own hour (in a
shuffled order), with the ranking facts stored the way the portal stores them with a
decision. ``prefer`` plants what the "consultants" approve on.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta, timezone

from portal.extensions import db
from store.models import Citizen, Company, Opening, Proposal

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def explanation(relevance: float, goal: float, km: float, terms: int = 1) -> dict:
    band = "høj" if goal >= 0.55 else "middel" if goal >= 0.35 else "lav"
    score = relevance + 0.10 * math.exp(-km / 20.0) + 0.05 * 0.8 + 0.05
    return {"relevance": round(relevance, 6), "score": round(score, 4), "priority": 0.0,
            "distance_km": round(km, 1), "hours_fit": 0.8,
            "matched_terms": ["lager", "truck", "pakke", "ordre", "scanner", "palle", "plukke", "læsse"][:terms],
            "similarity_band": "middel",
            "goal_scores": [{"goal": "Lager", "relevance": round(goal, 6), "band": band, "fit": round(goal, 6)}]}


def seed_decisions(vk_id: int, *, openings: int = 12, citizens: int = 20, seed: int = 7,
                   prefer: str = "goal") -> list[int]:
    """Decided proposals; returns their ids in decision order.

    Args:
        prefer: "goal": approve when the best jobmål fits (whatever the whole-text relevance);
            "hand": approve exactly when the hand-set relevance is high (nothing to learn);
            "terms": approve on the number of shared words alone, whatever the jobmål.
    """
    rng = random.Random(seed)
    company = Company(name="Lager A/S", cvr="55555555", postcode="8722")
    rows_o = [Opening(company=company, kind="smaajob", title=f"Lagerjob {i}", postcode="8722",
                      status="open", hours_min=1, hours_max=10) for i in range(openings)]
    rows_c = [Citizen(name=f"Borger {i}", postcode="8722", benefit_group="kontanthjaelp",
                      hours_available=10, readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id)
              for i in range(citizens)]
    db.session.add_all([company, *rows_o, *rows_c])
    db.session.flush()
    pairs = [(o, c) for o in rows_o for c in rows_c]
    hours = list(range(len(pairs)))
    rng.shuffle(hours)
    proposals = []
    for (opening, citizen), hour in zip(pairs, hours):
        relevance, goal, km = rng.uniform(0.3, 0.8), rng.uniform(0.0, 1.0), rng.uniform(0.0, 30.0)
        terms = rng.randint(0, 8) if prefer == "terms" else 1
        if prefer == "goal":
            approve = goal + rng.gauss(0, 0.1) > 0.55
        elif prefer == "terms":
            approve = terms + rng.gauss(0, 0.5) > 4
        else:
            approve = relevance > 0.55
        proposals.append(Proposal(
            citizen_id=citizen.id, opening_id=opening.id, status="approved" if approve else "rejected",
            explanation=explanation(relevance, goal, km, terms), decided_by_id=vk_id,
            decided_at=START + timedelta(hours=hour), decision_reason="" if approve else "Passer ikke"))
    db.session.add_all(proposals)
    db.session.commit()
    return [p.id for p in sorted(proposals, key=lambda p: p.decided_at)]


def train_secret() -> bytes:
    """The portal's decision-history key (call inside an app context): the one the indexer
    trains with when both read the same ``PSEUDONYM_KEY``."""
    from portal.matching_runtime import history_secret

    return history_secret()
