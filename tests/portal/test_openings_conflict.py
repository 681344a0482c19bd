"""A form refused because someone else saved the opening meanwhile says that, and only that:
no "fix the fields marked" when no field is marked; a real field error still says it."""
from __future__ import annotations

from portal.extensions import db
from store.models import Opening
from tests.portal import test_openings
from tests.portal.test_openings import make_opening, valid_form

# The opening tests' fixtures, used here by name.
company, logged_in = test_openings.company, test_openings.logged_in

FIELDS_MARKED = "Ret felterne markeret med fejl"


def test_a_conflict_shows_its_message_alone(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id)
    with app.app_context():
        db.session.get(Opening, opening_id).title = "Ændret af kollega"
        db.session.commit()
    path = f"/opslag/{opening_id}/rediger"
    response = client.post(path, data=valid_form(kind="virksomhedspraktik", version="1",
                                                 csrf_token=auth.csrf_token(path)))
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "ændret af en anden" in html
    assert FIELDS_MARKED not in html and 'data-testid="form-has-errors"' not in html


def test_a_field_error_still_asks_to_fix_the_marked_fields(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id)
    path = f"/opslag/{opening_id}/rediger"
    html = client.post(path, data=valid_form(kind="virksomhedspraktik", hours_min="30", hours_max="20",
                                             csrf_token=auth.csrf_token(path))).get_data(as_text=True)
    assert FIELDS_MARKED in html and "mindst det mindste timetal" in html
