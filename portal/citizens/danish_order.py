"""Names in Danish alphabetical order (review AV 10): A–Z, then Æ, Ø, Å, in that order.

The database's own order is not Danish: SQLite compares UTF-8 bytes (Å U+00C5 < Æ U+00C6 <
Ø U+00D8) and PostgreSQL follows the server's locale. Neither has a Danish collation we can
count on (ICU collations are optional in PostgreSQL; SQLite has none), so the list sorts by a
key built in SQL, the same on both, correct across pages because the database sorts before it
pages:

* lower case, ASCII letters only: SQLite's ``lower`` folds nothing else, and on PostgreSQL
  the column is lowered under ``COLLATE "C"``, which folds ASCII only too (under a UTF-8
  locale it would fold every letter, so »Çelik« would sort apart from SQLite's);
* Æ (and Ä) become ``{1``, Ø (and Ö) ``{2``, Å ``{3``, in both cases: ``{`` sorts after ``z``
  byte-wise;
* é, è and á sort as their base letter, ü as y, as Danish dictionaries do, in both cases
  (other letters outside ASCII sort after Å, by code point, upper case apart from lower);
* on PostgreSQL the key is compared under ``COLLATE "C"`` (byte order), since a locale's
  collation may skip the ``{``: the collation of the name lowered under it carries through.

Not covered: »aa« as å (Aabenraa), which Danish library order applies to place names and
some personal names; a name written »Aase« sorts under A.

The SQL is built by :mod:`store.danish_key` (with :data:`REPLACEMENTS`): the index
``ix_citizen_name_danish`` (migration 0037) is on that expression and serves the list's pages,
so a change of the rule needs a migration (tests/portal/test_migration_0037.py).

:func:`citizen_name_order` is the one ORDER BY of a list of citizens by name (the citizen list
and the start page's unmatchable citizens). :func:`sort_key` is the same rule in Python, for a
list sorted there; tests/portal/test_citizens_danish_order.py checks it against the SQL on
SQLite and PostgreSQL.
"""
from __future__ import annotations

import sqlalchemy as sa

from store import danish_key
from store.models import Citizen

from .. import name_order
from ..name_order import sort_key  # noqa: F401 (the rule in Python, for this module's readers)


def order_by(column, dialect_name: str):
    """The SQL sort key of :func:`sort_key` for ``column`` on the dialect ``dialect_name``.

    Built by :func:`store.danish_key.sort_key_sql`, the expression of the index
    ``ix_citizen_name_danish`` (migration 0037) that serves the citizen list: the letters are
    SQL literals, not parameters, so the database sees the index's expression.
    """
    return danish_key.sort_key_sql(column, dialect_name)


def citizen_name_order() -> tuple[sa.ColumnElement, ...]:
    """The ORDER BY of a list of citizens by name, for the database the session is bound to:
    the Danish key, then the name as written (»anna« and »Anna« share a key), then the id, so
    the order is total and pages do not overlap."""
    return name_order.order_by(Citizen.name, Citizen.id)
