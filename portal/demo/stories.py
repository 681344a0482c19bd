"""A few published success stories (gode historier) from the Code of Care partners.

Each story is about a real demo placement at a partner that ended in a success (ordinary
job, fleksjob or education). The page shows the company, the kind and the outcome beside the
text; the text names the trade and never the citizen, their health or limitations (the
stories area refuses both, see :mod:`portal.stories.service`), nor what would single the
person out at the company: no weekly hours, no time out of work. The stories draw from their
own random stream, so they leave the rest of the demo unchanged.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from store.models.vocab import OPENING_KINDS, SUCCESS_END_REASONS
from .occupations import BY_KEY
from .people import at
from .records import DemoCitizen, DemoCompany, DemoPlacement, DemoStory

STORY_COUNT = 8
OUTCOME_PHRASES = {
    "ordinaert_job": "en fast stilling på ordinære vilkår",
    "fleksjob": "en fast stilling i virksomheden",
    "uddannelse": "en uddannelsesplads",
}
OPENINGS = (
    "Virksomheden tog imod en ny kollega i {kind} som {trade}, med en fast kontaktperson fra første dag.",
    "Forløbet begyndte som {kind}, hvor den nye kollega prøvede kræfter med arbejdet som {trade}.",
)
MIDDLES = (
    "Timerne blev sat op i takt med, at opgaverne og kollegerne blev kendte, og konsulenten fulgte op hver måned.",
    "Virksomhed og konsulent aftalte små, faste mål, og hotline-nummeret blev brugt én gang, da en vagtplan skulle tilpasses.",
    "Fra start blev det aftalt, hvilke opgaver der var bedst at begynde med, og derfra blev der bygget videre.",
)
ENDINGS = (
    "Forløbet endte med {outcome}. Det viser, hvad en god start kan føre til.",
    "I dag er resultatet {outcome}, og virksomheden er klar til at tage imod den næste.",
)


def in_sentence(title: str) -> str:
    """A jobmål title as written inside a sentence: the first letter in lower case, but an
    abbreviation kept as it is (»CNC-operatør«, »VVS-montør«, »IT-supporter«, never »cnc-«).
    Only the first letter changes, so a title starts with the same word capitalised back."""
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def make_stories(seed: int, today: date, citizens: list[DemoCitizen], companies: list[DemoCompany],
                 placements: list[DemoPlacement]) -> list[DemoStory]:
    """Up to ``STORY_COUNT`` stories about successful placements at Code of Care partners."""
    rng = random.Random(f"stories:{seed}")
    good = [i for i, p in enumerate(placements)
            if companies[p.company].code_of_care and p.end_reason in SUCCESS_END_REASONS
            and p.end_date is not None and citizens[p.citizen].occupations
            and (citizens[p.citizen].vk is not None or citizens[p.citizen].adviser is not None)]
    stories = []
    for index in sorted(rng.sample(good, min(STORY_COUNT, len(good)))):
        p, citizen = placements[index], citizens[placements[index].citizen]
        trade = in_sentence(BY_KEY[citizen.occupations[0]].goals[0])
        values = {"kind": OPENING_KINDS[p.kind].lower(), "trade": trade, "outcome": OUTCOME_PHRASES[p.end_reason]}
        text = " ".join(rng.choice(part).format(**values) for part in (OPENINGS, MIDDLES, ENDINGS))
        published = min(p.end_date + timedelta(days=rng.randint(7, 40)), today - timedelta(days=1))
        stories.append(DemoStory(
            title=(f"{trade[:1].upper()}{trade[1:]}: fra {values['kind']} til "
                   f"{OUTCOME_PHRASES[p.end_reason].split(' ', 1)[1]}")[:120],
            text=text, company=p.company, placement=index, kind=p.kind, outcome=p.end_reason,
            author=citizen.vk if citizen.vk is not None else citizen.adviser,
            created_at=at(published - timedelta(days=2), 11), published_at=at(published, 9)))
    return stories
