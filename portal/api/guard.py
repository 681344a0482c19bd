"""What runs around every API call: Bearer authentication, scope, rate limit, idempotency, audit.

Only ``Authorization: Bearer <token>`` authenticates here: a session cookie is ignored (the
token's user replaces whatever the cookie loaded), so the API needs no CSRF token and a page
in a browser cannot call it with the visitor's session. The token's user becomes
``current_user`` for the request, so the web's access checks and audit apply unchanged.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import timedelta
from functools import wraps
from typing import Callable

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from flask_login import current_user
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from store import clock
from store.models.api import IdempotencyRecord

from .. import audit
from ..extensions import db
from . import body, problems, tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENCY_TTL = timedelta(hours=24)
# The status_code of a key claimed by a request that has not answered yet.
IN_PROGRESS = 0
# The status_code of a claim whose request has committed a change but not (yet) stored its
# answer: set in the transaction of the request's first write (_mark_committed), so the key can
# never be given back once the action happened, even if storing the answer fails afterwards.
COMMITTED = 1
# A claim this old belongs to a request that died without answering (its process killed): the
# key is free again. Far above any request's run time (gunicorn's timeout is 60 seconds).
CLAIM_TIMEOUT = timedelta(minutes=5)
IN_PROGRESS_RETRY_AFTER = 2  # seconds
CLAIM_ATTEMPTS = 3
MAX_KEY_LENGTH = 200
EXTENSION = "jobbro_api_limiter"
REPLAY_HEADERS = ("Content-Type", "Location", "ETag")


def init_app(app: Flask) -> None:
    """Bind the rate limiter's storage (API_RATELIMIT_STORAGE_URI, memory by default).

    Raises:
        ConfigError: a limit that does not parse ("300/minute") or a storage that cannot be
            used (unknown scheme, its client package missing), so the start stops with the
            setting's name rather than the first API call failing.
    """
    from ..config import ConfigError

    try:
        parse(app.config["API_RATE_LIMIT"])
    except ValueError:
        raise ConfigError(f"API_RATE_LIMIT must be a rate such as '300/minute', "
                          f"not {app.config['API_RATE_LIMIT']!r}") from None
    try:
        storage = storage_from_string(app.config["API_RATELIMIT_STORAGE_URI"])
    except Exception as err:  # limits raises ConfigurationError, or the client's own error
        raise ConfigError(f"API_RATELIMIT_STORAGE_URI cannot be used: {err}") from None
    app.extensions[EXTENSION] = MovingWindowRateLimiter(storage)
    for name, listener in (("after_flush", _note_write), ("do_orm_execute", _note_statement),
                           ("before_commit", _mark_committed), ("after_commit", _forget_writes),
                           ("after_rollback", _forget_writes)):
        if not sa.event.contains(db.session, name, listener):
            sa.event.listen(db.session, name, listener)


# The session.info key that says the session's transaction has written something.
_WROTE = "jobbro_idempotency_wrote"


def _note_write(session, _flush_context) -> None:
    session.info[_WROTE] = True


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session) -> None:
    session.info.pop(_WROTE, None)


def _mark_committed(session) -> None:
    """Before a transaction that wrote commits during a request holding an idempotency claim,
    turn the claim into :data:`COMMITTED` in that same transaction: the action and the record
    that it happened commit together or not at all."""
    if not has_request_context() or g.get("idempotency") is None or g.get("idempotency_committed"):
        return
    # The commit flushes only after this hook: changes to loaded rows that nothing flushed yet
    # would otherwise go unseen, and the claim would stay IN_PROGRESS (review Y 1).
    session.flush()
    if not session.info.get(_WROTE):
        return
    g.idempotency_committed = True
    session.execute(sa.update(IdempotencyRecord).where(
        IdempotencyRecord.id == g.idempotency, IdempotencyRecord.status_code == IN_PROGRESS).values(
        status_code=COMMITTED))


def spec_guard(view):
    """The OpenAPI document is for logged-in users and token holders (401 for anyone else)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        if not current_user.is_authenticated and not (scheme.lower() == "bearer" and tokens.authenticate(raw.strip())):
            return problems.problem(401, headers={"WWW-Authenticate": 'Bearer realm="jobbro"'})
        return view(*args, **kwargs)

    return wrapped


