"""Every form of the portal answers invalid input in Danish, WTForms' own messages included.

The forms are found by walking the ``portal`` package, so a new form is checked without
being listed here. Each is submitted twice: with every field empty (missing required) and
with every field wrong for its type (text too long, not a number, not a choice, not a date).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from wtforms import (BooleanField, DateField, DateTimeField, DecimalField, FloatField, Form,
                     IntegerField, SelectFieldBase, SubmitField)
from wtforms.validators import Length

import portal
from portal.formutil import DanishForm, DanishGetForm
from portal.i18n import wtforms_translations

# Phrases of WTForms' and Flask-WTF's English messages.
ENGLISH = ("Not a valid", "This field is required", "Field cannot be longer", "Field must be",
           "Invalid", "Number must be", "Date must be", "not a valid choice", "could not coerce",
           "Choices cannot be", "The CSRF", "CSRF token", "is disabled", "cannot be edited")

# Values for constructor arguments some forms require (choices and dates set per request).
CONSTRUCTOR_ARGUMENTS = {"today": date(2026, 3, 5), "start": date(2026, 1, 1), "companies": [],
                         "placements": [], "months": [date(2026, 2, 1)], "prefix": "citizens"}


def portal_forms() -> list[type[Form]]:
    """Every form class defined in the portal package."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found, pending = set(), [Form]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("portal.") and sub not in (DanishForm, DanishGetForm):
                found.add(sub)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORMS = portal_forms()


def make_form(cls: type[Form], formdata: MultiDict | None) -> Form:
    kwargs = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "formdata" or name == "self":
            continue
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD) \
                and parameter.default is parameter.empty:
            assert name in CONSTRUCTOR_ARGUMENTS, f"{cls.__name__} needs {name!r}: add it to the table"
            kwargs[name] = CONSTRUCTOR_ARGUMENTS[name]
    return cls(formdata, **kwargs)


def offer_choices(form: Form) -> None:
    """Fields whose choices a route sets per request get one, so validation reaches the value."""
    for field in form:
        if isinstance(field, SelectFieldBase) and not field.choices:
            coerce = getattr(field, "coerce", str)
            field.choices = [(coerce("1"), "Et")]


def wrong_value(field) -> str | None:
    """A value of the wrong kind for ``field`` (None: the field takes anything)."""
    if getattr(field, "never_refuses", False):  # e.g. a page number: any text is read as a page
        return None
    if isinstance(field, (SubmitField, BooleanField)) or field.type in ("FileField", "CSRFTokenField"):
        return None
    if isinstance(field, (IntegerField, FloatField, DecimalField)):
        return "tolv"
    if isinstance(field, (DateField, DateTimeField)):
        return "31.02.2026"
    if isinstance(field, SelectFieldBase):
        return "ikke-en-mulighed"
    longest = [v.max for v in field.validators if isinstance(v, Length) and v.max and v.max > 0]
    return "x" * (longest[0] + 1) if longest else None


def submitted(cls: type[Form], values) -> MultiDict:
    data = MultiDict(values)
    if issubclass(cls, FlaskForm):  # under the form's prefix, as the page sends it
        prefix = CONSTRUCTOR_ARGUMENTS["prefix"] if "prefix" in inspect.signature(cls.__init__).parameters else ""
        data[f"{prefix}-csrf_token" if prefix else "csrf_token"] = generate_csrf()
    return data


def messages(form: Form) -> list[str]:
    found = list(form.form_errors)
    for field in form:
        found.extend(str(error) for error in field.errors)
    return found


def assert_danish(form: Form, found: list[str]) -> None:
    english = [m for m in found if any(phrase.lower() in m.lower() for phrase in ENGLISH)]
    assert not english, f"{type(form).__name__}: English messages {english}"


def test_the_forms_are_found():
    names = {cls.__name__ for cls in FORMS}
    assert {"CompanyForm", "OpeningForm", "ProfileForm", "FilterForm", "LoginForm"} <= names


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_form_answers_wrong_input_in_danish(app, cls):
    with app.test_request_context("/", method="POST"):
        probe = make_form(cls, None)
        values = [(field.name, wrong_value(field)) for field in probe]
        form = make_form(cls, submitted(cls, [(n, v) for n, v in values if v is not None]))
        offer_choices(form)
        form.validate()
        found = messages(form)
        assert_danish(form, found)
        # Each wrongly filled field must have been refused (else the test proves nothing for it).
        refused = {field.name for field in form if field.errors}
        missed = {n for n, v in values if v is not None} - refused
        assert not missed, f"{cls.__name__}: no message for {sorted(missed)}"


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_form_answers_missing_input_in_danish(app, cls):
    with app.test_request_context("/", method="POST"):
        form = make_form(cls, submitted(cls, [("unknown", "")]))
        offer_choices(form)
        form.validate()
        assert_danish(form, messages(form))


def test_the_catalogue_translates_every_wtforms_message():
    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    with open(f"{messages_path()}/wtforms.pot", "rb") as pot:
        template = read_po(pot)
    translations = wtforms_translations()
    untranslated = []
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            translated = translations.ngettext(message.id[0], message.id[1], 2)
            same = translated == message.id[1]
        else:
            same = translations.gettext(message.id) == message.id
        if same:
            untranslated.append(message.id)
    assert not untranslated


def test_a_company_form_says_so_in_danish(app, client, make_user, auth):
    admin = make_user("admin")
    auth.login(admin.email)
    token = auth.csrf_token("/admin/companies/new")
    html = client.post("/admin/companies/new", data={
        "csrf_token": token, "name": "x" * 300, "cvr": "12345678", "postcode": "8722",
        "standing_seats": "mange"}).get_data(as_text=True)
    assert "Skriv et helt tal." in html
    assert "Feltet må højst være 200 tegn langt." in html
    assert "Not a valid" not in html
