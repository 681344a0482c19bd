"""Errors as ``application/problem+json`` (RFC 9457) with a Danish ``detail``.

Every API blueprint answers its errors here (:func:`attach`): HTTP errors, webargs'
validation errors (``errors`` per field), and unexpected errors (500, rolled back).
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, current_app
from werkzeug.exceptions import HTTPException

from ..errors import MESSAGES, is_transient
from ..extensions import db

MEDIA_TYPE = "application/problem+json"
# RFC 9457: "about:blank" says the problem means no more than its HTTP status (the Danish
# "detail" and "errors" say the rest). Not a URL of ours: a job centre runs Jobbro on its own
# address, and a type URI must not point at a domain it does not control.
PROBLEM_TYPE = "about:blank"

TITLES = {
    400: "Ugyldig forespørgsel", 401: "Ikke logget ind", 403: "Ingen adgang", 404: "Findes ikke",
    405: "Metoden er ikke tilladt", 409: "Konflikt", 410: "Slettet", 412: "Forældet version", 413: "For stor",
    415: "Forkert indholdstype", 422: "Ugyldige data", 428: "Version mangler", 429: "For mange kald",
    500: "Der skete en fejl", 503: "Tjenesten er utilgængelig",
}
DETAILS = {
    401: "Send en gyldig adgangsnøgle i headeren 'Authorization: Bearer <nøgle>'.",
    404: "Det, du spurgte efter, findes ikke, eller du har ikke adgang til det.",
    422: "Nogle af felterne er ikke udfyldt korrekt. Se 'errors'.",
}


class ApiProblem(HTTPException):
    """An API error with a Danish detail, optional field errors and headers."""

    def __init__(self, status: int, detail: str | None = None, *, errors: dict | None = None,
                 headers: dict | None = None, members: dict | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.extra_headers = headers or {}
        self.members = members or {}


def problem(status: int, detail: str | None = None, *, errors: dict | None = None,
            headers: dict | None = None, members: dict | None = None) -> Response:
    """A problem+json response; ``members``: extension members of the problem (RFC 9457, 3.2),
    documented by the operation that sends them."""
    body = {
        "type": PROBLEM_TYPE,
        "title": TITLES.get(status) or MESSAGES.get(status, MESSAGES[500])[0],
        "status": status,
        "detail": detail or DETAILS.get(status) or MESSAGES.get(status, MESSAGES[500])[1],
    }
    if errors:
        body["errors"] = errors
    for key, value in (members or {}).items():
        body.setdefault(key, value)
    # ASCII escapes, as the JSON bodies: a client that guesses the charset still reads the Danish.
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def abort(status: int, detail: str | None = None, **kwargs) -> None:
    """Stop the request with a problem (``errors=``, ``headers=``, ``members=`` as in :func:`problem`)."""
    raise ApiProblem(status, detail, **kwargs)


def _field_errors(data: dict) -> dict:
    """webargs' ``{"json": {"field": [..]}}`` flattened to ``{"field": [..]}``."""
    messages = data.get("errors") or data.get("messages") or {}
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, errors in fields.items():
                flat[name] = errors
        else:
            flat[location] = fields
    return flat


# marshmallow's key for an error of the whole object (the body is a list or a single value,
# not an object): said in ``detail`` at the top, and in place of the field's dict further down,
# never as a key an integrator must know (API review).
WHOLE = "_schema"


def _whole_said_at_the_field(errors):
    """``{"field": {"_schema": [..]}}`` as ``{"field": [..]}``, at any depth."""
    if not isinstance(errors, dict):
        return errors
    if set(errors) == {WHOLE}:
        return errors[WHOLE]
    return {key: _whole_said_at_the_field(value) for key, value in errors.items()}


def _validation_problem(data: dict) -> Response:
    """The 422 of a request that failed its schema: ``errors`` per field, and an error of the
    whole body (not a JSON object) as the detail."""
    errors = _field_errors(data)
    whole = errors.pop(WHOLE, None)
    detail = None
    if whole:
        messages = whole if isinstance(whole, list) else [str(whole)]
        detail = "Kroppen er ikke et JSON-objekt med felterne. " + " ".join(messages)
    return problem(422, detail, errors={key: _whole_said_at_the_field(value) for key, value in errors.items()})


def handle_http(error: HTTPException) -> Response:
    if isinstance(error, ApiProblem):
        return problem(error.code, error.detail, errors=error.errors, headers=error.extra_headers,
                       members=error.members)
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    if status in (400, 422) and data:
        return _validation_problem(data)
    if status == 413:
        from .body import too_large_detail  # body imports this module

        return problem(413, too_large_detail())
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, headers=headers)


def handle_unexpected(error: Exception) -> Response:
    db.session.rollback()
    if isinstance(error, (sa.exc.OperationalError, sa.exc.TimeoutError)) and is_transient(error):
        return problem(503, "Systemet er optaget lige nu, og intet blev gemt. Prøv igen om et øjeblik.",
                       headers={"Retry-After": "5"})
    current_app.logger.exception("unhandled API error")
    return problem(500, "Der skete en uventet fejl. Intet blev gemt. Fejlen er registreret.")


def attach(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(HTTPException, handle_http)
    blueprint.register_error_handler(Exception, handle_unexpected)
