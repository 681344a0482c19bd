"""Demo openings of every kind, and the proposals that went through the pipeline.

Proposals respect the hard limits the matcher enforces (eligibility, hours, licence, commute)
and carry the timestamps of each step; a step that would fall after ``today`` has not
happened yet, so the proposal stays at the earlier status.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from matching import licences
# The demo is Hedensted's whatever table MATCHING_POSTCODES installs.
from matching.geo import BUILTIN_POSTCODES as POSTCODES
from matching.geo import haversine_km

from ..consents import CONSENT_TEXT_VERSION as CURRENT_TEXT_VERSION, MAX_CONSENT_DAYS
from ..proposals import ENDABLE
from . import texts
from .occupations import BY_KEY, OCCUPATIONS, Occupation, opening_licences
from .people import at, demo_companies, town
from .records import DemoCitizen, DemoCompany, DemoConsent, DemoOpening, DemoProposal

OPENING_COUNT = 60
KIND_WEIGHTS = {"virksomhedspraktik": 16, "smaajob": 14, "loentilskud": 10, "ordinaert": 10,
                "fleksjob": 6}
STATUS_WEIGHTS = {"open": 64, "filled": 13, "closed": 13, "draft": 10}
HOURS_CHOICES = {  # (hours_min choices, hours_max choices)
    "smaajob": ((2, 3, 4, 5), (8, 10, 12, 15)),
    "virksomhedspraktik": ((5, 10, 15, 20), (25, 30, 37)),
    "loentilskud": ((20, 25, 30), (37,)),
    "ordinaert": ((25, 30, 37), (37,)),
    "fleksjob": ((5, 8, 10), (12, 15, 20)),
}
WEEKS = {"virksomhedspraktik": (4, 6, 8, 13), "loentilskud": (13, 26, 52)}
# The terms a consent is usually given for (days), shortest first; the longest is the legal most.
CONSENT_TERMS = (90, 180, MAX_CONSENT_DAYS)
PIPELINE_WEIGHTS = {"proposed": 28, "approved": 16, "rejected": 15, "consented": 12,
                    "disclosed": 23, "withdrawn": 6}
# The demo's consents are given under the current text: it covers the profile and the phone
# number the demo shares (portal.consents.CONSENT_SCOPES); an older text would share the name only.
CONSENT_TEXT_VERSION = CURRENT_TEXT_VERSION


def sector_occupations(sector: str) -> list[Occupation]:
    return [o for o in OCCUPATIONS if sector in o.sectors]


def distance(postcode_a: str, postcode_b: str) -> float:
    _, lat1, lon1 = POSTCODES[postcode_a]
    _, lat2, lon2 = POSTCODES[postcode_b]
    return haversine_km(lat1, lon1, lat2, lon2)


def _opening(rng: random.Random, today: date, companies: list[DemoCompany], ci: int,
             kind: str, status: str, author: int, seats: int = 1) -> DemoOpening:
    company = companies[ci]
    occ = rng.choice(sector_occupations(company.sector))
    mins, maxs = HOURS_CHOICES[kind]
    hours = (float(rng.choice(mins)), float(rng.choice(maxs)))
    weeks = rng.choice(WEEKS[kind]) if kind in WEEKS else None
    created = {"open": (3, 100), "draft": (0, 20), "filled": (40, 420), "closed": (60, 425)}
    created_day = today - timedelta(days=rng.randint(*created[status]))
    if seats > 1:
        created_day = today - timedelta(days=rng.randint(400, 425))
    start = (today + timedelta(days=rng.randint(3, 45)) if status in ("open", "draft")
             else created_day + timedelta(days=rng.randint(14, 40)))
    licence = rng.random() < (0.8 if occ.licence else 0.05)
    required = opening_licences(occ) if licence else []
    languages = rng.choices(("dansk", "", "dansk, engelsk" if occ.english else "dansk"),
                            (6, 3, 1))[0]
    accommodations = ""
    if kind != "ordinaert" and rng.random() < (0.8 if company.code_of_care else 0.4):
        accommodations = " ".join(rng.sample(texts.ACCOMMODATIONS, k=rng.randint(1, 2)))
    title = (texts.seats_title(rng, occ, seats) if seats > 1 else
             texts.opening_title(rng, occ, kind, hours[1], town(company.postcode)))
    description = texts.opening_description(
        rng, occ, kind, company=company.name, town=town(company.postcode), hours=hours,
        weeks=weeks, code_of_care=company.code_of_care)
    return DemoOpening(
        company=ci, kind=kind, title=title, description=description,
        requirements=texts.opening_requirements(rng, occ, licences=required,
                                                danish="dansk" in languages),
        hours_min=hours[0], hours_max=hours[1], postcode=company.postcode,
        start_date=start if status != "draft" or rng.random() < .5 else None,
        duration_weeks=weeks, required_licences=required, required_languages=languages,
        accommodations=accommodations, capacity=seats, status=status, created_by=author,
        created_at=at(created_day, rng.randint(8, 15), rng.randint(0, 59)), occupation=occ.key)


def make_openings(rng: random.Random, today: date, companies: list[DemoCompany],
                  company_users: dict[int, list[int]]) -> list[DemoOpening]:
    """About 60 openings: standing seats first, then the demo companies, then the rest."""
    ordinary, partner = demo_companies(companies)
    plan: list[tuple[int, str, str, int]] = [
        (i, "virksomhedspraktik", "open", c.standing_seats)
        for i, c in enumerate(companies) if c.standing_seats]
    plan += [(ordinary, "virksomhedspraktik", "open", 1), (ordinary, "smaajob", "open", 1),
             (ordinary, "ordinaert", "filled", 1), (ordinary, "loentilskud", "closed", 1),
             (partner, "smaajob", "open", 1), (partner, "fleksjob", "open", 1)]
    while len(plan) < OPENING_COUNT:
        kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        plan.append((rng.randrange(len(companies)), kind, status, 1))
    return [_opening(rng, today, companies, ci, kind, status, rng.choice(company_users[ci]),
                     seats) for ci, kind, status, seats in plan]


def fits(citizen: DemoCitizen, opening: DemoOpening,
         eligibility: dict[tuple[str, str], bool]) -> bool:
    """The matcher's hard limits, so demo proposals never break them."""
    return (eligibility[(citizen.benefit_group, opening.kind)]
            and citizen.hours_available >= opening.hours_min
            and licences.satisfies(citizen.driving_licences, opening.required_licences)
            and distance(citizen.postcode, opening.postcode) <= citizen.max_commute_km)


