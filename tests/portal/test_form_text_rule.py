"""One rule for invisible characters in every free-text field (review AA 4), and one field type
for Danish decimals (review AA 11, the form part).

The rule is portal.text's: the filter ``clean_text``/``clean_line`` trims whitespace and
zero-width characters from the ends (a text of nothing but zero-width spaces is empty), and the
validator ``portal.formutil.no_hidden_characters`` refuses a control, zero-width or bidi character
anywhere else.
"""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from portal.admin.forms import CompanyForm, EditUserForm, TeamForm
from portal.candidates.forms import DecisionForm
from portal.candidates.forms import ProfileForm as SharedProfileForm
from portal.citizens.case_forms import EraseForm, ReopenCaseForm, RestrictForm
from portal.citizens.forms import (JobGoalEditForm, JobGoalForm, LimitationsForm, NewCitizenForm,
                                   ProfileForm)
from portal.formutil import DanishDecimalField, DanishForm
from portal.text import HIDDEN_MESSAGE, clean_line, clean_text
from portal.hotline.forms import MessageForm, RequestForm
from portal.interviews.forms import OfferForm, OutcomeForm
from portal.openings.forms import OpeningForm, form_values
from portal.stories.forms import StoryForm
from portal.webhooks.forms import EndpointForm

# (form, its constructor's keyword arguments, the free-text fields)
TEXT_FIELDS = [
    (OpeningForm, {}, ("title", "description", "requirements", "required_languages", "accommodations")),
    (RequestForm, {}, ("subject", "message")),
    (MessageForm, {}, ("body",)),
    (StoryForm, {"companies": [], "placements": []}, ("title", "text")),
    (ProfileForm, {}, ("name", "phone", "email", "languages")),
    (NewCitizenForm, {}, ("external_id",)),
    (JobGoalForm, {}, ("title",)),
    (JobGoalEditForm, {}, ("new_title",)),
    (LimitationsForm, {}, ("text",)),
    (ReopenCaseForm, {}, ("reason",)),
    (RestrictForm, {}, ("note",)),
    (EraseForm, {}, ("purpose",)),
    (DecisionForm, {}, ("reason",)),
    (SharedProfileForm, {}, ("experience", "goals", "languages")),
    (OfferForm, {}, ("location",)),
    (OutcomeForm, {}, ("reason",)),
    (EndpointForm, {}, ("description",)),
    (EditUserForm, {}, ("name",)),
    (CompanyForm, {}, ("name", "address")),
    (TeamForm, {}, ("name",)),
]
CASES = [(form, kwargs, name) for form, kwargs, names in TEXT_FIELDS for name in names]
IDS = [f"{form.__module__.split('.')[1]}.{form.__name__}.{name}" for form, _, name in CASES]


def validated(app, form_class, kwargs, name, value):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({name: value}), meta={"csrf": False}, **kwargs)
        field = form[name]  # validated alone: other fields' choices are set per request in the routes
        inline = getattr(form_class, f"validate_{name}", None)
        field.validate(form, [inline] if inline else [])
        return field.data, list(field.errors)


HIDDEN = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u2066", "\x00", "\x07", "\u3164"]


@pytest.mark.parametrize("form_class, kwargs, name", CASES, ids=IDS)
def test_a_hidden_character_inside_the_text_is_refused_with_the_one_message(app, form_class, kwargs, name):
    for hidden in HIDDEN:
        data, errors = validated(app, form_class, kwargs, name, f"Lager{hidden}job")
        assert HIDDEN_MESSAGE in errors, (hidden, data)
    # A line separator is refused too, or read as the space it is in a one-line field.
    data, errors = validated(app, form_class, kwargs, name, "Lager\u2028job")
    assert HIDDEN_MESSAGE in errors or "\u2028" not in data


@pytest.mark.parametrize("form_class, kwargs, name", CASES, ids=IDS)
def test_a_text_of_only_zero_width_characters_is_never_taken_as_text(app, form_class, kwargs, name):
    data, errors = validated(app, form_class, kwargs, name, "\u200b\u200b\u200b\u200b")
    assert errors or not data  # refused, or empty (an optional field left blank)


