"""The deterministic demo-data generator for a believable Hedensted municipality.

``generate_demo(seed, today)`` is pure: one ``random.Random(seed)``, no network, no clock but
``today``. Same seed and day give equal data; another seed gives other data. The result is
plain records (:mod:`portal.demo.records`) that :func:`portal.demo.loader.load_demo` inserts.
"""
from __future__ import annotations

import random
from datetime import date

from .arranged import arrange_openings
from .citizens import assign_case_ids, make_citizens
from .history import make_placements
from .hotline import make_hotline
from .openings import make_openings, make_proposals, settle_closed_cases, settle_done_openings
from .screening import make_screening
from .people import (ADMIN_LOGIN, COMPANY_LOGIN, CONSULTANT_LOGIN, PARTNER_LOGIN,
                     demo_companies, make_companies, make_company_users, make_staff)
from .records import DemoData, DemoUser
from .stories import make_stories

DEMO_LOGINS = {"company": COMPANY_LOGIN, "partner": PARTNER_LOGIN,
               "consultant": CONSULTANT_LOGIN, "admin": ADMIN_LOGIN}
CITIZEN_COUNT = 800

_ALL_KINDS = ("smaajob", "virksomhedspraktik", "loentilskud", "ordinaert", "fleksjob")
_ALLOWED: dict[str, tuple[str, ...]] = {
    "dagpenge": ("virksomhedspraktik", "loentilskud", "ordinaert"),
    "kontanthjaelp": ("smaajob", "virksomhedspraktik", "loentilskud", "ordinaert"),
    "uddannelseshjaelp": ("smaajob", "virksomhedspraktik", "loentilskud", "ordinaert"),
    "integrationsydelse": ("smaajob", "virksomhedspraktik", "loentilskud", "ordinaert"),
    "sygedagpenge": ("virksomhedspraktik", "ordinaert"),
    "jobafklaring": ("smaajob", "virksomhedspraktik", "ordinaert"),
    "ressourceforloeb": ("smaajob", "virksomhedspraktik", "loentilskud", "ordinaert"),
    "ledighedsydelse": ("smaajob", "virksomhedspraktik", "ordinaert", "fleksjob"),
}
DEFAULT_ELIGIBILITY: dict[tuple[str, str], bool] = {
    (group, kind): kind in kinds for group, kinds in _ALLOWED.items() for kind in _ALL_KINDS
}
"""Default rules table: may a citizen in benefit group G take an opening of kind K?

Seeded into ``EligibilityRule``; an administrator edits it afterwards (data, not code). It
agrees with ``matching.domain.DEFAULT_ELIGIBILITY`` (a test keeps them equal). Reasoning,
from DOMAIN.md and the Danish rules (LAB) it summarises:

* småjob ("Job First"): a few ordinary paid hours as the first step for kontanthjælp,
  uddannelseshjælp, ressourceforløb, jobafklaring and ledighedsydelse; integrationsydelse is
  the same target group locally. Not dagpenge (expected to seek full-time work; the hours
  are just supplementary work) nor sygedagpenge (return to work goes through the employer's
  gradual return, delvis raskmelding).
* virksomhedspraktik: every group; it is the tool for testing and building work capacity.
* løntilskud: the groups with a right to løntilskud (dagpenge, kontanthjælp,
  uddannelseshjælp, integrationsydelse, ressourceforløb). Not sygedagpenge or jobafklaring
  (on sick pay, not a job-seeker) and not ledighedsydelse (visited to fleksjob instead).
* ordinært job: open to everyone; the hours limit keeps the match realistic.
* fleksjob: only citizens visited to fleksjob, who receive ledighedsydelse while waiting.
"""


def company_user_index(users: list[DemoUser]) -> dict[int, list[int]]:
    """Company index -> indices of its users (every company has at least one)."""
    index: dict[int, list[int]] = {}
    for i, user in enumerate(users):
        if user.company is not None:
            index.setdefault(user.company, []).append(i)
    return index


def generate_demo(seed: int, today: date, password_hash: str | None = None,
                  citizen_count: int = CITIZEN_COUNT) -> DemoData:
    """Generate the whole demo municipality.

    Args:
        seed: seeds the single random source; same seed and ``today`` give equal data.
        today: the only clock; the history covers the 14 months before it.
        password_hash: set on every user (hashed once by the caller); None means no
            password (the user must use a set-password link).
        citizen_count: number of citizens (tests may use fewer).

    Returns:
        A :class:`DemoData` whose records reference each other by list index.
    """
    rng = random.Random(seed)
    teams, users = make_staff(rng, today, password_hash)
    companies = make_companies(rng, today, users)
    users += make_company_users(rng, companies, today, password_hash)
    company_users = company_user_index(users)
    citizens = make_citizens(rng, today, users, citizen_count)
    assign_case_ids(seed, citizens)  # on its own random source: nothing else in the demo moves
    openings = make_openings(rng, today, companies, company_users)
    eligibility = dict(DEFAULT_ELIGIBILITY)
    proposals = make_proposals(rng, today, citizens, openings, eligibility)
    placements = make_placements(rng, today, citizens, companies, company_users, proposals,
                                 openings, eligibility)
    settle_closed_cases(proposals, citizens)
    settle_done_openings(today, proposals, openings, {(p.citizen, p.opening) for p in placements if p.opening is not None})
    proposals += make_screening(seed, today, citizens, openings, eligibility, proposals)
    hotline = make_hotline(rng, today, placements, companies, company_users,
                           demo_companies(companies))
    stories = make_stories(seed, today, citizens, companies, placements)
    # Last, on its own random source: the openings and consents behind the VK's direct placements.
    arrange_openings(seed, today, citizens, companies, company_users, openings, proposals, placements)
    return DemoData(teams, users, companies, citizens, openings, proposals, placements,
                    hotline, eligibility, stories)