def candidates(citizens: list[DemoCitizen], opening: DemoOpening,
               eligibility: dict[tuple[str, str], bool]) -> list[int]:
    return [i for i, c in enumerate(citizens)
            if c.cv_text and c.job_goals and c.vk is not None and c.case_closed is None
            and c.case_start < opening.created_at.date() and opening.occupation in c.occupations and fits(c, opening, eligibility)]


def make_proposals(rng: random.Random, today: date, citizens: list[DemoCitizen],
                   openings: list[DemoOpening],
                   eligibility: dict[tuple[str, str], bool]) -> list[DemoProposal]:
    """Proposals for every published opening, through all statuses of the pipeline."""
    proposals = []
    cutoff = at(today, 0)
    for oi, opening in enumerate(openings):
        if opening.status == "draft":
            continue
        pool = candidates(citizens, opening, eligibility)
        wanted = rng.randint(2, 8) + (opening.capacity if opening.capacity > 1 else 0)
        for rank, ci in enumerate(rng.sample(pool, k=min(wanted, len(pool)))):
            target = _target_status(rng, opening, rank)
            proposal = _proposal(rng, citizens[ci], ci, oi, opening, target, cutoff)
            if proposal is not None:
                proposals.append(proposal)
    return proposals


def _target_status(rng: random.Random, opening: DemoOpening, rank: int) -> tuple[str, str | None]:
    """(status, company response) the proposal is heading for."""
    hires = opening.capacity if opening.capacity > 1 else 1
    # A filled opening hired its first candidates; standing seats are about half taken.
    if (opening.status == "filled" and rank < hires) or (opening.capacity > 1
                                                         and rank < hires // 2):
        return "disclosed", "hired"
    if opening.status in ("filled", "closed"):
        return rng.choices((("rejected", None), ("disclosed", "declined"), ("withdrawn", None),
                            ("disclosed", "interested")), (5, 4, 1, 1))[0]
    status = rng.choices(list(PIPELINE_WEIGHTS), list(PIPELINE_WEIGHTS.values()))[0]
    response = rng.choice((None, "interested", "interested", "declined"))
    return status, response if status == "disclosed" else None


def _proposal(rng: random.Random, citizen: DemoCitizen, ci: int, oi: int,
              opening: DemoOpening, target: tuple[str, str | None],
              cutoff: datetime) -> DemoProposal | None:
    created = opening.created_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5))
    if created >= cutoff:
        return None
    status, response = target
    rng.uniform(0.45, 0.95)  # once a made-up score; still drawn, so the rest of the demo is as before
    proposal = DemoProposal(citizen=ci, opening=oi, status="proposed",
                            explanation=_explanation(citizen, opening), created_at=created)
    if status == "proposed":
        return proposal
    decided = created + timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 6))
    if decided >= cutoff:
        return proposal
    proposal.decided_by, proposal.decided_at = citizen.vk, decided
    if status == "rejected":
        proposal.status, proposal.decision_reason = "rejected", rng.choice(texts.REJECTION_REASONS)
        return proposal
    proposal.status = "approved"
    given = decided + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 4))
    if status == "approved" or given >= cutoff:
        return proposal
    consent = DemoConsent(CONSENT_TEXT_VERSION, rng.choice(("telefon", "moede", "brev", "digital")),
                          given, consent_deadline(given.date(), cutoff.date()), citizen.vk, None)
    proposal.consent, proposal.status = consent, "consented"
    _advance(rng, proposal, status, response, cutoff)
    return proposal


