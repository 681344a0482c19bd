"""Review BI 1 and 7: Danish says »1 time« and »0,5 time« but »2 timer«, and »1 sag« but »2 sager«;
every text that puts a number of hours before the word goes through :func:`portal.i18n.format_hours_count`."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.admin.audit_labels import purpose_label
from portal.candidates.profile import rows
from portal.i18n import format_hours_count, hours_word, plural
from portal.placements import lifecycle, plausibility
from store.models import HoursLog, Opening, Placement


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("0.5"), "0,5 time"), (1, "1 time"), (Decimal("1.00"), "1 time"), (1.5, "1,5 timer"),
    (2, "2 timer"), (Decimal("7.5"), "7,5 timer"), (0, "0 timer"), (1205.25, "1.205,25 timer"),
])
def test_hours_take_the_singular_up_to_one(value, shown):
    assert format_hours_count(value) == shown


def test_fixed_decimals_keep_the_word_of_the_value():
    assert format_hours_count(Decimal("1"), 2, trim=False) == "1,00 time"
    assert hours_word(Decimal("1.01")) == "timer"


def test_plural_is_the_singular_only_after_one():
    assert [plural(n, "sag", "sager") for n in (0, 1, 2, 11)] == ["sager", "sag", "sager", "sager"]


def test_the_filters_are_registered(app):
    env = app.jinja_env
    assert env.from_string("{{ 1|hours_count }} · {{ 3|hours_count }}").render() == "1 time · 3 timer"
    assert env.from_string("{{ n }} {{ n|plural('borger', 'borgere') }}").render(n=1) == "1 borger"


def test_the_start_warning_and_refusal_say_time_after_one():
    opening = Opening(hours_min=10, hours_max=20)
    assert lifecycle.hours_warning(opening, 1) == "Bemærk: 1 time om ugen ligger uden for opslagets 10–20 timer."


def test_the_cancel_confirmation_lists_one_hour_as_time():
    logged = [HoursLog(month=date(2026, 12, 1), hours=Decimal("1.00")),
              HoursLog(month=date(2027, 1, 1), hours=Decimal("2.5"))]
    assert lifecycle.hours_text(logged) == "december 2026: 1 time, januar 2027: 2,5 timer"


def test_the_plausibility_question_says_time_after_one():
    placement = Placement(kind="smaajob", start_date=date(2026, 11, 30), weekly_hours=1)
    question = plausibility.warning(placement, date(2026, 11, 1), Decimal(40), "november 2026",
                                    today=date(2026, 12, 4))
    assert question == "40 timer er langt over 1 t/uge (ca. 0 timer i november 2026) – er det rigtigt?"
    placement.start_date = date(2026, 11, 25)
    question = plausibility.warning(placement, date(2026, 11, 1), Decimal(40), "november 2026",
                                    today=date(2026, 12, 4))
    assert "(ca. 1 time i november 2026)" in question


def test_the_profile_the_company_sees_says_1_time():
    assert ("Timer om ugen", "1 time") in rows({"hours": 1})
    assert ("Timer om ugen", "12,5 timer") in rows({"hours": 12.5})


def test_the_access_log_says_1_time():
    assert purpose_label("hours_logged", "forloeb:105 2026-11 ny->1.00") == "forløb 105 november 2026 ny: 1,00 time"
    assert purpose_label("hours_removed", "forloeb:105 2026-11 0.50->removed") == (
        "forløb 105 november 2026 0,50 time slettet")
