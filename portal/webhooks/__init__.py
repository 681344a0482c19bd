"""Webhooks: companies and the job centre register HTTPS endpoints and choose events; the
portal queues signed deliveries in the same transaction as the event (:mod:`.service`,
:mod:`.events`) and the worker sends them with retries (:mod:`.sender`).

``flask --app portal webhooks send [--loop]`` runs the worker (the blueprint's CLI group).
"""
from __future__ import annotations

import click
from flask import Blueprint, current_app

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
    from .. import drain_loop
    from ..config import portal_url
    from . import sender

    # The same config as the portal's: without PORTAL_URL its events are queued without links.
    if not portal_url(current_app.config):
        click.echo("Warning: PORTAL_URL is not set, so webhook deliveries carry no links (\"links\": {}). "
                   "Set it to the portal's public address.", err=True)
    drain_loop.run("webhook", sender.drain, command="webhooks send", loop=loop, interval=interval)


from . import routes  # noqa: E402,F401