def consent_deadline(given: date, today: date) -> date:
    """The deadline a consultant would have agreed: the shortest usual term (3, 6 or 12 months,
    :data:`CONSENT_TERMS`) that still holds today, so a live proposal has a live consent. A
    consent given more than a year ago cannot hold (a year is the most,
    :data:`portal.consents.MAX_CONSENT_DAYS`): it got the shortest term and has clearly
    expired, as the page and the work queue then say."""
    for days in CONSENT_TERMS:
        if given + timedelta(days=days) > today:
            return given + timedelta(days=days)
    return given + timedelta(days=CONSENT_TERMS[0])


# The consultant shares the name the same day the consent is recorded.
DISCLOSED_AFTER = timedelta(hours=2)


def _advance(rng: random.Random, proposal: DemoProposal, status: str, response: str | None,
             cutoff: datetime) -> None:
    """From consented on: disclosed (maybe with a company response) or withdrawn."""
    consent = proposal.consent
    assert consent is not None
    later = consent.given_at + timedelta(days=rng.randint(1, 12), hours=rng.randint(1, 6))
    if status == "withdrawn" and later < cutoff:
        proposal.status, consent.withdrawn_at = "withdrawn", later
    elif status == "disclosed":
        proposal.status = "disclosed"
        proposal.disclosed_at = consent.given_at + DISCLOSED_AFTER  # before any answer (``later``)
        if response and later < cutoff:
            notes = {"hired": texts.HIRED_NOTES, "declined": texts.DECLINE_NOTES,
                     "interested": texts.INTEREST_NOTES}[response]
            proposal.company_response, proposal.company_responded_at = response, later
            proposal.company_response_note = rng.choice(notes)


# The generator's own key in a seeded explanation: the citizen's jobmål of the opening's sector
# when none is of its occupation. The loader takes it out (portal.demo.loader): it is the
# consultant's choice to share, never stored as a matcher fact.
SECTOR_GOALS = "demo_sector_goals"


