"""Small form helpers shared by every area's forms."""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from wtforms import Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

# NUL and other C0/C1 control characters (tab and newlines allowed) and bidi overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def choices(options: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """SelectField choices from a vocabulary dict or (value, label) pairs (WTForms 3.3 style)."""
    pairs = options.items() if isinstance(options, Mapping) else options
    return [SelectChoice(value, label) for value, label in pairs]


class ChoiceField(SelectField):
    """SelectField with a Danish message for a value that is not among the choices.

    WTForms has no Danish locale; this covers both a value that cannot be coerced and one
    that is not offered.
    """

    MESSAGE = "Vælg en af mulighederne på listen."

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.MESSAGE) from None

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.MESSAGE) from None


def no_control_characters(_form, field: Field) -> None:
    """Refuse NUL, other control characters and bidi overrides."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Teksten indeholder ugyldige tegn (fx usynlige styretegn). Fjern dem og prøv igen.")


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
