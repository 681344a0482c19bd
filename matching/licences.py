"""Driving licence categories and what each one implies (Danish rules, EU directive 2006/126).

A citizen holds a set of categories; an opening accepts a set of categories, **any one of
which** will do (an empty set: "kørekort ikke nødvendigt"). "Any of" is what companies mean:
a lorry opening asks for C, a delivery job for "B or A". Because a higher category implies
the lower ones (``IMPLIES``), asking for C also accepts a CE holder, so "all of" is seldom
needed; an opening that needs two unrelated categories (lorry *and* bus) writes the highest
one it needs or says so in its text.

``IMPLIES`` is the one table of implications. It holds both what a category is also valid
for (directive art. 6(2): A covers A2 and A1, C covers C1, CE covers C1E and BE, any category
covers AM — in Denmark B gives "stor knallert") and what must be held before it is issued
(art. 6(1): C1, C, D1, D need B; BE, C1E, CE, D1E, DE need B, C1, C, D1, D respectively), so a
CE holder certainly also holds C and B. Conditional rules are left out (CE is valid for DE only
for a D holder: the D holder has DE only when recorded).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from types import MappingProxyType

# In the order of the Danish licence card (and of the forms).
CATEGORIES: tuple[str, ...] = (
    "AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE",
)

# What each category lets you drive, as the forms show it.
LABELS = MappingProxyType({
    "AM": "AM – knallert", "A1": "A1 – lille motorcykel", "A2": "A2 – mellemstor motorcykel",
    "A": "A – stor motorcykel", "B": "B – almindelig bil", "BE": "BE – bil med stort påhængskøretøj",
    "C1": "C1 – lille lastbil", "C1E": "C1E – lille lastbil med påhæng", "C": "C – lastbil",
    "CE": "CE – lastbil med påhæng (sættevogn)", "D1": "D1 – minibus", "D1E": "D1E – minibus med påhæng",
    "D": "D – bus", "DE": "DE – bus med påhæng",
})

# Direct implications only; ``expand`` takes the transitive closure.
IMPLIES = MappingProxyType({
    "AM": frozenset(),
    "A1": frozenset({"AM"}),
    "A2": frozenset({"A1"}),
    "A": frozenset({"A2"}),
    "B": frozenset({"AM"}),
    "BE": frozenset({"B"}),
    "C1": frozenset({"B"}),
    "C1E": frozenset({"C1", "BE"}),
    "C": frozenset({"C1", "B"}),
    "CE": frozenset({"C", "C1E", "BE"}),
    "D1": frozenset({"B"}),
    "D1E": frozenset({"D1", "BE"}),
    "D": frozenset({"D1", "B"}),
    "DE": frozenset({"D", "D1E", "BE"}),
})

# The backend value an opening without a requirement is indexed with (see ``options``).
NOT_REQUIRED = "none"


def check_categories(categories: Iterable[str]) -> frozenset[str]:
    """The categories as a frozenset.

    Raises:
        ValueError: an unknown category.
    """
    found = frozenset(categories)
    unknown = found - IMPLIES.keys()
    if unknown:
        raise ValueError(f"unknown driving licence categories {sorted(unknown)}; "
                         f"expected some of {', '.join(CATEGORIES)}")
    return found


def expand(held: Iterable[str]) -> frozenset[str]:
    """Every category the holder of ``held`` may drive (``held`` included)."""
    return _expand(frozenset(held))


# A ranking asks the same few questions for every candidate: the answers are kept (there are
# at most 2^14 sets of categories; an unknown category raises and is not kept).
@lru_cache(maxsize=4096)
def _expand(held: frozenset[str]) -> frozenset[str]:
    seen: set[str] = set()
    todo = list(check_categories(held))
    while todo:
        category = todo.pop()
        if category not in seen:
            seen.add(category)
            todo.extend(IMPLIES[category])
    return frozenset(seen)


def satisfies(held: Iterable[str], required: Iterable[str]) -> bool:
    """True when no category is required or ``held`` implies at least one of ``required``."""
    return _satisfies(frozenset(held), frozenset(required))


@lru_cache(maxsize=4096)
def _satisfies(held: frozenset[str], required: frozenset[str]) -> bool:
    required = check_categories(required)
    return not required or bool(_expand(held) & required)


def options(required: Iterable[str]) -> tuple[str, ...]:
    """An opening's backend values: its categories, or ``NOT_REQUIRED`` when it needs none.

    A citizen's document holds ``expand(held)``; ``Terms(options field, expand(held) |
    {NOT_REQUIRED})`` then finds exactly the openings the citizen satisfies.
    """
    return ordered(required) or (NOT_REQUIRED,)


def ordered(categories: Iterable[str]) -> tuple[str, ...]:
    """The categories in licence-card order."""
    return _ordered(frozenset(categories))


@lru_cache(maxsize=4096)
def _ordered(categories: frozenset[str]) -> tuple[str, ...]:
    found = check_categories(categories)
    return tuple(c for c in CATEGORIES if c in found)


def label(categories: Iterable[str], empty: str = "intet kørekort") -> str:
    """The categories as ``"B, CE"`` (licence-card order), or ``empty`` when there are none.

    Args:
        categories: the categories to name, in any order.
        empty: the text when there are none.
    """
    names = ordered(categories)
    return ", ".join(names) if names else empty


def reason(held: Iterable[str], required: Iterable[str]) -> str:
    """The constraint's detail in Danish: ``"Kørekort C kræves; borgeren har B"``."""
    return _reason(frozenset(held), frozenset(required))


@lru_cache(maxsize=4096)
def _reason(held: frozenset[str], required: frozenset[str]) -> str:
    required = ordered(required)
    if not required:
        return "Kørekort ikke nødvendigt"
    need = " eller ".join(required)
    has = label(held, "intet kørekort")
    return f"Kørekort {need} kræves; borgeren har {has}"
