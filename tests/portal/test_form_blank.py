"""A required field given only spaces is refused at the field, in every form of the portal.

WTForms' ``InputRequired`` looks at the raw text only, so "   " passed it; a number field read
it as no value and the form was valid with None in it: a 500 further on (an opening's hours,
a placement's weekly hours) or a model default stored as if typed (a new citizen's hours
became 0, so they were never matched). The forms are found as in ``test_form_messages``.
"""
from __future__ import annotations

import pytest
from wtforms.validators import DataRequired, InputRequired

from portal.formutil import Required
from tests.portal.test_form_messages import FORMS, make_form, messages, offer_choices, submitted

BLANKS = ("   ", "\t", " \u00a0 ")


def required_fields(form) -> list[tuple[str, str]]:
    """(name as posted, name on the form) of each required field that takes typed text."""
    return [(field.name, field.short_name) for field in form
            if field.type not in ("FileField", "BooleanField")  # a ticked box sends any value
            and any(isinstance(v, (InputRequired, DataRequired)) for v in field.validators)]


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_required_field_refuses_blanks(app, cls):
    with app.test_request_context("/", method="POST"):
        names = required_fields(make_form(cls, None))
        for posted, name in names:
            for blank in BLANKS:
                form = make_form(cls, submitted(cls, [(posted, blank)]))
                offer_choices(form)
                form.validate()
                assert form[name].errors, f"{cls.__name__}.{name} accepted {blank!r}"
                assert messages(form)


def test_required_keeps_the_fields_own_message_for_what_it_could_not_read(app):
    from portal.openings.forms import OpeningForm

    with app.test_request_context("/", method="POST"):
        form = make_form(OpeningForm, submitted(OpeningForm, [("hours_min", "tolv")]))
        form.validate()
        assert form.hours_min.errors == ["Skriv et tal, fx 7,5."]


@pytest.mark.parametrize("value", ["   ", ""])
def test_blank_hours_of_an_opening_say_what_to_fill_in(app, value):
    from portal.openings.forms import OpeningForm

    with app.test_request_context("/", method="POST"):
        form = make_form(OpeningForm, submitted(OpeningForm, [("hours_min", value), ("hours_max", value)]))
        form.validate()
        assert form.hours_min.errors == ["Udfyld det mindste antal timer (0 er tilladt)."]
        assert form.hours_max.errors == ["Udfyld det højeste antal timer."]


def test_zero_is_a_value(app):
    from portal.openings.forms import OpeningForm

    with app.test_request_context("/", method="POST"):
        form = make_form(OpeningForm, submitted(OpeningForm, [("hours_min", "0")]))
        form.validate()
        assert not form.hours_min.errors and form.hours_min.data == 0


def test_required_is_an_input_required():
    """The HTML ``required`` flag and every check that looks for InputRequired still see it."""
    assert issubclass(Required, InputRequired)
    assert Required().field_flags == {"required": True}


def test_a_new_citizen_is_never_given_the_models_hours(app):
    """Hours or commute lost on the way are refused, never stored as the model's 0 h / 25 km."""
    from dataclasses import replace

    from portal.citizens import service
    from portal.citizens.service import CitizenChangeError

    with app.app_context():
        fields = {name: None for name in service.ProfileData.__dataclass_fields__}
        data = service.ProfileData(**{**fields, "name": "Test Person", "benefit_group": "kontanthjaelp",
                                      "postcode": "8722", "hours_available": None, "max_commute_km": 20.0,
                                      "languages": "dansk", "readiness_group": "jobparat"})
        with pytest.raises(CitizenChangeError, match="antal timer"):
            service.create_citizen(data, external_id="", vk=None)
        with pytest.raises(CitizenChangeError, match="transportere"):
            service.create_citizen(replace(data, hours_available=10.0, max_commute_km=None),
                                   external_id="", vk=None)
