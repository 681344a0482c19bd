"""Security headers on every response and per-request session rules."""
from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from .auth.sessions import enforce_absolute_timeout

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class PageSessionInterface(SecureCookieSessionInterface):
    """Only pages write the session cookie, never static files.

    A permanent session is written back on every response (the idle timeout is refreshed), as
    it was when that request began. A stylesheet or font still loading while a form is
    answered would then write back the older session and drop what the answer stored: its
    flash message, a fresh-login confirmation. Seen as a rare e2e failure (the "Profilen ... er
    godkendt." message missing after a redirect). Pages still refresh the timeout.
    """

    def should_set_cookie(self, app: Flask, session) -> bool:
        return request.endpoint != "static" and super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    production = app.config["JOBBRO_ENV"] == "production"
    app.session_interface = PageSessionInterface()

    @app.before_request
    def _session_rules() -> None:
        enforce_absolute_timeout()

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":  # /static/... and /favicon.ico
            # Pages can hold citizen data: never cache them anywhere.
            response.headers["Cache-Control"] = "no-store"
        return response
