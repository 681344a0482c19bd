"""The request body of an API write, checked before the endpoint reads it.

webargs would take a body without a JSON Content-Type as empty (every field "missing"),
answer malformed JSON in English and fail with a RecursionError (500) on deeply nested
arrays. :func:`check` answers each of these with a Danish problem instead: 415 for the
wrong Content-Type, 400 for a body that is not JSON or nests deeper than any of our schemas.
"""
from __future__ import annotations

import json

from flask import current_app, request

from ..i18n import format_number
from . import problems

# Our bodies are objects of values and lists (two levels); anything deeper is not ours.
MAX_DEPTH = 20
JSON_TYPE = "Send kroppen som JSON med headeren 'Content-Type: application/json'."


def check() -> None:
    """Check the body against what the endpoint reads (JSON, a file, or nothing).

    :raise 415: (problem) a body in another format than the endpoint reads.
    :raise 400: (problem) a JSON body that is empty, malformed, not UTF-8 or nested too deep.
    """
    wanted = _locations()
    if "json" in wanted:
        if not request.is_json:
            if request.get_data(cache=True):
                problems.abort(415, JSON_TYPE)
            problems.abort(400, "Kroppen er tom. " + JSON_TYPE)
        _parse(request.get_data(cache=True))
    elif "files" in wanted and request.mimetype != "multipart/form-data":
        problems.abort(415, "Send filen som multipart/form-data i feltet 'file'.")


def too_large_detail() -> str:
    """The 413 detail, with the limit the app enforces (MAX_CONTENT_LENGTH)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = format_number(limit / (1024 * 1024), 1, trim=True)
    return f"Forespørgslen er for stor (højst {size} MB)." if limit else "Forespørgslen er for stor."


def _locations() -> set[str]:
    view = current_app.view_functions.get(request.endpoint or "")
    arguments = (getattr(view, "_apidoc", None) or {}).get("arguments") or {}
    return {parameter.get("in") for parameter in arguments.get("parameters", [])}


def _parse(data: bytes) -> None:
    if not data.strip():
        problems.abort(400, "Kroppen er tom. Send et JSON-objekt.")
    try:
        value = json.loads(data)
    except UnicodeDecodeError:
        problems.abort(400, "Kroppen er ikke gyldig UTF-8. Send JSON i UTF-8.")
    except json.JSONDecodeError as err:
        problems.abort(400, f"Kroppen er ikke gyldig JSON (linje {err.lineno}, tegn {err.colno}): "
                            f"ret syntaksen, fx manglende anførselstegn eller komma.")
    except RecursionError:
        problems.abort(400, _too_deep())
    if _depth(value) > MAX_DEPTH:
        problems.abort(400, _too_deep())


def _too_deep() -> str:
    return f"JSON-kroppen er for dybt indlejret (højst {MAX_DEPTH} niveauer)."


def _depth(value) -> int:
    """The nesting depth of a parsed JSON value, without recursion (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest
