"""/glemt-adgangskode: a user who forgot the password asks for a fresh one-time link.

Every valid request gets the same redirect and the same message, whether or not the e-mail
belongs to an active user (no account enumeration), and in about the same time: the mail
goes out in the background (:func:`portal.mail.send_later`), and known and unknown e-mails
do the same database work (throttle rows, one look-up, one audited commit).

Requests are capped per e-mail and per client IP with the log-in throttle's table (own
keys), so the page cannot be used to flood someone's inbox: at most
``PASSWORD_FORGOT_MAX_PER_EMAIL`` mails per e-mail per window, whoever asks. Beyond that
cap the page answers as always and sends nothing (a 429 would tell that the cap, and so
recent requests for the address, exist); beyond the per-IP cap it answers 429.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for

from .. import audit
from ..extensions import db
from store.models import User
from . import mails, throttle
from .forms import ForgotPasswordForm
from .tokens import issue_set_password_token, set_password_url

PATH = "/glemt-adgangskode"
ANSWER = ("Hvis e-mailen hører til en aktiv bruger, har vi sendt et link til at vælge en ny "
          "adgangskode. Linket virker i {minutes} minutter. Kommer der ingen mail, så se i "
          "spam-mappen eller kontakt jobcentret.")
TOO_MANY_TRIES = "For mange forsøg. Prøv igen om {wait} sekunder."


def forgot_password():
    """Ask for a set-password link by e-mail.

    :raise 429: after too many requests from the client IP (whatever the e-mails). Too
        many requests for one e-mail get the usual answer and no mail.
    """
    form = ForgotPasswordForm()
    minutes = current_app.config["PASSWORD_FORGOT_MINUTES"]
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/forgot_password.html", form=form, minutes=minutes), status
    email = form.email.data.strip().casefold()
    wait, capped = _admit(email)
    if wait:
        audit.record_now("password_forgot_throttled", result="denied")
        form.form_errors.append(TOO_MANY_TRIES.format(wait=wait))
        return (render_template("auth/forgot_password.html", form=form, minutes=minutes), 429,
                {"Retry-After": str(wait)})
    request_link(email, minutes, capped=capped)
    flash(ANSWER.format(minutes=minutes), "info")
    return redirect(url_for("auth.login"))


def request_link(email: str, minutes: int, *, capped: bool = False) -> str:
    """Issue a fresh link when ``email`` is an active user's and queue its mail; audit either way.

    Args:
        email: the normalised (stripped, casefolded) address.
        minutes: how long the link works.
        capped: the e-mail's cap is reached: nothing is issued or sent.

    Returns:
        "queued" when a mail is on its way (its result is audited as ``account_mail``), else
        "capped", "no_account" or "inactive". The caller must not show it: every outcome
        looks the same to the user.
    """
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if capped:
        result = "capped"
    elif user is None or not user.active or user.role == "integration":  # an integration never logs in
        result = "no_account" if user is None or user.role == "integration" else "inactive"
    else:
        result = "ok"
    token = issue_set_password_token(user, minutes / 60) if result == "ok" else None
    audit.record("password_forgot", purpose=f"user:{user.id}" if user else "", result=result)
    db.session.commit()
    if token is None:
        return result
    mails.deliver_later(mails.forgotten(user, set_password_url(token), minutes), user, "forgot")
    return "queued"


def _admit(email: str) -> tuple[int, bool]:
    """Apply the caps and count this request: (seconds the IP must wait, e-mail capped?).

    A refused request is not counted, so the caps are hard (at most N per sliding window)
    rather than a wait that grows while someone keeps asking.
    """
    config = current_app.config
    account, ip = [f"forgot-{key}" for key in throttle.keys_for(email, request.remote_addr or "?")]
    window = config["PASSWORD_FORGOT_WINDOW_SECONDS"]
    wait = throttle.cap_wait(ip, config["PASSWORD_FORGOT_MAX_PER_IP"], window)
    if wait:
        return wait, True
    capped = bool(throttle.cap_wait(account, config["PASSWORD_FORGOT_MAX_PER_EMAIL"], window))
    throttle.record_failure([ip] if capped else [account, ip])
    return 0, capped
