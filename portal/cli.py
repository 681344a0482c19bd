"""Flask CLI commands: ``flask --app portal setup`` and friends."""
from __future__ import annotations


import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from . import job_runs
from .config import MIN_RETENTION_DAYS, portal_url
from .extensions import db
from .text import clean_line
from .mail import mail_configured
from store import clock

DEMO_LOGINS = (
    ("Virksomhed", "virksomhed@demo.jobbro.dk"),
    ("Code of Care-partner", "partner@demo.jobbro.dk"),
    ("Konsulent", "konsulent@demo.jobbro.dk"),
    ("Administrator", "admin@demo.jobbro.dk"),
)
DEMO_PASSWORD = "Jobbro-demo-2026"


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(logins_command)
    app.cli.add_command(erase_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(hotline_reminders_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(hours_reminders_command)
    from .scheduler import scheduled_jobs_command  # runs the three above when due (no cron)
    app.cli.add_command(scheduled_jobs_command)
    from .imports.cli import import_group
    app.cli.add_command(import_group)


@click.command("setup")
@click.option("--demo/--no-demo", default=None,
              help="Seed demo data into an empty database (default: yes, except with JOBBRO_ENV=production).")
@with_appcontext
def setup_command(demo: bool | None) -> None:
    """Migrate the database, seed demo data when empty, and print the demo log-ins.

    With JOBBRO_ENV=production only an explicit ``--demo`` seeds: the demo users share a
    published password. Without it, setup migrates and says how to create the first admin.
    """
    upgrade()
    from .eligibility import seed_defaults
    from store.models import User

    if seed_defaults(db.session):
        db.session.commit()
        click.echo("Eligibility rules: the documented defaults were written.")

    production = current_app.config["JOBBRO_ENV"] == "production"
    if demo is None:
        demo = not production
    empty = db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    if demo and empty:
        if production:
            click.echo(f"WARNING: demo users with the published password {DEMO_PASSWORD!r} in production.")
        _seed_demo()
    if demo:
        _print_logins()
    elif not db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "admin")):
        click.echo("No administrator yet. Create the first one (it prints a one-time link to set "
                   "the password):\n  flask --app portal create-admin EMAIL NAME")


def _seed_demo() -> None:
    from .auth.passwords import hash_password
    from .demo.loader import load_demo

    counts = load_demo(db.session, today=clock.today(), password_hash=hash_password(DEMO_PASSWORD))
    queued = _queue_everything_for_indexing()
    click.echo("Demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    click.echo(f"{queued} rows queued for the matching index (python -m indexer drain)")


@click.command("logins")
@click.option("--url", default="", help="Where the portal is served, printed above the log-ins.")
@with_appcontext
def logins_command(url: str) -> None:
    """Print the demo log-ins (when the demo users exist)."""
    from store.models import User

    emails = [email for _, email in DEMO_LOGINS]
    if db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email.in_(emails))):
        if url:
            click.echo(f"\nJobbro: {url}")
        _print_logins()


def _print_logins() -> None:
    click.echo("\nDemo log-ins (password: %s):" % DEMO_PASSWORD)
    for label, email in DEMO_LOGINS:
        click.echo(f"  {label:<22} {email}")


def _queue_everything_for_indexing() -> int:
    """One outbox row per citizen and opening, committed: the indexer picks them up."""
    from store.models import Citizen, Opening
    from store.outbox import record_change

    count = 0
    for entity, model in (("opening", Opening), ("citizen", Citizen)):
        for row_id in db.session.scalars(sa.select(model.id).order_by(model.id)):
            record_change(db.session, entity, row_id)
            count += 1
    db.session.commit()
    return count


@click.command("create-admin")
@click.argument("email")
@click.argument("name")
@click.option("--url", default="", metavar="https://…",
              help="The portal's address as its users open it, for the printed link (default: PORTAL_URL).")
