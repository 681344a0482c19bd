"""/glemt-adgangskode: a user who forgot the password asks for a fresh one-time link.

Every valid request gets the same redirect and the same message, whether or not the e-mail
belongs to an active user (no account enumeration). Requests are throttled per e-mail and
per client IP with the log-in throttle's table (own keys), so the page cannot be used to
flood someone's inbox. An e-mail that is unknown or inactive gets no mail.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for

from .. import audit
from ..extensions import db
from ..models import User
from . import mails, throttle
from .forms import ForgotPasswordForm
from .tokens import issue_set_password_token, set_password_url

PATH = "/glemt-adgangskode"
ANSWER = ("Hvis e-mailen hører til en aktiv bruger, har vi sendt et link til at vælge en ny "
          "adgangskode. Linket virker i {minutes} minutter. Kommer der ingen mail, så se i "
          "spam-mappen eller kontakt jobcentret.")


def forgot_password():
    """Ask for a set-password link by e-mail.

    :raise 429: after too many requests for the e-mail or from the client IP (whether or
        not the e-mail exists, so the refusal reveals nothing).
    """
    form = ForgotPasswordForm()
    minutes = current_app.config["PASSWORD_FORGOT_MINUTES"]
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/forgot_password.html", form=form, minutes=minutes), status
    email = form.email.data.strip().casefold()
    wait = _throttle_wait(email)
    if wait:
        audit.record_now("password_forgot_throttled", result="denied")
        form.form_errors.append(f"For mange forsøg. Prøv igen om {wait} sekunder.")
        return (render_template("auth/forgot_password.html", form=form, minutes=minutes), 429,
                {"Retry-After": str(wait)})
    request_link(email, minutes)
    flash(ANSWER.format(minutes=minutes), "info")
    return redirect(url_for("auth.login"))


def request_link(email: str, minutes: int) -> str:
    """Issue and mail a fresh link when ``email`` is an active user's; audit either way.

    Returns:
        The mail result ("sent", "failed", "skipped"), or "no_account" / "inactive" when no
        mail is due. The caller must not show it: every outcome looks the same to the user.
    """
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if user is None or not user.active:
        result = "no_account" if user is None else "inactive"
        audit.record_now("password_forgot", purpose=f"user:{user.id}" if user else "", result=result)
        return result
    token = issue_set_password_token(user, minutes / 60)
    audit.record("password_forgot", purpose=f"user:{user.id}")
    db.session.commit()
    return mails.deliver(mails.forgotten(user, set_password_url(token), minutes), user, "forgot")


def _throttle_wait(email: str) -> int:
    """Seconds to wait, counting this request as an attempt when it is allowed."""
    config = current_app.config
    account, ip = [f"forgot-{key}" for key in throttle.keys_for(email, request.remote_addr or "?")]
    window = config["PASSWORD_FORGOT_WINDOW_SECONDS"]
    wait = max(throttle.retry_after([account], config["PASSWORD_FORGOT_MAX_PER_EMAIL"], window),
               throttle.retry_after([ip], config["PASSWORD_FORGOT_MAX_PER_IP"], window))
    if not wait:
        throttle.record_failure([account, ip])
    return wait
