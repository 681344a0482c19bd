"""The Danish sort key of a name in SQL (review AV 10), as the schema indexes it.

The rule and why it is so: :mod:`portal.citizens.danish_order`, which orders by it. It lives
here, below the portal, because the schema holds it: the index ``ix_citizen_name_danish``
(migration 0037, :class:`store.models.Citizen`) is on this very expression, and a database
uses an index on an expression only for the same expression. Hence the letters are written as
SQL literals, never bound parameters (SQLite never matches a parameter to the literal it stands
for, nor does PostgreSQL in a prepared statement's generic plan), and a change of
:data:`REPLACEMENTS` needs a migration that recreates the index
(tests/portal/test_migration_0037.py fails until it has).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import roles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

_LAST = {"æ": "{1", "ä": "{1", "ø": "{2", "ö": "{2", "å": "{3"}
# The accented letters common in names here; kept few, as each is a nested replace() in SQL
# (SQLite's parser refuses a few dozen levels). Others sort after Å, as bytes.
_BASE = {"é": "e", "è": "e", "á": "a", "ü": "y"}
REPLACEMENTS = tuple({**_LAST, **_BASE}.items())


def _literal(text: str) -> ColumnElement[str]:
    """``text`` written into the SQL as a string literal; only the fixed letters of the rule."""
    if "'" in text or "\\" in text:
        raise ValueError(f"not a letter of the rule: {text!r}")
    return sa.literal_column(f"'{text}'", sa.String)


def sort_key_sql(column, dialect_name: str) -> ColumnElement[str]:
    """The key of ``column`` on the dialect ``dialect_name``: ASCII letters lowered (on
    PostgreSQL under ``COLLATE "C"``, which folds ASCII only, as SQLite's ``lower``), then each
    letter of :data:`REPLACEMENTS` in both cases replaced. On PostgreSQL the key is compared
    under ``COLLATE "C"`` (byte order): the name's collation carries through ``lower`` and
    ``replace``, so it is written once (and the index, built on the same expression, has it)."""
    postgresql = dialect_name == "postgresql"
    key = sa.func.lower(column.collate("C") if postgresql else column)
    for letter, replacement in REPLACEMENTS:
        key = sa.func.replace(key, _literal(letter), _literal(replacement))
        key = sa.func.replace(key, _literal(letter.upper()), _literal(replacement))
    return key


class DanishKey(ColumnElement[str]):
    """:func:`sort_key_sql` of ``column`` for whichever database compiles it: the expression of
    the model's index (one declaration for SQLite and PostgreSQL)."""

    __visit_name__ = "danish_key"
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]
    type = sa.String()

    def __init__(self, column):
        self.column = sa.sql.coercions.expect(roles.ExpressionElementRole, column)


@compiles(DanishKey)
def _compile_danish_key(element: DanishKey, compiler, **kw) -> str:
    return compiler.process(sort_key_sql(element.column, compiler.dialect.name), **kw)
