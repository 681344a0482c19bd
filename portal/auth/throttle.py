"""Login throttling per account and per client IP, stored in the database.

The store must be shared by all gunicorn workers; Flask-Limiter's backends
(memory, Redis, Memcached, MongoDB) are either per-process or an extra server
we don't otherwise run, so the failures live in the ``login_attempt`` table.

Rules (log-in and /auth/confirm):

- An *account* (e-mail) is locked after ``LOGIN_MAX_FAILURES`` failures in the window; each
  further failure after a wait doubles the wait (30 s, 60 s, 120 s, ..., capped at the window).
- A client *IP* is locked only when it has failed on more than ``LOGIN_IP_MAX_ACCOUNTS``
  distinct accounts in the window (password spraying). One colleague's typos behind an
  office NAT lock that colleague's account, never the office.

Admission is atomic without locks and works alike on SQLite and PostgreSQL: :func:`admit`
records the attempt *first* (its own committed rows, counted as a failure in advance) and
only then counts. Of any set of concurrent attempts, the one committed last sees all the
others' rows, so no more than the limit is ever let through to the password check. A
refused attempt deletes its rows again (it was never evaluated, and a waiting user must not
extend their own lock); a successful one is forgotten by :func:`forget_success`.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from store.models import LoginAttempt
from store.models.base import utcnow

BASE_DELAY_SECONDS = 30


@dataclass(frozen=True)
class Limits:
    """The throttle's settings (from LOGIN_MAX_FAILURES, LOGIN_IP_MAX_ACCOUNTS, LOGIN_WINDOW_SECONDS)."""

    max_failures: int
    ip_max_accounts: int
    window_seconds: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(config["LOGIN_MAX_FAILURES"],
                   config["LOGIN_IP_MAX_ACCOUNTS"],
                   config["LOGIN_WINDOW_SECONDS"])


@dataclass(frozen=True)
class Admission:
    """The answer of :func:`admit`: ``wait`` seconds (0: admitted) and who is locked."""

    wait: int
    locked: str  # "", "account" or "ip"
    account_key: str
    ip_account_key: str


def _digest(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:40]


def keys_for(email: str, ip: str) -> list[str]:
    """Throttle keys [account, IP]; the e-mail is hashed so the table holds no addresses."""
    return [f"acct:{_digest(email)}", f"ip:{ip}"]


def _ip_prefix(ip: str) -> str:
    return f"ip:{ip}|"


def admit(email: str, ip: str, limits: Limits) -> Admission:
    """Record one log-in attempt for ``email`` from ``ip``, then decide whether it may go on.

    An admitted attempt stays recorded as a failure until :func:`forget_success`; the caller
    checks the password only when ``wait`` is 0, and answers 429 otherwise.
    """
    account = f"acct:{_digest(email)}"
    ip_account = _ip_prefix(ip) + _digest(email)
    now = utcnow()  # the module's clock, so tests that move it move the records too
    rows = [LoginAttempt(key=account, at=now), LoginAttempt(key=ip_account, at=now)]
    db.session.add_all(rows)
    db.session.commit()  # visible to every concurrent attempt before anything is counted
    own = {row.id for row in rows}
    wait, locked = _account_wait(account, own, now, limits), "account"
    if not wait:
        wait, locked = _ip_wait(ip, own, now, limits), "ip"
    if not wait:
        return Admission(0, "", account, ip_account)
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.id.in_(own)))
    db.session.commit()
    return Admission(wait, locked, account, ip_account)


def account_wait(email: str, limits: Limits) -> int:
    """Seconds the account's next attempt would have to wait (0: it would be admitted)."""
    return _account_wait(f"acct:{_digest(email)}", set(), utcnow(), limits)


def forget_success(admission: Admission) -> None:
    """A right password forgets the account's failures and its entry under the IP.

    The IP's failures on other accounts stay. The caller commits.
    """
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.key.in_([admission.account_key, admission.ip_account_key])))


def _account_wait(key: str, own: set[int], now: datetime, limits: Limits) -> int:
    since = now - timedelta(seconds=limits.window_seconds)
    rows = db.session.execute(sa.select(LoginAttempt.id, LoginAttempt.at)
                              .where(LoginAttempt.key == key, LoginAttempt.at >= since)).all()
    others = [at for row_id, at in rows if row_id not in own]  # aware UTC (UTCDateTime)
    if len(others) < limits.max_failures:
        return 0
    delay = min(BASE_DELAY_SECONDS * 2 ** (len(others) - limits.max_failures), limits.window_seconds)
    remaining = (max(others) + timedelta(seconds=delay) - now).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0  # the back-off is over: one more try


def _ip_wait(ip: str, own: set[int], now: datetime, limits: Limits) -> int:
    since = now - timedelta(seconds=limits.window_seconds)
    rows = db.session.execute(
        sa.select(LoginAttempt.id, LoginAttempt.key, LoginAttempt.at)
        .where(LoginAttempt.key.startswith(_ip_prefix(ip), autoescape=True), LoginAttempt.at >= since)
    ).all()
    accounts = {key for _, key, _ in rows}  # the own attempt's account included
    excess = len(accounts) - limits.ip_max_accounts
    if excess <= 0:
        return 0
    latest: dict[str, datetime] = {}
    for row_id, key, at in rows:
        if row_id not in own:
            latest[key] = max(latest.get(key, at), at)
    # Unlocked once ``excess`` of the other accounts' latest failures have left the window.
    leaving = sorted(latest.values())[:excess]
    if not leaving:
        return 1
    return max(math.ceil((leaving[-1] + timedelta(seconds=limits.window_seconds) - now).total_seconds()), 1)


def cap_wait(key: str, maximum: int, window_seconds: int) -> int:
    """A hard cap: seconds until ``key`` is under ``maximum`` attempts in the window, else 0.

    Unlike :func:`admit` there is no back-off to wait out: while ``maximum`` attempts
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
    """Count one attempt under each key (a "glemt adgangskode" request)."""
    now = utcnow()
    for key in keys:
        db.session.add(LoginAttempt(key=key, at=now))
    db.session.commit()


def prune(window_seconds: int) -> int:
    """Delete attempts older than the window; returns the number removed."""
    since = utcnow() - timedelta(seconds=window_seconds)
    result = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < since))
    return result.rowcount or 0
