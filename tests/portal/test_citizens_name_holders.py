"""The erase and restrict forms name, beforehand, the companies that have the citizen's name
(GDPR art. 19, review C5), and the erase page tells the case system to stop sending the citizen."""
from __future__ import annotations

import pytest

from portal.citizens import recipients
from portal.extensions import db
from store.models import Citizen, Company
from tests.portal.proposal_fixtures import disclosed_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


def company_name(app, world) -> str:
    with app.app_context():
        return db.session.get(Company, world["company"].company_id).name


def set_citizen(app, world, **values) -> None:
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        for key, value in values.items():
            setattr(citizen, key, value)
        db.session.commit()


def erase_page(client, auth, make_user, world) -> str:
    auth.login(make_user("admin").email)
    return client.get(f"/borgere/{world['citizen']}/slet").get_data(as_text=True)


def test_the_erase_page_names_the_company_that_has_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    page = erase_page(client, auth, make_user, world)
    holders = page.split('data-testid="erase-holders"', 1)[1].split("</div>", 1)[0]
    assert company_name(app, world) in holders and "Praktik i kantinen" in holders
    assert "portalen giver ikke besked" in holders and "slettet" in holders


def test_a_company_without_the_name_is_not_named(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "approved")  # approved, not disclosed: the name never went
    page = erase_page(client, auth, make_user, world)
    assert company_name(app, world) not in page
    assert "Ingen virksomhed har fået borgerens navn" in page


def test_a_restricted_citizen_s_erase_page_still_names_who_got_the_name_before(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_citizen(app, world, restricted=True)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        assert recipients.name_holders(citizen) == []  # hidden while restricted
    page = erase_page(client, auth, make_user, world)
    assert company_name(app, world) in page and "før behandlingen blev begrænset" in page


def test_the_erase_page_tells_the_case_system_to_stop_and_how_to_undo(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_citizen(app, world, external_id="SAG 42/7")
    page = erase_page(client, auth, make_user, world)
    said = page.split('data-testid="erase-external-id"', 1)[1].split("</div>", 1)[0]
    assert "Fagsystemet skal holde op med at sende borgeren" in said
    assert "DELETE /api/v1/citizens/SAG%2042/7/erasure" in said


def test_no_case_system_text_for_a_citizen_made_in_the_portal(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    assert 'data-testid="erase-external-id"' not in erase_page(client, auth, make_user, world)


def test_the_restrict_form_says_who_loses_sight_of_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    auth.login(world["consultant"].email)
    page = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    said = page.split('data-testid="restrict-holders"', 1)[1].split("</div>", 1)[0]
    assert company_name(app, world) in said and "Praktik i kantinen" in said
    assert "forslaget står stille" in said and "Portalen giver ikke besked: fortæl virksomheden" in said


def test_no_restrict_warning_when_no_company_has_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "approved")
    auth.login(world["consultant"].email)
    page = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert 'data-testid="restrict-form"' in page and 'data-testid="restrict-holders"' not in page
