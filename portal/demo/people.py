"""Teams, log-ins, companies and citizens for the demo municipality.

All randomness comes from the ``random.Random`` handed in; all dates from ``today``.
"""
from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, time, timedelta, timezone

# The demo is Hedensted's whatever table MATCHING_POSTCODES installs.
from matching.geo import BUILTIN_POSTCODES as POSTCODES

from . import names
from .records import DemoCompany, DemoTeam, DemoUser

DEMO_DOMAIN = "demo.jobbro.dk"
COMPANY_LOGIN = f"virksomhed@{DEMO_DOMAIN}"
PARTNER_LOGIN = f"partner@{DEMO_DOMAIN}"
CONSULTANT_LOGIN = f"konsulent@{DEMO_DOMAIN}"
ADMIN_LOGIN = f"admin@{DEMO_DOMAIN}"
TEAMS = ("Team Nord", "Team Syd")
# (fixed e-mail or None, function, team index). Two VKs and one adviser per team.
STAFF = ((ADMIN_LOGIN, "admin", None), (CONSULTANT_LOGIN, "vk", 0), (None, "vk", 0),
         (None, "adviser", 0), (None, "vk", 1), (None, "vk", 1), (None, "adviser", 1))

BENEFIT_WEIGHTS = {"dagpenge": 20, "kontanthjaelp": 20, "uddannelseshjaelp": 12,
                   "integrationsydelse": 8, "sygedagpenge": 16, "jobafklaring": 8,
                   "ressourceforloeb": 9, "ledighedsydelse": 7}
HOURS = {"dagpenge": (37, 37, 37, 37, 37, 32, 30), "kontanthjaelp": (37, 30, 25, 20, 15, 10),
         "uddannelseshjaelp": (37, 30, 20, 15, 10), "integrationsydelse": (37, 30, 25, 20, 15),
         "sygedagpenge": (4, 6, 8, 10, 12, 15, 20, 25), "jobafklaring": (3, 5, 6, 8, 10, 12, 15),
         "ressourceforloeb": (2, 3, 4, 5, 6, 8, 10, 12),
         "ledighedsydelse": (8, 10, 12, 15, 18, 20, 25)}
READINESS = ("i_gang", "paa_spring", "paa_vej", "laengere_sigt")
READINESS_WEIGHTS = {"dagpenge": (6, 3, 1, 0), "kontanthjaelp": (2, 3, 3, 2),
                     "uddannelseshjaelp": (2, 3, 3, 2), "integrationsydelse": (2, 3, 3, 1),
                     "sygedagpenge": (1, 2, 4, 2), "jobafklaring": (0, 1, 4, 5),
                     "ressourceforloeb": (0, 1, 3, 6), "ledighedsydelse": (2, 3, 3, 1)}
LIMITATION_P = {"dagpenge": .05, "kontanthjaelp": .3, "uddannelseshjaelp": .2,
                "integrationsydelse": .1, "sygedagpenge": .7, "jobafklaring": .85,
                "ressourceforloeb": .9, "ledighedsydelse": .9}
CASE_DAYS = {"dagpenge": (10, 700), "kontanthjaelp": (30, 2200), "uddannelseshjaelp": (20, 900),
             "integrationsydelse": (60, 1500), "sygedagpenge": (10, 400),
             "jobafklaring": (60, 800), "ressourceforloeb": (120, 1800),
             "ledighedsydelse": (20, 1100)}
LICENCE_P = {"uddannelseshjaelp": .45, "integrationsydelse": .3, "ressourceforloeb": .5}
FOREIGN_P = {"integrationsydelse": .9, "kontanthjaelp": .15}
FLAGS = ("no_heavy_lifting", "no_night_work", "quiet_environment", "reduced_hours",
         "flexible_start")


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A timezone-aware UTC datetime on ``day``."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


