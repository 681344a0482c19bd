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


def _hidden(html: str, name: str) -> str:
    import re
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def _tab(client, path: str) -> dict:
    """What a freshly loaded edit form posts back unchanged, with its hidden fields."""
    html = client.get(path).get_data(as_text=True)
    return valid_form(kind="virksomhedspraktik", title="Praktik i kantinen", description="Opvask og servering.",
                      requirements="", hours_min="10", hours_max="20", postcode="7130", start_date="",
                      required_languages="", accommodations="", version=_hidden(html, "version"),
                      base=_hidden(html, "base"), csrf_token=_hidden(html, "csrf_token"))


def test_a_conflict_names_only_the_other_persons_change_and_saving_again_keeps_it(app, client, auth, logged_in):
    """Review B8: tab A changed Beskrivelse, tab B Krav og ønsker. B was told both fields differed,
    and "Gem igen" put the old Beskrivelse back over A's."""
    opening_id = make_opening(app, logged_in.company_id, description="Opvask og servering.")
    path = f"/opslag/{opening_id}/rediger"
    tab_a, tab_b = _tab(client, path), _tab(client, path)
    assert client.post(path, data={**tab_a, "description": "Opvask, servering og kasse."}).status_code == 302
    refused = client.post(path, data={**tab_b, "requirements": "Hygiejnebevis"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Den anden ændrede Beskrivelse (»Opvask, servering og kasse.«)" in html
    assert "Krav og ønsker (" not in html and "begge" not in html
    assert "Opvask, servering og kasse.</textarea>" in html and "Hygiejnebevis</textarea>" in html
    again = {**tab_b, "description": "Opvask, servering og kasse.", "requirements": "Hygiejnebevis",
             "version": _hidden(html, "version"), "base": _hidden(html, "base")}
    assert client.post(path, data=again).status_code == 302
    with app.app_context():
        saved = db.session.get(Opening, opening_id)
        assert (saved.description, saved.requirements) == ("Opvask, servering og kasse.", "Hygiejnebevis")


def test_a_field_both_changed_shows_the_other_value_and_keeps_mine(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, description="Opvask og servering.")
    path = f"/opslag/{opening_id}/rediger"
    tab_a, tab_b = _tab(client, path), _tab(client, path)
    client.post(path, data={**tab_a, "title": "Praktik i køkkenet"})
    html = client.post(path, data={**tab_b, "title": "Praktik i kantinen og køkkenet"}).get_data(as_text=True)
    assert "I har begge ændret Titel (den anden: »Praktik i køkkenet«)" in html
    assert 'value="Praktik i kantinen og køkkenet"' in html


def test_a_conflict_shows_the_hours_with_a_decimal_comma(app, client, auth, logged_in):
    """Review H 6: the 409 form showed "4.0" and "8.5" under "Brug komma for halve timer"."""
    opening_id = make_opening(app, logged_in.company_id, description="Opvask og servering.")
    path = f"/opslag/{opening_id}/rediger"
    tab_a, tab_b = _tab(client, path), _tab(client, path)
    assert client.post(path, data={**tab_a, "hours_max": "20,5"}).status_code == 302
    refused = client.post(path, data={**tab_b, "title": "Praktik i køkkenet"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    import re
    values = {name: re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0) for name in ("hours_min", "hours_max")}
    assert 'value="10"' in values["hours_min"] and 'value="20,5"' in values["hours_max"], values
    assert "10.0" not in html and "20.5" not in html
