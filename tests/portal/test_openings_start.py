"""A start date in the past: refused when an opening is published or reopened, or its start is
moved while open, as for a new opening; an opening already open whose start has passed stays
editable in its other fields."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from store.clock import today
from store.models import Opening
from tests.portal import test_openings
from tests.portal.test_openings import make_opening, valid_form

# The opening tests' fixtures, used here by name.
company, logged_in = test_openings.company, test_openings.logged_in

PAST = today() - timedelta(days=10)
REFUSED = "Et åbent opslag kan ikke starte før i dag."


def edit(app, client, auth, opening_id, **changes):
    path = f"/opslag/{opening_id}/rediger"
    data = valid_form(kind="virksomhedspraktik", title="Praktik i kantinen", hours_min="10", hours_max="20",
                      postcode="7130", start_date=PAST.isoformat(), csrf_token=auth.csrf_token(path)) | changes
    return client.post(path, data=data)


def stored(app, opening_id):
    with app.app_context():
        opening = db.session.get(Opening, opening_id)
        return opening.status, opening.start_date, opening.title


@pytest.mark.parametrize("before", ["draft", "closed", "filled"])
def test_reopening_with_a_past_start_is_refused_at_the_start_date(app, client, auth, logged_in, before):
    opening_id = make_opening(app, logged_in.company_id, status=before, start_date=PAST)
    response = edit(app, client, auth, opening_id, status="open")
    assert response.status_code == 200
    error = re.search(r'id="start_date-error"><span class="sr-only">Fejl:</span>([^<]*)<', response.get_data(as_text=True))
    assert error and REFUSED in error.group(1)
    assert stored(app, opening_id)[:2] == (before, PAST)


def test_reopening_with_a_new_start_or_none_is_saved(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="closed", start_date=PAST)
    assert edit(app, client, auth, opening_id, status="open", start_date="").status_code == 302
    assert stored(app, opening_id)[:2] == ("open", None)


def test_an_open_opening_whose_start_passed_stays_editable(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="open", start_date=PAST)
    assert edit(app, client, auth, opening_id, status="open", title="Praktik i kantinen, ny tekst").status_code == 302
    assert stored(app, opening_id) == ("open", PAST, "Praktik i kantinen, ny tekst")


def test_moving_an_open_opening_s_start_into_the_past_is_refused(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="open", start_date=PAST)
    response = edit(app, client, auth, opening_id, status="open", start_date=(PAST - timedelta(days=1)).isoformat())
    assert REFUSED in response.get_data(as_text=True) and stored(app, opening_id)[1] == PAST


def test_a_closed_opening_may_record_when_it_really_began(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="closed", start_date=PAST)
    earlier = PAST - timedelta(days=5)
    assert edit(app, client, auth, opening_id, status="closed", start_date=earlier.isoformat()).status_code == 302
    assert stored(app, opening_id)[:2] == ("closed", earlier)
