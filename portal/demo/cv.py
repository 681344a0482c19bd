"""Realistic Danish CV texts for demo citizens, in several layouts and voices.

A CV mentions the tasks, skills and education of the citizen's occupations so that matching
has something true to find, and varies its layout, headings and phrasing (some with English
headings or an English profile, as real CVs at a job centre do). No contact details, no
CPR numbers: only the first name appears.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..i18n import and_list
from .occupations import Occupation

COUNTRY_BY_LANGUAGE = {
    "arabisk": "Syrien", "somali": "Somalia", "tigrinya": "Eritrea", "dari": "Afghanistan",
    "ukrainsk": "Ukraine",
}
SOFT_SKILLS = (
    "mødestabil", "pligtopfyldende", "positiv", "arbejdsom", "hjælpsom", "ærlig", "fleksibel",
    "rolig", "lærenem", "samarbejdsvillig", "stabil", "udadvendt",
)
PROFILES_DA = (
    "Jeg er en {t1} og {t2} person, der gerne vil arbejde som {goal}.",
    "{T1} og {t2} {goal} med erfaring fra flere arbejdspladser. Jeg trives bedst, når der "
    "er travlt, og jeg er ikke bange for at tage fat.",
    "Jeg søger job som {goal} – gerne med mulighed for flere timer på sigt. Mine kolleger "
    "vil beskrive mig som {t1} og {t2}.",
    "Jeg er {t1}, {t2} og god til at samarbejde. Man kan regne med mig, og jeg møder til "
    "tiden.",
    "Har flere års erfaring som {goal} og vil gerne bruge den igen i en virksomhed, hvor der "
    "er et godt arbejdsmiljø.",
    "Jeg er en praktisk anlagt person, som lærer hurtigt. Jeg vil gerne arbejde som {goal} "
    "og er åben for både deltid og fuldtid.",
)
PROFILES_HEALTH = (
    "Efter en periode med sygdom er jeg klar til at komme tilbage på arbejdsmarkedet i et "
    "tempo, der passer mig. Jeg vil gerne arbejde som {goal} nogle timer om ugen.",
    "Jeg har haft nogle svære år, men jeg vil gerne i gang igen. Jeg er {t1} og {t2}, og "
    "jeg drømmer om at arbejde som {goal}.",
)
PROFILES_YOUNG = (
    "Ung og motiveret – jeg vil gerne i gang med en uddannelse som {goal} og søger job "
    "eller praktik inden for området.",
    "Jeg er 2{age} år og vil gerne prøve kræfter med arbejdet som {goal}, før jeg vælger "
    "uddannelse.",
)
PROFILES_NEWCOMER = (
    "Jeg kom til Danmark i {arrival} og har lært dansk på sprogcenter. Jeg arbejdede som "
    "{goal} i {country} og vil gerne gøre det samme her.",
    "I {country} arbejdede jeg i mange år som {goal}. Jeg er {t1} og {t2} og vil gerne "
    "lære mere dansk på en arbejdsplads.",
)
PROFILES_EN = (
    "Hardworking and reliable, with {years} years of experience in {english}. Team player, "
    "flexible and eager to learn.",
    "I am a motivated person looking for work as {goal}. I have experience in {english} and "
    "I am a quick learner.",
)


@dataclass(frozen=True)
class CvPerson:
    """What the CV writer needs to know about the citizen."""

    first_name: str
    occupations: tuple[Occupation, ...]
    benefit_group: str
    driving_licence: bool
    languages: tuple[tuple[str, str], ...]  # (language, level), mother tongue first
    today_year: int


def lower_first(title: str) -> str:
    """"Lagermedarbejder" -> "lagermedarbejder", but acronyms ("IT-supporter") stay."""
    head = title.split("-")[0].split()[0]
    if len(head) > 1 and head.isupper():
        return title
    return title[0].lower() + title[1:]


def _experience(rng: random.Random, person: CvPerson, employer: Callable[[str], str]
                ) -> tuple[list[tuple[str, str, str, list[str]]], int | None]:
    """Jobs, newest first: (period, title, employer, tasks), and the year of arrival in
    Denmark for a newcomer (whose older jobs were abroad), else None."""
    jobs = []
    end = person.today_year - rng.choice((0, 0, 1, 1, 2, 3))
    occs = [person.occupations[0]] * rng.randint(1, 2) + list(person.occupations[1:2])
    rng.shuffle(occs)
    country = COUNTRY_BY_LANGUAGE.get(person.languages[0][0])
    arrival = None
    for i, occ in enumerate(occs):
        start = end - rng.randint(1, 6)
        period = f"{start}–{end}" if i or rng.random() < 0.8 else f"{start}–nu (deltid)"
        where = employer(rng.choice(occ.sectors))
        if country and (i > 0 or len(occs) == 1):
            where = f"{rng.choice(('Egen virksomhed', 'Privat firma', 'Familiens forretning'))}, {country}"
            arrival = arrival or min(person.today_year, end + rng.randint(0, 1))
            period = f"{start}–{end}"
        elif country:
            arrival = start - rng.randint(0, 1)
        tasks = rng.sample(occ.tasks, k=min(len(occ.tasks), rng.randint(2, 3)))
        jobs.append((period, rng.choice(occ.goals), where, tasks))
        end = start - rng.choice((0, 0, 1))
    return jobs, arrival


def _education(rng: random.Random, person: CvPerson) -> list[str]:
    occ = person.occupations[0]
    items = [rng.choice(occ.education)]
    if rng.random() < 0.4 and len(person.occupations) > 1:
        items.append(rng.choice(person.occupations[1].education))
    items += [c for c in occ.certificates[: rng.randint(0, len(occ.certificates))]
              if person.driving_licence or "kørekort" not in c]
    if person.benefit_group == "integrationsydelse":
        danish = dict(person.languages).get("dansk", "")
        module = danish.split()[-1] if danish.startswith("modul") else rng.randint(2, 5)
        items.append(f"Danskuddannelse, modul {module}, sprogcenter")
    if "Folkeskolens afgangseksamen" not in items and rng.random() < 0.5:
        items.append(rng.choice(("Folkeskolens afgangseksamen", "10. klasse", "HF", "STX")))
    return list(dict.fromkeys(item[0].upper() + item[1:] for item in items))


def _skills(rng: random.Random, person: CvPerson) -> list[str]:
    occ_skills = [s for occ in person.occupations for s in occ.skills]
    return list(dict.fromkeys(rng.sample(occ_skills, k=min(4, len(occ_skills)))
                              + rng.sample(SOFT_SKILLS, k=2)))


def _licence_line(rng: random.Random, person: CvPerson) -> str:
    if not person.driving_licence:
        return rng.choice(("Kørekort: nej", "Ingen kørekort – cykler eller tager bussen",
                           "Kørekort: har ikke kørekort"))
    extra = [c for occ in person.occupations for c in occ.certificates if "kørekort" in c]
    return "Kørekort: B" + (f" ({', '.join(extra)})" if extra else "") + rng.choice(
        ("", ", egen bil", ""))


def _language_line(person: CvPerson, english_heading: bool = False) -> str:
    parts = [f"{lang} ({level})" for lang, level in person.languages]
    return ("Languages: " if english_heading else "Sprog: ") + ", ".join(parts)


def _profile(rng: random.Random, person: CvPerson, arrival: int | None) -> str:
    goal = lower_first(person.occupations[0].goals[0])
    t1, t2 = rng.sample(SOFT_SKILLS, k=2)
    country = COUNTRY_BY_LANGUAGE.get(person.languages[0][0])
    if country:
        pool = PROFILES_NEWCOMER
    elif person.benefit_group in ("sygedagpenge", "jobafklaring", "ressourceforloeb"):
        pool = PROFILES_HEALTH + PROFILES_DA
    elif person.benefit_group == "uddannelseshjaelp":
        pool = PROFILES_YOUNG + PROFILES_DA
    else:
        pool = PROFILES_DA
    return rng.choice(pool).format(
        goal=goal, t1=t1, t2=t2, T1=t1.capitalize(), country=country,
        arrival=arrival, age=rng.randint(0, 4),
    )


def cv_text(rng: random.Random, person: CvPerson, employer: Callable[[str], str]) -> str:
    """Write one CV as plain text in one of four layouts.

    Args:
        rng: the generator's random source (the only source of variation).
        person: the facts the CV must agree with (licence, languages, occupations).
        employer: makes a fictitious employer name for a sector.
    """
    layout = rng.choices(("sections", "narrative", "bullets", "english"), (4, 3, 3, 1))[0]
    jobs, arrival = _experience(rng, person, employer)
    education = _education(rng, person)
    skills = _skills(rng, person)
    profile = _profile(rng, person, arrival)
    if layout == "narrative":
        return _narrative(rng, person, profile, jobs, education, skills)
    if layout == "bullets":
        return _bullets(rng, person, profile, jobs, education, skills)
    english = layout == "english"
    if english and person.occupations[0].english:
        profile = rng.choice(PROFILES_EN).format(
            english=person.occupations[0].english[0], years=rng.randint(2, 15),
            goal=lower_first(person.occupations[0].goals[0]))
    heads = (("Profile", "Work experience", "Education", "Skills") if english else
             ("Profil", "Erhvervserfaring", "Uddannelse og kurser", "Kompetencer"))
    lines = [f"CV – {person.first_name}", "", heads[0], profile, "", heads[1]]
    for period, title, where, tasks in jobs:
        lines.append(f"{period}  {title}, {where}")
        lines += [f"  - {task[0].upper()}{task[1:]}" for task in tasks]
    lines += ["", heads[2], *education, "", heads[3], ", ".join(skills).capitalize()]
    if english:
        lines.append(", ".join(e for occ in person.occupations for e in occ.english[:1]))
    lines += ["", _licence_line(rng, person), _language_line(person, english)]
    return "\n".join(lines)


def _narrative(rng: random.Random, person: CvPerson, profile: str, jobs: list,
               education: list[str], skills: list[str]) -> str:
    period, title, where, tasks = jobs[0]
    name = person.first_name
    paras = [f"{name}{chr(39) if name[-1] in 'sxz' else 's'} CV\n\nOm mig\n{profile}"]
    work = (f"Jeg har senest arbejdet som {lower_first(title)} hos {where} ({period}), hvor "
            f"jeg havde ansvar for at {and_list(tasks[:2])}.")
    for period, title, where, tasks in jobs[1:]:
        work += f" Før det var jeg {lower_first(title)} hos {where} ({period}) og skulle {tasks[0]}."
    paras.append(work)
    paras.append(f"Jeg har {and_list(education)}.")
    paras.append(f"Mine styrker: {and_list(skills)}."
                 + rng.choice(("", " Jeg er vant til at arbejde i teams.",
                               " Jeg er glad for at lære nyt.")))
    paras.append(f"{_licence_line(rng, person)}. {_language_line(person)}.")
    return "\n\n".join(paras)


def _bullets(rng: random.Random, person: CvPerson, profile: str, jobs: list,
             education: list[str], skills: list[str]) -> str:
    goals = ", ".join(dict.fromkeys(lower_first(o.goals[0]) for o in person.occupations))
    lines = [f"{person.first_name.upper()} – CV", f"Jobønske: {goals}", ""]
    lines.append("ERHVERVSERFARING")
    for period, title, where, tasks in jobs:
        lines.append(f"- {title}, {where} ({period}): {', '.join(tasks)}")
    lines += ["", "UDDANNELSE"] + [f"- {item}" for item in education]
    lines += ["", "KOMPETENCER"] + [f"- {skill}" for skill in skills]
    if rng.random() < 0.5:
        lines += ["", "OM MIG", profile]
    lines += ["", _licence_line(rng, person).upper(),
              _language_line(person).upper()]
    return "\n".join(lines)
