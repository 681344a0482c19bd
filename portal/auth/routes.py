"""Routes: /auth/login, /auth/logout, /auth/confirm, /auth/set-password/<token> (/glemt-adgangskode: forgot.py)."""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import confirm_login, current_user, login_required, login_user, logout_user

from .. import audit
from ..errors import render_error
from ..extensions import db
from store.models import User
from store.models.base import utcnow
from . import bp, replay, throttle
from .forms import LoginForm, SetPasswordForm
from .passwords import hash_password, needs_rehash, personal_words, policy_errors, verify_password
from .sessions import (mark_password_entered, renew_for_login, rotate_session_token, start_session,
                       tell_what_to_repeat, to_repeat)
from .tokens import consume_token, user_for_token

GENERIC_FAILURE = "Forkert e-mail eller adgangskode."
# At /auth/confirm the user is known and types only the password.
WRONG_PASSWORD = "Forkert adgangskode."
TOO_MANY_TRIES = "For mange forsøg. Prøv igen om {wait} sekunder."
LINK_DEAD = ("Linket er brugt eller udløbet – bed om et nyt under »Glemt adgangskode?« på log ind-siden, "
             "eller kontakt jobcentret.")


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this host, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in. Unknown e-mail and wrong password look the same (message, status, time).

    :raise 429: after LOGIN_MAX_FAILURES failures for the account, or failures on more than
        LOGIN_IP_MAX_ACCOUNTS accounts from the client IP (``portal.auth.throttle``).
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200
    admission = throttle.admit(form.email.data, request.remote_addr or "?",
                               throttle.Limits.from_config(current_app.config))
    if admission.wait:
        audit.record_now("login_throttled", purpose=admission.locked, result="denied")
        form.form_errors.append(TOO_MANY_TRIES.format(wait=admission.wait))
        return render_template("auth/login.html", form=form), 429, {"Retry-After": str(admission.wait)}
    email = form.email.data.strip().casefold()
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    ok = verify_password(user.password_hash if user else None, form.password.data)
    if not ok or not user.active:  # the admitted attempt is already counted as a failure
        audit.record_now("login_failed", result="denied")
        form.form_errors.append(GENERIC_FAILURE)
        return render_template("auth/login.html", form=form), 401
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(form.password.data)
    throttle.forget_success(admission)
    user.last_login_at = utcnow()
    next_url = safe_next(form.next.data)
    renew_for_login(user)
    audit.record("login", user=user)
    db.session.commit()
    login_user(user)
    start_session()
    return redirect(next_url or url_for("main.index"))


@bp.post("/logout")
@login_required
def logout():
    """Log out and rotate the session token, so a copied cookie stops working."""
    rotate_session_token(current_user)
    audit.record("logout")
    db.session.commit()
    logout_user()
    flash("Du er logget ud.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """Re-enter the password before a sensitive action (fresh login).

    Throttled like log-in (per account and client IP), so a stolen session cookie cannot
    guess the password here. The failure that brings the *account* to the limit also ends
    the session; a locked IP only refuses (429). A right password clears the account's
    failures, as at log-in, and carries out the action held for this page, if any
    (:mod:`portal.auth.replay`).

    :raise 429: while the account or the client IP is throttled.
    """
    form = LoginForm(email=current_user.email, next=request.args.get("next", ""))
    waiting = replay.pending_label(safe_next(form.next.data))
    repeat = None if waiting else to_repeat(safe_next(form.next.data))

    def page(status: int = 200, headers: dict | None = None):
        return render_template("auth/confirm.html", form=form, waiting=waiting, repeat=repeat), status, headers

    if not form.validate_on_submit():
        return page()
    limits = throttle.Limits.from_config(current_app.config)
    admission = throttle.admit(current_user.email, request.remote_addr or "?", limits)
    if admission.wait:
        audit.record_now("confirm_throttled", purpose=admission.locked, result="denied")
        form.form_errors.append(TOO_MANY_TRIES.format(wait=admission.wait))
        return page(429, {"Retry-After": str(admission.wait)})
    if verify_password(current_user.password_hash, form.password.data):
        throttle.forget_success(admission)
        db.session.commit()
        confirm_login()
        mark_password_entered()
        next_url = safe_next(form.next.data)
        if not replay.run_pending(next_url):  # the action the user clicked before confirming, if held
            tell_what_to_repeat(next_url)  # else what they must click again, if anything
        return redirect(next_url or url_for("main.index"))
    audit.record_now("confirm_failed", result="denied")
    # Only this account's failures end the session: the IP is shared by colleagues behind
    # one NAT, whose typos must not log this user out.
    wait = throttle.account_wait(current_user.email, limits)
    if wait:
        return _end_session_after_confirm_failures(wait)
    form.form_errors.append(WRONG_PASSWORD)
    return page(401)


def _end_session_after_confirm_failures(wait: int):
    """Rotate the session token and log out: whoever holds the cookie must log in again."""
    rotate_session_token(current_user)
    audit.record("session_ended", purpose="confirm_failures", result="denied")
    db.session.commit()
    logout_user()
    form = LoginForm()
    form.form_errors.append(TOO_MANY_TRIES.format(wait=wait))
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password from a one-time link; every old session of the user ends.

    :raise 404: if the token is unknown, used or expired, or the user is disabled (the
        portal's 404 page, saying how to get a new link); also for the loser of two
        requests racing with one link (the token is consumed by a conditional UPDATE).
    """
    user = user_for_token(token)
    if user is None:
        return render_error(404, LINK_DEAD)
    form = SetPasswordForm()
    if form.validate_on_submit():
        problems = policy_errors(form.password.data, *personal_words(
            name=user.name, email=user.email, company=user.company.name if user.company else ""))
        if not problems:
            password_hash = hash_password(form.password.data)
            if not consume_token(user, token):  # another request used the link meanwhile
                db.session.rollback()
                return render_error(404, LINK_DEAD)
            user.password_hash = password_hash
            rotate_session_token(user)
            audit.record("password_set", user=user)
            db.session.commit()
            flash("Din adgangskode er gemt. Du kan nu logge ind.", "success")
            return redirect(url_for("auth.login"))
        form.password.errors = list(form.password.errors) + problems
    return render_template("auth/set_password.html", form=form, user=user)
