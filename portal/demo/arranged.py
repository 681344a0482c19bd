"""The openings and consents behind the placements a VK arranged directly with a company.

In the portal every placement starts from a disclosed proposal (:func:`portal.placements.
lifecycle.start_placement`): an opening, the consultant's approval, the citizen's consent and
the company's "ansat". The history (:mod:`portal.demo.history`) also arranges placements
without an opening (the VK called the company); left like that, the company would employ and
pay people whose names it may never see (review B2). This step gives them the trail the
portal would have: one opening per company and kind ("filled" while one of its placements
runs, else "closed"), and per citizen a proposal approved, consented, disclosed and answered
"hired" shortly before the start. A consent lasts at most a year
(:data:`portal.consents.MAX_CONSENT_DAYS`): a placement still running after that had it
renewed a few days before its deadline (:attr:`DemoProposal.renewal`). A placement that ended
keeps the consent it had, live or long expired, as the pipeline's proposals do.

It runs last, on its own random source, so the rest of the demo (hotline, stories,
screening) is what it was without it.
"""
from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import date, timedelta

from ..consents import CONSENT_TEXT_VERSION as CURRENT_TEXT_VERSION
from ..consents import MAX_CONSENT_DAYS
from . import texts
from .occupations import BY_KEY
from .openings import CONSENT_TEXT_VERSION, DISCLOSED_AFTER, _explanation, _opening, consent_deadline, sector_occupations
from .people import at, town
from .records import (DemoCitizen, DemoCompany, DemoConsent, DemoOpening, DemoPlacement,
                      DemoProposal)

CHANNELS = ("telefon", "moede", "brev", "digital")


def arrange_openings(seed: int, today: date, citizens: list[DemoCitizen], companies: list[DemoCompany],
                     company_users: dict[int, list[int]], openings: list[DemoOpening],
                     proposals: list[DemoProposal], placements: list[DemoPlacement]) -> None:
    """Give every placement without an opening its opening and hired proposal (in place).

    Appends to ``openings`` and ``proposals`` and sets ``DemoPlacement.opening``.
    """
    rng = random.Random(f"arranged-{seed}")
    taken: dict[tuple[int, int], DemoProposal] = {}
    for (ci, kind), group in _groups(placements):
        oi = len(openings)
        trails = [_trail(rng, citizens[p.citizen], p) for p in group]
        openings.append(_arranged_opening(rng, today, citizens, companies, company_users, ci, kind, group,
                                          min(created for created, *_ in trails)))
        for placement, (created, decided, given, hired) in zip(group, trails):
            placement.opening = oi
            proposal = taken.get((placement.citizen, oi))
            if proposal is None:  # a second placement of the pair shares the first one's proposal
                proposal = _proposal(rng, today, citizens[placement.citizen], placement, oi, openings[oi],
                                     companies[ci], (created, decided, given, hired))
                taken[(placement.citizen, oi)] = proposal
                proposals.append(proposal)
            elif placement.end_date is None:
                _renew_if_due(rng, today, proposal, citizens[placement.citizen], companies[ci])


def _groups(placements: list[DemoPlacement]) -> list[tuple[tuple[int, str], list[DemoPlacement]]]:
    """The placements without an opening, grouped by the opening they get, each by start date.

    Virksomhedspraktik: one opening per company, its seats the placements running today (an
    opening may have several seats only for praktik). Other kinds are one job per opening: a
    company's placements of the kind share an opening only one after another, never at once.
    """
    by_pair: dict[tuple[int, str], list[DemoPlacement]] = {}
    for placement in sorted((p for p in placements if p.opening is None), key=lambda p: p.start_date):
        by_pair.setdefault((placement.company, placement.kind), []).append(placement)
    groups = []
    for pair, group in by_pair.items():
        if pair[1] == "virksomhedspraktik":
            groups.append((pair, group))
            continue
        jobs: list[list[DemoPlacement]] = []
        for placement in group:
            free = next((job for job in jobs if job[-1].end_date is not None
                         and job[-1].end_date < placement.start_date), None)
            if free is None:
                jobs.append([placement])
            else:
                free.append(placement)
        groups += [(pair, job) for job in jobs]
    return groups


def _staff(citizen: DemoCitizen, company: DemoCompany) -> int:
    """Who decided and recorded the consent: the citizen's VK, else adviser, else the company's."""
    return next(u for u in (citizen.vk, citizen.adviser, company.consultant) if u is not None)


