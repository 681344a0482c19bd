"""Danish texts for demo openings, hotline requests, skånehensyn and decisions.

Everything is composed from the occupation table with the generator's random source; no
citizen is named in a company-facing text (the hotline speaks of "vores praktikant").
"""
from __future__ import annotations

import random

from ..i18n import and_list, format_hours_count
from .cv import lower_first
from .occupations import Occupation

KIND_TITLES = {
    "smaajob": ("Småjob: {goal} {hours} om ugen", "{goal} – småjob på {hours}",
                "Småjob som {goal_l}"),
    "virksomhedspraktik": ("Virksomhedspraktik som {goal_l}", "Praktik: {goal}",
                           "{goal} i virksomhedspraktik"),
    "loentilskud": ("Løntilskudsjob som {goal_l}", "{goal} (løntilskud)"),
    "ordinaert": ("{goal}", "{goal} søges", "Erfaren {goal_l} til {town}"),
    "fleksjob": ("Fleksjob som {goal_l} ({hours})", "{goal} i fleksjob"),
}
KIND_TERMS = {
    "smaajob": "Det er et småjob på {hmin:g}–{hmax:g} timer om ugen til almindelig løn. Timerne "
               "kan lægges, så de passer med dine andre aftaler, og der er mulighed for flere "
               "timer på sigt.",
    "virksomhedspraktik": "Praktikken varer {weeks} uger og er en god mulighed for at afprøve "
                          "faget og vise, hvad du kan. Du får en fast kontaktperson.",
    "loentilskud": "Stillingen er et løntilskudsjob i {weeks} uger på {hmax:g} timer om ugen, "
                   "med mulighed for fastansættelse bagefter.",
    "ordinaert": "Der er tale om en fast stilling på {hmax:g} timer om ugen efter gældende "
                 "overenskomst.",
    "fleksjob": "Stillingen er et fleksjob på {hmin:g}–{hmax:g} timer om ugen, og vi tager "
                "hensyn til dine skånebehov.",
}
INTROS = (
    "{company} i {town} er en lokal virksomhed med {n} medarbejdere og et godt sammenhold.",
    "Hos {company} i {town} har vi travlt og mangler en ekstra hånd.",
    "{company} har siden {year} haft til huse i {town}, og vi vokser stadig.",
    "Vil du være en del af et uformelt og hjælpsomt team hos {company} i {town}?",
)
ACCOMMODATIONS = (
    "Fleksibel mødetid er mulig.",
    "Vi har et roligt arbejdsområde, og opgaverne kan tilpasses.",
    "Der er en fast mentor fra første dag.",
    "Timetallet kan starte lavt og stige i dit eget tempo.",
    "Der er hæve-sænke-borde og hjælpemidler til løft.",
)
LIMITATION_TEXTS = {
    "no_heavy_lifting": ("Ingen løft over 10 kg.", "Må ikke løfte tungt eller arbejde med "
                         "armene over hovedet i længere tid."),
    "no_night_work": ("Intet natarbejde.", "Kan ikke arbejde i skiftehold med nattevagter."),
    "quiet_environment": ("Har brug for et roligt miljø uden for mange indtryk.",
                          "Fungerer bedst med få, faste kolleger og klare rammer."),
    "reduced_hours": ("Kan arbejde {h} timer om ugen, gerne fordelt på {d} dage.",
                      "Timetallet skal optrappes langsomt, start med {h} timer om ugen."),
    "flexible_start": ("Har brug for fleksibel mødetid om morgenen.",
                       "Kan ikke møde før kl. 9 på grund af behandling."),
}
EXTRA_LIMITATIONS = (
    "Skal have mulighed for korte pauser.",
    "Ordblind – mundtlig instruktion foretrækkes.",
    "Kan ikke stå op en hel arbejdsdag.",
    "Har brug for en fast kontaktperson på arbejdspladsen.",
)
REJECTION_REASONS = (
    "Passer ikke med borgerens timetal lige nu.", "Borgeren er i gang med et andet forløb.",
    "For lang transporttid uden bil.", "Opgaverne passer ikke til borgerens skånehensyn.",
    "Borgeren ønsker ikke denne branche.", "Vi prioriterer en anden kandidat med længere ledighed.",
)
DECLINE_NOTES = (
    "Vi har fundet en anden kandidat, tak.", "Vi har desværre brug for mere erfaring.",
    "Timerne passer ikke med vores vagtplan.", "",
)
INTEREST_NOTES = ("Vil gerne holde en samtale i næste uge.", "Lyder spændende – ring til os.",
                  "Kan starte med en prøvedag.", "")
HIRED_NOTES = ("Starter mandag – velkommen!", "Aftale på plads, tak for hjælpen.", "")

