"""Run the web's WTForms validation over a JSON body, so the API and the pages share every rule."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from . import problems


def formdata(values: dict[str, Any]) -> MultiDict:
    """JSON values as the strings a browser would post (lists as repeated fields; None as empty)."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            pairs.append((name, ""))
        elif isinstance(value, (list, tuple)):
            pairs.extend((name, str(item)) for item in value)
        elif isinstance(value, bool):
            pairs.append((name, "y") if value else (name, ""))
        else:
            pairs.append((name, value.isoformat() if hasattr(value, "isoformat") else str(value)))
    return MultiDict(pairs)


def validated(form_class, values: dict[str, Any], **kwargs):
    """The web form ``form_class`` filled from ``values`` and validated (CSRF off: Bearer only).

    :raise 422: (problem) with the form's Danish messages per field.
    """
    form = form_class(formdata=formdata(values), meta={"csrf": False}, **kwargs)
    if not form.validate():
        errors = {name: list(messages) for name, messages in form.errors.items() if messages}
        problems.abort(422, errors=errors)
    return form
