"""The company form (issue 7, finding 7): numbers are bounded before conversion; the CVR
number passes the modulus-11 check, the postcode is a known one, and no seats is 0."""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Company

RANGE = "Antal pladser skal være mellem 0 og 100."


VALID_CVR = "12345674"  # 2·1 + 7·2 + 6·3 + 5·4 + 4·5 + 3·6 + 2·7 + 1·4 = 110 = 10·11


def save(client, auth, seats: str, cvr: str = VALID_CVR, postcode: str = "8722"):
    return client.post("/admin/companies/new", data={
        "name": "Pladser ApS", "cvr": cvr, "postcode": postcode, "standing_seats": seats,
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


def test_an_empty_seats_field_saves_as_zero(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    assert save(client, auth, "").status_code == 302
    with app.app_context():
        assert db.session.query(Company).one().standing_seats == 0


@pytest.mark.parametrize("cvr, postcode, message", [
    ("12345678", "8722", "CVR-nummeret findes ikke (kontrolcifferet passer ikke)"),
    ("1234567", "8722", "CVR-nummeret skal være 8 cifre."),
    ("١٢٣٤٥٦٧٤", "8722", "CVR-nummeret skal være 8 cifre."),  # Arabic-Indic digits
    (VALID_CVR, "0000", "Skriv et dansk postnummer med 4 cifre"),
    (VALID_CVR, "87a2", "Skriv et dansk postnummer med 4 cifre"),
    (VALID_CVR, "9999", "Skriv et dansk postnummer med 4 cifre"),
])
def test_a_bad_cvr_or_postcode_is_refused_and_the_typed_value_kept(app, client, auth, make_user, cvr, postcode,
                                                                   message):
    auth.login(make_user("admin").email)
    response = save(client, auth, "2", cvr=cvr, postcode=postcode)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert f'value="{cvr}"' in html and f'value="{postcode}"' in html
    with app.app_context():
        assert db.session.query(Company).count() == 0


def test_a_company_outside_the_municipality_is_welcome(app, client, auth, make_user):
    """Only openings need a postcode in the matching's table; a company may sit in Aarhus."""
    auth.login(make_user("admin").email)
    assert save(client, auth, "0", postcode="8000").status_code == 302
    with app.app_context():
        assert db.session.query(Company).one().postcode == "8000"


def test_the_demo_cvr_numbers_pass_the_check():
    import random

    from portal.admin.forms import CVR_WEIGHTS
    from portal.demo.people import make_cvr
    rng, taken = random.Random(7), set()
    for _ in range(50):
        cvr = make_cvr(rng, taken)
        assert sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS)) % 11 == 0


@pytest.mark.parametrize("form", ["{0}{1} {2}{3} {4}{5} {6}{7}", "DK{0}{1}{2}{3}{4}{5}{6}{7}",
                                  "dk {0}{1}{2}{3} {4}{5}{6}{7}"])
def test_a_cvr_as_it_is_often_written_is_read(app, client, auth, make_user, form):
    auth.login(make_user("admin").email)
    assert save(client, auth, "0", cvr=form.format(*VALID_CVR)).status_code == 302
    with app.app_context():
        assert db.session.query(Company).one().cvr == VALID_CVR