@with_appcontext
def create_admin_command(email: str, name: str, url: str) -> None:
    """Create an administrator and print a one-time link to set the password: on ``--url``, else
    on PORTAL_URL; with neither, the path, saying plainly what goes in front of it (review BG 7)."""
    from flask import current_app, url_for

    from .auth.tokens import issue_set_password_token
    from store.models import User

    base = url.strip().rstrip("/") or portal_url(current_app.config)
    if base and not base.startswith(("https://", "http://")):
        raise click.ClickException(f"--url must start with https:// or http://, not {base!r}")
    email = email.strip().casefold()
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)):
        raise click.ClickException(f"a user with e-mail {email} already exists")
    user = User(email=email, name=clean_line(name), role="admin")
    token = issue_set_password_token(user, current_app.config["PASSWORD_RESET_HOURS"])
    db.session.add(user)
    db.session.commit()
    with current_app.test_request_context():
        path = url_for("auth.set_password", token=token)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    if base:
        click.echo(f"Administrator {email} created. Set the password within {hours} hours at: {base}{path}")
        return
    click.echo(f"Administrator {email} created. Set the password within {hours} hours.\n"
               "PORTAL_URL is not set (nor --url), so the link cannot be printed whole. Open the portal's address, "
               "as its users reach it (e.g. https://jobbro.kommune.dk, or http://127.0.0.1:8000 on this server), "
               f"followed by this path:\n  {path}\n"
               "To print the whole link, set PORTAL_URL or run create-admin with --url https://<the address>.")


@click.command("erase-citizen")
@click.argument("citizen_id", type=int)
@click.option("--purpose", required=True, help="Why (e.g. the GDPR request's journal number).")
@with_appcontext
def erase_command(citizen_id: int, purpose: str) -> None:
    """Erase a citizen from the database, the index (via the outbox) and the file store, and
    tell the companies that hold the citizen's name."""
    from .citizens import recipients
    from .citizens.forms import audit_text_problem
    from .privacy.erasure import erase_citizen
    from store.models import Citizen

    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        raise click.ClickException(f"no citizen with id {citizen_id}")
    # The purpose stays in the audit log after the erasure: the portal's one rule for such texts.
    if problem := audit_text_problem(purpose, name=citizen.name or "", phone=citizen.phone or ""):
        raise click.ClickException(f"the purpose is refused, nothing erased: {problem}")
    recipients.tell(citizen, "erased")  # the companies that hold the name (art. 19)
    erase_citizen(db.session, citizen_id, purpose=purpose)  # the CV files go after the commit
    db.session.commit()
    click.echo(f"citizen {citizen_id} erased; the indexer removes the documents on its next batch")


ATTEMPTS_KEPT_SECONDS = 24 * 3600


def _count(n: int, one: str, many: str) -> str:
    """»1 borger«, »3 borgere«, with Danish thousands (a scheduled run's summary, job_runs)."""
    from .i18n import format_number, plural

    return f"{format_number(n)} {plural(n, one, many)}"


def _retention_summary(*, anonymised: int, restricted: int, running: int, replaced: int, sessions: int,
                       notices: int, mails: int, attempts: int, held_forms: int, audit_rows: int,
                       reasons: int) -> str:
    """The retention run's short Danish summary: what it anonymised always, the rest only when it
    did something (a list of eleven zeros says little; with every figure it is under 400 characters).

    »3 borgere anonymiseret; holdt tilbage: 1 borger (begrænset behandling); slettet: 12
    loginforsøg og 2 begrundelser for »Ingen egnede kandidater««.
    """
    from .i18n import and_list

    held = [text for n, text in (
        (restricted, f"{_count(restricted, 'borger', 'borgere')} (begrænset behandling)"),
        (running, f"{_count(running, 'borger', 'borgere')} (forløb i gang)")) if n]
    deleted = [_count(n, one, many) for n, one, many in (
        (replaced, "tidligere CV-version", "tidligere CV-versioner"),
        (sessions, "udløbet session", "udløbne sessioner"),
        (notices, "gammel besked", "gamle beskeder"),
        (mails, "sendt eller opgivet mail", "sendte eller opgivne mails"),
        (attempts, "loginforsøg", "loginforsøg"),
        (held_forms, "udløbet gemt formular", "udløbne gemte formularer"),
        (audit_rows, "række i adgangsloggen", "rækker i adgangsloggen"),
        (reasons, "begrundelse for »Ingen egnede kandidater«", "begrundelser for »Ingen egnede kandidater«")) if n]
    parts = [f"{_count(anonymised, 'borger', 'borgere')} anonymiseret"]
    if held:
        parts.append("holdt tilbage: " + and_list(held))
    if deleted:
        parts.append("slettet: " + and_list(deleted))
    if not (held or deleted):
        parts.append("intet andet at rydde op")
    return "; ".join(parts)


