"""Routes: /auth/login, /auth/logout, /auth/confirm, /auth/set-password/<token> (then /auth/set-password),
/auth/skift-adgangskode, /auth/send-igen (a form held across a log-in) and /auth/forlaeng (the idle-timeout warning's
"Forlæng"); /glemt-adgangskode: forgot.py."""
from __future__ import annotations


import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import confirm_login, current_user, login_required, login_user, logout_user

from .. import audit
from ..errors import render_error
from ..extensions import db
from ..referrer import safe_next
from store.models import User
from store.models.base import utcnow
from . import bp, device_routes, devices, fresh_form, held, relogin, replay, sessions, throttle
from .forms import ChangePasswordForm, LoginForm, ResendForm, SetPasswordForm
from .passwords import hash_password, needs_rehash, personal_words, policy_errors, verify_password
from .sessions import (end_all_sessions, mark_password_entered, renew_for_login, start_session,
                       tell_what_to_repeat, to_repeat)
from .tokens import clear_token, consume_digest, digest_of, user_for_digest, user_for_token

GENERIC_FAILURE = "Forkert e-mail eller adgangskode."
# At /auth/confirm the user is known and types only the password.
WRONG_PASSWORD = "Forkert adgangskode."
TOO_MANY_TRIES = "For mange forsøg. Prøv igen om {wait} sekunder."
LINK_DEAD = ("Linket er brugt eller udløbet – bed om et nyt under »Glemt adgangskode?« på log ind-siden, "
             "eller kontakt jobcentret.")


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
        _audit_login_failed(user, email)
        form.form_errors.append(GENERIC_FAILURE)
        return render_template("auth/login.html", form=form), 401
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(form.password.data)
    throttle.forget_success(admission)
    user.last_login_at = utcnow()
    next_url = safe_next(form.next.data)
    held = relogin.carry()  # a form sent on an ended session, kept across the new session
    renew_for_login(user)
    audit.record("login", user=user)
    db.session.commit()
    login_user(user)
    start_session()
    return redirect(relogin.restore(held, user) or next_url or url_for("main.index"))


def _audit_login_failed(user: User | None, email: str) -> None:
    """Record a failed log-in with the account it was aimed at, so an attack on one shows.

    An existing account: its user id (and why: wrong password or disabled). An unknown
    identifier: a keyed hash of it (the same typed address gives the same hash; without the
    key it cannot be turned back into the address). Never the password or the typed address.
    """
    if user is not None:
        audit.record_now("login_failed", user=user, purpose="wrong_password" if user.active else "disabled",
                         result="denied")
        return
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"login_failed:" + email.encode(), hashlib.sha256).hexdigest()[:16]
    audit.record_now("login_failed", purpose=f"unknown:{digest}", result="denied")


@bp.post("/logout")
@login_required
def logout():
    """Log out this device: its session row goes, so a copied cookie stops working too.

    The user's sessions on other devices go on (they end from the account page,
    :mod:`.device_routes`). The forms held on the server for a log-in of this user after a
    session ended (:mod:`.relogin`) go, and so does this browser's own held action
    (:mod:`.replay`) and form (:mod:`.fresh_form`); other devices' held ones stay with them.
    """
    devices.end_this()
    held.drop_user(current_user.id, relogin.KIND)
    audit.record("logout")
    db.session.commit()
    held.drop(session.pop(replay.KEY, None))
    fresh_form.forget()
    logout_user()
    relogin.forget()
    flash("Du er logget ud på denne enhed.", "success")
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
    admission, limits = _admit(current_user.email, "confirm_throttled", form)
    if admission.wait:
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


def _end_session_after_confirm_failures(wait: int, why: str = "confirm_failures"):
    """End every session of the user and log out: whoever holds a cookie must log in again."""
    end_all_sessions(current_user)
    audit.record("session_ended", purpose=why, result="denied")
    db.session.commit()
    logout_user()
    form = LoginForm()
    form.form_errors.append(TOO_MANY_TRIES.format(wait=wait))
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}


