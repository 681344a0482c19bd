"""The API's portal pages: the docs (/api/docs), a user's tokens on their profile, and the
administrators' list of every token.

A new token is shown once, on the page that answers the creating POST (never flashed: the
session is a signed cookie, readable by its holder and in logs of anything that stores it).
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from store import clock
from store.models.api import API_SCOPES, ApiToken

from .. import audit
from ..access import admin_required
from ..auth.sessions import confirm_first
from ..extensions import db
from ..formutil import DATE_MISSING, ChoiceField, DanishDateField, DanishForm, Required, choices, no_control_characters
from . import tokens

bp = Blueprint("api_pages", __name__)

DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class TokenForm(DanishForm):
    name = StringField("Navn", validators=[DataRequired("Giv nøglen et navn."),
                                           Length(max=80, message="Højst 80 tegn."), no_control_characters],
                       description="Fx navnet på det system, der skal bruge nøglen.")
    scope = ChoiceField("Adgang", choices=choices(API_SCOPES), default="read")
    expires_on = DanishDateField("Udløber", validators=[Required(DATE_MISSING)])

    def validate_expires_on(self, field) -> None:
        if field.data is None:  # not a date: the field's own message says so
            return
        try:
            tokens.check_expiry(field.data)
        except tokens.TokenError as err:
            raise ValidationError(err.message_da) from None


class RevokeForm(DanishForm):
    """The CSRF-protected "tilbagekald" button."""


@bp.get("/api/docs")
@login_required
def docs():
    """The API's documentation (Swagger UI, served from the portal itself)."""
    response = render_template("api/docs.html")
    return response, 200, {"Content-Security-Policy": DOCS_CSP}


def _render(form: TokenForm, created: ApiToken | None = None, raw: str | None = None, status: int = 200):
    return render_template("tokens/index.html", form=form, rows=tokens.tokens_of(current_user.id),
                           created=created, raw=raw, revoke_form=RevokeForm(formdata=None),
                           latest=tokens.latest_expiry(), now=clock.utcnow()), status


@bp.route("/profil/adgangsnoegler", methods=["GET", "POST"])
@login_required
def my_tokens():
    """The user's API tokens; POST creates one (fresh login required) and shows it once."""
    form = TokenForm(expires_on=tokens.default_expiry())
    if request.method == "GET" or not form.validate_on_submit():
        return _render(form, status=200 if request.method == "GET" else 400)
    if stale := confirm_first("før du opretter en adgangsnøgle", url_for(".my_tokens")):
        return stale
    created, raw = tokens.create_token(current_user, form.name.data, form.scope.data, form.expires_on.data)
    return _render(TokenForm(formdata=None, expires_on=tokens.default_expiry()), created, raw)


@bp.post("/profil/adgangsnoegler/<int:token_id>/tilbagekald")
@login_required
def revoke_mine(token_id: int):
    """Revoke one of the user's own tokens.

    :raise 404: if the token is unknown or another user's.
    """
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        audit.record_now("authorisation_denied", purpose=f"ApiToken:{token_id}", result="not_found")
        abort(404)
    revoke_and_tell(token)
    return redirect(url_for(".my_tokens"))


def revoke_and_tell(token: ApiToken) -> None:
    """Revoke ``token`` for the form's POST (CSRF checked) and flash what happened.

    :raise 400: without a valid CSRF token.
    """
    if not RevokeForm().validate_on_submit():
        abort(400)
    if tokens.revoke(token, current_user):
        flash(f"Nøglen “{token.name}” er tilbagekaldt og virker ikke længere.", "success")
    else:
        flash("Nøglen var allerede tilbagekaldt.", "info")


@bp.get("/admin/adgangsnoegler")
@admin_required
def admin_tokens():
    """Every live token (``?vis=alle``: also expired and revoked ones)."""
    show_all = request.args.get("vis") == "alle"
    return render_template("tokens/admin.html", rows=tokens.all_tokens(show_all), show_all=show_all,
                           revoke_form=RevokeForm(formdata=None), now=clock.utcnow())


@bp.post("/admin/adgangsnoegler/<int:token_id>/tilbagekald")
@admin_required
def admin_revoke(token_id: int):
    """Revoke any user's token.

    :raise 404: if the token is unknown.
    """
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    if stale := confirm_first("før du tilbagekalder en adgangsnøgle", url_for(".admin_tokens")):
        return stale
    if tokens.revoke(token, current_user):
        flash(f"Nøglen “{token.name}” ({token.user.name}) er tilbagekaldt.", "success")
    else:
        flash("Nøglen var allerede tilbagekaldt.", "info")
    return redirect(url_for(".admin_tokens"))


def expires_soon(token: ApiToken) -> bool:
    return tokens.is_live(token) and token.expires_at - clock.utcnow() < timedelta(days=14)


bp.add_app_template_global(expires_soon, "token_expires_soon")
