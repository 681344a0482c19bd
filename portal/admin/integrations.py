"""/admin/integrationer: the job centre's own systems and their API keys.

A case system that sends citizens each night, or a data warehouse that reads the figures,
must not stop when the consultant whose personal key it used leaves. An *integration* is a
user of role ``integration``: it has the job centre's staff access in the API
(:data:`portal.api.common.STAFF`) and nothing else. It never logs in (no password, no link,
no session: :func:`portal.auth.sessions.load_user` refuses it), so only administrators make
its keys here, with the same rules as personal keys (scope, at most a year, shown once,
fresh login). Deactivating it revokes every key; what it does through the API is audited
under its name.
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from store import clock
from store.models import User
from store.models.api import ApiToken
from store.models.citizens import external_id_key as folded

from .. import audit, name_order, once
from ..access import admin_required
from ..api import tokens
from ..api.pages import RevokeForm, TokenForm, revoke_and_tell
from ..auth.sessions import confirm_first
from ..extensions import db
from ..formutil import DanishForm, no_control_characters
from ..text import clean_line
from . import bp, service

# An integration's e-mail is never written to (no mail, no login): a reserved domain (RFC 2606).
EMAIL_DOMAIN = "integration.invalid"


class IntegrationForm(DanishForm):
    name = StringField("Navn", validators=[DataRequired("Giv integrationen et navn."),
                                           Length(max=120, message="Højst 120 tegn."), no_control_characters],
                       description="Systemet, fx »Fagsystem (nattens overførsel)« eller »Datavarehus«.")


def integration_or_404(integration_id: int) -> User:
    user = db.session.get(User, integration_id)
    if user is None or user.role != "integration":
        abort(404)
    return user


def integrations() -> list[tuple[User, int]]:
    """Every integration by name, with its number of live keys (one statement)."""
    now = clock.utcnow()
    live = (sa.select(sa.func.count(ApiToken.id))
            .where(ApiToken.user_id == User.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
            .scalar_subquery())
    return [(user, count) for user, count in db.session.execute(
        sa.select(User, live).where(User.role == "integration").order_by(*name_order.order_by(User.name, User.id)))]


NAME_TAKEN = ("Der findes allerede en aktiv integration med det navn. Brug den, eller giv den nye et andet navn, "
              "så de kan kendes fra hinanden.")
REACTIVATION_TAKEN = ("{name} er ikke aktiveret: Der findes allerede en aktiv integration med det navn. "
                      "Deaktivér den anden først, så de kan kendes fra hinanden.")


def create_integration(name: str) -> User:
    """A new integration (no password, never a login); audited; committed.

    Raises:
        service.AccountRuleError: an active integration has the name, whatever its case,
            Unicode form or spaces (``name``; compared folded as team names are, review BH 8):
            the list and the key pages tell integrations apart by name alone.
    """
    name = clean_line(name)  # NFC, runs of spaces made one: stored as compared (review BK 5)
    _refuse_taken(name)
    user = User(email=f"{secrets.token_hex(8)}@{EMAIL_DOMAIN}", name=name, role="integration",
                password_hash=None)
    db.session.add(user)
    with service.name_taken_as(NAME_TAKEN):  # given meanwhile by another administrator
        db.session.flush()
    audit.record("integration_created", purpose=f"user:{user.id}")
    with service.name_taken_as(NAME_TAKEN):
        db.session.commit()
    return user


def active_integration_named(name: str, *, but: int | None = None) -> int | None:
    """The id of the active integration called ``name`` whatever its case, Unicode form or
    spaces, other than ``but``; None if there is none. By the stored folded name
    (``User.integration_name_key``, as team names are), which a partial unique index over the
    active integrations also holds (migration 0043)."""
    return db.session.scalar(sa.select(User.id).where(
        User.integration_name_key == folded(name), User.role == "integration", User.active,
        User.id != (but or 0)))


def _refuse_taken(name: str) -> None:
    if active_integration_named(name) is not None:
        raise service.AccountRuleError(NAME_TAKEN, "name")


def reactivation_taken(user: User) -> str:
    """Why the deactivated integration ``user`` cannot be activated again: an active one has
    its name meanwhile (whatever its case); "" if it can."""
    if active_integration_named(user.name, but=user.id) is None:
        return ""
    return REACTIVATION_TAKEN.format(name=user.name)


def toggle(user: User, acting: User) -> int:
    """Deactivate ``user`` (every key revoked) or activate it again; committed. Returns the
    number of keys revoked (:func:`service.toggle_active`).

    Raises:
        service.AccountRuleError: activating an integration whose name an active one has now,
            also when it was given meanwhile (nothing is saved).
    """
    if not user.active and (taken := reactivation_taken(user)):
        raise service.AccountRuleError(taken)
    # the index may refuse at the first flush (a query in toggle_active), not only at the commit
    with service.name_taken_as(REACTIVATION_TAKEN.format(name=user.name), None):
        revoked = service.toggle_active(user, acting)
        db.session.commit()
    return revoked


@bp.route("/integrationer", methods=["GET", "POST"])
@admin_required
def integrations_page():
    """The integrations; POST makes one (then its page, to make its first key).

    The same rendered form sent again (a double click, Back and send) makes nothing: it goes to
    the integration the first one made (:mod:`portal.once`); an active integration's name is
    refused (review BH 8).
    """
    form = IntegrationForm()
    if form.validate_on_submit():
        sent, repeat = once.guard(
            url_for("admin.integrations_page"), "Integrationen er allerede oprettet.",
            "Integrationen fra denne formular er allerede oprettet (se listen), så det, du har ændret, er "
            "ikke gemt. Tryk »Opret integration« igen for at oprette en ny.")
        if repeat is not None:
            return repeat
        if sent.repeated:
            return _list(form, 409)
        try:
            user = create_integration(form.name.data)
        except service.AccountRuleError as refusal:
            once.release(sent)
            db.session.rollback()
            form.name.errors.append(str(refusal))
        else:
            once.done(sent, url_for("admin.integration", integration_id=user.id))
            flash(f"Integrationen {user.name} er oprettet. Opret nu dens adgangsnøgle.", "success")
            return redirect(url_for("admin.integration", integration_id=user.id))
    return _list(form, 400 if request.method == "POST" else 200)


def _list(form: IntegrationForm, status: int):
    """The list with the form and its one-time form id (:mod:`portal.once`)."""
    return render_template("admin/integrations.html", form=form, rows=integrations(),
                           form_id=once.form_id()), status


def _page(user: User, form: TokenForm, created: ApiToken | None = None, raw: str | None = None, status: int = 200):
    return render_template("admin/integration.html", integration=user, form=form, rows=tokens.tokens_of(user.id),
                           created=created, raw=raw, revoke_form=RevokeForm(formdata=None),
                           latest=tokens.latest_expiry(), now=clock.utcnow(),
                           live=service.live_keys([user.id]).get(user.id, 0)), status


@bp.route("/integrationer/<int:integration_id>", methods=["GET", "POST"])
@admin_required
def integration(integration_id: int):
    """One integration's keys; POST makes a key (fresh login) and shows it once.

    :raise 404: for an id that is not an integration.
    """
    user = integration_or_404(integration_id)
    form = TokenForm(expires_on=tokens.default_expiry())
    if request.method == "GET" or not form.validate_on_submit():
        return _page(user, form, status=200 if request.method == "GET" else 400)
    if not user.active:
        flash(f"{user.name} er deaktiveret. Aktivér integrationen, før du opretter en nøgle.", "error")
        return _page(user, form, status=400)
    if stale := confirm_first("før du opretter en adgangsnøgle",
                              url_for("admin.integration", integration_id=user.id)):
        return stale
    created, raw = tokens.create_token(user, form.name.data, form.scope.data, form.expires_on.data)
    return _page(user, TokenForm(formdata=None, expires_on=tokens.default_expiry()), created, raw)


@bp.post("/integrationer/<int:integration_id>/noegler/<int:token_id>/tilbagekald")
@admin_required
def revoke_integration_key(integration_id: int, token_id: int):
    """Revoke one of the integration's keys.

    :raise 404: for another integration's key, or an id that is not an integration.
    """
    user = integration_or_404(integration_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    revoke_and_tell(token)
    return redirect(url_for("admin.integration", integration_id=user.id))


@bp.get("/integrationer/<int:integration_id>/deaktiver")
@admin_required
def confirm_deactivate_integration(integration_id: int):
    """Before deactivating an integration that has keys that work: how many are revoked, and that
    activating it again brings none back (review AN 11). Without such keys, or when it is not
    active, back to its page, whose button deactivates at once.

    :raise 404: for an id that is not an integration.
    """
    user = integration_or_404(integration_id)
    keys = service.live_keys([user.id]).get(user.id, 0)
    if not user.active or not keys:
        return redirect(url_for("admin.integration", integration_id=user.id))
    return render_template("admin/integration_deactivate.html", integration=user, keys=keys,
                           form=RevokeForm(formdata=None))


@bp.post("/integrationer/<int:integration_id>/aktiv")
@admin_required
def toggle_integration(integration_id: int):
    """Deactivate (every key revoked) or activate again (fresh login). Deactivating an
    integration with keys that work is done from the confirmation that counted them (its
    ``noegler``); otherwise the answer is that confirmation.

    A form says which state it asks for (``til``: "aktiv" or "inaktiv"; a post with ``noegler``
    and no ``til`` came from the deactivation), so sending it twice (a double click, Back and
    send again) changes nothing the second time instead of turning the integration back on
    (review AQ 6), as for users (:func:`portal.admin.handover.toggle_user`).

    :raise 404: for an id that is not an integration.
    """
    user = integration_or_404(integration_id)
    if not RevokeForm().validate_on_submit():
        abort(400)
    back = url_for("admin.integration", integration_id=user.id)
    if stale := confirm_first("før du deaktiverer eller aktiverer en integration", back):
        return stale
    wanted = request.form.get("til") or ("inaktiv" if request.form.get("noegler") is not None else None)
    if wanted in ("aktiv", "inaktiv") and user.active == (wanted == "aktiv"):
        flash(f"{user.name} er allerede {'aktiv' if user.active else 'deaktiveret'}; intet er ændret.", "info")
        return redirect(back)
    if user.active and (keys := service.live_keys([user.id]).get(user.id, 0)) \
            and request.form.get("noegler", type=int) != keys:
        if request.form.get("noegler") is not None:
            flash(f"{user.name} har fået andre nøgler, siden siden blev vist. Se antallet igen, før du deaktiverer.",
                  "warning")
        return redirect(url_for("admin.confirm_deactivate_integration", integration_id=user.id))
    try:
        revoked = toggle(user, current_user)
    except service.AccountRuleError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    keys = f" {revoked} adgangsnøgle{'r' if revoked != 1 else ''} er tilbagekaldt." if revoked else ""
    flash(f"{user.name} er {'aktiveret' if user.active else 'deaktiveret'}.{keys}", "success")
    return redirect(back)
