"""Two people edit the same opening: what the other one changed, and a merge that keeps it.

The edit form carries, beside the version, a fingerprint of every field as it was loaded
(:func:`fingerprints`: a short hash per field, so no text travels twice). When the save is
refused as stale, :func:`merge` compares three versions per field: the loaded one (the
fingerprint), the saved one (the other person's) and the posted one (this user's). Fields only
the other person changed take the saved value; fields this user changed keep what was typed
(both changed: the user's, and the other's value is shown, so saving again is a choice). The
refused form comes back with the merge and the saved version's number and fingerprint: saving
again writes the user's changes on top of the other's, and nothing of theirs is lost unless
the user changed the same field (review B8).
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import date

from ..i18n import format_date, format_number
from store.models.vocab import OPENING_KINDS, OPENING_STATUSES
from .service import EDITABLE_FIELDS, OpeningData

SHOWN_CHARS = 160  # a long text of the other person's is shown cut to this


def _fingerprint(value) -> str:
    if value is None:
        value = ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 10.0 as saved, 10 as typed: the same hours
    if isinstance(value, (list, tuple)):
        value = ",".join(sorted(str(item) for item in value))
    return hashlib.sha256(str(value).encode()).hexdigest()[:10]


def fingerprints(source) -> str:
    """Each editable field of ``source`` (an opening or :class:`OpeningData`), fingerprinted,
    in :data:`EDITABLE_FIELDS` order, joined by dots: the form's hidden ``base``."""
    return ".".join(_fingerprint(getattr(source, name)) for name in EDITABLE_FIELDS)


def _base(text: str | None) -> dict[str, str] | None:
    parts = (text or "").split(".")
    return dict(zip(EDITABLE_FIELDS, parts)) if len(parts) == len(EDITABLE_FIELDS) else None


@dataclass(frozen=True)
class Merge:
    """What a stale save found: the fields the other person changed (``theirs``), those both
    changed (``both``, a subset), and the values to show in the form (``data``)."""

    theirs: list[str]
    both: list[str]
    data: OpeningData


def merge(saved, posted: OpeningData, base_text: str | None) -> Merge:
    """Merge this user's ``posted`` values onto the ``saved`` opening, by the loaded ``base``.

    Without a usable base (a form from before the fingerprints) every field that differs is
    counted as the other person's and the user's values are kept, as before.
    """
    base = _base(base_text)
    if base is None:
        differ = [n for n in EDITABLE_FIELDS if _fingerprint(getattr(saved, n)) != _fingerprint(getattr(posted, n))]
        return Merge(differ, differ, posted)
    theirs = [n for n in EDITABLE_FIELDS if _fingerprint(getattr(saved, n)) != base[n]]
    mine = {n for n in EDITABLE_FIELDS if _fingerprint(getattr(posted, n)) != base[n]}
    take = {n: getattr(saved, n) for n in theirs if n not in mine}
    if "required_licences" in take:
        take["required_licences"] = list(take["required_licences"] or ())
    return Merge(theirs, [n for n in theirs if n in mine], dataclasses.replace(posted, **take))


def shown_value(name: str, value) -> str:
    """A saved value as the company reads it: »…«, labels for codes, Danish dates and numbers."""
    if value in (None, "", [], ()):
        return "tomt"
    if name == "kind":
        value = OPENING_KINDS.get(value, value)
    elif name == "status":
        value = OPENING_STATUSES.get(value, value)
    elif name == "required_licences":
        value = ", ".join(value)
    elif isinstance(value, date):
        value = format_date(value)
    elif isinstance(value, float):
        value = format_number(value, 2, trim=True)
    text = " ".join(str(value).split())
    return f"»{text[:SHOWN_CHARS]}…«" if len(text) > SHOWN_CHARS else f"»{text}«"
