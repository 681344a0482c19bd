"""The demo's screening decisions behave like consultants, and give the learned re-ranking
(issue 12) a time split worth testing on: many recent decisions on many openings."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from portal.demo import screening
from portal.demo.generator import generate_demo
from portal.demo.openings import distance, fits

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo():
    return generate_demo(7, TODAY)


@pytest.fixture(scope="module")
def screened(demo):
    """A fresh draw of screening decisions over the whole demo (no pair taken yet)."""
    return screening.make_screening(7, TODAY, demo.citizens, demo.openings, demo.eligibility, [])


def _rate(counts: Counter, key) -> float:
    approved, rejected = counts[(key, "approved")], counts[(key, "rejected")]
    assert approved + rejected >= 30, f"too few decisions for {key}"
    return approved / (approved + rejected)


def test_consultants_approve_by_occupation_first(demo, screened):
    counts = Counter((screening._relation(demo.citizens[p.citizen], demo.openings[p.opening]), p.status)
                     for p in screened)
    same, related, unrelated = (_rate(counts, k) for k in ("same", "related", "unrelated"))
    assert same > 0.55 and 0.15 < related < 0.55 and unrelated < 0.15
    assert same > related > unrelated


def test_a_short_commute_and_the_hours_fit_count_beyond_the_occupation(demo, screened):
    counts: Counter = Counter()
    for p in screened:
        citizen, opening = demo.citizens[p.citizen], demo.openings[p.opening]
        if screening._relation(citizen, opening) != "same":
            continue
        km = distance(citizen.postcode, opening.postcode)
        counts[("near" if km <= screening.NEAR_KM else "far" if km > 15 else "mid", p.status)] += 1
    assert _rate(counts, "near") > _rate(counts, "far") + 0.3
    citizen = next(c for c in demo.citizens if c.hours_available >= 30)
    opening = next(o for o in demo.openings if o.hours_max <= 12)
    wide = next(o for o in demo.openings if o.hours_max >= 37)
    assert screening.hours_fit(citizen, opening) < 0.5 and screening.hours_fit(citizen, wide) == 1.0
    assert screening.approval_terms(citizen, opening)["hours"] < -1.0
    assert screening.approval_terms(citizen, wide)["hours"] == 0.0


def test_every_rejection_names_a_reason_that_fits_the_pair(demo, screened):
    commute = set(screening.REJECTION_REASONS["commute"])
    hours = set(screening.REJECTION_REASONS["hours"])
    named = Counter()
    for p in screened:
        citizen, opening = demo.citizens[p.citizen], demo.openings[p.opening]
        assert p.decision_reason and p.decided_by == citizen.vk
        assert fits(citizen, opening, demo.eligibility)
        if p.decision_reason in commute:
            named["commute"] += 1
            assert distance(citizen.postcode, opening.postcode) > screening.NEAR_KM
        if p.decision_reason in hours:
            named["hours"] += 1
            assert screening.hours_fit(citizen, opening) < screening.HOURS_FULL
    assert named["commute"] >= 5 and named["hours"] >= 5


def test_the_latest_decisions_test_on_many_openings(demo):
    """What the trainer's time split tests on: the latest 20% of the decisions it counts
    (citizens whose case is open) hold an approved and a rejected pair on many openings."""
    decided = sorted((p for p in demo.proposals
                      if p.decided_at is not None and demo.citizens[p.citizen].case_closed is None),
                     key=lambda p: p.decided_at)
    assert len(decided) >= 400
    latest = decided[-len(decided) // 5:]
    outcomes: dict[int, set[str]] = {}
    for p in latest:
        outcomes.setdefault(p.opening, set()).add("rejected" if p.status == "rejected" else "approved")
    assert sum(len(o) == 2 for o in outcomes.values()) >= 10
    assert (TODAY - latest[0].decided_at.date()).days <= 21
