"""Webhooks: companies and the job centre register HTTPS endpoints and choose events; the
portal queues signed deliveries in the same transaction as the event (:mod:`.service`,
:mod:`.events`) and the worker sends them with retries (:mod:`.sender`).

``flask --app portal webhooks send [--loop]`` runs the worker (the blueprint's CLI group).
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks", cli_group="webhooks")


@bp.cli.command("send")
@click.option("--loop", is_flag=True, help="Keep draining (a worker process) until stopped.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between drains with --loop.")
def send_command(loop: bool, interval: float) -> None:
    """Send the queued webhook deliveries that are due; with --loop, go on until Ctrl-C or SIGTERM.

    Prints a summary per drain that did something. Without --loop it exits 1 with a message
    when the database cannot be used; the loop logs the error and tries again.
    """
    import signal
    import threading

    from . import sender

    if not loop:
        try:
            click.echo(sender.drain().line())
        except sa.exc.SQLAlchemyError as exc:
            raise click.ClickException(
                f"webhooks send: the database cannot be used ({type(exc).__name__}); is it reachable "
                "and migrated (flask --app portal setup)? Nothing was sent.") from None
        return
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"webhook worker: draining every {interval:g} s (Ctrl-C stops)")
    try:
        while not stop.is_set():
            try:
                result = sender.drain()
            except sa.exc.SQLAlchemyError as exc:
                click.echo(f"webhook worker: the database cannot be used ({type(exc).__name__}); "
                           f"retrying in {interval:g} s", err=True)
            else:
                if result.sent or result.retried or result.failed:
                    click.echo(result.line())
            stop.wait(interval)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("webhook worker stopped")


from . import routes  # noqa: E402,F401
