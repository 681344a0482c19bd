"""Small form helpers shared by every area's forms."""
from __future__ import annotations

from typing import Iterable, Mapping

from wtforms.fields.choices import SelectChoice


def choices(options: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """SelectField choices from a vocabulary dict or (value, label) pairs (WTForms 3.3 style)."""
    pairs = options.items() if isinstance(options, Mapping) else options
    return [SelectChoice(value, label) for value, label in pairs]


class RuleError(ValueError):
    """A domain rule is broken; ``message`` is Danish, ``field`` the form field to blame (or None).

    Services raise a subclass and write nothing; routes show it with :func:`attach_error`.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def attach_error(form, err: RuleError) -> None:
    """Show ``err`` on its field, or at the top of ``form`` when it names none (or an unknown one)."""
    target = getattr(form, err.field, None) if err.field else None
    if target is not None:
        target.errors = [*target.errors, err.message]
    else:
        form.form_errors.append(err.message)
