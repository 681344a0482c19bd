"""The shared body of the queue workers' CLI commands (mail, webhooks): drain once, or loop.

A worker drains its queue; once (exit 1 with a message when the database cannot be used) or
every ``interval`` seconds until Ctrl-C or SIGTERM (a database error is logged and retried).
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Protocol

import click
import sqlalchemy as sa


class DrainResult(Protocol):
    sent: int
    retried: int
    failed: int

    def line(self) -> str: ...


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
