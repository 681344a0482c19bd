"""Small form helpers shared by every area's forms."""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from flask import g, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, Form, IntegerField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matching import licences

from .i18n import wtforms_translations

# NUL and other C0/C1 control characters (tab and newlines allowed) and bidi overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def choices(options: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """SelectField choices from a vocabulary dict or (value, label) pairs (WTForms 3.3 style)."""
    pairs = options.items() if isinstance(options, Mapping) else options
    return [SelectChoice(value, label) for value, label in pairs]


class _DanishMeta:
    """WTForms' own messages ("Not a valid choice.", "Field cannot be longer ...") in Danish."""

    def get_translations(self, form):
        return wtforms_translations()


class DanishForm(FlaskForm):
    """Base of every form that posts (CSRF as FlaskForm), with WTForms' messages in Danish.

    Flask-WTF's own i18n would look for a Danish catalogue among WTForms' locales, which has
    none, and fall back to English; the catalogue in ``portal/translations`` is used instead.
    """

    class Meta(_DanishMeta):
        pass


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


def no_control_characters(_form, field: Field) -> None:
    """Refuse NUL, other control characters and bidi overrides."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Teksten indeholder ugyldige tegn (fx usynlige styretegn). Fjern dem og prøv igen.")


class RuleError(ValueError):
    """A domain rule is broken; ``message`` is Danish, ``field`` the form field to blame (or None).

    Services raise a subclass and write nothing; routes show it with :func:`attach_error`.
    A service that checks several fields raises every broken rule at once (:func:`raise_all`):
    the first error carries the others in ``also``, so the form shows them all in one round.
    """

    def __init__(self, message: str, field: str | None = None, *, also: tuple[RuleError, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.field, self.also = message, field, tuple(also)

    @property
    def every(self) -> tuple[RuleError, ...]:
        """This error and the ones raised with it, in the order they were found."""
        return (self, *self.also)


def raise_all(errors: list[RuleError]) -> None:
    """Raise the first of ``errors`` with the rest in its ``also``; nothing when the list is empty."""
    if errors:
        first, *rest = errors
        first.also = (*first.also, *rest)
        raise first


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
    """
    fields = [(k, v) for k, v in formdata.items(multi=True) if k != "csrf_token"]
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
