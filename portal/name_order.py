"""Names in Danish alphabetical order for every list the portal shows: A–Z, then Æ, Ø, Å.

The rule and why it is so: :mod:`portal.citizens.danish_order` (review AV 10), whose SQL
:mod:`store.danish_key` builds. This module is the rule for any list of names, wherever it is
sorted: :func:`order_by` in SQL (companies, users, citizens outside the citizen list), and
:func:`sort_key` in Python (a handful of names in a sentence, or rows gathered before paging).
A top-level module, so every area can use it without importing the citizens area.

Only the citizen list's key is indexed (``ix_citizen_name_danish``, migration 0037, on
``citizen.name``); companies and users are few enough to be sorted without one.
"""
from __future__ import annotations

import string

import sqlalchemy as sa

from store import danish_key
from store.danish_key import REPLACEMENTS

from .extensions import db

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def sort_key(name: str | None) -> str:
    """``name``'s Danish sort key (the rule of :func:`order_by`), for a list sorted in Python."""
    key = (name or "").translate(_ASCII_LOWER)  # as SQL's lower() here: ASCII only
    for letter, replacement in REPLACEMENTS:
        key = key.replace(letter, replacement).replace(letter.upper(), replacement)
    return key


def order_by(column, *then) -> tuple[sa.ColumnElement, ...]:
    """The ORDER BY of a list by the name ``column`` on the session's database: the Danish key,
    then the name as written (»anna« and »Anna« share a key), then ``then`` (an id, so the
    order is total and pages do not overlap)."""
    return (danish_key.sort_key_sql(column, db.session.get_bind().dialect.name), column, *then)
