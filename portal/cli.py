"""Flask CLI commands: ``flask --app portal setup`` and friends."""
from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from .extensions import db

DEMO_LOGINS = (
    ("Virksomhed", "virksomhed@demo.jobbro.dk"),
    ("Code of Care-partner", "partner@demo.jobbro.dk"),
    ("Konsulent", "konsulent@demo.jobbro.dk"),
    ("Administrator", "admin@demo.jobbro.dk"),
)
DEMO_PASSWORD = "Jobbro-demo-2026"


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Seed demo data into an empty database.")
def setup_command(demo: bool) -> None:
    """Migrate the database, seed demo data when empty, and print the demo log-ins."""
    upgrade()
    from .models import User

    empty = db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    if demo and empty:
        from .auth.passwords import hash_password
        from .demo.loader import load_demo

        counts = load_demo(db.session, today=date.today(), password_hash=hash_password(DEMO_PASSWORD))
        click.echo("Demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if demo:
        click.echo("\nDemo log-ins (password: %s):" % DEMO_PASSWORD)
        for label, email in DEMO_LOGINS:
            click.echo(f"  {label:<22} {email}")
