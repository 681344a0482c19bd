"""Two people edit the same record: what the other one changed, and a merge that keeps it.

An edit form carries, beside the version, a fingerprint of every editable field as it was
loaded (:func:`fingerprints`: a short hash per field, so no text travels twice). When the save
is refused as stale, :func:`merge` compares three versions per field: the loaded one (the
fingerprint), the saved one (the other person's) and the posted one (this user's). Fields only
the other person changed take the saved value; fields this user changed keep what was typed
(both changed: the user's, and the other's value is shown, so saving again is a choice). The
refused form comes back with the merge and the saved version's number and fingerprint: saving
again writes the user's changes on top of the other's, and nothing of theirs is lost unless
the user changed the same field. Used by the opening form (:mod:`portal.openings.conflict`),
the citizen's profile, skånehensyn and caseworkers (:mod:`portal.citizens.conflicts`), the
success stories, and the administrator's company and user edits (:mod:`portal.admin.service`;
these two records have no version column, as the stories: :func:`lost`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .i18n import format_date, format_number

SHOWN_CHARS = 160  # a long text of the other person's is shown cut to this


def fingerprint(value) -> str:
    """A short hash of one field's value; the same for 10.0 as saved and 10 as typed, and for
    a list in any order."""
    if value is None:
        value = ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        value = ",".join(sorted(str(item) for item in value))
    return hashlib.sha256(str(value).encode()).hexdigest()[:10]


def fingerprints(source, fields: Sequence[str]) -> str:
    """Each of ``fields`` of ``source`` fingerprinted, in order, joined by dots: the form's
    hidden ``base``."""
    return ".".join(fingerprint(getattr(source, name)) for name in fields)


def _base(text: str | None, fields: Sequence[str]) -> dict[str, str] | None:
    parts = (text or "").split(".")
    return dict(zip(fields, parts)) if len(parts) == len(fields) else None


@dataclass(frozen=True)
class Merge:
    """What a stale save found: the fields the other person changed (``theirs``), those both
    changed (``both``, a subset), and the values of ``saved`` to take into the form (``take``:
    the fields only the other person changed)."""

    theirs: list[str]
    both: list[str]
    take: dict[str, object]


def merge(saved, posted: Mapping[str, object], base_text: str | None, fields: Sequence[str]) -> Merge:
    """Merge this user's ``posted`` values onto the ``saved`` record, by the loaded ``base``.

    Without a usable base (a form from before the fingerprints) every field that differs is
    counted as the other person's and the user's values are kept.
    """
    base = _base(base_text, fields)
    if base is None:
        differ = [n for n in fields if fingerprint(getattr(saved, n)) != fingerprint(posted[n])]
        return Merge(differ, differ, {})
    theirs = [n for n in fields if fingerprint(getattr(saved, n)) != base[n]]
    mine = {n for n in fields if fingerprint(posted[n]) != base[n]}
    take = {n: getattr(saved, n) for n in theirs if n not in mine}
    return Merge(theirs, [n for n in theirs if n in mine], take)


def lost(saved, posted: Mapping[str, object], base_text: str | None, fields: Sequence[str]) -> Merge | None:
    """For a record without a version column (the form carries only ``base``): what saving
    ``posted`` would change back of someone else's save since the form was loaded, as a
    :class:`Merge` of those fields only; None when nothing would be lost, or without a usable
    base (a form from before it existed: the save goes ahead). A field saved meanwhile as this
    form sends it (the same change, or this user's own earlier save sent again) loses nothing.
    The caller reads ``saved`` locked and fresh first, so of two saves at once the second sees
    the first."""
    if _base(base_text, fields) is None:
        return None
    found = merge(saved, posted, base_text, fields)
    gone = [name for name in found.theirs if fingerprint(getattr(saved, name)) != fingerprint(posted[name])]
    return Merge(gone, [name for name in found.both if name in gone], found.take) if gone else None


def shown_value(value, labels: Mapping[str, str] | None = None) -> str:
    """A saved value as a person reads it: »…«, ``labels`` for codes, Danish dates and numbers."""
    if value in (None, "", [], ()):
        return "tomt"
    if labels is not None:
        value = labels.get(value, value)
    elif isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    elif isinstance(value, date):
        value = format_date(value)
    elif isinstance(value, float):
        value = format_number(value, 2, trim=True)
    text = " ".join(str(value).split())
    return f"»{text[:SHOWN_CHARS]}…«" if len(text) > SHOWN_CHARS else f"»{text}«"


def conflict_message(what: str, theirs: Sequence[str], both: Sequence[str]) -> str:
    """The refused save's message: ``what`` ("Opslaget", "Borgeren") was changed by someone
    else; ``theirs`` and ``both`` are the fields, each with its label and shown value."""
    message = f"{what} er blevet ændret af en anden, mens du redigerede, så intet er gemt endnu."
    if theirs:
        message += f" Den anden ændrede {', '.join(theirs)}; det står nu i formularen sammen med dine ændringer."
    if both:
        message += (f" I har begge ændret {', '.join(both)}; formularen viser din udgave, så ret den, "
                    "hvis den andens skal bruges.")
    return message + " Tjek formularen, og gem igen."