HOTLINE = {
    "fravaer": (("Udeblevet fra praktik", "Vores praktikant er ikke mødt op i dag, og vi kan "
                 "ikke få fat i vedkommende på telefonen."),
                ("Meget fravær den seneste uge", "Der har været fravær tre dage ud af fem. Vi "
                 "vil gerne have en snak om, hvordan vi kommer videre."),
                ("Kommer for sent flere gange", "Vores nye medarbejder møder ofte 30-45 minutter "
                 "for sent. Kan I hjælpe med at finde en løsning?")),
    "konflikt": (("Uenighed med en kollega", "Der har været en konflikt mellem vores praktikant "
                  "og en kollega i dag. Vi har brug for hjælp til at tage snakken."),
                 ("Dårlig stemning i teamet", "Samarbejdet i teamet fungerer ikke helt. Kan "
                  "konsulenten komme forbi til et møde?")),
    "opgaver": (("Opgaverne passer ikke", "Opgaverne ser ud til at være for svære lige nu. "
                 "Skal vi justere planen?"),
                ("Klar til flere opgaver", "Det går rigtig godt, og vi vil gerne tale om flere "
                 "timer eller nye opgaver."),
                ("Spørgsmål om forlængelse", "Kan praktikken forlænges med fire uger? Vi har "
                 "ikke nået det hele endnu.")),
    "helbred": (("Ondt efter løft", "Vores medarbejder fik ondt i ryggen efter et løft i går "
                 "og er gået hjem. Hvad gør vi med opgaverne fremover?"),
                ("Virker træt og uoplagt", "Vi er lidt bekymrede, for vores praktikant virker "
                 "meget træt. Vi vil gerne have en snak om skånehensyn.")),
    "andet": (("Spørgsmål om timeregistrering", "Hvordan registrerer vi timerne for en "
               "måned, hvor der også har været ferie?"),
              ("Transport til arbejdspladsen", "Bussen passer ikke med mødetiden kl. 7. Er "
               "der en løsning på transporten?")),
}
REPLIES = (
    "Tak for beskeden. Jeg ringer til borgeren i dag og vender tilbage til dig i eftermiddag.",
    "Jeg kommer forbi i morgen kl. 9, så tager vi en snak sammen.",
    "Godt at du tog fat i os. Jeg har talt med borgeren, og vi har aftalt en ny plan – jeg "
    "sender den på mail.",
    "Tak, det tager jeg mig af. Lad os tage et kort opfølgningsmøde i næste uge.",
)
FOLLOW_UPS = ("Tak for den hurtige hjælp, det fungerer godt igen.",
              "Det lyder godt, vi ses i morgen.", "Super, tak for det.")


def opening_title(rng: random.Random, occ: Occupation, kind: str, hours: float,
                  town: str) -> str:
    goal = rng.choice(occ.goals)
    return rng.choice(KIND_TITLES[kind]).format(
        goal=goal, goal_l=lower_first(goal), hours=format_hours_count(hours), town=town)


def seats_title(rng: random.Random, occ: Occupation, seats: int) -> str:
    area = lower_first(occ.goals[0])
    return rng.choice((f"Virksomhedscenter: {seats} praktikpladser som {area}",
                       f"Faste praktikpladser ({seats}) – {area}"))


def opening_description(rng: random.Random, occ: Occupation, kind: str, *, company: str,
                        town: str, hours: tuple[float, float], weeks: int | None,
                        code_of_care: bool) -> str:
    """Intro, tasks, the kind's terms and (for Code of Care partners) their promise."""
    intro = rng.choice(INTROS).format(company=company, town=town, n=rng.randint(6, 220),
                                      year=rng.randint(1962, 2015))
    tasks = rng.sample(occ.tasks, k=min(3, len(occ.tasks)))
    if rng.random() < 0.5:
        body = "Dine opgaver bliver bl.a. at:\n" + "\n".join(f"- {t}" for t in tasks)
    else:
        body = f"Vi søger en {lower_first(occ.goals[0])}, der kan {and_list(tasks)}."
    paras = [intro, body, KIND_TERMS[kind].format(hmin=hours[0], hmax=hours[1], weeks=weeks)]
    if code_of_care:
        paras.append("Vi er Code of Care-virksomhed og har erfaring med at tage imod kolleger, "
                     "der har brug for en ekstra hånd i starten.")
    if occ.english and rng.random() < 0.15:
        paras.append("English-speaking candidates are welcome to apply.")
    return "\n\n".join(paras)


def opening_requirements(rng: random.Random, occ: Occupation, *, licences: list[str],
                         danish: bool) -> str:
    lines = [f"Du har erfaring som {lower_first(occ.goals[0])} eller lyst til at lære faget.",
             f"Vi lægger vægt på: {', '.join(rng.sample(occ.skills, k=min(2, len(occ.skills))))}."]
    # The draw is made either way, so the rest of the demo stays as it was; a licence the
    # opening requires is said once, as a requirement, never also as "Gerne kørekort B".
    if occ.certificates and rng.random() < 0.6 and not (licences and occ.certificates[0].startswith("kørekort")):
        lines.append(f"Gerne {occ.certificates[0]}.")
    if licences:
        lines.append(f"Kørekort {' eller '.join(licences)} er et krav.")
    if danish:
        lines.append("Du forstår og taler dansk i hverdagen.")
    if occ.heavy:
        lines.append("Du kan klare fysisk arbejde og løft.")
    return "\n".join(f"- {line}" for line in lines)


def limitation_text(rng: random.Random, flags: list[str], hours: float) -> str:
    parts = [rng.choice(LIMITATION_TEXTS[f]).format(h=f"{hours:g}", d=rng.randint(2, 4))
             for f in flags]
    if rng.random() < 0.35:
        parts.append(rng.choice(EXTRA_LIMITATIONS))
    return " ".join(parts)


def hotline_text(rng: random.Random, category: str) -> tuple[str, str]:
    """(subject, first message) for a company's hotline request."""
    return rng.choice(HOTLINE[category])
