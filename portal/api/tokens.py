"""Personal access tokens: create, authenticate, revoke.

A token is ``jbr_`` plus 43 URL-safe random characters; only its SHA-256 is stored, with the
first characters (``prefix``) kept for lists. A token works until ``expires_at`` (23:59 on
the chosen day, Danish time) unless revoked, and only while its user is active. Creating and
revoking are audited; the token itself is never logged.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from store import clock
from store.models import User
from store.models.api import API_SCOPES, ApiToken

from .. import audit
from ..extensions import db

PREFIX = "jbr_"
PREFIX_LENGTH = 12
DEFAULT_DAYS = 90
MAX_DAYS = 366  # "at most a year": today plus one year, leap days included
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be honoured; ``message_da`` says why, in Danish."""

    def __init__(self, message_da: str) -> None:
        super().__init__(message_da)
        self.message_da = message_da


def hash_token(raw: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def default_expiry(today: date | None = None) -> date:
    return (today or clock.today()) + timedelta(days=DEFAULT_DAYS)


def latest_expiry(today: date | None = None) -> date:
    today = today or clock.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today + timedelta(days=365)


def check_expiry(expires_on: date, today: date | None = None) -> None:
    """:raise TokenError: for a day in the past or more than a year ahead."""
    today = today or clock.today()
    if expires_on < today:
        raise TokenError("Udløbsdatoen kan ikke ligge før i dag.")
    if expires_on > latest_expiry(today):
        raise TokenError("En adgangsnøgle kan højst gælde et år frem.")


def end_of_day(day: date) -> datetime:
    """The last minute of ``day`` in Denmark (23:59), as an aware datetime: the day counts whole."""
    return datetime.combine(day, time(23, 59), tzinfo=clock.LOCAL)


def create_token(user: User, name: str, scope: str, expires_on: date) -> tuple[ApiToken, str]:
    """Create a token for ``user``; commit. Returns the row and the token (shown once).

    :raise TokenError: for an unknown scope or an expiry outside today .. one year.
    """
    if scope not in API_SCOPES:
        raise TokenError("Vælg læse- eller skriveadgang.")
    check_expiry(expires_on)
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip()[:80], token_hash=hash_token(raw),
                     prefix=raw[:PREFIX_LENGTH], scope=scope, created_at=clock.utcnow(),
                     expires_at=end_of_day(expires_on))
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", purpose=f"token:{token.id} scope:{scope}")
    db.session.commit()
    return token, raw


def is_live(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or clock.utcnow()
    return token.revoked_at is None and token.expires_at > now


def authenticate(raw: str) -> ApiToken | None:
    """The live token ``raw`` names, whose user is active; else None."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not is_live(token) or not token.user.active:
        return None
    return token


def touch(token: ApiToken) -> None:
    """Note the use of ``token``, at most once a minute (a busy client writes rarely)."""
    now = clock.utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()


def revoke(token: ApiToken, by: User) -> bool:
    """Revoke ``token``; audit; commit. False if it was already revoked (nothing written)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = clock.utcnow()
    token.revoked_by_id = by.id
    audit.record("api_token_revoked", purpose=f"token:{token.id} owner:{token.user_id}")
    db.session.commit()
    return True


def tokens_of(user_id: int) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user_id)
        .order_by(ApiToken.revoked_at.is_(None).desc(), ApiToken.created_at.desc(), ApiToken.id.desc())))


def all_tokens(show_all: bool = False) -> list[ApiToken]:
    """Every token (live ones first), for administrators; without ``show_all`` only live ones."""
    query = sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not show_all:
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > clock.utcnow())
    return list(db.session.scalars(query))
