"""Error pages in the portal's look (and JSON for API clients)."""
from __future__ import annotations

import re
import sqlite3
import threading
import time

import click
import sqlalchemy as sa
from flask import Flask, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from store.settings import ConfigError

from . import audit
from .extensions import db
from .referrer import form_page

# The probes (portal.main.health) get JSON, also for an error, and stay alive while the
# database cannot be reached (portal.schema).
PROBES = frozenset({"main.healthz", "main.readyz"})

MESSAGES = {
    400: ("Ugyldig forespørgsel", "Forespørgslen kunne ikke behandles. Prøv igen."),
    403: ("Ingen adgang", "Du har ikke adgang til denne side."),
    404: ("Siden findes ikke", "Siden findes ikke, eller du har ikke adgang til den."),
    405: ("Ikke tilladt", "Handlingen er ikke tilladt her."),
    413: ("Filen er for stor", "Filen er for stor. Den største tilladte størrelse er 5 MB."),
    429: ("For mange forsøg", "Der har været for mange forsøg. Vent lidt og prøv igen."),
    500: ("Der skete en fejl", "Der skete en uventet fejl. Prøv igen om lidt. Fejlen er registreret."),
    503: ("Tjenesten er utilgængelig", "En tjeneste svarer ikke lige nu. Prøv igen om lidt."),
}


# A database that is busy (SQLite: another writer held the lock longer than the wait) or
# unreachable (PostgreSQL restarting): nothing was saved, and trying again will work.
DATABASE_BUSY = "Systemet er optaget lige nu, og din handling blev ikke gemt. Prøv igen om et øjeblik."
RETRY_AFTER_SECONDS = 5


def is_transient(error: Exception) -> bool:
    """True for a database that is busy or unreachable, where trying again will work.

    SQLite reports a missing table and a held lock with the same exception class, so its
    message decides; for PostgreSQL an OperationalError is the connection's (a missing table
    is a ProgrammingError there), and a disconnect invalidates the connection.
    """
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection free in time
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.OperationalError):
        message = str(error.orig).lower()
        return "locked" in message or "busy" in message
    return True


class DatabaseSettingError(ConfigError, click.ClickException):
    """``DATABASE_URL`` cannot be used (no driver for its scheme, unreadable, or the database
    does not answer): a start-up command prints the one line, no traceback (click's "Error:")."""

    def __init__(self, message: str) -> None:
        ConfigError.__init__(self, message)
        click.ClickException.__init__(self, message)


_URL_PASSWORD = re.compile(r"(\w[\w+.-]*://[^:/@\s]*:)[^@\s]*@")
_PASSWORD_FIELD = re.compile(r"(password\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)", re.IGNORECASE)


def safe_url(url: object) -> str:
    """A database URL with its password replaced by ``***``."""
    try:
        return sa.engine.make_url(str(url)).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError, TypeError):
        return _URL_PASSWORD.sub(r"\1***@", str(url))


def driver_message(error: BaseException, url: object = None) -> str:
    """The driver's own message on one line (its first lines joined), with the password of
    ``url`` (and any ``user:password@`` or ``password=`` in it) removed."""
    orig = getattr(error, "orig", None) or error
    text = " ".join(line.strip() for line in str(orig).splitlines() if line.strip())
    password = None
    if url is not None:
        try:
            password = sa.engine.make_url(str(url)).password
        except (sa.exc.ArgumentError, ValueError, TypeError):
            password = None
    if password:
        text = text.replace(str(password), "***")
    text = _PASSWORD_FIELD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))
    return f"{type(orig).__name__}: {text}" if text else type(orig).__name__


def database_problem(error: BaseException, url: object) -> str:
    """One line saying why ``DATABASE_URL`` cannot be used, password removed."""
    where = safe_url(url)
    if isinstance(error, (ModuleNotFoundError, sa.exc.NoSuchModuleError)):
        scheme = where.split(":", 1)[0]
        return (f"DATABASE_URL {where}: no database driver for {scheme!r} ({driver_message(error, url)}); "
                "Jobbro runs on postgresql://... or sqlite:///...")
    if isinstance(error, sa.exc.ArgumentError):
        return f"DATABASE_URL cannot be read ({driver_message(error, url)})"
    return f"the database of DATABASE_URL {where} cannot be used: {driver_message(error, url)}"


# Once per outage: the driver's message is logged when it differs from the last one logged, or
# that one is older than this (a request logs only a short line otherwise).
FAULT_LOG_SECONDS = 600.0
_fault_lock = threading.Lock()
_last_fault: dict[str, object] = {"message": None, "at": 0.0}


def log_database_fault(app: Flask, error: BaseException) -> bool:
    """Log the driver's message of a database that cannot be used, once per outage (a new
    message, or ``FAULT_LOG_SECONDS`` after the last), password removed. True when logged."""
    message = database_problem(error, app.config.get("SQLALCHEMY_DATABASE_URI"))
    now = time.monotonic()
    with _fault_lock:
        if message == _last_fault["message"] and now - float(_last_fault["at"]) < FAULT_LOG_SECONDS:
            return False
        _last_fault.update(message=message, at=now)
    app.logger.error("%s", message)
    return True


def database_recovered() -> None:
    """The database answers again: the next fault is a new outage, logged in full."""
    with _fault_lock:
        _last_fault.update(message=None, at=0.0)