@pytest.mark.parametrize("form_class, kwargs, name", CASES, ids=IDS)
def test_ordinary_danish_text_and_emoji_variation_pass_the_rule(app, form_class, kwargs, name):
    _, errors = validated(app, form_class, kwargs, name, "Æble ø å é\u0301 ☕\ufe0f")
    assert HIDDEN_MESSAGE not in errors


def test_an_opening_title_of_zero_width_spaces_is_empty_and_refused(app):
    data, errors = validated(app, OpeningForm, {}, "title", "\u200b\u200b\u200b\u200b")
    assert data == "" and errors == ["Udfyld feltet »Titel«."]


def test_the_filters_trim_zero_width_padding_but_keep_what_is_inside():
    assert clean_text("\ufeff Lager\r\njob\u200b ") == "Lager\njob"
    assert clean_text("e\u0301") == "é"
    assert clean_text("\u202eevil") == "\u202eevil"  # a bidi control is refused, never silently dropped
    assert clean_line("  Lager \n  job\u2060") == "Lager job"
    assert clean_text(None) == ""


def test_an_import_row_with_a_title_of_zero_width_spaces_is_refused(app):
    from portal.imports.openings import validate_opening
    from portal.imports.citizens import RowError

    with app.app_context():
        with pytest.raises(RowError) as refused:
            validate_opening({"external_id": "X-1", "title": "\u200b\u200b\u200b\u200b", "kind": "Småjob",
                              "hours_min": 5, "hours_max": 10, "postcode": "8722"}, companies={})
    assert any(column == "Titel" and "Udfyld feltet »Titel«" in message for column, message in refused.value.problems)


# --- Danish decimals ---------------------------------------------------------------------------


class DecimalForm(DanishForm):
    hours = DanishDecimalField("Timer")


@pytest.mark.parametrize("typed, value", [
    ("7,5", 7.5), ("7.5", 7.5), (" 37 ", 37.0), ("0", 0.0), ("7,25", 7.25), ("7,555", 7.56), (",5", 0.5),
    ("1.205,5", 1205.5), ("-1", -1.0),
])
def test_a_danish_decimal_is_read_with_comma_or_a_lone_point(app, typed, value):
    with app.test_request_context(method="POST"):
        form = DecimalForm(formdata=MultiDict({"hours": typed}), meta={"csrf": False})
        assert form.validate() and form.hours.data == value


@pytest.mark.parametrize("typed", ["nan", "inf", "Infinity", "1e3", "7,5,5", "1..2", "١٢", "7 timer", "9" * 40])
def test_what_is_not_a_danish_decimal_gets_one_message(app, typed):
    with app.test_request_context(method="POST"):
        form = DecimalForm(formdata=MultiDict({"hours": typed}), meta={"csrf": False})
        assert not form.validate() and form.hours.errors == ["Skriv et tal, fx 7,5."] and form.hours.data is None


@pytest.mark.parametrize("stored, shown", [(7.5, "7,5"), (37.0, "37"), (7.25, "7,25"), (1205.5, "1205,5"), (None, "")])
def test_a_stored_decimal_is_shown_as_it_is_typed(app, stored, shown):
    with app.test_request_context():
        assert DecimalForm(data={"hours": stored}, meta={"csrf": False}).hours._value() == shown


@pytest.mark.parametrize("form_class, name", [(OpeningForm, "hours_min"), (OpeningForm, "hours_max"),
                                              (ProfileForm, "hours_available"), (ProfileForm, "max_commute_km"),
                                              (SharedProfileForm, "hours")])
def test_every_decimal_form_field_is_the_one_type(form_class, name):
    assert getattr(form_class, name).field_class is DanishDecimalField


def test_the_opening_edit_form_shows_its_hours_as_they_are_typed(app):
    from types import SimpleNamespace

    opening = SimpleNamespace(kind="smaajob", title="T", description="", requirements="", hours_min=7.5,
                              hours_max=1205.25, postcode="8722", start_date=None, duration_weeks=None,
                              required_languages="", accommodations="", capacity=1, status="open",
                              required_licences=[])
    values = form_values(opening)
    assert (values["hours_min"], values["hours_max"]) == ("7,5", "1205,25")
