"""The rows behind each figure card, as ids: who or what the figure counted (review F 3, F 6).

:func:`figure_ids` works them out from the same facts snapshot and rules as the cards
(:mod:`.metrics`), so a list built from them has exactly the card's count. A final month
keeps them with its frozen figures (:mod:`.snapshots`), so the list behind a figure reported
to leadership can be shown later as it was, even after data for the month was corrected.

Only ids (and a closed case's length in days): no names. A citizen erased since is then an id
that no longer loads, and the lists show it as "slettet borger".

The shape (JSON as stored)::

    {"focus" | "active" | "matchable": {"hit": [citizen ids], "miss": [citizen ids]},
     # the active goal also: "placement": [the hits active by a placement] (review T 4; the
     # other hits by contact only); a month frozen before has no "placement"
     "outcomes": {"hit": [placement ids], "miss": [placement ids]},
     "duration": [[citizen id, days], ...],
     "cooperation": [company ids]}
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from .facts import Facts
from .metrics import (Metric, _active, _focus, _matchable, case_days, closed_cases, cooperating_companies,
                      outcome_rows, redefined, FOCUS_HUNDREDTHS)

LIST_KEYS = ("focus", "active", "matchable", "outcomes", "duration", "cooperation")


def _split(ids: np.ndarray, population: np.ndarray, hits: np.ndarray) -> dict[str, list[int]]:
    return {"hit": sorted(ids[population & hits].tolist()), "miss": sorted(ids[population & ~hits].tolist())}


def figure_ids(facts: Facts, as_of: date) -> dict:
    """The ids behind every figure on ``as_of`` (see the module docstring for the shape)."""
    population, placed, hours = _focus(facts, as_of)
    open_on, placed_in_month, contact = _active(facts, as_of)
    open_cases, matchable = _matchable(facts, as_of)
    ended, success = outcome_rows(facts, as_of)
    closed = closed_cases(facts, as_of)
    days = case_days(facts, as_of)[closed]
    return {
        "focus": _split(facts.ids, population, placed | (hours >= FOCUS_HUNDREDTHS)),
        "active": {**_split(facts.ids, open_on, placed_in_month | contact),
                   "placement": sorted(facts.ids[open_on & placed_in_month].tolist())},
        "matchable": _split(facts.ids, open_cases, matchable),
        "outcomes": {"hit": sorted(facts.p_id[success].tolist()), "miss": sorted(facts.p_id[ended & ~success].tolist())},
        "duration": sorted([int(c), int(d)] for c, d in zip(facts.ids[closed].tolist(), days.tolist())),
        "cooperation": [int(c) for c in cooperating_companies(facts, as_of).tolist()],
    }


def counts(ids: dict, key: str) -> tuple[int, int]:
    """(listed, population) of one figure's ids: the misses of a goal, the successful outcomes,
    the closed cases, the companies; the second is the figure's base."""
    entry = ids[key]
    if isinstance(entry, dict):
        listed = entry["miss"] if key in ("focus", "active", "matchable") else entry["hit"]
        return len(listed), len(entry["hit"]) + len(entry["miss"])
    return len(entry), len(entry)


@dataclass(frozen=True)
class Basis:
    """What a list behind a card shows, and how it compares with the card.

    ``card`` is the figure as the page shows it (frozen or live); ``frozen`` when it was frozen
    (None: live). ``frozen_ids``: the snapshot kept the ids behind it. ``as_today``: the list
    shows today's ids (asked for, live, or none kept) rather than the frozen ones; ``entry`` are
    the ids shown. ``today_counts`` and ``frozen_counts`` are (listed, base) both ways.
    """

    card: Metric
    frozen: datetime | None
    frozen_ids: bool
    as_today: bool
    entry: dict | list
    today_counts: tuple[int, int]
    frozen_counts: tuple[int, int] | None
    # the active goal's frozen hits were split by today's data: the snapshot has no "placement"
    split_from_today: bool = False

    @property
    def share(self) -> bool:
        """The list is part of a base ("3 af 4"), not the whole figure (94 closed cases)."""
        return self.card.key in ("focus", "active", "matchable", "outcomes")

    @property
    def card_counts(self) -> tuple[int, int]:
        """(listed, base) as the card states them (a snapshot kept without ids has only these)."""
        num, den = self.card.numerator or 0, self.card.denominator or 0
        if self.card.key in ("focus", "active", "matchable"):
            return den - num, den
        if self.card.key == "duration":
            return den, den
        if self.card.key == "cooperation":
            return num, num
        return num, den

    @property
    def redefined(self) -> bool:
        """The card was frozen under an earlier definition than today's."""
        return redefined(self.card)
