"""Error pages in the portal's look (and JSON for API clients)."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import audit
from .extensions import db

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


def render_error(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    body = message or default
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "message": body, "status": status}, status
    return render_template("errors/error.html", status=status, title=title, message=body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        audit.record_now("csrf_failed", result="denied")
        return render_error(400, "Formularen er udløbet eller ugyldig. Genindlæs siden og prøv igen.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)
