"""Small form helpers shared by every area's forms."""
from __future__ import annotations

import decimal
import math
import re
from typing import Iterable, Mapping

from flask import flash, g, has_request_context, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from babel import numbers as babel_numbers
from wtforms import DateField, Field, FloatField, Form, IntegerField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from matching import licences
from matching.redact import CPR_PLACEHOLDER, contains_cpr, redact_cpr

from .i18n import LOCALE, wtforms_translations
from .rules import RuleError
from .text import CPR_IN_TEXT_MESSAGE, HIDDEN_MESSAGE, NUL_MESSAGE, hidden_characters_in


def choices(options: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """SelectField choices from a vocabulary dict or (value, label) pairs (WTForms 3.3 style)."""
    pairs = options.items() if isinstance(options, Mapping) else options
    return [SelectChoice(value, label) for value, label in pairs]


class _DanishMeta:
    """WTForms' own messages ("Not a valid choice.", "Field cannot be longer ...") in Danish."""

    def get_translations(self, form):
        return wtforms_translations()

    def render_field(self, field, render_kw):
        """The hidden CSRF field without an id, unless one is given: a page with several forms
        had id="csrf_token" once per form (ids must be unique; review BM). Nothing refers to it."""
        if field.type == "CSRFTokenField":
            render_kw = {"id": False, **render_kw}
        return super().render_field(field, render_kw)


class DanishForm(FlaskForm):
    """Base of every form that posts (CSRF as FlaskForm), with WTForms' messages in Danish.

    Flask-WTF's own i18n would look for a Danish catalogue among WTForms' locales, which has
    none, and fall back to English; the catalogue in ``portal/translations`` is used instead.

    On the page a form was posted from when the fresh login had run out, right after the
    password confirmation, the form is filled in with what was typed (:func:`_fill_typed`).
    """

    class Meta(_DanishMeta):
        pass

    typed_restored = False  # True when filled in with what was typed before a password confirmation

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _fill_typed(self)


# In flask.g: the fields of a form posted on a stale login, for its page after /auth/confirm
# (set by portal.auth.fresh_form, which names it; this module does not import portal.auth).
TYPED_KEY = "typed_before_confirm"
_NOT_TYPED = frozenset({"csrf_token", "next", "version", "base", "submit"})


def _fill_typed(form: DanishForm) -> None:
    """Fill ``form`` with the fields held while the password was confirmed, when they are its:
    the first form of the page that has one of the typed fields (the import page builds one
    form per kind, each with its own prefix). Processed as if posted, without validating; the
    page says that it is filled in again and not sent."""
    if not has_request_context():
        return
    typed = g.get(TYPED_KEY)
    if not typed or typed.get("used"):
        return
    fields = typed["fields"]
    if not any(field.name in fields for field in form if field.short_name not in _NOT_TYPED):
        return
    typed["used"] = True
    form.process(fields)
    form.typed_restored = True  # a view that sets a field's data after building the form checks it
    flash(typed["note"], "info")


class DanishGetForm(Form):
    """Base of the GET filter forms (no CSRF: they change nothing), messages in Danish."""

    class Meta(_DanishMeta):
        pass


class ChoiceField(SelectField):
    """SelectField with a Danish message for a value that is not among the choices.

    One message, naming the list, for both a value that cannot be coerced and one that is
    not offered.
    """

    MESSAGE = "Vælg en af mulighederne på listen."

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.MESSAGE) from None

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.MESSAGE) from None


# --- Free text: the validators of the portal's text rule (portal.text) --------------------------


def no_hidden_characters(_form, field: Field) -> None:
    """The validator of every free-text field: refuse control, zero-width and bidi characters.

    They make a text look different from what is stored and searched (a title of zero-width
    spaces shows as nothing; an override shows the text backwards).
    """
    if isinstance(field.data, str) and hidden_characters_in(field.data):
        raise ValidationError(HIDDEN_MESSAGE)


# The name the forms of other areas know the rule by (it once refused fewer characters).
no_control_characters = no_hidden_characters


def no_cpr(message: str = CPR_IN_TEXT_MESSAGE):
    """A validator refusing a CPR-like number (:func:`matching.redact.contains_cpr`) with ``message``.

    The text stays in the field as typed, with the message at it; a text sent back by a redirect
    (:func:`keep_form`) holds ``[cpr]`` where the number was, and is refused the same way until
    the placeholder is gone."""
    def check(_form, field) -> None:
        if isinstance(field.data, str) and field.data and (contains_cpr(field.data) or CPR_PLACEHOLDER in field.data):
            raise ValidationError(message)
    return check