def _explanation(citizen: DemoCitizen, opening: DemoOpening) -> dict:
    """What the generator chose the pair by, in the shape the matcher's Explanation uses: the
    jobmål, the distance and the hard limits, never a score, band or hours fit (the matcher's
    own facts replace it once the index is built: :mod:`portal.demo.facts`)."""
    # The jobmål that matches, as the consultant sees it and the company then reads it ("Jobmål
    # der matcher"): the citizen's jobmål of the opening's occupation (one jobmål per
    # occupation, in the same order), else none. A candidate screened from another occupation
    # of the same sector carries that jobmål apart (SECTOR_GOALS): the consultant shares it as
    # the candidate's own, which the company reads as "Kandidatens jobmål", not as one that
    # matches (a truck driver's goal for an office placement; review AT 9). Without either the
    # company reads "Foreslået af jobcentret". Never an unrelated jobmål.
    by_occupation = list(zip(citizen.job_goals, citizen.occupations))
    sectors = set(BY_KEY[opening.occupation].sectors)
    goals = [g for g, key in by_occupation if key == opening.occupation]
    related = [] if goals else [g for g, key in by_occupation if sectors & set(BY_KEY[key].sectors)]
    km = distance(citizen.postcode, opening.postcode)
    return {
        "source": "demo",
        "matched_goals": goals,
        SECTOR_GOALS: related,
        "distance_km": round(km, 1),
        "constraints": [
            {"name": "eligibility", "passed": True,
             "detail": f"{citizen.benefit_group} -> {opening.kind}"},
            {"name": "hours", "passed": True, "detail":
             f"{citizen.hours_available:g} h available vs. min {opening.hours_min:g} h"},
            {"name": "commute", "passed": True,
             "detail": f"{km:.1f} km vs. max {citizen.max_commute_km:g} km"},
        ],
    }


def settle_closed_cases(proposals: list[DemoProposal], citizens: list[DemoCitizen]) -> None:
    """A case that closed (job, fleksjob, education) ended its live proposals, as closing a case
    does in the portal (``portal.citizens.case_endings``): every proposal still open to a next
    step and not a hire is "ended" on the closing date, its consent withdrawn that morning; the
    consultant's decision and the company's answer stay as they were."""
    for proposal in proposals:
        closed = citizens[proposal.citizen].case_closed
        if closed is None or proposal.status not in ENDABLE or proposal.company_response == "hired":
            continue
        proposal.status, proposal.ended_on = "ended", closed
        consent = proposal.consent
        if consent is not None and consent.withdrawn_at is None:
            consent.withdrawn_at, consent.ended_with_proposal = max(consent.given_at, at(closed, 9)), True


# A candidate still waiting on a filled or closed opening is ended by the consultant
# (``portal.candidates.opening_done``); the demo leaves the newer ones for the start page.
DONE_OPENING_BACKLOG_DAYS = 45


def settle_done_openings(today: date, proposals: list[DemoProposal], openings: list[DemoOpening],
                         placed: set[tuple[int, int]]) -> None:
    """Live proposals (not a hire, no placement on the pair) on a filled or closed opening made
    more than :data:`DONE_OPENING_BACKLOG_DAYS` days ago are "opening_done", ended 30 days after
    they were made, their consent stopped that morning as ended with the proposal; newer ones
    wait on the consultant's start page ("Forslag på besatte eller lukkede opslag")."""
    for proposal in proposals:
        created = proposal.created_at.date()
        if (openings[proposal.opening].status not in ("filled", "closed") or proposal.status not in ENDABLE
                or proposal.company_response == "hired" or (proposal.citizen, proposal.opening) in placed
                or created > today - timedelta(days=DONE_OPENING_BACKLOG_DAYS)):
            continue
        ended = created + timedelta(days=30)
        proposal.status, proposal.ended_on = "opening_done", ended
        consent = proposal.renewal or proposal.consent  # the one in use (a renewal replaced the first)
        if consent is not None and consent.withdrawn_at is None:
            consent.withdrawn_at, consent.ended_with_proposal = max(consent.given_at, at(ended, 9)), True