# Per blueprint and per endpoint, a check of the caller's role run by the guard before any body is read.
_ROLE_CHECKS: dict[str, Callable[[], None]] = {}
_ENDPOINT_CHECKS: dict[str, Callable[[], None]] = {}
# Per blueprint: the GET endpoint (and its id argument) that shows the object a POST answered
# with. Such answers are about a citizen, so they are never stored, only re-read (_replay).
_REREAD: dict[str, tuple[str, str]] = {}


def attach(blueprint: Blueprint) -> None:
    blueprint.before_request(_before)
    blueprint.after_request(_after)
    blueprint.teardown_request(_teardown)


def restrict(blueprint: Blueprint, check: Callable[[], None]) -> None:
    """Run ``check`` (it aborts for a caller of the wrong role) on every request to
    ``blueprint``, after the token is known and before the body is looked at, so a caller who
    may not use the area is told so rather than what is wrong with the body."""
    _ROLE_CHECKS[blueprint.name] = check


def restrict_endpoints(blueprint: Blueprint, check: Callable[[], None], *views: str) -> None:
    """Like :func:`restrict`, for the named views of ``blueprint`` only (a company-only write in
    an area both sides read): the wrong role gets 403 whatever the body holds, never a list of
    field errors."""
    for view in views:
        _ENDPOINT_CHECKS[f"{blueprint.name}.{view}"] = check


def replay_by_reading(blueprint: Blueprint, endpoint: str, argument: str) -> None:
    """Answer a repeated POST (same ``Idempotency-Key``) to ``blueprint`` by reading the object
    again through ``endpoint`` (its id as ``argument``) instead of replaying a stored body.

    The stored body of an answer about a citizen would bring back what the web no longer shows
    (the name after consent ended or processing was restricted) and skip the audit of the read;
    only the status and the object's id are kept, and the object is shown as it is now, with the
    GET's access checks (404/410) and audit.
    """
    _REREAD[blueprint.name] = (endpoint, argument)


def _route() -> str:
    """The request as its route template (``PUT /api/v1/citizens/<path:external_id>``), for the
    audit log: the raw path could hold whatever a caller put there, a CPR number included."""
    rule = request.url_rule.rule if request.url_rule is not None else "?"
    return f"{request.method} {rule}"


def _before() -> Response | None:
    if request.method == "OPTIONS":
        return None
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        _limit("anonymous:" + (request.remote_addr or ""))
        if current_user.is_authenticated:  # a browser session: known, but not accepted here
            problems.abort(403, "API'et godtager ikke et login fra browseren. "
                                "Brug en adgangsnøgle: 'Authorization: Bearer <nøgle>'.")
        problems.abort(401, headers={"WWW-Authenticate": 'Bearer realm="jobbro"'})
    token = tokens.authenticate(raw.strip())
    if token is None:
        _limit("anonymous:" + (request.remote_addr or ""))
        audit.record_now("api_auth_failed", purpose=_route()[:200], result="denied")
        problems.abort(401, "Adgangsnøglen er ukendt, udløbet eller tilbagekaldt, eller brugeren er deaktiveret.",
                       headers={"WWW-Authenticate": 'Bearer realm="jobbro", error="invalid_token"'})
    g._login_user = token.user  # Flask-Login's current_user for this request: the token's, not a cookie's
    g.api_token = token
    _limit(f"token:{token.id}")
    tokens.touch(token)
    if request.method not in SAFE_METHODS and token.scope != "write":
        audit.record_now("authorisation_denied", purpose=f"api read-only token:{token.id}", result="denied")
        problems.abort(403, "Adgangsnøglen har kun læseadgang. Opret en nøgle med skriveadgang for at ændre data.")
    for role_check in (_ROLE_CHECKS.get(request.blueprint or ""), _ENDPOINT_CHECKS.get(request.endpoint or "")):
        if role_check is not None:
            role_check()
    if request.method not in SAFE_METHODS:
        body.check()
    if request.method == "POST" and request.headers.get("Idempotency-Key"):
        return _replay()
    return None


