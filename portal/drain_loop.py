"""What the durable queues (mail, webhooks) share: which rows may be claimed, the result of
one drain, and the worker command's body.

A worker drains its queue; once (exit 1 with a message when the database cannot be used) or
every ``interval`` seconds until Ctrl-C or SIGTERM (a database error is logged and retried).
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import click
import sqlalchemy as sa


def claimable(model, now: datetime) -> sa.ColumnElement[bool]:
    """Rows of a queue ``model`` (status, available_at, claimed_until) that are due and unclaimed."""
    return sa.and_(model.status == "pending", model.available_at <= now,
                   sa.or_(model.claimed_until.is_(None), model.claimed_until < now))


@dataclass(frozen=True)
class DrainResult:
    """What one drain did: sent, put back for a retry, given up."""

    LABEL: ClassVar[str] = ""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def line(self) -> str:
        """The one-line summary the command prints."""
        return f"{self.LABEL}sent {self.sent}, retried later {self.retried}, failed {self.failed}"


def run(name: str, drain: Callable[[], DrainResult], *, command: str, loop: bool, interval: float) -> None:
    """Run ``drain`` once, or (``loop``) until stopped, echoing what each drain did.

    Args:
        name: the queue's name in messages ("mail", "webhook").
        drain: handles what is due and returns counts (``sent``, ``retried``, ``failed``).
        command: the CLI command, named in the one-off error ("mail send").

    Raises:
        click.ClickException: once, when the database cannot be used.
    """
    if not loop:
        try:
            click.echo(drain().line())
        except sa.exc.SQLAlchemyError as exc:
            raise click.ClickException(
                f"{command}: the database cannot be used ({type(exc).__name__}); is it reachable "
                "and migrated (flask --app portal setup)? Nothing was sent.") from None
        return
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"{name} worker: draining every {interval:g} s (Ctrl-C stops)")
    try:
        while not stop.is_set():
            try:
                result = drain()
            except sa.exc.SQLAlchemyError as exc:
                click.echo(f"{name} worker: the database cannot be used ({type(exc).__name__}); "
                           f"retrying in {interval:g} s", err=True)
            else:
                if result.sent or result.retried or result.failed:
                    click.echo(result.line())
            stop.wait(interval)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(f"{name} worker stopped")
