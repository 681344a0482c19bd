"""Two people edit the same opening: what the other one changed, and a merge that keeps it.

The opening's side of :mod:`portal.merge` (review B8): the edit form's hidden ``base`` holds
the fingerprints of :data:`EDITABLE_FIELDS` as loaded, and a stale save comes back merged.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import merge as generic
from store.models.vocab import OPENING_KINDS, OPENING_STATUSES
from .service import EDITABLE_FIELDS, OpeningData

SHOWN_CHARS = generic.SHOWN_CHARS
_LABELS = {"kind": OPENING_KINDS, "status": OPENING_STATUSES}


def fingerprints(source) -> str:
    """Each editable field of ``source`` (an opening or :class:`OpeningData`), fingerprinted,
    in :data:`EDITABLE_FIELDS` order, joined by dots: the form's hidden ``base``."""
    return generic.fingerprints(source, EDITABLE_FIELDS)


@dataclass(frozen=True)
class Merge:
    """What a stale save found: the fields the other person changed (``theirs``), those both
    changed (``both``, a subset), and the values to show in the form (``data``)."""

    theirs: list[str]
    both: list[str]
    data: OpeningData


def merge(saved, posted: OpeningData, base_text: str | None) -> Merge:
    """Merge this user's ``posted`` values onto the ``saved`` opening, by the loaded ``base``."""
    found = generic.merge(saved, dataclasses.asdict(posted), base_text, EDITABLE_FIELDS)
    take = dict(found.take)
    if "required_licences" in take:
        take["required_licences"] = list(take["required_licences"] or ())
    return Merge(found.theirs, found.both, dataclasses.replace(posted, **take))


def shown_value(name: str, value) -> str:
    """A saved value as the company reads it: »…«, labels for codes, Danish dates and numbers."""
    return generic.shown_value(value, _LABELS.get(name))
