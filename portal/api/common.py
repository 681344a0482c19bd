"""Shared pieces of the API's endpoints: the blueprint factory, cursor pages, filters, roles."""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timezone

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
# The job centre: its people, and its own systems (an integration's keys, /admin/integrationer).
STAFF = ("consultant", "admin", "integration")


def blueprint(name: str, path: str, description: str) -> Blueprint:
    """An API blueprint under /api/v1 with problem+json errors and the Bearer guard."""
    bp = Blueprint(name, __name__, url_prefix=f"/api/v1/{path}", description=description)
    problems.attach(bp)
    guard.attach(bp)
    return bp


class Integer(ma.fields.Integer):
    """An integer in a JSON body: a whole number only, never cut down.

    marshmallow's Integer takes ``2.7`` as 2 (``int()``), ``true`` as 1 and ``"5"`` as 5, so a
    decimal ``vk_id`` or ``placement_id`` would quietly name another object. This one refuses
    them with the query string's "Skal være et heltal."; a whole number written as ``2.0`` is an
    integer in JSON Schema, and is taken. Query parameters (text) keep marshmallow's Integer.
    """

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {
    "type": "string", "maxLength": 200}, "description": (
    "Valgfri. Samme nøgle og samme forespørgsel inden for 24 timer giver svaret igen uden at gøre det "
    "igen (Idempotent-Replayed: true): for kandidater og hotline-henvendelser objektet, som det er nu, "
    "ellers det gemte svar. Samme nøgle med en anden forespørgsel giver 422. Kører den første stadig, "
    "giver en gentagelse 409 med Retry-After; et første svar med 5xx gemmes ikke, så nøglen kan sendes igen.")}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"},
            "description": "Objektets ETag fra seneste hentning (fx \"v3\"); * betyder enhver eksisterende version."}
UPSERT_IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                   "description": (
    "Valgfri. Uden If-Match overskrives objektet uden versionskontrol. Med objektets ETag (fx \"v3\") "
    "ændres det kun, hvis ingen har ændret det siden (ellers 412); * kræver, at objektet findes.")}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "Objektets version til If-Match."}}


def require_role(*roles: str) -> None:
    """:raise 403: (problem) for a token whose user has none of ``roles``."""
    if current_user.role not in roles:
        audit.record_now("authorisation_denied", purpose=f"api {request.endpoint}", result="denied")
        if roles == COMPANY:
            problems.abort(403, "Kun virksomhedsbrugere kan bruge denne funktion.")
        problems.abort(403, "Kun jobcentrets medarbejdere kan bruge denne funktion.")


def company_only() -> None:
    """The role check of a company-only write (``guard.restrict_endpoints``): :raise 403:
    (problem) for the job centre's tokens."""
    require_role(*COMPANY)


def staff_only() -> None:
    """The role check of a staff-only blueprint (``guard.restrict``): :raise 403: (problem) for
    a company's token."""
    require_role(*STAFF)


def not_found(kind: str, object_id) -> None:
    """Log the miss like the web's owner check does, then 404."""
    audit.record_now("authorisation_denied", purpose=f"{kind}:{object_id}"[:200], result="not_found")
    problems.abort(404)


EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
LATEST = datetime.max.replace(tzinfo=timezone.utc)


class SinceField(ma.fields.Field):
    """A date or an RFC 3339 date-time with its offset, loaded as an aware UTC datetime (a date:
    its first moment in Danish time).

    A moment that does not fit a datetime in UTC (``0001-01-01``, a common "from the beginning",
    or ``9999-12-31T23:59:59-23:59``) is clamped to the first or last moment there is, so a
    first full sync gets everything rather than an error.
    """

    default_error_messages = {"invalid": "Skal være en dato (ÅÅÅÅ-MM-DD) eller et tidspunkt med tidszone "
                                         "(fx 2026-12-05T01:00:00Z)."}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}],
                              **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str) or not 10 <= len(value) <= 40:
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                moment = datetime.combine(date.fromisoformat(value), time(0), tzinfo=clock.LOCAL)
            else:
                moment = datetime.fromisoformat(value.replace("z", "Z"))
                if moment.tzinfo is None or "T" not in value.upper():
                    raise ValueError(value)
        except ValueError:
            raise self.make_error("invalid") from None
        try:
            return moment.astimezone(timezone.utc)
        except OverflowError:  # only at the ends of the calendar: year 1 or 9999
            return EARLIEST if moment.year < 2000 else LATEST