def _limit(key: str) -> None:
    limiter: MovingWindowRateLimiter = current_app.extensions[EXTENSION]
    item = parse(current_app.config["API_RATE_LIMIT"])
    if limiter.hit(item, "api", key):
        return
    reset = limiter.get_window_stats(item, "api", key).reset_time
    wait = max(1, math.ceil(reset - time.time()))
    problems.abort(429, f"For mange kald. Vent {wait} sekunder, og prøv igen.",
                   headers={"Retry-After": str(wait)})


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.query_string.decode('latin-1')}\n".encode())
    digest.update((request.content_type or "").encode() + b"\n")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay() -> Response | None:
    """Claim the request's ``Idempotency-Key`` before the view runs, or answer a repeat.

    The claim is the key's record, inserted with :data:`IN_PROGRESS` and committed in its own
    short transaction (the view's service commits on its own, often more than once, so the
    claim cannot ride in the action's transaction); the unique (token, key) makes a second
    insert of the key fail on SQLite and PostgreSQL alike, whichever request got there first.
    The view's first commit that writes also makes the claim :data:`COMMITTED`, in the same
    transaction (:func:`_mark_committed`). :func:`_after` then fills in the answer, or deletes
    the claim when the answer is not kept and nothing was committed.

    :raise 400: a key that is too long or not printable.
    :raise 422: the key was used for another request (method, path, query or body).
    :raise 409: the same request with this key is still running (with ``Retry-After``).
    """
    key = request.headers["Idempotency-Key"]
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        problems.abort(400, f"Idempotency-Key må højst være {MAX_KEY_LENGTH} synlige tegn.")
    token = g.api_token
    request_hash = _request_hash()
    now = clock.utcnow()
    db.session.execute(sa.delete(IdempotencyRecord).where(
        IdempotencyRecord.token_id == token.id,
        sa.or_(IdempotencyRecord.created_at < now - IDEMPOTENCY_TTL,
               sa.and_(IdempotencyRecord.status_code == IN_PROGRESS,
                       IdempotencyRecord.created_at < now - CLAIM_TIMEOUT))))
    db.session.commit()
    for _attempt in range(CLAIM_ATTEMPTS):
        found = db.session.scalar(sa.select(IdempotencyRecord).where(
            IdempotencyRecord.token_id == token.id, IdempotencyRecord.key == key))
        if found is not None:
            return _repeat(found, request_hash)
        claim = IdempotencyRecord(token_id=token.id, key=key, method=request.method, path=request.path[:300],
                                  request_hash=request_hash, status_code=IN_PROGRESS, response_body="",
                                  response_headers={}, object_id=None, created_at=now)
        db.session.add(claim)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # the same key, claimed at this moment by another request
            db.session.rollback()
            continue  # read that one's record (or, released meanwhile, claim again)
        g.idempotency = claim.id
        return None
    _in_progress()  # claimed and released over and over: tell the client to come back
    return None


def _in_progress() -> None:
    problems.abort(409, "En anmodning med samme Idempotency-Key er i gang. Prøv igen om lidt.",
                   headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER)})