def _one_line_database_errors(app: Flask) -> None:
    """Flask commands (``setup``, ``create-admin``, ...) fail with one line, not a traceback,
    when the database of ``DATABASE_URL`` cannot be reached or has no driver (review BB 4)."""
    lookup = app.cli.get_command

    def get_command(ctx: click.Context, name: str):
        command = lookup(ctx, name)
        if command is None or getattr(command, "_jobbro_database_errors", False):
            return command
        invoke = command.invoke

        def invoke_one_line(sub_ctx: click.Context):
            try:
                return invoke(sub_ctx)
            except (sa.exc.OperationalError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as err:
                raise DatabaseSettingError(database_problem(err, app.config.get("SQLALCHEMY_DATABASE_URI"))) from None

        command.invoke = invoke_one_line
        command._jobbro_database_errors = True
        return command

    app.cli.get_command = get_command


def render_error(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    body = message or default
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/") \
            or request.endpoint in PROBES:
        return {"error": title, "message": body, "status": status}, status
    return render_template("errors/error.html", status=status, title=title, message=body), status


# Flask-WTF's reason when the session holds no CSRF secret: the session cookie is gone.
_NO_SESSION = "The CSRF session token is missing."


# Flask-WTF's reason when an HTTPS form's Referer names another host than the request's (a
# proxy that replaced the Host header), and what the user is told then.
_HOST_MISMATCH = ("The referrer does not match the host.",)
HOST_MISMATCH_MESSAGE = ("Formularen blev afvist, fordi portalen ikke kunne bekræfte, at den kom fra portalens egen "
                         "adresse. Det skyldes serverens opsætning, ikke dig: kontakt jobcentrets it-support.")


def _session_expired(error: CSRFError) -> bool:
    """True when a page's form came back without its session: the idle timeout (30 minutes)
    let the browser drop the cookie. Not for the API, and not while someone is logged in."""
    from flask_login import current_user

    return (error.description == _NO_SESSION and not request.path.startswith("/api/")
            and request.accept_mimetypes.best != "application/json"
            and not current_user.is_authenticated)


def _logged_out_page(app: Flask):
    """Say why the form failed (logged out for inactivity, nothing saved) instead of a bare 400,
    with a log-in that returns to the form's page (never to the POST-only URL)."""
    minutes = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 60)
    return render_template("auth/expired.html", idle_minutes=minutes, next_page=form_page()), 400


# Flask-WTF's reasons for a token the portal made, but for another session's CSRF secret (the
# form was rendered before the last log-in) or too long ago; not for a missing or made-up one.
_STALE_TOKEN = ("The CSRF tokens do not match.", "The CSRF token has expired.")


def _stale_form_of_logged_in_user(error: CSRFError) -> bool:
    """True when a page's form (not the API's) came back with a stale token while someone is
    logged in. A forged form (no token, or one the portal never signed) keeps the plain 400."""
    from flask_login import current_user

    return (error.description in _STALE_TOKEN and current_user.is_authenticated
            and not request.path.startswith("/api/") and request.accept_mimetypes.best != "application/json")


def _form_not_sent_page():
    """A logged-in user's form with a token from before their last log-in (logged out and in
    again in another tab) or too old: say plainly that nothing was saved, and lead
    back to the form's page (never to the POST-only URL), where the tab's copy of what was
    typed (``static/js/session.js``, kept as it was sent) is put back for the user to send
    again. Nothing of the refused POST is kept or sent on the server: it cannot be told from
    a forged one.

    The page has the logged-in layout (header, navigation, the user's name): the user is still
    logged in. Its ``data-jobbro-kept-note="stale"`` tells session.js that this page did not
    answer the form, so the copy is kept for the form's page (``data-jobbro-kept-for``) instead
    of being dropped, and that page says why it puts it back.
    """
    page = form_page()
    return render_template("errors/form_not_sent.html", next_page=page,
                           back_to_form=page != url_for("main.index")), 400


def init_app(app: Flask) -> None:
    _one_line_database_errors(app)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        try:
            audit.record_now("csrf_failed", result="denied")
        except audit.AuditWriteError as failed:  # the database is down: say so, not "unexpected"
            cause = failed.__cause__
            if isinstance(cause, Exception) and is_transient(cause):
                return _database_unavailable(cause)
            raise
        if _session_expired(error):
            return _logged_out_page(app)
        if error.description in _HOST_MISMATCH:
            # Behind a reverse proxy that does not pass the browser's Host header, every form
            # fails here and reloading never helps: tell the operator what to change.
            app.logger.error("form refused: the Referer's host is not the Host header %r; a reverse proxy must "
                             "pass the original Host (nginx: proxy_set_header Host $host)", request.host)
            return render_error(400, HOST_MISMATCH_MESSAGE)
        if _stale_form_of_logged_in_user(error):
            return _form_not_sent_page()
        return render_error(400, "Formularen er udløbet eller ugyldig. Genindlæs siden og prøv igen.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.TimeoutError)
    def _database_unavailable(error: Exception):
        if not is_transient(error):
            return _unexpected(error)
        # The transaction is rolled back whole: no half-written row. The connection the
        # error came from is invalidated by SQLAlchemy when it was a disconnect, and the
        # pool's pre-ping replaces stale ones, so the next request reconnects.
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:  # the connection is gone; the session is reset anyway
            db.session.remove()
        # The page must not need the database: show it as to a visitor (the header would
        # otherwise load the user, fail again, and turn this page into a 500).
        g._login_user = app.login_manager.anonymous_user()
        # the route's pattern, never the path: an API path may hold a CPR-shaped id (SECURITY.md)
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        app.logger.warning("database unavailable for %s %s: %s", request.method, route,
                           type(getattr(error, "orig", error)).__name__)
        log_database_fault(app, error)  # the driver's reason, once per outage
        response = render_error(503, DATABASE_BUSY)
        if isinstance(response, tuple):
            body, status = response
            return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)
