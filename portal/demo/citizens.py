"""Demo citizens: profile, jobmål, CV, skånehensyn and assigned consultants.

About 86% get CV, jobmål and VK (the policy goal is 85%); the rest miss exactly one, so the
portal's "what is missing" measure has something true to show.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from . import names
from .cv import CvPerson, cv_text
from .occupations import OCCUPATIONS, Occupation, held_licences
from .people import (BENEFIT_WEIGHTS, CASE_DAYS, FLAGS, FOREIGN_P, HOURS, LICENCE_P,
                     LIMITATION_P, READINESS, READINESS_WEIGHTS, at, company_name, person_name,
                     slug, team_of, vks_of)
from .records import DemoCitizen, DemoUser
from .texts import limitation_text

COMPLETE_SHARE = 0.86
DRIVING_JOBS = ("chauffoer", "varebilchauffoer", "buschauffoer")
ENGLISH_LEVELS = ("lidt", "godt", "godt", "rigtig godt", "flydende")
DANISH_LEVELS_NEWCOMER = ("lidt", "godt", "modul 3", "modul 4", "godt i hverdagen")


def _pick_occupations(rng: random.Random, flags: list[str]) -> list[Occupation]:
    """1-3 distinct occupations; heavy work is mostly avoided with a lifting limitation."""
    weights = [o.weight for o in OCCUPATIONS]
    count = rng.choices((1, 2, 3), (4, 4, 2))[0]
    chosen: list[Occupation] = []
    while len(chosen) < count:
        occ = rng.choices(OCCUPATIONS, weights)[0]
        if occ in chosen or (occ.heavy and "no_heavy_lifting" in flags and rng.random() < .85):
            continue
        chosen.append(occ)
    return chosen


def _languages(rng: random.Random, origin: str | None) -> list[tuple[str, str]]:
    foreign = origin is not None
    if origin is not None:
        langs = [(origin, "modersmål"), ("dansk", rng.choice(DANISH_LEVELS_NEWCOMER))]
    else:
        langs = [("dansk", "modersmål")]
    if rng.random() < (0.45 if foreign else 0.65):
        langs.append(("engelsk", rng.choice(ENGLISH_LEVELS)))
    if not foreign and rng.random() < 0.1:
        langs.append(("tysk", "lidt"))
    return langs


def _limitations(rng: random.Random, group: str, hours: float) -> tuple[list[str], str]:
    if rng.random() >= LIMITATION_P[group]:
        return [], ""
    flags = rng.sample(FLAGS, k=rng.choice((1, 1, 2)))
    if hours <= 12 and "reduced_hours" not in flags and rng.random() < 0.5:
        flags.append("reduced_hours")
    flags.sort(key=FLAGS.index)
    return flags, limitation_text(rng, flags, hours)


def _missing_plan(rng: random.Random, count: int) -> dict[int, str]:
    """Exactly ``1 - COMPLETE_SHARE`` of the citizens miss one of CV, jobmål or VK."""
    chosen = rng.sample(range(count), k=round(count * (1 - COMPLETE_SHARE)))
    return {i: rng.choices(("cv", "jobmaal", "vk"), (4, 3, 3))[0] for i in chosen}


def _contact(rng: random.Random, name: str) -> tuple[str, str]:
    phone = f"{rng.choice('2345678')}{rng.randint(0, 9)} {rng.randint(10, 99)} " \
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}"
    email = "" if rng.random() < 0.15 else f"{slug(name, '.')}{rng.randint(1, 99)}@example.com"
    return phone, email


def make_citizen(rng: random.Random, today: date, users: list[DemoUser],
                 missing: str | None = None) -> DemoCitizen:
    """One citizen, consistent across profile, CV, skånehensyn and consultants.

    ``missing`` ("cv", "jobmaal" or "vk") leaves that part out.
    """
    group = rng.choices(list(BENEFIT_WEIGHTS), list(BENEFIT_WEIGHTS.values()))[0]
    origin = (rng.choice(sorted(names.FOREIGN_ORIGINS))
              if rng.random() < FOREIGN_P.get(group, 0.06) else None)
    name = person_name(rng, origin)
    postcode = rng.choices([p for p, _ in names.HOME_POSTCODES],
                           [w for _, w in names.HOME_POSTCODES])[0]
    hours = float(rng.choice(HOURS[group]))
    licence = rng.random() < LICENCE_P.get(group, 0.7)
    flags, limitations = _limitations(rng, group, hours)
    occupations = _pick_occupations(rng, flags)
    # Driving is the job itself for chauffeurs: their CV and licence must agree.
    licence = licence or any(o.key in DRIVING_JOBS for o in occupations)
    languages = _languages(rng, origin)
    team = team_of(postcode)
    case_start = today - timedelta(days=rng.randint(*CASE_DAYS[group]))
    text = None if missing == "cv" else _cv(rng, CvPerson(
        name.split()[0], tuple(occupations), group, licence, tuple(languages), today.year))
    goals = [] if missing == "jobmaal" else [rng.choice(o.goals[:1] * 3 + o.goals[1:])
                                             for o in occupations]
    phone, email = _contact(rng, name)
    return DemoCitizen(
        name=name, phone=phone, email=email, postcode=postcode,
        max_commute_km=float(rng.choice((15, 20, 25, 30, 40, 50) if licence else (5, 8, 10, 15, 20))),
        benefit_group=group, hours_available=hours,
        driving_licences=held_licences(occupations) if licence else [],
        languages=", ".join(lang for lang, _ in languages), limitation_flags=flags,
        limitations_text=limitations,
        readiness_group=rng.choices(READINESS, READINESS_WEIGHTS[group])[0],
        vk=None if missing == "vk" else rng.choice(vks_of(users, team)),
        adviser=next(i for i, u in enumerate(users) if u.function == "adviser" and u.team == team),
        team=team, case_start=case_start, case_closed=None, job_goals=goals, cv_text=text,
        occupations=[o.key for o in occupations], created_at=at(case_start, 10),
    )


def _cv(rng: random.Random, person: CvPerson) -> str:
    """The CV text; earlier employers are fictitious firms in the area."""
    towns = sorted(names.TEAM_NORTH_POSTCODES) + ["7130", "8783", "7000"]
    return cv_text(rng, person, lambda sector: company_name(rng, sector, rng.choice(towns)))


def make_citizens(rng: random.Random, today: date, users: list[DemoUser],
                  count: int = 800) -> list[DemoCitizen]:
    missing = _missing_plan(rng, count)
    return [make_citizen(rng, today, users, missing.get(i)) for i in range(count)]


CASE_ID_PREFIX = "SAG-"
FIRST_CASE_NUMBER = 104_000  # six digits, so no id is ever the import template's example »SAG-10001«
MAX_CASE_NUMBER_STEP = 40


def assign_case_ids(seed: int, citizens: list[DemoCitizen]) -> None:
    """Give every citizen the case system's id, as a real job centre's citizens all come with one
    (the imports find a citizen by it: »Eksternt id«, e.g. »Løntimer fra fagsystemet«).

    »SAG-104217«: the case system numbers its cases in order, so the numbers rise with the case
    start, with gaps (the cases of citizens who never came into Jobbro). Unique, never CPR-like
    (six digits or more after »SAG-«, no ten-digit run), and the same for the same seed and
    citizens. On its own random source (``case-ids-<seed>``), so no other demo data changes.
    """
    rng = random.Random(f"case-ids-{seed}")
    number = FIRST_CASE_NUMBER
    for index in sorted(range(len(citizens)), key=lambda i: (citizens[i].case_start, i)):
        number += rng.randint(1, MAX_CASE_NUMBER_STEP)
        citizens[index].external_id = f"{CASE_ID_PREFIX}{number}"