MAIL_ONLY_LOGGED = " (kun skrevet i loggen: ingen mailserver)"


def _mail_note(mails: int) -> str:
    """What a run's summary adds when its ``mails`` went to the log only (review AQ 5).

    Without ``MAIL_SERVER`` a reminder is written to the log, not sent; the start page's
    »Planlagte job« row must not read as if it reached anyone. Nothing with a server, or with
    nothing to send.
    """
    return MAIL_ONLY_LOGGED if mails and not mail_configured(current_app.config) else ""


@click.command("retention")
@click.option("--days", type=click.IntRange(min=MIN_RETENTION_DAYS), default=None,
              help=f"Override RETENTION_DAYS (at least {MIN_RETENTION_DAYS}, as RETENTION_DAYS: a case anonymised "
                   "sooner may still count in the months /maal shows, whose figures would change).")
@with_appcontext
def retention_command(days: int | None) -> None:
    """Anonymise cases closed longer ago than the retention period; prune old log-in attempts.

    A case whose processing is restricted (GDPR art. 18) is held back, not anonymised, and
    counted in the output ("N restricted cases held back"); so is a case with a placement still
    running ("N cases with a running placement held back"), until it has ended.

    Log-in attempts (e-mail, IP) only serve the throttle, so they go once they are older than
    a day and every throttle window. Session rows past SESSION_ABSOLUTE_LIFETIME or the idle
    limit go too (``portal.auth.devices``), and so do notifications older than
    NOTIFICATION_RETENTION_DAYS and mails sent longer ago than MAIL_RETENTION_DAYS
    (``portal.privacy.retention.prune_operational``), and access-log rows older than AUDIT_RETENTION_DAYS
    (``portal.audit_retention.prune``, itself logged). Exits 1 with a message when the database cannot be used
    (nothing is anonymised then: one transaction).
    """
    from . import audit_retention
    from .auth import devices, held, sessions, throttle
    from .candidates import none_suitable
    from .citizens import cv_versions
    from .privacy.retention import anonymise_expired, prune_operational, restricted_kept, running_kept

    config = current_app.config
    retention_days = days if days is not None else config["RETENTION_DAYS"]
    try:
        with job_runs.recorded("retention") as run:  # shown on the admin start page
            count = anonymise_expired(db.session, today=clock.today(), retention_days=retention_days)
            kept = restricted_kept(db.session, today=clock.today(), retention_days=retention_days)
            running = running_kept(db.session, today=clock.today(), retention_days=retention_days)
            keep_seconds = max(ATTEMPTS_KEPT_SECONDS, config["LOGIN_WINDOW_SECONDS"],
                               config.get("PASSWORD_FORGOT_WINDOW_SECONDS", 0))
            pruned = throttle.prune(keep_seconds)
            expired = held.purge_expired(db.session)  # forms held across a log-in nobody came back for
            ended = devices.purge_expired(sessions.clock(), db.session)  # sessions past their limits
            notices, mails = prune_operational(db.session, now=clock.utcnow(),
                                               notification_days=config["NOTIFICATION_RETENTION_DAYS"],
                                               mail_days=config["MAIL_RETENTION_DAYS"])
            # The access log's rows past AUDIT_RETENTION_DAYS; the deletion is itself logged (AU 8).
            logged = audit_retention.prune(db.session, now=clock.utcnow(), days=config["AUDIT_RETENTION_DAYS"])
            # Replaced CV versions past CV_VERSION_KEEP_DAYS, unless a consent in force shares them (AU 2).
            replaced = cv_versions.prune(db.session, today=clock.today(), days=config["CV_VERSION_KEEP_DAYS"])
            # »Ingen egnede kandidater«: a mark's free-text reason, 90 days after the mark ended.
            blanked = none_suitable.blank_old_reasons(db.session, now=clock.utcnow())
            db.session.commit()  # the CV files of the anonymised and the pruned go after it (portal.files)
            # Everything the run did, for the start page's »Planlagte job« (review AW 5).
            run.summary = _retention_summary(
                anonymised=count, restricted=kept, running=running, replaced=replaced.count,
                sessions=ended, notices=notices, mails=mails, attempts=pruned, held_forms=expired,
                audit_rows=logged, reasons=blanked)
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"retention: the database cannot be used ({type(exc).__name__}); is it reachable and migrated "
            "(flask --app portal setup)? Nothing was anonymised in this run.") from None
    click.echo(f"{count} closed cases anonymised; {kept} restricted cases held back (art. 18); "
               f"{running} cases with a running placement held back; "
               f"{pruned} old log-in attempts removed; {expired} expired held forms removed; {ended} expired sessions removed; "
               f"{notices} old notifications removed; {mails} old sent or failed mails removed; "
               f"{logged} old access-log rows removed")
    click.echo(f"{replaced.count} replaced CV versions deleted (kept {config['CV_VERSION_KEEP_DAYS']} days unless shared)")
    click.echo(f"{blanked} reasons of ended »Ingen egnede kandidater« marks blanked "
               f"(kept {none_suitable.REASON_KEEP_DAYS} days after the mark ended)")


