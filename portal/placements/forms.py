"""The hours form: a month within the placement's period and 0..400 hours (Danish comma accepted).

Ownership never comes from the form: the placement is the URL's, loaded with the current
company, and ``logged_by`` is the current user. Extra fields are never read.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import ValidationError

from ..formutil import DanishForm, choices
from ..i18n import format_month

MAX_HOURS = Decimal(400)
# Why no month is accepted at all (:func:`.service.allowed_months` is empty), web form and API alike.
NO_MONTHS = ("Der kan ikke registreres timer på forløbet: det er ikke startet endnu (timer registreres "
             "fra startdagen), det er aflyst, eller borgerens oplysninger er anonymiseret hos jobcentret.")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# At most three digits and two decimals, comma or point: "12,5", "160", "7.25".
_HOURS = re.compile(r"^\d{1,3}(?:[.,]\d{1,2})?$")
# The hours a placement's page showed, month by month: "2026-01=10.00;2026-11=12.50".
_SHOWN = re.compile(r"^(\d{4}-\d{2})=(\d{1,3}\.\d{2})$")


def month_label(month: date) -> str:
    """"november 2026"."""
    return format_month(month)


def month_value(month: date) -> str:
    """The form value of a month, "2026-11"."""
    return f"{month:%Y-%m}"


def parse_month(value: str | None) -> date | None:
    """"2026-11" as the month's first day; None if it is not a real year-month."""
    match = _MONTH.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (year >= 1 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def parse_hours(value: str | None) -> Decimal:
    """Hours from Danish or English notation.

    Raises:
        ValidationError: with a Danish message for empty, negative, non-numeric (NaN and
            infinity included), more than two decimals or more than 400 hours.
    """
    text = (value or "").strip().replace(" ", "")
    if not text:
        raise ValidationError("Angiv antal timer.")
    if text.startswith("-"):
        raise ValidationError("Timer kan ikke være negative.")
    if not _HOURS.match(text):
        if re.match(r"^\d+(?:[.,]\d+)?$", text) and not re.match(r"^\d+(?:[.,]\d{1,2})?$", text):
            raise ValidationError("Angiv timer med højst to decimaler, fx 12,5.")
        if re.match(r"^\d{4,}(?:[.,]\d+)?$", text):
            raise ValidationError("Højst 400 timer på en måned.")
        raise ValidationError("Angiv timer som et tal, fx 12,5.")
    hours = Decimal(text.replace(",", "."))
    if hours > MAX_HOURS:
        raise ValidationError("Højst 400 timer på en måned.")
    return hours


def shown_value(hours: dict[date, Decimal]) -> str:
    """The hidden ``vist`` of a placement's page: every logged month's hours as the page showed
    them ("2026-01=10.00;2026-11=12.50"; a month left out showed none)."""
    return ";".join(f"{month_value(m)}={Decimal(h).quantize(Decimal('0.01'))}" for m, h in sorted(hours.items()))


def parse_shown(value: str | None) -> dict[date, Decimal] | None:
    """:func:`shown_value` read back; None when the post does not carry it (or not readably)."""
    if value is None or len(value) > 20_000:
        return None
    shown = {}
    for part in filter(None, value.strip().split(";")):
        match = _SHOWN.match(part)
        month = parse_month(match.group(1)) if match else None
        if month is None:
            return None
        shown[month] = Decimal(match.group(2))
    return shown


class MonthField(SelectField):
    """A month select whose value must be one of the placement's allowed months."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # the forms macro styles selects by this name (DKFDS form-select)

    def pre_validate(self, form) -> None:
        month = parse_month(self.data)
        if month is None:
            raise ValidationError("Vælg en gyldig måned.")
        if not self.choices:  # .service.allowed_months: not started yet, cancelled, or anonymised
            raise ValidationError(NO_MONTHS)
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Vælg en måned inden for forløbets periode og ikke i fremtiden.")


class HoursForm(DanishForm):
    """Hours for one month of a placement. ``months`` are the allowed months, newest first."""

    month = MonthField("Måned")
    hours = StringField("Timer i måneden", render_kw={"inputmode": "decimal", "autocomplete": "off",
                                                      "maxlength": 20})
    # Set by the page when the hours look implausible (:mod:`.plausibility`); sent back, it confirms them.
    confirmed = HiddenField()
    # The hours the page showed (:func:`shown_value`): a month saved meanwhile by someone else is refused.
    shown = HiddenField()

    def __init__(self, *args, months: list[date] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.month.choices = choices([(month_value(m), month_label(m)) for m in months])
        self.parsed_hours: Decimal | None = None

    def validate_hours(self, field) -> None:
        if field.data is not None and len(field.data) > 20:
            raise ValidationError("Angiv timer som et tal, fx 12,5.")
        self.parsed_hours = parse_hours(field.data)

    @property
    def parsed_month(self) -> date:
        """The validated month (first day); only valid after ``validate_on_submit()``."""
        return parse_month(self.month.data)