# The opened link, as the SHA-256 of its token (tokens.digest_of): the token itself is never kept.
LINK_KEY = "set_password_link"


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The link from the mail: checked, then kept in the session (as the SHA-256 the database
    holds, which does not open the link) and redirected to ``/auth/set-password``, so no later
    request line holds the token (review AZ 2: werkzeug's, gunicorn's and the proxy's logs; the
    first line is masked by :mod:`portal.request_log` and the README's nginx format). A POST
    here (a page opened before this change) sets the password as the token-less page does.

    :raise 404: if the token is unknown, used or expired, or the user is disabled (the
        portal's 404 page, saying how to get a new link).
    """
    user = user_for_token(token)
    if user is None:
        session.pop(LINK_KEY, None)
        return render_error(404, LINK_DEAD)
    session[LINK_KEY] = digest_of(token)
    if request.method == "POST":
        return _set_password(user, session[LINK_KEY])
    return redirect(url_for(".set_password_form"))


@bp.route("/set-password", methods=["GET", "POST"])
def set_password_form():
    """Set a password for the link opened in this browser (:func:`set_password`); every old
    session of the user ends.

    :raise 404: if no link was opened here, or it is used, expired or replaced since, or the
        user is disabled; also for the loser of two requests racing with one link (the token
        is consumed by a conditional UPDATE).
    """
    digest = session.get(LINK_KEY)
    user = user_for_digest(digest) if digest else None
    if user is None:
        session.pop(LINK_KEY, None)
        return render_error(404, LINK_DEAD)
    return _set_password(user, digest)


def _set_password(user: User, digest: str):
    form = SetPasswordForm()
    if form.validate_on_submit():
        problems = policy_errors(form.password.data, *personal_words(
            name=user.name, email=user.email, company=user.company.name if user.company else ""))
        if not problems:
            password_hash = hash_password(form.password.data)
            if not consume_digest(user, digest):  # another request used the link meanwhile
                db.session.rollback()
                session.pop(LINK_KEY, None)
                return render_error(404, LINK_DEAD)
            user.password_hash = password_hash
            end_all_sessions(user)
            audit.record("password_set", user=user)
            db.session.commit()
            session.pop(LINK_KEY, None)
            flash("Din adgangskode er gemt. Du kan nu logge ind.", "success")
            return redirect(url_for("auth.login"))
        form.password.errors = list(form.password.errors) + problems
    return render_template("auth/set_password.html", form=form, user=user)


def _admit(email: str, throttled_action: str, form) -> tuple[throttle.Admission, throttle.Limits]:
    """A password check for a logged-in user (confirm, change), throttled like log-in: the
    admission and the limits; while throttled, the refusal is audited (``throttled_action``)
    and said at the top of ``form``, and the caller answers 429 (``admission.wait``)."""
    limits = throttle.Limits.from_config(current_app.config)
    admission = throttle.admit(email, request.remote_addr or "?", limits)
    if admission.wait:
        audit.record_now(throttled_action, purpose=admission.locked, result="denied")
        form.form_errors.append(TOO_MANY_TRIES.format(wait=admission.wait))
    return admission, limits


PASSWORD_CHANGED = "Din adgangskode er skiftet. Var du logget ind på andre enheder, er de nu logget ud."


@bp.route("/skift-adgangskode", methods=["GET", "POST"])
@login_required
def change_password():
    """A logged-in user changes their own password (the current one is asked first).

    Throttled like log-in and /auth/confirm: a wrong current password counts as a failed
    log-in for the account and the client IP, and the failure that brings the account to the
    limit ends the session. The new password follows set-password's rules. Every session of
    the user ends, on every device; this browser gets a new one (a new session row and key;
    the 12-hour limit still counts from the log-in). A set-password or "Glemt adgangskode?" link
    still pending stops working: it was for a password this change replaces.

    :raise 429: while the account or the client IP is throttled.
    """
    form = ChangePasswordForm()

    def page(status: int = 200, headers: dict | None = None):
        return (render_template("auth/change_password.html", form=form, devices=device_routes.device_list()),
                status, headers)

    if not form.validate_on_submit():
        return page(400 if request.method == "POST" else 200)
    user = current_user._get_current_object()
    admission, limits = _admit(user.email, "password_change_throttled", form)
    if admission.wait:
        return page(429, {"Retry-After": str(admission.wait)})
    if not verify_password(user.password_hash, form.current.data):
        audit.record_now("password_change_failed", result="denied")
        wait = throttle.account_wait(user.email, limits)
        if wait:
            return _end_session_after_confirm_failures(wait, "password_change_failures")
        form.current.errors = [WRONG_PASSWORD]
        return page(401)
    throttle.forget_success(admission)
    db.session.commit()
    problems = policy_errors(form.password.data, *personal_words(
        name=user.name, email=user.email, company=user.company.name if user.company else ""))
    if not problems and verify_password(user.password_hash, form.password.data):
        problems = ["Vælg en anden adgangskode end den, du har nu."]
    if problems:
        form.password.errors = list(form.password.errors) + problems
        return page(400)
    started = session.get("login_at")
    started = started if isinstance(started, (int, float)) else None
    user.password_hash = hash_password(form.password.data)
    clear_token(user)  # a set-password or reset link still pending could otherwise undo this change
    end_all_sessions(user)
    renew_for_login(user, login_at=started)  # this browser goes on, in a new session
    audit.record("password_changed", user=user)
    db.session.commit()
    login_user(user)
    start_session()
    if started is not None:
        session["login_at"] = started
    flash(PASSWORD_CHANGED, "success")
    return redirect(url_for("main.index"))


@bp.get("/send-igen")
@login_required
def resend():
    """Offer to send again the form the user sent while logged out (:mod:`.relogin`)."""
    entry = relogin.pending(current_user)
    if entry is None:
        return redirect(url_for("main.index"))
    return render_template("auth/resend.html", form=ResendForm(), entry=entry,
                           back=safe_next(entry.get("next")) or url_for("main.index"))


@bp.post("/forlaeng")
def extend_session():
    """Keep the session alive: the idle-timeout warning's "Forlæng" (static/js/session.js).

    A CSRF-checked POST whose only effect is that the session cookie is written again (its
    30-minute idle limit starts over). The 12-hour limit is not moved. Answers JSON: the
    seconds until the idle and the absolute limit, or 401 when the session has ended.
    """
    if not current_user.is_authenticated:
        return jsonify(logged_in=False), 401
    session.modified = True
    left = sessions.seconds_left()
    return jsonify(logged_in=True, idle_seconds=left["idle"], absolute_seconds=left["absolute"])
