"""The postcode fields' Danish texts, from the postcode table this process installed.

Matching measures commutes from postcodes, so a citizen's home and an opening's workplace
must be postcodes of the table (:data:`matching.geo.POSTCODES`: the built-in Hedensted table,
or the job centre's own from ``MATCHING_POSTCODES``). A table short enough to read
(:data:`LISTED_MAX`, the built-in one's 13 among them) is named in full in the hint and in the
error, since the input's suggestions (a datalist) offer nothing while the field holds a wrong
value, are not read as a list by screen readers and are unreliable on phones (review AT 4).
With the built-in table the error keeps the caller's words, which name Hedensted; with another
table the texts speak of "jobcentrets postnummerliste".
"""
from __future__ import annotations

from matching import geo

# Up to this many postcodes the hint and the error list them all; more are offered as the
# input's suggestions (a datalist) and checked against the table.
LISTED_MAX = 20


def _listed() -> str:
    return ", ".join(f"{code} {entry[0]}" for code, entry in geo.POSTCODES.items())


def _example() -> str:
    code, (town, _, _) = next(iter(geo.POSTCODES.items()))
    return f"{code} {town}"


def _short() -> bool:
    return len(geo.POSTCODES) <= LISTED_MAX


def hint(builtin: str) -> str:
    """The field's hint: every postcode of a short table, else ``builtin`` with the built-in
    table or one naming the table."""
    if _short():
        return f"Et af jobcentrets postnumre: {_listed()}."
    if geo.is_builtin():
        return builtin
    return f"Et postnummer fra jobcentrets postnummerliste, fx {_example()}."


def unknown(code: str, builtin: str) -> str:
    """The error for a four-digit ``code`` not in the table.

    ``builtin``: the built-in table's error, ending in an invitation to choose (»Vælg et af
    disse.«); for a short table its final full stop becomes a colon and the postcodes follow.
    """
    if geo.is_builtin():
        return f"{builtin.removesuffix('.')}: {_listed()}." if _short() else builtin
    message = f"Postnummeret {code} findes ikke i jobcentrets postnummerliste."
    if _short():
        return f"{message} Vælg et af disse: {_listed()}."
    return f"{message} Tjek postnummeret, eller vælg et fra listen, der vises, når du skriver."


def town_of(postcode: str | None) -> str:
    """The town of ``postcode`` in the postcode table ("" if unknown), read as matching reads it
    (:func:`matching.geo.postcode_location`: surrounding spaces ignored), so a page names the town
    of every postcode the ranking measures from. The one rule for citizens and openings (review BN 5)."""
    entry = geo.POSTCODES.get((postcode or "").strip())
    return entry[0] if entry else ""
