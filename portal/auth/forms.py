"""Log-in and password forms (Flask-WTF: CSRF included)."""
from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..formutil import DanishForm
from .passwords import MAX_INPUT


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(DanishForm):
    email = EmailField("E-mail", validators=[DataRequired("Skriv din e-mail."), Length(max=254)])
    password = PasswordField(
        "Adgangskode", validators=[DataRequired("Skriv din adgangskode."), Length(max=MAX_INPUT)]
    )
    next = HiddenField()
    submit = SubmitField("Log ind")


class SetPasswordForm(DanishForm):
    password = PasswordField(
        "Ny adgangskode", validators=[DataRequired("Skriv en adgangskode."), Length(max=MAX_INPUT)]
    )
    confirm = PasswordField(
        "Gentag adgangskoden",
        validators=[DataRequired("Gentag adgangskoden."), EqualTo("password", "De to adgangskoder er ikke ens.")],
    )
    submit = SubmitField("Gem adgangskode")


class ChangePasswordForm(DanishForm):
    """A logged-in user's own password change: the current one, then the new one twice."""

    current = PasswordField(
        "Nuværende adgangskode", validators=[DataRequired("Skriv din nuværende adgangskode."), Length(max=MAX_INPUT)]
    )
    password = PasswordField(
        "Ny adgangskode", validators=[DataRequired("Skriv en ny adgangskode."), Length(max=MAX_INPUT)]
    )
    confirm = PasswordField(
        "Gentag den nye adgangskode",
        validators=[DataRequired("Gentag den nye adgangskode."),
                    EqualTo("password", "De to nye adgangskoder er ikke ens.")],
    )
    submit = SubmitField("Skift adgangskode")


class ResendForm(DanishForm):
    """Only a CSRF token: sends a form held across a log-in again (portal.auth.relogin)."""


class LogoutForm(DanishForm):
    submit = SubmitField("Log ud")


class ForgotPasswordForm(DanishForm):
    """Only the e-mail; its format is checked, never whether it exists (no enumeration)."""

    email = EmailField("E-mail", filters=[_strip], validators=[
        DataRequired("Skriv din e-mail."),
        Length(max=254, message="E-mailen må højst være 254 tegn."),
        # No control characters (NUL breaks PostgreSQL) and no line breaks (mail headers).
        Regexp(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\Z", message="Skriv en gyldig e-mail, fx navn@firma.dk."),
    ])
    submit = SubmitField("Send link")