def no_nul(_form, field: Field) -> None:
    """Refuse NUL only: for a pasted document (a CV), where other control characters may be layout."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError(NUL_MESSAGE)


def attach_error(form, err: RuleError) -> None:
    """Show ``err`` and the errors raised with it on their fields, or at the top of ``form`` for
    one that names no field (or an unknown one)."""
    for one in err.every:
        target = getattr(form, one.field, None) if one.field else None
        if target is not None:
            target.errors = [*target.errors, one.message]
        else:
            form.form_errors.append(one.message)


# A refused form sent back by a redirect: kept in the session (a signed cookie of ~4 KB,
# like a held action in portal.auth.replay), so a bigger one is not kept.
_KEPT_KEY = "kept_form"
MAX_KEPT_CHARS = 2000


def keep_form(name: str, formdata: MultiDict) -> bool:
    """Keep a refused form's fields (never the CSRF token) for the page the user is sent back to.

    For a form posted from more than one page, or to a page the refusing view does not
    render: the view redirects, and the page rebuilds the form with :func:`kept_form`.
    ``name`` says which form, for what (e.g. ``"interview-offer:12"``). Returns False, and
    keeps nothing, when the fields are too big for the session.

    A CPR number typed in a field is kept as ``[cpr]``: the session is a signed, not encrypted,
    cookie, and a text refused for holding one (:func:`no_cpr`) must not travel in it (review
    BQ 1); the page says why at the field.
    """
    fields = [(k, redact_cpr(v) if isinstance(v, str) else v)
              for k, v in formdata.items(multi=True) if k != "csrf_token"]
    if sum(len(k) + len(v) for k, v in fields) > MAX_KEPT_CHARS:
        session.pop(_KEPT_KEY, None)
        return False
    session[_KEPT_KEY] = {"name": name, "fields": fields}
    return True


def kept_form(name: str) -> MultiDict | None:
    """The fields :func:`keep_form` kept under ``name``, once; None if there are none.

    Whatever is kept leaves the session at the first page that asks, kept for this form or
    not: it belongs to the page right after the refusal, never to a later visit. Every form
    of that page may ask (the candidate page has the times form and the outcome form).
    """
    if "kept_form_entry" not in g:
        g.kept_form_entry = session.pop(_KEPT_KEY, None)
    entry = g.kept_form_entry
    if not isinstance(entry, dict) or entry.get("name") != name:
        return None
    return MultiDict([tuple(pair) for pair in entry.get("fields") or ()])


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


class WholeNumberField(IntegerField):
    """A whole number typed as ASCII digits, bounded *before* conversion.

    WTForms' IntegerField takes any length and Unicode digits; NumberRange then calls
    ``math.isnan`` on a 309-digit int and overflows (a 500). Here more than ``max_digits``
    digits is ``too_large`` (pass the field's range message) and anything but an optional
    sign and 0-9 is "Skriv et helt tal." Empty input leaves ``data`` None for Optional/InputRequired.
    """

    def __init__(self, label=None, validators=None, *, max_digits: int = 9,
                 too_large: str = "Tallet er for stort.", **kwargs) -> None:
        kwargs.setdefault("invalid_value_message", "Skriv et helt tal.")
        super().__init__(label, validators, **kwargs)
        self.max_digits, self.too_large = max_digits, too_large

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        self.data = None
        raw = (valuelist[0] or "").strip()
        if not raw:
            return
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValueError(self.invalid_value_message)
        sign, digits = ("-" if raw[0] == "-" else ""), raw.lstrip("+-").lstrip("0") or "0"
        if len(digits) > self.max_digits:
            raise ValueError(self.too_large)
        self.data = int(sign + digits)

    def pre_validate(self, form) -> None:
        # A value refused while parsing has its message already; the validators after this
        # would only see data None and repeat it (NumberRange says the range again).
        if self.process_errors:
            raise StopValidation()


_DECIMAL = re.compile(r"[+-]?(?:[0-9][0-9.,]*|[.,][0-9]+)")
DECIMAL_MESSAGE = "Skriv et tal, fx 7,5."


def format_decimal_input(value, places: int = 2) -> str:
    """``value`` as a person types it into a :class:`DanishDecimalField`: decimal comma, at most
    ``places`` decimals, no thousands separator ("7,5", "37", "1205,25"; None: "")."""
    if value is None:
        return ""
    pattern = "0" + ("." + "#" * places if places else "")
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        return babel_numbers.format_decimal(decimal.Decimal(str(value)), format=pattern, locale=LOCALE)


class DanishDecimalField(FloatField):
    """A decimal number typed the Danish way, read with Babel's Danish number format.

    "7,5" is 7.5, and so is "7.5" (a lone point is a decimal point, as people and spreadsheets
    write it; with a comma as well, points group thousands: "1.205,5"). The value is rounded half
    up to ``places`` decimals and kept as a float. NaN, infinity, exponents and anything but
    ASCII digits are "Skriv et tal, fx 7,5."; empty input leaves ``data`` None for
    Optional/:class:`Required`. Shown again with :func:`format_decimal_input`.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, places: int = 2, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.places = places

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        self.data = None
        raw = (valuelist[0] or "").strip()
        if not raw:
            return
        if len(raw) > 30 or not _DECIMAL.fullmatch(raw):
            raise ValueError(DECIMAL_MESSAGE)
        if "," not in raw and raw.count(".") == 1:
            raw = raw.replace(".", ",")
        try:
            number = babel_numbers.parse_decimal(raw, locale=LOCALE, strict=True)
        except babel_numbers.NumberFormatError:
            raise ValueError(DECIMAL_MESSAGE) from None
        if not number.is_finite():
            raise ValueError(DECIMAL_MESSAGE)
        value = float(number.quantize(decimal.Decimal(1).scaleb(-self.places), rounding=decimal.ROUND_HALF_UP))
        if not math.isfinite(value):
            raise ValueError(DECIMAL_MESSAGE)
        self.data = value

    def pre_validate(self, form) -> None:
        # A value refused while parsing has its message already (as WholeNumberField).
        if self.process_errors:
            raise StopValidation()

    def _value(self) -> str:
        """What was typed, else the number the Danish way: 37 → "37", 7.5 → "7,5" (never "37.0")."""
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal_input(self.data, self.places)


# Every date a user sees is dd.mm.åååå (portal.i18n.format_date), so every date message names
# that shape; a browser's date input submits ISO, and a typed dd.mm.åååå / dd-mm-åååå is read too.
DATE_EXAMPLE = "06.12.2026"
DATE_MISSING = f"Skriv en dato, fx {DATE_EXAMPLE}."
DATE_INVALID = f"Datoen findes ikke. Skriv den som dd.mm.åååå, fx {DATE_EXAMPLE}."
# A text that is not written as a date at all (»12/10/2026«, »i morgen«): the date may well
# exist, so only the shape is named (review BH).
DATE_FORMAT_MESSAGE = f"Skriv datoen som dd.mm.åååå, fx {DATE_EXAMPLE}."
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"]
# The shapes DATE_FORMATS read (strptime takes one or two digits for day and month).
_DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}-\d{1,2}-\d{4}")


