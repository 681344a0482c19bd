"""Two consultants edit the same citizen's profile (review Q 3). Before, the later save was
refused with "Genindlæs siden og ret igen", said nothing of what the other changed, and kept the
old version, so saving again was refused for ever and reloading threw the typing away. Now the
refused form comes back merged, as the opening form does (:mod:`portal.merge`)."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from store.models import Citizen
from tests.portal.citizen_fixtures import make_citizen
from tests.portal.test_citizens_edit import profile


@pytest.fixture
def citizen_id(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id)


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def _tab(client, path: str) -> dict:
    """What a freshly loaded profile form posts back unchanged, with its hidden fields."""
    html = client.get(path).get_data(as_text=True)
    values = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)
              for name in ("name", "phone", "email", "hours_available", "postcode", "max_commute_km",
                           "languages", "case_start")}
    return profile(**values, version=_hidden(html, "version"), base=_hidden(html, "base"),
                   csrf_token=_hidden(html, "csrf_token"))


def test_a_stale_save_names_the_other_change_keeps_mine_and_saving_again_keeps_both(app, client, citizen_id):
    path = f"/borgere/{citizen_id}/profil"
    tab_a, tab_b = _tab(client, path), _tab(client, path)
    assert client.post(path, data={**tab_a, "phone": "21345678"}).status_code == 302
    refused = client.post(path, data={**tab_b, "languages": "dansk, engelsk"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409, html
    assert "Den anden ændrede Telefon (»21 34 56 78«)" in html
    assert "Sprog" not in html.split("Den anden ændrede")[1].split(";")[0] and "begge" not in html
    assert 'value="21 34 56 78"' in html and 'value="dansk, engelsk"' in html  # theirs and mine
    again = {**tab_b, "phone": "21 34 56 78", "languages": "dansk, engelsk",
             "version": _hidden(html, "version"), "base": _hidden(html, "base")}
    assert client.post(path, data=again).status_code == 302
    with app.app_context():
        saved = db.session.get(Citizen, citizen_id)
        assert (saved.phone, saved.languages) == ("21 34 56 78", "dansk, engelsk")


def test_a_field_both_changed_shows_the_other_value_and_keeps_mine(app, client, citizen_id):
    path = f"/borgere/{citizen_id}/profil"
    tab_a, tab_b = _tab(client, path), _tab(client, path)
    client.post(path, data={**tab_a, "hours_available": "20"})
    html = client.post(path, data={**tab_b, "hours_available": "12,5"}).get_data(as_text=True)
    assert "I har begge ændret Timer til rådighed pr. uge (den anden: »20«)" in html
    assert 'value="12,5"' in html
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).hours_available == 20  # nothing saved yet


def test_a_code_is_named_by_its_label(app, client, citizen_id):
    path = f"/borgere/{citizen_id}/profil"
    tab_a, tab_b = _tab(client, path), _tab(client, path)
    client.post(path, data={**tab_a, "benefit_group": "dagpenge"})
    html = client.post(path, data={**tab_b, "postcode": "7130"}).get_data(as_text=True)
    assert "Den anden ændrede Ydelsesgruppe (»Dagpenge«)" in html


def test_a_version_moved_by_something_else_than_the_profile_does_not_refuse_the_save(app, client, citizen_id):
    """Review R 2: a jobmål, CV or caseworker change raises the citizen's version too; with no
    profile field changed by anyone else the save goes through instead of a 409 naming nothing."""
    path = f"/borgere/{citizen_id}/profil"
    tab = _tab(client, path)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        before = citizen.version
        citizen.limitations_text = "Kan ikke løfte tungt"  # not a profile field
        db.session.commit()
        assert citizen.version == before + 1
    assert client.post(path, data={**tab, "languages": "dansk, engelsk"}).status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).languages == "dansk, engelsk"
