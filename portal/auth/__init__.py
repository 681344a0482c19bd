"""Log-in, log-out, setting a password from a one-time link, and "glemt adgangskode"."""
from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import device_routes, fresh_form, relogin, routes, sessions  # noqa: E402,F401  (routes register on bp)


@bp.record_once
def _register_app_wide(state: BlueprintSetupState) -> None:
    """What belongs to log-in but lives outside /auth, wired when the blueprint is registered.

    /glemt-adgangskode is the address users are told (Danish, at the root), so it is an app
    rule under this blueprint's endpoint name (``auth.forgot_password``). Mail logging is set
    up here too, so development shows unsent mails (the set-password links) on the console.
    Fresh logins expire before every request, wherever the sensitive route lives, and a form
    held for after a log-in is forgotten once it is sent again (:mod:`.relogin`); a form held
    while the password is confirmed goes back into its page (:mod:`.fresh_form`). Templates get
    ``session_seconds_left()`` for the idle-timeout warning.
    """
    from .. import mail
    from .forgot import PATH, forgot_password

    state.app.add_url_rule(PATH, "auth.forgot_password", forgot_password, methods=["GET", "POST"])
    state.app.before_request(sessions.expire_fresh_login)
    state.app.before_request(relogin.forget_when_sent)
    state.app.before_request(fresh_form.take_for_page)  # after expire_fresh_login: needs the fresh state
    state.app.add_template_global(sessions.seconds_left, "session_seconds_left")
    mail.init_app(state.app)
