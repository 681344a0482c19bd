"""One date format in every form's messages: the one every page shows, dd.mm.åååå.

Users were told »som åååå-mm-dd« on one form, »(dd-mm-åååå)« on another and »dd.mm.åååå« on
a third, while every date shown is dd.mm.åååå. Every date field of every form (found by
walking the portal package) now answers an impossible date with
:data:`portal.formutil.DATE_INVALID` and, where a date must be typed, an empty one with
:data:`portal.formutil.DATE_MISSING`.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField

from portal.formutil import DATE_EXAMPLE, DATE_INVALID, DATE_MISSING, DanishDateField, DanishForm, Required
from portal.i18n import format_date
from tests.portal.test_form_messages import FORMS, make_form, offer_choices, submitted

def date_forms() -> list[type]:
    found = []
    for cls in FORMS:
        fields = [value for value in vars(cls).values() if getattr(value, "field_class", None)]
        if any(issubclass(field.field_class, DateField) for field in fields):
            found.append(cls)
    return found


DATE_FORMS = date_forms()


def test_the_date_forms_are_found():
    names = {cls.__name__ for cls in DATE_FORMS}
    assert {"OpeningForm", "ConsentForm", "OfferForm", "StartForm", "EndForm"} <= names


def _date_fields(form):
    return [field for field in form if isinstance(field, DateField)]


@pytest.mark.parametrize("cls", DATE_FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_an_impossible_date_names_the_shape_users_see(app, cls):
    with app.test_request_context("/", method="POST"):
        names = [field.name for field in _date_fields(make_form(cls, None))]
        form = make_form(cls, submitted(cls, [(name, "31.02.2026") for name in names]))
        offer_choices(form)
        form.validate()
        for field in _date_fields(form):
            assert isinstance(field, DanishDateField), field.name
            assert field.errors == [DATE_INVALID], field.name


@pytest.mark.parametrize("cls", DATE_FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_missing_date_asks_with_an_example(app, cls):
    with app.test_request_context("/", method="POST"):
        names = [field.name for field in _date_fields(make_form(cls, None))]
        form = make_form(cls, submitted(cls, [(name, "") for name in names]))
        offer_choices(form)
        form.validate()
        for field in _date_fields(form):
            if any(isinstance(v, Required) for v in field.validators):
                assert field.errors == [DATE_MISSING], field.name
            else:
                assert DATE_INVALID not in field.errors, field.name


def test_the_messages_name_the_shape_and_a_date_that_reads_as_one(app):
    example = datetime.strptime(DATE_EXAMPLE, "%d.%m.%Y").date()
    assert format_date(example) == DATE_EXAMPLE
    assert DATE_MISSING == "Skriv en dato, fx 06.12.2026."
    assert DATE_INVALID == "Datoen findes ikke. Skriv den som dd.mm.åååå, fx 06.12.2026."


@pytest.mark.parametrize("typed", ["2026-12-06", "06.12.2026", "06-12-2026"])
def test_a_date_reads_as_a_browser_sends_it_and_as_typed(app, typed):
    class One(DanishForm):
        day = DanishDateField("Dag")

    with app.test_request_context("/", method="POST"):
        form = One(MultiDict({"day": typed}), meta={"csrf": False})
        assert form.day.data == date(2026, 12, 6) and form.day.format[0] == "%Y-%m-%d"  # shown as ISO again