@click.command("hotline-reminders")
@with_appcontext
def hotline_reminders_command() -> None:
    """Remind assignees before a hotline target; escalate unanswered requests past it.

    Meant for cron every 15 minutes; each mail goes once per request even when runs overlap.
    Prints "reminded N, escalated M, failed K" and exits 0 (failed mails are retried on the
    next run); exits 1 with a message when the database cannot be used.
    """
    from .hotline import reminders

    try:
        with job_runs.recorded("hotline-reminders") as run:  # shown on the admin start page
            summary = reminders.run()
            run.summary = (f"{_count(summary.reminded, 'påmindelse', 'påmindelser')}, "
                           f"{_count(summary.escalated, 'eskalering', 'eskaleringer')}, "
                           f"{_count(summary.failed, 'mail fejlede', 'mails fejlede')}"
                           + _mail_note(summary.reminded + summary.escalated))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"hotline-reminders: the database cannot be used ({type(exc).__name__}); is it reachable "
            "and migrated (flask --app portal setup)? Nothing more was sent in this run.") from None
    click.echo(summary.line())


@click.group("mail")
def mail_group() -> None:
    """The durable mail queue (see portal/notifications/mailer.py)."""


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="Keep draining (a worker process) until stopped.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
              help="Seconds between drains with --loop.")
@with_appcontext
def mail_send_command(loop: bool, interval: float) -> None:
    """Send the queued mails that are due; with --loop, go on until Ctrl-C or SIGTERM.

    Prints "sent N, retried later M, failed K" per drain that did something. Without
    --loop it exits 1 with a message when the database cannot be used; the loop logs the
    error and tries again after the interval.
    """
    from . import drain_loop
    from .notifications import mailer

    drain_loop.run("mail", mailer.drain, command="mail send", loop=loop, interval=interval)


@click.command("hours-reminders")
@with_appcontext
def hours_reminders_command() -> None:
    """Remind company users of last month's missing hours (cron daily; acts from the 3rd).

    Each user is told once a month however often it runs; the mails go through the queue.
    """
    from .i18n import format_month
    from .placements import hours_reminder as hours

    try:
        with job_runs.recorded("hours-reminders") as run:  # shown on the admin start page
            summary = hours.run(clock.today())
            run.summary = (f"Intet at gøre før den {hours.FIRST_DAY}. i måneden" if summary.month is None else
                           f"{format_month(summary.month)}: {_count(summary.placements, 'forløb', 'forløb')} "
                           f"uden timer, {_count(summary.notified, 'bruger', 'brugere')} fik besked"
                           + _mail_note(summary.notified))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"hours-reminders: the database cannot be used ({type(exc).__name__}); is it reachable "
            "and migrated (flask --app portal setup)?") from None
    click.echo(summary.line())