class DanishDateField(DateField):
    """A date field whose refusal names the Danish shape: :data:`DATE_INVALID` for a date
    written in a shape it reads that does not exist (31.02.2026), :data:`DATE_FORMAT_MESSAGE`
    for anything else, :data:`DATE_MISSING` as the message to give ``Required`` when one must
    be typed. ISO comes first, as a date input sends and shows it."""

    def __init__(self, label=None, validators=None, format=None, **kwargs) -> None:
        kwargs.setdefault("invalid_value_message", DATE_INVALID)
        super().__init__(label, validators, format or list(DATE_FORMATS), **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as err:
            if str(err) == DATE_INVALID and not _DATE_SHAPE.fullmatch(" ".join(valuelist)):
                raise ValueError(DATE_FORMAT_MESSAGE) from None
            raise


class Required(InputRequired):
    """``InputRequired`` that also refuses what is blank once read: spaces in a number field.

    WTForms' ``InputRequired`` only looks at the raw text, so "   " passes it, the field reads
    it as no value (``data`` None) and the range checks after it skip None: the form was valid
    and None reached the service (a 500, or a model default stored as if typed). Here a value
    the field could not read keeps only its own message (nothing is added), and one it read as
    nothing, or as text of spaces only, gets this validator's message at the field.
    """

    def __call__(self, form, field) -> None:
        raw = field.raw_data[0] if field.raw_data else ""
        blank = isinstance(raw, str) and not raw.strip()
        if not blank and field.process_errors:
            return  # "Skriv et tal, fx 7,5." is already the field's message
        if blank or field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []  # this message instead of the field's "Ugyldig dato" for nothing typed
            raise StopValidation(self.message or field.gettext("This field is required."))


class LicencesField(SelectMultipleField):
    """Driving licence categories as checkboxes; ``data`` is a list in licence-card order.

    Render with ``checkboxes`` from templates/macros/forms.html.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, choices=choices(licences.LABELS), **kwargs)

    def process_data(self, value) -> None:
        self.data = list(value or ())

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if set(self.data or ()) <= set(licences.CATEGORIES):
            self.data = list(licences.ordered(self.data))

    def pre_validate(self, form) -> None:
        if not set(self.data or ()) <= set(licences.CATEGORIES):
            raise ValidationError("Vælg kun kørekortkategorier fra listen.")


def in_range(low: float, high: float, message: str):
    """Like NumberRange, but silent when the value did not parse (that error is already shown)."""

    def check(_form, field) -> None:
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(message)

    return check
