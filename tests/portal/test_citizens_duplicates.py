"""»Opret borger« warns when the person is probably in the portal already (the same name and
the same e-mail, phone or case-system id) and saves only with »Opret alligevel« (review AJ 3)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.citizens.service import likely_duplicates
from portal.extensions import db
from store.models import AuditEvent, Citizen
from tests.portal.citizen_fixtures import csrf, make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")

FORM = {"name": "Dorte Dublet", "phone": "22334455", "email": "dorte.dublet@example.dk",
        "benefit_group": "kontanthjaelp", "hours_available": "30", "postcode": "8722",
        "max_commute_km": "25", "languages": "dansk", "readiness_group": "paa_vej", "case_start": "2026-01-05"}


@pytest.fixture
def consultant(make_user, auth):
    user = make_user("consultant")
    auth.login(user.email)
    return user


def post(client, auth, **changes):
    # A fresh form each time, as »Opret borger« opened again (not the same form sent twice).
    return client.post("/borgere/ny", data={"csrf_token": csrf(auth), **FORM, **changes})


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Citizen.id)))


def test_the_same_person_typed_in_twice_is_warned_and_needs_opret_alligevel(app, client, auth, consultant):
    first = post(client, auth)
    assert first.status_code == 302 and count(app) == 1
    with app.app_context():
        first_id = db.session.scalar(sa.select(Citizen.id))
    again = post(client, auth)
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and count(app) == 1
    assert 'data-testid="likely-duplicates"' in html and "Borgeren findes måske allerede" in html
    assert f'href="/borgere/{first_id}" data-testid="duplicate-link">Dorte Dublet (borger nr. {first_id})</a>' in html
    assert "samme e-mail og telefon" in html and 'name="create_anyway"' in html
    assert 'value="dorte.dublet@example.dk"' in html  # what was typed is kept
    anyway = post(client, auth, create_anyway="ja")
    assert anyway.status_code == 302 and count(app) == 2
    # the override is audited as the API's ?lookalikes=create is (review BN 3)
    second_id = int(anyway.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.citizen_id == second_id, AuditEvent.action == "citizen_created")).all()
    assert sorted(purposes) == ["by hand", f"likely duplicate created anyway: Citizen:{first_id}"]


@pytest.mark.parametrize("changes, same", [
    ({"name": "  dorte   DUBLET ", "email": "", "phone": "+45 22 33 44 55"}, "telefon"),
    ({"phone": "", "email": "Dorte.Dublet@Example.DK"}, "e-mail"),
])
def test_name_case_spacing_and_phone_format_do_not_hide_a_duplicate(app, client, auth, consultant, changes, same):
    make_citizen(app, name="Dorte Dublet", phone="22 33 44 55", email="dorte.dublet@example.dk")
    response = post(client, auth, **changes)
    assert response.status_code == 409 and f"samme {same}" in response.get_data(as_text=True)
    assert count(app) == 1


@pytest.mark.parametrize("changes", [
    {"name": "Dorte Andersen"},  # another name, same contact details (a family's e-mail)
    {"phone": "99887766", "email": "anden@example.dk"},  # same name, another person
])
def test_another_person_is_created_without_a_warning(app, client, auth, consultant, changes):
    make_citizen(app, name="Dorte Dublet", phone="22334455", email="dorte.dublet@example.dk")
    assert post(client, auth, **changes).status_code == 302 and count(app) == 2


def test_an_anonymised_citizen_is_no_duplicate(app):
    make_citizen(app, name="Dorte Dublet", phone="22334455", anonymised_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with app.app_context():
        assert likely_duplicates("Dorte Dublet", phone="22334455") == []


def test_the_same_external_id_is_a_duplicate(app):
    cid = make_citizen(app, name="Dorte Dublet", external_id="DUP-9")
    with app.app_context():
        [found] = likely_duplicates("Dorte Dublet", external_id="DUP-9")
        assert (found.citizen.id, found.same) == (cid, ("id i fagsystemet",))


def test_the_warning_is_announced_as_a_refusal_and_describes_opret_alligevel(app, client, auth, consultant):
    """Review BM 2b: nothing is saved, so jobbro.js focuses the warning and starts the title with
    »Fejl:« (``data-jobbro-form-error``), and the »Opret alligevel« tick points at the warning."""
    import lxml.html

    post(client, auth)
    tree = lxml.html.fromstring(post(client, auth).get_data(as_text=True))
    (box,) = tree.xpath("//main//*[@data-jobbro-form-error]")
    assert "Borgeren findes måske allerede" in box.text_content() and box.get("role") == "alert"
    (tick,) = tree.xpath("//input[@name='create_anyway']")
    assert tick.get("aria-describedby") == box.get("id") == "likely-duplicates"
