"""Forms for creating users and companies."""
from __future__ import annotations

import re

from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..config import HOTLINE_PHONE_PATTERN
from ..formutil import ChoiceField, DanishForm, WholeNumberField, choices, no_hidden_characters
from store.models.vocab import PERSON_ROLES

VK_CHOICE = "Vælg en aktiv konsulent på listen, eller »Ingen VK endnu«."
SUCCESSOR_CHOICE = "Vælg den konsulent, der skal overtage sagerne."
SEATS_RANGE = "Antal pladser skal være mellem 0 og 100."
PHONE_LABEL = "Telefon (valgfri; konsulentens nummer vises for virksomhederne)"
PHONE_HINT = "Fx 76 31 20 00 eller +45 76 31 20 00. Uden nummer vises hotlinens nummer."


def clean_phone(value: str | None) -> str:
    """The phone number with runs of spaces made one; "" for none."""
    return " ".join((value or "").split())


CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_checksum(_form, field) -> None:
    """A Danish CVR number: 8 digits whose weighted sum (2, 7, 6, 5, 4, 3, 2, 1) is divisible by 11.

    Spaces and a "DK" prefix, as CVR numbers are often written ("DK 35 63 83 86"), are taken off.
    """
    text = "".join((field.data or "").split()).upper().removeprefix("DK")
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise ValidationError("CVR-nummeret skal være 8 cifre.")
    if sum(int(d) * w for d, w in zip(text, CVR_WEIGHTS)) % 11:
        raise ValidationError("CVR-nummeret findes ikke (kontrolcifferet passer ikke). Tjek, at alle 8 cifre "
                              "er skrevet rigtigt, fx på virk.dk.")
    field.data = text


def empty_is_zero(value):
    return 0 if value is None else value


# The address »Frigør e-mailen« gives a deactivated user (service.free_email): RFC 2606's
# ``.invalid``, which no mail reaches and nobody logs in with. The e-mail validator refuses it
# (a reserved name); the edit form accepts it only as the user's own, unchanged address
# (service.account_problems checks that), so the user's other details can still be saved.
RESERVED_EMAIL = re.compile(r"frigjort-(\d+)@jobbro\.invalid")
_VALID_EMAIL = Email("Ugyldig e-mail.")


def is_reserved_email(email: str | None) -> bool:
    """``email`` is an address »Frigør e-mailen« gives (``frigjort-<id>@jobbro.invalid``)."""
    return RESERVED_EMAIL.fullmatch((email or "").strip().casefold()) is not None


def email_or_reserved(form, field) -> None:
    """A valid e-mail, or a reserved one (left to the account rules: only a user's own, unchanged)."""
    if not is_reserved_email(field.data):
        _VALID_EMAIL(form, field)


def phone_number(_form, field) -> None:
    """Digits and spaces (an optional leading +), 8 to 20 characters; empty is allowed."""
    text = clean_phone(field.data)
    if text and (len(text) > 20 or not HOTLINE_PHONE_PATTERN.fullmatch(text)):
        raise ValidationError("Skriv telefonnummeret med cifre og evt. mellemrum, fx 76 31 20 00.")