def _trail(rng: random.Random, citizen: DemoCitizen, placement: DemoPlacement):
    """(proposed, decided, consent given, hired): the days before the placement was registered."""
    hired = placement.created_at - timedelta(days=rng.randint(1, 4), hours=rng.randint(1, 5))
    given = hired - timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 4))
    decided = given - timedelta(days=rng.randint(1, 4), hours=rng.randint(1, 5))
    created = decided - timedelta(hours=rng.randint(1, 30))
    return created, decided, given, hired


def _arranged_opening(rng: random.Random, today: date, citizens: list[DemoCitizen],
                      companies: list[DemoCompany], company_users: dict[int, list[int]], ci: int,
                      kind: str, group: list[DemoPlacement], first_proposal) -> DemoOpening:
    """The company's opening for the group: the trade most of its people work in."""
    running = sum(p.end_date is None for p in group)
    opening = _opening(rng, today, companies, ci, kind, "filled" if running else "closed",
                       rng.choice(company_users[ci]))
    sector = {o.key for o in sector_occupations(companies[ci].sector)}
    trades = Counter(key for p in group for key in citizens[p.citizen].occupations if key in sector)
    # The opening's hours, title and description agree with the placements' hours (review BI 10:
    # »småjob på 3 timer« beside »5–8 timer/uge«): the range widens to take them in, and the title
    # names its top. What the draw did not write before is written with its own stream, seeded by
    # the opening, so the rest of the demo stays as it was.
    own = random.Random(f"arranged:{ci}:{kind}:{group[0].start_date.isoformat()}")
    low = min(opening.hours_min, *(p.weekly_hours for p in group))
    high = max(opening.hours_max, *(p.weekly_hours for p in group))
    place = town(companies[ci].postcode)
    occupation = BY_KEY[opening.occupation]
    title = opening.title
    if trades:
        occupation = BY_KEY[trades.most_common(1)[0][0]]
        title = texts.opening_title(rng, occupation, kind, high, place)
    elif high != opening.hours_max:
        title = texts.opening_title(own, occupation, kind, high, place)
    description = opening.description
    if trades or (low, high) != (opening.hours_min, opening.hours_max):
        description = texts.opening_description(
            own, occupation, kind, company=companies[ci].name, town=place, hours=(low, high),
            weeks=opening.duration_weeks, code_of_care=companies[ci].code_of_care)
    opening = dataclasses.replace(opening, occupation=occupation.key, title=title, hours_min=low,
                                  hours_max=high, description=description)
    created = first_proposal - timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 5))
    return dataclasses.replace(opening, created_at=created, start_date=group[0].start_date,
                               capacity=max(1, running), required_licences=[], arranged=True)


def _proposal(rng: random.Random, today: date, citizen: DemoCitizen, placement: DemoPlacement,
              oi: int, opening: DemoOpening, company: DemoCompany, trail) -> DemoProposal:
    created, decided, given, hired = trail
    staff = _staff(citizen, company)
    running = placement.end_date is None
    # A hire's consent runs the year out; an ended one keeps what it was given.
    deadline = (given.date() + timedelta(days=MAX_CONSENT_DAYS) if running
                else consent_deadline(given.date(), today))
    rng.uniform(0.5, 0.9)  # once a made-up score; still drawn, so the rest of the demo is as before
    proposal = DemoProposal(
        citizen=placement.citizen, opening=oi, status="disclosed",
        explanation=_explanation(citizen, opening), created_at=created, decided_by=staff,
        decided_at=decided, decision_reason="Aftalt med virksomheden.",
        company_response="hired", company_response_note=rng.choice(texts.HIRED_NOTES),
        company_responded_at=hired, disclosed_at=min(given + DISCLOSED_AFTER, hired),
        consent=DemoConsent(CONSENT_TEXT_VERSION, rng.choice(CHANNELS), given, deadline, staff, None))
    if running:
        _renew_if_due(rng, today, proposal, citizen, company)
    return proposal


def _renew_if_due(rng: random.Random, today: date, proposal: DemoProposal, citizen: DemoCitizen,
                  company: DemoCompany) -> None:
    """A running placement whose consent ran out (or runs out within a fortnight) had it renewed
    a few days before the deadline, under the current text."""
    consent = proposal.renewal or proposal.consent
    if consent is None or consent.deadline > today + timedelta(days=14):
        return
    renewed = min(consent.deadline - timedelta(days=rng.randint(1, 14)), today - timedelta(days=1))
    given = at(max(renewed, consent.given_at.date() + timedelta(days=1)), rng.randint(9, 15))
    proposal.renewal = DemoConsent(CURRENT_TEXT_VERSION, rng.choice(CHANNELS), given,
                                   consent_deadline(given.date(), today), _staff(citizen, company), None)
