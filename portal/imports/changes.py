"""An updated citizen's changes as the report shows them: the column's label, before → after.

:func:`shown_changes` turns the raw :class:`~.service.Change` values of an upsert into Danish
text (vocabulary labels, Danish numbers and dates, the VK's name), and names the jobmål an
update drops, because those are what a consultant added in the portal and the import loses.
The values are the file's own columns (what the administrator uploads) and the portal's
values of the same fields; a CV is named by its file, never by its text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..extensions import db
from ..i18n import format_date, format_number
from store.models import User
from store.models.vocab import BENEFIT_GROUPS, READINESS_GROUPS
from .citizens import LABELS
from .service import Change

EMPTY = "(tom)"
_VOCABULARIES = {"benefit_group": BENEFIT_GROUPS, "readiness_group": READINESS_GROUPS}


@dataclass(frozen=True)
class ShownChange:
    """One changed field as shown: label, old and new text, and the jobmål the update removes."""

    label: str
    old: str
    new: str
    removed: tuple[str, ...] = ()


def shown_changes(changes: tuple[Change, ...]) -> tuple[ShownChange, ...]:
    """The report's lines for ``changes``, in the order of the file's columns (CV last)."""
    order = {key: i for i, key in enumerate(LABELS)}
    result = []
    for change in sorted(changes, key=lambda c: order.get(c.field, len(order))):
        removed = ()
        if change.field == "job_goals":
            kept = {title.casefold() for title in change.new}
            removed = tuple(title for title in change.old if title.casefold() not in kept)
        result.append(ShownChange(LABELS.get(change.field, "CV"), _shown(change.field, change.old),
                                  _shown(change.field, change.new), removed))
    return tuple(result)


def _shown(key: str, value: object) -> str:
    if value is None or value == "" or value == ():
        return {"driving_licences": "Intet kørekort", "vk": "Ingen", "cv": "Intet CV"}.get(key, EMPTY)
    if key in _VOCABULARIES:
        return _VOCABULARIES[key].get(str(value), str(value))
    if key == "vk":
        user = db.session.get(User, value)
        return user.name if user is not None else EMPTY
    if key == "job_goals":
        return "; ".join(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float):
        return format_number(value, 2, trim=True)
    return str(value)