def slug(text: str, sep: str = "-") -> str:
    """ASCII slug: "Tørring Tømrer & Snedker ApS" -> "toerring-toemrer-snedker-aps"."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return sep.join(words)


def town(postcode: str) -> str:
    return POSTCODES[postcode][0]


def person_name(rng: random.Random, origin: str | None = None) -> str:
    """A fictitious full name; ``origin`` is a mother tongue in ``names.FOREIGN_ORIGINS``."""
    female = rng.random() < 0.5
    if origin is not None:
        females, males, lasts = names.FOREIGN_ORIGINS[origin]
        return f"{rng.choice(females if female else males)} {rng.choice(lasts)}"
    first = rng.choice(names.FIRST_NAMES_F if female else names.FIRST_NAMES_M)
    middle = f"{rng.choice(names.LAST_NAMES)} " if rng.random() < 0.25 else ""
    return f"{first} {middle}{rng.choice(names.LAST_NAMES)}"


def company_name(rng: random.Random, sector: str, postcode: str) -> str:
    return rng.choice(names.SECTOR_NAMES[sector]).format(
        town=town(postcode), surname=rng.choice(names.LAST_NAMES),
        region=rng.choice(names.REGION_WORDS), place=rng.choice(names.PLACE_WORDS))


def make_cvr(rng: random.Random, taken: set[str]) -> str:
    """A fictitious 8-digit CVR number that passes the modulus-11 check, unique in ``taken``."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = (-sum(w * d for w, d in zip(weights, digits))) % 11
        cvr = "".join(map(str, digits)) + str(check)
        if check < 10 and cvr not in taken:
            taken.add(cvr)
            return cvr


def make_staff(rng: random.Random, today: date, password_hash: str | None
               ) -> tuple[list[DemoTeam], list[DemoUser]]:
    """The two teams, six consultants and the administrator."""
    users = []
    for i, (email, function, team) in enumerate(STAFF):
        name = person_name(rng)
        email = email or f"{slug(name, '.')}@{DEMO_DOMAIN}"
        role = "admin" if function == "admin" else "consultant"
        # Direct lines by position, not from rng: the seeded draws (and so the demo) stay as they were.
        phone = f"79 75 5{i} {21 + 11 * i:02d}" if role == "consultant" else ""
        # Created 500-900 days back, before the 14-month history (history.HISTORY_DAYS): the first
        # user's day is when the demo's Jobbro was taken into use, and /maal offers no month
        # before it (portal.dashboard.go_live), so the demo's 12 months all have figures.
        users.append(DemoUser(email, name, role, function, None, team, password_hash,
                              at(today - timedelta(days=rng.randint(500, 900))), phone))
    return [DemoTeam(name) for name in TEAMS], users


def team_of(postcode: str) -> int:
    return 0 if postcode in names.TEAM_NORTH_POSTCODES else 1


def vks_of(users: list[DemoUser], team: int) -> list[int]:
    return [i for i, u in enumerate(users) if u.function == "vk" and u.team == team]


def make_companies(rng: random.Random, today: date, users: list[DemoUser]) -> list[DemoCompany]:
    """The 40 companies; 8 Code of Care partners, 2 of them with standing seats."""
    taken: set[str] = set()
    seen: set[str] = set()
    companies = []
    for sector, postcode in names.COMPANY_SPECS:
        name = company_name(rng, sector, postcode)
        while name in seen:
            name = company_name(rng, sector, postcode)
        seen.add(name)
        street = rng.choice(names.BUSINESS_STREETS if sector in ("industri", "logistik", "auto",
                            "foedevare", "installation", "webshop") else names.STREETS)
        companies.append(DemoCompany(
            name, make_cvr(rng, taken), f"{street} {rng.randint(1, 120)}", postcode, sector,
            False, 0, rng.choice(vks_of(users, team_of(postcode))),
            at(today - timedelta(days=rng.randint(430, 3000)))))
    eligible = [i for i, c in enumerate(companies) if c.sector in names.PARTNER_SECTORS]
    partners = rng.sample(eligible, 8)
    for i in partners:
        companies[i].code_of_care = True
    for i in partners[:2]:
        companies[i].standing_seats = rng.randint(3, 8)
    return companies


def make_company_users(rng: random.Random, companies: list[DemoCompany], today: date,
                       password_hash: str | None) -> list[DemoUser]:
    """One contact per company, plus the fixed demo log-ins for a company and a partner."""
    users = []
    for i, company in enumerate(companies):
        users.append(DemoUser(f"kontakt@{slug(company.name)}.dk", person_name(rng), "company",
                              "company", i, None, password_hash,
                              at(company.created_at.date() + timedelta(days=rng.randint(1, 60)))))
    ordinary, partner = demo_companies(companies)
    for email, i in ((COMPANY_LOGIN, ordinary), (PARTNER_LOGIN, partner)):
        users.append(DemoUser(email, person_name(rng), "company", "company", i, None,
                              password_hash, at(today - timedelta(days=420))))
    return users


def demo_companies(companies: list[DemoCompany]) -> tuple[int, int]:
    """(ordinary demo company, Code of Care partner demo company) as indices."""
    ordinary = next(i for i, c in enumerate(companies)
                    if not c.code_of_care and c.sector in ("logistik", "industri", "detail"))
    partner = next(i for i, c in enumerate(companies) if c.standing_seats)
    return ordinary, partner
