"""Names in Danish alphabetical order (review AV 10): A–Z, then Æ, Ø, Å, in that order.

The database's own order is not Danish: SQLite compares UTF-8 bytes (Å U+00C5 < Æ U+00C6 <
Ø U+00D8) and PostgreSQL follows the server's locale. Neither has a Danish collation we can
count on (ICU collations are optional in PostgreSQL; SQLite has none), so the list sorts by a
key built in SQL, the same on both, correct across pages because the database sorts before it
pages:

* lower case (ASCII by ``lower``; the letters below are listed in both cases, as SQLite's
  ``lower`` leaves non-ASCII letters alone);
* Æ (and Ä) become ``{1``, Ø (and Ö) ``{2``, Å ``{3``: ``{`` sorts after ``z`` byte-wise;
* é, è and á sort as their base letter, ü as y, as Danish dictionaries do (other accented
  letters sort after Å);
* on PostgreSQL the key is compared with ``COLLATE "C"`` (byte order), since a locale's
  collation may skip the ``{``.

Not covered: »aa« as å (Aabenraa), which Danish library order applies to place names and
some personal names; a name written »Aase« sorts under A. :func:`sort_key` is the same rule
for a list sorted in Python.
"""
from __future__ import annotations

import sqlalchemy as sa

_LAST = {"æ": "{1", "ä": "{1", "ø": "{2", "ö": "{2", "å": "{3"}
# The accented letters common in names here; kept few, as each is a nested replace() in SQL
# (SQLite's parser refuses a few dozen levels). Others sort after Å, as bytes.
_BASE = {"é": "e", "è": "e", "á": "a", "ü": "y"}
REPLACEMENTS = tuple({**_LAST, **_BASE}.items())


def sort_key(name: str | None) -> str:
    """``name``'s Danish sort key (the rule of :func:`order_by`), for a list sorted in Python."""
    key = (name or "").lower()
    for letter, replacement in REPLACEMENTS:
        key = key.replace(letter, replacement)
    return key


def order_by(column, dialect_name: str):
    """The SQL sort key of :func:`sort_key` for ``column`` on the dialect ``dialect_name``."""
    key = sa.func.lower(column)
    for letter, replacement in REPLACEMENTS:
        key = sa.func.replace(key, letter, replacement)
        if letter.upper() != letter:  # SQLite's lower() folds ASCII only
            key = sa.func.replace(key, letter.upper(), replacement)
    return key.collate("C") if dialect_name == "postgresql" else key
