"""Shared pieces of the API's endpoints: the blueprint factory, cursor pages, filters, roles."""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time

import marshmallow as ma
import sqlalchemy as sa
from flask import request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from store import clock

from .. import audit
from ..extensions import db
from . import guard, problems

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
COMPANY = ("company",)
STAFF = ("consultant", "admin")


def blueprint(name: str, path: str, description: str) -> Blueprint:
    """An API blueprint under /api/v1 with problem+json errors and the Bearer guard."""
    bp = Blueprint(name, __name__, url_prefix=f"/api/v1/{path}", description=description)
    problems.attach(bp)
    guard.attach(bp)
    return bp


IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {
    "type": "string", "maxLength": 200}, "description": (
    "Valgfri. Samme nøgle og samme forespørgsel inden for 24 timer giver det gemte svar igen "
    "(Idempotent-Replayed: true); samme nøgle med en anden forespørgsel giver 422.")}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"},
            "description": "Objektets ETag fra seneste hentning (fx \"v3\")."}


def require_role(*roles: str) -> None:
    """:raise 403: (problem) for a token whose user has none of ``roles``."""
    if current_user.role not in roles:
        audit.record_now("authorisation_denied", purpose=f"api {request.endpoint}", result="denied")
        if roles == COMPANY:
            problems.abort(403, "Kun virksomhedsbrugere kan bruge denne funktion.")
        problems.abort(403, "Kun jobcentrets medarbejdere kan bruge denne funktion.")


def not_found(kind: str, object_id) -> None:
    """Log the miss like the web's owner check does, then 404."""
    audit.record_now("authorisation_denied", purpose=f"{kind}:{object_id}"[:200], result="not_found")
    problems.abort(404)


class ListArgs(ma.Schema):
    """Query parameters every list takes."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"Antal pr. side (1-{MAX_LIMIT})."})
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100),
                              metadata={"description": "'next_cursor' fra forrige side."})
    updated_since = ma.fields.Date(load_default=None, metadata={
        "description": "Kun det, der er oprettet eller ændret denne dag eller senere (ÅÅÅÅ-MM-DD)."})


class PageSchema(ma.Schema):
    next_cursor = ma.fields.String(allow_none=True, required=True)
    next = ma.fields.String(allow_none=True, required=True,
                            metadata={"description": "Adressen på næste side (null: sidste side)."})


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The last id of the previous page (0: first page).

    :raise 422: (problem) for a cursor this API did not hand out.
    """
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, _, value = text.partition(":")
        if version != "v1" or not value.isdigit() or len(value) > 10:
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        problems.abort(422, "Ugyldig cursor. Brug 'next_cursor' fra forrige side.",
                       errors={"cursor": ["Ugyldig cursor."]})


def since_moment(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(0), tzinfo=clock.LOCAL)


def page(query: sa.Select, id_column, args: dict) -> tuple[list, dict]:
    """One keyset page of ``query`` ordered by ``id_column``: (items, {next_cursor, next})."""
    after = decode_cursor(args.get("cursor"))
    limit = args["limit"]
    rows = list(db.session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1].id) if more and rows else None
    next_url = None
    if cursor:
        params = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **params, cursor=cursor)
    return rows, {"next_cursor": cursor, "next": next_url}


def etag_for(version: int) -> str:
    return f'"v{version}"'


def expected_version(required: bool = True) -> int | None:
    """The row version an ``If-Match`` header names.

    :raise 428: (problem) without If-Match when ``required``.
    :raise 412: (problem) for a value that is not one of our ETags.
    """
    header = request.headers.get("If-Match")
    if not header:
        if required:
            problems.abort(428, "Send headeren If-Match med den ETag, du fik, da du hentede objektet.")
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.startswith("v") or not value[1:].isdigit() or len(value) > 11:
        problems.abort(412, "If-Match passer ikke til objektets nuværende version. Hent det igen.")
    return int(value[1:])
