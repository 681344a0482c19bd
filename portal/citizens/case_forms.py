"""Forms for the case actions: close, reopen (with a reason), restrict, lift the restriction, erase.

The reopening's reason, the restriction's notes and the erasure's purpose are kept in the
audit log, so each is checked with :func:`~portal.citizens.forms.fit_for_audit_log` (the
service checks the citizen's own name and phone as well, :func:`.case.checked_for_audit`).

As everywhere under /borgere, the citizen comes from the URL and the acting user from
``current_user``; fields such as ``status`` or ``company_id`` in a POST are not declared.
"""
from __future__ import annotations


from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..formutil import DATE_MISSING, DanishForm, Required, choices
from .case import CLOSE_REASONS, RESTRICTION_GROUNDS
from .forms import ChoiceField, DanishDateField, fit_for_audit_log, no_hidden_characters
from store import clock


def not_in_future(_form, field) -> None:
    if field.data and field.data > clock.today():
        raise ValidationError("Afslutningsdatoen kan ikke ligge i fremtiden.")


class CloseCaseForm(DanishForm):
    """"Afslut sag": the closing date (checked against case start in the service) and why."""

    closed_on = DanishDateField("Afslutningsdato", validators=[Required(DATE_MISSING),
                                                                not_in_future])
    reason = ChoiceField("Årsag", choices=choices({"": "Vælg årsag", **CLOSE_REASONS}),
                         validators=[DataRequired("Vælg en årsag.")])


class ReopenCaseForm(DanishForm):
    """"Genåbn sag": a short reason, kept in the audit log."""

    reason = StringField("Hvorfor genåbnes sagen?",
                         validators=[DataRequired("Skriv kort, hvorfor sagen genåbnes."),
                                     Length(max=100, message="Højst 100 tegn."), no_hidden_characters,
                                     fit_for_audit_log])


class RestrictForm(DanishForm):
    """"Begræns behandling": a ground from GDPR art. 18(1) is required; a short note may follow."""

    ground = ChoiceField("Begrundelse", choices=choices({"": "Vælg begrundelse", **RESTRICTION_GROUNDS}),
                         validators=[DataRequired("Vælg en begrundelse for begrænsningen.")])
    note = StringField("Sagsnummer eller bemærkning (valgfri)",
                       validators=[Optional(), Length(max=100, message="Højst 100 tegn."),
                                   no_hidden_characters, fit_for_audit_log])


class LiftRestrictionForm(DanishForm):
    """Lifting needs the citizen to have been told beforehand (GDPR art. 18(3))."""

    informed = BooleanField("Borgeren er orienteret, før begrænsningen ophæves",
                            validators=[DataRequired("Bekræft, at borgeren er orienteret.")])
    note = StringField("Sagsnummer eller bemærkning (valgfri)",
                       validators=[Optional(), Length(max=100, message="Højst 100 tegn."),
                                   no_hidden_characters, fit_for_audit_log])


class EraseForm(DanishForm):
    """Erasure: why (the request's case number) and the citizen's name typed as confirmation."""

    purpose = StringField("Formål (fx sagsnummeret på anmodningen om sletning)",
                          validators=[DataRequired("Skriv formålet med sletningen."),
                                      Length(3, 100, "Formålet skal være 3–100 tegn."),
                                      no_hidden_characters, fit_for_audit_log])
    confirm_name = StringField("Skriv borgerens fulde navn for at bekræfte",
                               validators=[DataRequired("Skriv borgerens navn for at bekræfte."),
                                           Length(max=200, message="Højst 200 tegn.")])
