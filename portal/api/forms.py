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


def validated(form_class, values: dict[str, Any], *, api_names: dict[str, str] | None = None,
              api_messages: dict[str, str] | None = None, **kwargs):
    """The web form ``form_class`` filled from ``values`` and validated (CSRF off: Bearer only).

    Args:
        api_names: the request's JSON field for a form field named otherwise (``errors`` uses it).
        api_messages: a message for a form field whose web wording means nothing in the API
            (e.g. a choice "on the list"); it replaces the form's messages for that field.

    :raise 422: (problem) with the form's Danish messages per field, keyed by the API's field names.
    """
    form = form_class(formdata=formdata(values), meta={"csrf": False}, **kwargs)
    if not form.validate():
        names, replaced = api_names or {}, api_messages or {}
        errors = {names.get(name, name): [replaced[name]] if name in replaced else list(messages)
                  for name, messages in form.errors.items() if messages}
        problems.abort(422, errors=errors)
    return form