# How a list's query parameters are read: an unknown or misspelt one (``?opening_id=`` where
# there is no such filter) is a 422 "Ukendt felt.", as an unknown body field is, never ignored.
QUERY = {"location": "query", "unknown": ma.RAISE}


class ListArgs(ma.Schema):
    """Query parameters every list takes (read with :data:`QUERY`)."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"Antal pr. side (1-{MAX_LIMIT})."})
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100),
                              metadata={"description": "'next_cursor' fra forrige side."})
    updated_since = SinceField(load_default=None, metadata={
        "description": "Kun det, der er oprettet eller ændret fra dette tidspunkt: en dato (ÅÅÅÅ-MM-DD, fra "
                       "dagens begyndelse, dansk tid) eller et tidspunkt med tidszone (RFC 3339, fx "
                       "2026-12-05T01:00:00Z, som updated_at). Et samtykke, der udløber efter sin sidste dag, "
                       "tæller som en ændring fra det tidspunkt (se disclosed_until), selv om intet er skrevet."})


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


def since_moment(since: date | datetime | None) -> datetime | None:
    """``updated_since`` as an aware moment (a plain date: its first moment in Danish time)."""
    if since is None or isinstance(since, datetime):
        return since
    return datetime.combine(since, time(0), tzinfo=clock.LOCAL)


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


def _if_match() -> str | list[str] | None:
    """The If-Match header: None (not sent), "*" or the list of entity tags it names."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        return None
    if header.strip() == "*":
        return "*"
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _version_of(tag: str) -> int | None:
    """The row version of one of our strong ETags (``"v3"``); None for anything else.

    A weak tag (``W/"v3"``) never matches: If-Match compares strongly (RFC 9110, 13.1.1).
    """
    if len(tag) < 4 or not (tag.startswith('"v') and tag.endswith('"')):
        return None
    digits = tag[2:-1]
    return int(digits) if digits.isdigit() and len(digits) <= 10 else None


STALE = "If-Match passer ikke til objektets nuværende version. Hent det igen."


def expected_version(current_version: int, required: bool = True) -> int | None:
    """The row version an ``If-Match`` header agrees to (None: any version, ``If-Match: *``).

    The header may name several tags (RFC 9110, 13.1.1): it matches when one of them is the
    object's current version, which is then returned for the service's lost-update guard.

    :raise 428: (problem) without If-Match when ``required``.
    :raise 412: (problem) when no tag names ``current_version`` as one of our strong ETags.
    """
    tags = _if_match()
    if tags is None:
        if required:
            problems.abort(428, "Send headeren If-Match med den ETag, du fik, da du hentede objektet.")
        return None
    if tags == "*":
        return None
    if current_version not in {_version_of(tag) for tag in tags}:
        problems.abort(412, STALE)
    return current_version


def check_if_match(current_version: int | None) -> int | None:
    """An optional ``If-Match`` on a create-or-update (upsert) route, against the object as it is.

    Without the header nothing is checked (the caller overwrites). ``*`` asks for an existing
    object; a tag must name the current version.

    Args:
        current_version: the stored object's version, None when it does not exist yet.

    Returns:
        The version the header named (None: no header or ``*``), for the service's lost-update guard.

    :raise 412: (problem) when the object does not exist or has another version.
    """
    tags = _if_match()
    if tags is None:
        return None
    if current_version is None:
        problems.abort(412, "If-Match er sendt, men objektet findes ikke endnu. Send uden If-Match for at oprette det.")
    if tags == "*":
        return None
    if current_version not in {_version_of(tag) for tag in tags}:
        problems.abort(412, STALE)
    return current_version
