"""The consultant's trail on each demo placement: started, monthly follow-ups, ended.

Most placements are followed up about monthly (a policy goal); some months are missed, so
the follow-up list (/forloeb/opfoelgning) has true flags to show. Each placement draws from
its own random stream, so adding this trail leaves the rest of the demo unchanged.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Optional

from .people import at
from .records import DemoPlacement, DemoPlacementEvent

FOLLOWUP_P = 0.8  # chance that a given month's follow-up happened
NOTES = (
    "Ringet til kontaktpersonen: det går godt, borgeren møder stabilt.",
    "Besøg på arbejdspladsen. Aftalt at prøve flere timer fra næste måned.",
    "Kort status pr. mail fra virksomheden; ingen problemer.",
    "Opfølgningssamtale med borger og leder. Opgaverne passer til skånehensynene.",
    "Virksomheden roser indsatsen; vi taler om mulighed for ordinære timer.",
    "Lidt fravær i perioden; aftalt fast mødetid og ny opfølgning om 14 dage.",
    "",
)


def placement_events(placement: DemoPlacement, consultant: Optional[int],
                     today: date) -> list[DemoPlacementEvent]:
    """Started (on registration), follow-ups about every 30 days while active, ended."""
    rng = random.Random(f"followup:{placement.citizen}:{placement.company}:{placement.start_date}")
    events = [DemoPlacementEvent("started", "", consultant, placement.created_at)]
    last = min(placement.end_date or today, today - timedelta(days=1))
    day = placement.start_date + timedelta(days=rng.randint(25, 35))
    while day <= last:
        if rng.random() < FOLLOWUP_P:
            events.append(DemoPlacementEvent("followup", rng.choice(NOTES), consultant,
                                             at(day, rng.randint(9, 15))))
        day += timedelta(days=rng.randint(26, 34))
    if placement.end_date is not None and placement.end_date < today:
        events.append(DemoPlacementEvent("ended", "", consultant, at(placement.end_date, 15)))
    return events
