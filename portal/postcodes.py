"""The postcode fields' Danish texts, from the postcode table this process installed.

Matching measures commutes from postcodes, so a citizen's home and an opening's workplace
must be postcodes of the table (:data:`matching.geo.POSTCODES`: the built-in Hedensted table,
or the job centre's own from ``MATCHING_POSTCODES``). With the built-in table the texts name
Hedensted, as they always have; with another table they speak of "jobcentrets
postnummerliste" and, for a short list, name its towns.
"""
from __future__ import annotations

from matching import geo

# Up to this many postcodes the hint and the error list them all; more are offered as the
# input's suggestions (a datalist) and checked against the table.
LISTED_MAX = 12


def _listed() -> str:
    return ", ".join(f"{code} {entry[0]}" for code, entry in geo.POSTCODES.items())


def _example() -> str:
    code, (town, _, _) = next(iter(geo.POSTCODES.items()))
    return f"{code} {town}"


def hint(builtin: str) -> str:
    """The field's hint: ``builtin`` with the built-in table, else one naming the table."""
    if geo.is_builtin():
        return builtin
    if len(geo.POSTCODES) <= LISTED_MAX:
        return f"Et af jobcentrets postnumre: {_listed()}."
    return f"Et postnummer fra jobcentrets postnummerliste, fx {_example()}."


def unknown(code: str, builtin: str) -> str:
    """The error for a four-digit ``code`` not in the table (``builtin``: the built-in table's)."""
    if geo.is_builtin():
        return builtin
    message = f"Postnummeret {code} findes ikke i jobcentrets postnummerliste."
    if len(geo.POSTCODES) <= LISTED_MAX:
        return f"{message} Vælg et af disse: {_listed()}."
    return f"{message} Tjek postnummeret, eller vælg et fra listen, der vises, når du skriver."
