"""Review BH, small wording points: one error for one mistake, and the right one.

- The interview-times form answered a duration of »abc« with two errors at once (»Skriv et helt
  tal.« and the range); now only the first.
- A date written in a shape no form reads (»12/10/2026«) got »Datoen findes ikke«, although
  the date exists; now the shape is named. A date that does not exist still says so.
"""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from portal.formutil import DATE_FORMAT_MESSAGE, DATE_INVALID, DanishDateField, DanishForm
from portal.interviews.forms import OfferForm
from tests.clock import TODAY
from tests.portal.test_interviews import DAY, offer_as, rows
from tests.portal.test_interviews import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("frozen_today")


class _One(DanishForm):
    day = DanishDateField("Dag")


@pytest.mark.parametrize("typed", ["12/10/2026", "i morgen", "{{7*7}}", "2026/10/12", "12.10.26", "x" * 10**5,
                                   "2025-06-01\x00"])
def test_a_date_in_a_shape_no_form_reads_names_the_shape(app, typed):
    with app.test_request_context("/", method="POST"):
        form = _One(MultiDict({"day": typed}), meta={"csrf": False})
        assert not form.validate()
        assert form.day.errors == [DATE_FORMAT_MESSAGE]


@pytest.mark.parametrize("typed", ["31.02.2026", "2026-02-31", "31-02-2026", "29.02.2027", "1.13.2026"])
def test_a_date_that_does_not_exist_still_says_so(app, typed):
    with app.test_request_context("/", method="POST"):
        form = _One(MultiDict({"day": typed}), meta={"csrf": False})
        assert not form.validate()
        assert form.day.errors == [DATE_INVALID]


def test_the_format_message_names_the_shape_and_not_a_missing_date():
    assert DATE_FORMAT_MESSAGE == "Skriv datoen som dd.mm.åååå, fx 06.12.2026."
    assert "findes ikke" not in DATE_FORMAT_MESSAGE


@pytest.mark.parametrize("duration, errors", [
    ("abc", ["Skriv et helt tal."]),
    ("45,5", ["Skriv et helt tal."]),
    ("10", ["Varigheden skal være mellem 15 og 480 minutter."]),
    ("9" * 400, ["Varigheden skal være mellem 15 og 480 minutter."]),
    ("", ["Angiv varigheden i minutter."]),
])
def test_the_duration_gets_one_error(app, duration, errors):
    with app.test_request_context("/", method="POST"):
        form = OfferForm(MultiDict({"date1": (TODAY.replace(year=TODAY.year + 1)).isoformat(), "time1": "10:00",
                                    "duration": duration, "location": "Kantinen"}), meta={"csrf": False})
        assert not form.validate()
        assert form.duration.errors == errors


def test_the_times_form_on_the_page_shows_one_error_at_each_field(app, client, auth, world):  # noqa: F811
    response = offer_as(client, auth, world["company"].email, world, times=(("12/10/2026", "10:00"), (DAY, "10:00")),
                        duration="abc")
    assert response.status_code == 302 and rows(app, world["proposal"]) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("Skriv et helt tal.") == 1 and "Varigheden skal være mellem" not in page
    assert DATE_FORMAT_MESSAGE in page and "Datoen findes ikke" not in page
