"""Login throttling per account and per client IP, stored in the database.

The store must be shared by all gunicorn workers; Flask-Limiter's backends
(memory, Redis, Memcached, MongoDB) are either per-process or an extra server
we don't otherwise run, so the failures live in the ``login_attempt`` table.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from store.models import LoginAttempt
from store.models.base import utcnow

BASE_DELAY_SECONDS = 30


def keys_for(email: str, ip: str) -> list[str]:
    """Throttle keys; the e-mail is hashed so the table holds no addresses."""
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:40]
    return [f"acct:{digest}", f"ip:{ip}"]


def retry_after(keys: list[str], max_failures: int, window_seconds: int) -> int:
    """Seconds the client must wait, or 0 when a try is allowed.

    After ``max_failures`` failures inside the window, each further failure
    doubles the wait (30 s, 60 s, 120 s, ...), capped at the window.
    """
    since = utcnow() - timedelta(seconds=window_seconds)
    wait = 0
    for key in keys:
        count, last = db.session.execute(
            sa.select(sa.func.count(LoginAttempt.id), sa.func.max(LoginAttempt.at))
            .where(LoginAttempt.key == key, LoginAttempt.at >= since)
        ).one()
        if count < max_failures or last is None:
            continue
        if last.tzinfo is None:  # SQLite returns naive datetimes
            last = last.replace(tzinfo=since.tzinfo)
        delay = min(BASE_DELAY_SECONDS * 2 ** (count - max_failures), window_seconds)
        remaining = int((last + timedelta(seconds=delay) - utcnow()).total_seconds()) + 1
        wait = max(wait, remaining)
    return max(wait, 0)


def cap_wait(key: str, maximum: int, window_seconds: int) -> int:
    """A hard cap: seconds until ``key`` is under ``maximum`` attempts in the window, else 0.

    Unlike :func:`retry_after` there is no back-off to wait out: while ``maximum`` attempts
    lie inside the window, every further one is refused, so at most ``maximum`` pass per
    window (the caller records only the attempts it lets through).
    """
    since = utcnow() - timedelta(seconds=window_seconds)
    count, first = db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id), sa.func.min(LoginAttempt.at))
        .where(LoginAttempt.key == key, LoginAttempt.at >= since)
    ).one()
    if count < maximum or first is None:
        return 0
    if first.tzinfo is None:  # SQLite returns naive datetimes
        first = first.replace(tzinfo=since.tzinfo)
    return max(int((first - since).total_seconds()) + 1, 1)


def record_failure(keys: list[str]) -> None:
    """Count one attempt under each key (a failed login, or a "glemt adgangskode" request)."""
    now = utcnow()  # the module's clock, so tests that move it move the records too
    for key in keys:
        db.session.add(LoginAttempt(key=key, at=now))
    db.session.commit()


def clear_account(keys: list[str]) -> None:
    """A successful login forgets the account's failures (not the IP's)."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.key.in_(keys[:1])))


def prune(window_seconds: int) -> int:
    """Delete attempts older than the window; returns the number removed."""
    since = utcnow() - timedelta(seconds=window_seconds)
    result = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < since))
    return result.rowcount or 0