class EditUserForm(DanishForm):
    """An existing user's name, e-mail, phone, organisation and, for staff, role (consultant or
    administrator; the route takes the field away for a company user, whose role stays)."""

    email = EmailField("E-mail", validators=[DataRequired("Skriv en e-mail."), email_or_reserved, Length(max=254)])
    name = StringField("Navn", validators=[DataRequired("Skriv et navn."), Length(max=120), no_hidden_characters])
    company_id = SelectField("Virksomhed (kun for virksomhedsbrugere)", coerce=int, validators=[Optional()])
    team_id = SelectField("Team (kun for konsulenter)", coerce=int, validators=[Optional()])
    phone = StringField(PHONE_LABEL, validators=[Length(max=40, message="Telefonnummeret er for langt."), phone_number],
                        render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": 40})
    role = SelectField("Rolle", choices=choices({key: PERSON_ROLES[key] for key in ("consultant", "admin")}),
                       validators=[Optional()])  # not sent: unchanged (service.role_problem has the rules)
    # Each field's fingerprint as the form was loaded (service.user_fingerprints): after someone
    # else's save, tells their changes from this user's (review BH 6).
    base = HiddenField()


class UserForm(EditUserForm):
    role = SelectField("Rolle", choices=choices(PERSON_ROLES))
    submit = SubmitField("Opret bruger")


class PhoneForm(DanishForm):
    """An existing user's work phone (shown to companies when the user is their consultant)."""

    phone = StringField(PHONE_LABEL, validators=[Length(max=40, message="Telefonnummeret er for langt."), phone_number],
                        render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": 40})


def danish_postcode(_form, field) -> None:
    """Four digits, from 0800 to 9990 (the lowest and highest Danish postcodes)."""
    code = (field.data or "").strip()
    if not re.fullmatch(r"\d{4}", code) or not 800 <= int(code) <= 9990:
        raise ValidationError("Skriv et dansk postnummer med 4 cifre, fx 8722.")
    field.data = code


class CompanyForm(DanishForm):
    name = StringField("Navn", validators=[DataRequired("Skriv virksomhedens navn."), Length(max=200), no_hidden_characters])
    cvr = StringField("CVR-nummer", validators=[DataRequired("Skriv CVR-nummeret."), cvr_checksum])
    address = StringField("Adresse", validators=[Length(max=200), no_hidden_characters])
    # Any Danish postcode: a company may sit outside the municipality (distances are measured
    # from each opening's own postcode, which must be in the matching's table).
    postcode = StringField("Postnummer", validators=[DataRequired("Skriv postnummeret."), danish_postcode])
    code_of_care = BooleanField("Code of Care-partner")
    # Bounded before conversion: a 309-digit number overflowed in NumberRange (a 500).
    # An empty field is 0 seats: the field is not required, so leaving it empty must save.
    standing_seats = WholeNumberField("Faste praktikpladser (virksomhedscenter)", default=0, max_digits=3,
                                      too_large=SEATS_RANGE, filters=[empty_is_zero],
                                      validators=[NumberRange(0, 100, SEATS_RANGE)])
    # Choices are the active consultants, set per request (service.consultant_choices); 0 = none.
    consultant_id = SelectField("Virksomhedskonsulent (VK)", coerce=int, validators=[Optional()],
                                invalid_value_message=VK_CHOICE, invalid_choice_message=VK_CHOICE)
    # Each field's fingerprint as the form was loaded (service.company_fingerprints): after
    # someone else's save, tells their changes from this user's (review BH 6).
    base = HiddenField()
    submit = SubmitField("Gem virksomhed")


class TeamForm(DanishForm):
    """A team's name (new or renamed)."""

    name = StringField("Teamets navn", validators=[DataRequired("Skriv teamets navn."),
                                                   Length(max=120, message="Navnet må højst være 120 tegn."),
                                                   no_hidden_characters],
                       render_kw={"maxlength": 120})


def _int_or_none_chosen(value) -> int:
    """The select's value as an id; "" (the browser's "choose" option) is 0, nobody chosen."""
    return int(value) if value not in ("", None) else 0


class HandoverForm(DanishForm):
    """Give a user's cases to another consultant: whom, and which kinds (all by default).

    The successor's choices are set by the route (:func:`.caseload.successor_choices`).
    """

    successor_id = ChoiceField("Overdrag til", coerce=_int_or_none_chosen)
    citizens = BooleanField("Borgere med åben sag (som VK)", default=True)
    advised = BooleanField("Borgere med åben sag (som rådgiver)", default=True)
    companies = BooleanField("Virksomheder (som VK)", default=True)
    requests = BooleanField("Hotline-henvendelser, der ikke er lukket", default=True)

    def validate_successor_id(self, field) -> None:
        if not field.data:
            raise ValidationError(SUCCESSOR_CHOICE)