def _repeat(found: IdempotencyRecord, request_hash: str) -> Response:
    """The answer to a repeat of a claimed key: 422 for another request, 409 while the first
    runs, else the first's answer (re-read through the GET for objects about a citizen)."""
    if found.request_hash != request_hash:
        problems.abort(422, "Idempotency-Key er allerede brugt til en anden forespørgsel. Brug en ny nøgle.")
    if found.status_code == IN_PROGRESS:
        _in_progress()
    if found.status_code == COMMITTED:
        if found.created_at > clock.utcnow() - CLAIM_TIMEOUT:
            _in_progress()  # most likely still running (it committed a first step)
        # Done, but its answer was never stored (the store failed, or the request died after
        # committing): doing it again would do it twice.
        problems.abort(409, "Anmodningen med denne Idempotency-Key er allerede udført, men svaret kunne "
                            "ikke gemmes. Send den ikke igen; hent resultatet med en GET.")
    reread = _REREAD.get(request.blueprint or "")
    if found.object_id is not None and reread is not None:
        endpoint, argument = reread
        # The GET's own view: its access checks abort (404/410) and its audit is written.
        response = current_app.view_functions[endpoint](**{argument: found.object_id})
        response.status_code = found.status_code
    else:
        response = Response(found.response_body, status=found.status_code)
    for name, value in (found.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _after(response: Response) -> Response:
    token = getattr(g, "api_token", None)
    if token is None:
        return response
    claim_id = g.get("idempotency")
    if claim_id is not None:
        try:
            _resolve(claim_id, response)
        except sa.exc.SQLAlchemyError as exc:
            # The action's own commits stand, and the claim says so (COMMITTED) if it wrote
            # anything: the client gets the real answer now, and a repeat never runs it again.
            current_app.logger.warning("idempotent answer not stored (%s)", type(exc).__name__)
            _release_quietly(claim_id)
        g.idempotency = None  # resolved: nothing left for _teardown
    if request.method not in SAFE_METHODS:
        # Every write attempt, whatever its outcome (the services log what they changed); reads
        # of personal data are logged where they happen, as on the web.
        audit.record_now("api_write", purpose=f"{_route()} token:{token.id}"[:200],
                         result=str(response.status_code))
    return response


def _teardown(error: BaseException | None) -> None:
    """Give the key back when the request ended without :func:`_after` resolving its claim (an
    error after the view), so the client may send it again rather than wait for CLAIM_TIMEOUT."""
    claim_id = g.pop("idempotency", None)
    if claim_id is None:
        return
    _release_quietly(claim_id)


def _release_quietly(claim_id: int) -> None:
    try:
        db.session.rollback()
        _release(claim_id)
    except sa.exc.SQLAlchemyError as exc:  # the claim then expires after CLAIM_TIMEOUT
        db.session.rollback()
        current_app.logger.warning("idempotency claim not released (%s)", type(exc).__name__)


def _object_id(response: Response) -> int | None:
    """The id of the object a successful answer shows, when it is one to re-read on a repeat."""
    if request.blueprint not in _REREAD or not 200 <= response.status_code < 300:
        return None
    try:
        found = json.loads(response.get_data(as_text=True)).get("id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def _resolve(claim_id: int, response: Response) -> None:
    """Fill the claim in with ``response``, or give the key back when the answer is not kept:
    a 5xx or a 429 (the client should send the request again), or an answer about a citizen
    that names no object. A claim the request has already COMMITTED is never given back
    (:func:`_release` leaves it): a repeat is told it was done rather than doing it twice."""
    if response.status_code >= 500 or response.status_code == 429:
        _release(claim_id)
        return
    headers = {name: response.headers[name] for name in REPLAY_HEADERS if name in response.headers}
    object_id = _object_id(response)
    if request.blueprint in _REREAD and 200 <= response.status_code < 300 and object_id is None:
        _release(claim_id)  # nothing safe to keep
        return
    body = "" if object_id is not None else response.get_data(as_text=True)
    # Only while still this request's claim: an erasure may have deleted it meanwhile.
    db.session.execute(sa.update(IdempotencyRecord).where(
        IdempotencyRecord.id == claim_id, IdempotencyRecord.status_code.in_((IN_PROGRESS, COMMITTED))).values(
        status_code=response.status_code, response_body=body, response_headers=headers, object_id=object_id,
        created_at=clock.utcnow()))
    db.session.commit()


def _release(claim_id: int) -> None:
    db.session.execute(sa.delete(IdempotencyRecord).where(
        IdempotencyRecord.id == claim_id, IdempotencyRecord.status_code == IN_PROGRESS))
    db.session.commit()
