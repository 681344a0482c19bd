"""Small form helpers shared by every area's forms."""
from __future__ import annotations

from typing import Iterable, Mapping

from wtforms.fields.choices import SelectChoice


def choices(options: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """SelectField choices from a vocabulary dict or (value, label) pairs (WTForms 3.3 style)."""
    pairs = options.items() if isinstance(options, Mapping) else options
    return [SelectChoice(value, label) for value, label in pairs]
