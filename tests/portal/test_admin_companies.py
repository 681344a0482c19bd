"""The company form (issue 7, finding 7): numbers are bounded before conversion."""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Company

RANGE = "Antal pladser skal være mellem 0 og 100."


def save(client, auth, seats: str, cvr: str = "12345678"):
    return client.post("/admin/companies/new", data={
        "name": "Pladser ApS", "cvr": cvr, "postcode": "8722", "standing_seats": seats,
        "csrf_token": auth.csrf_token("/admin/companies/new")})


@pytest.mark.parametrize("seats, message", [
    ("9" * 309, RANGE),  # int() works, NumberRange's isnan(float) overflowed: a 500
    ("9" * 5000, RANGE),
    ("-" + "9" * 309, RANGE),
    ("101", RANGE),
    ("-1", RANGE),
    ("1e3", "Skriv et helt tal."),
    ("٣", "Skriv et helt tal."),  # an Arabic-Indic three: int() would take it
    ("abc", "Skriv et helt tal."),
])
def test_standing_seats_out_of_range_is_a_danish_form_error(app, client, auth, make_user, seats, message):
    auth.login(make_user("admin").email)
    response = save(client, auth, seats)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Company).count() == 0


def test_standing_seats_in_range_are_saved(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    assert save(client, auth, "007").status_code == 302
    with app.app_context():
        assert db.session.query(Company).one().standing_seats == 7
