""""Opret borger" (review C8): a consultant or an administrator records a citizen by hand, with
the profile form's rules, the VK defaulting to the consultant, and an optional case-system id
checked as the import and the API check it."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.privacy import blocklist
from portal.extensions import db
from store.models import AuditEvent, Citizen, OutboxEvent
from store.models.citizens import ErasedExternalId
from tests.portal.citizen_fixtures import csrf, make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")

FORM = {"name": "Mette  Holm", "phone": "21345678", "email": "mette@eksempel.dk",
        "benefit_group": "kontanthjaelp", "hours_available": "15,5", "postcode": "8722",
        "max_commute_km": "25", "driving_licences": ["B"], "languages": "Dansk, engelsk",
        "readiness_group": "paa_vej", "case_start": "2026-01-05"}


def post(client, auth, **changes):
    return client.post("/borgere/ny", data={"csrf_token": csrf(auth), **FORM, **changes})


def selected(html: str) -> str:
    """The value of the VK select's selected option."""
    select = html.split('name="vk_id"', 1)[1].split("</select>", 1)[0]
    return re.search(r'<option selected value="(\d+)"', select).group(1)


def citizens(app) -> list[Citizen]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Citizen)))


def test_the_list_links_to_the_form(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    page = client.get("/borgere/").get_data(as_text=True)
    assert 'href="/borgere/ny"' in page and "Opret borger" in page


def test_a_consultant_creates_a_citizen_and_lands_on_its_page(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    form = client.get("/borgere/ny").get_data(as_text=True)
    assert selected(form) == str(consultant.id)
    response = post(client, auth, vk_id=str(consultant.id))
    assert response.status_code == 302
    [citizen] = citizens(app)
    assert response.headers["Location"].endswith(f"/borgere/{citizen.id}")
    assert (citizen.name, citizen.phone, citizen.languages, citizen.hours_available) == (
        "Mette Holm", "21 34 56 78", "dansk, engelsk", 15.5)
    assert citizen.vk_id == consultant.id and citizen.team_id == consultant.team_id
    assert citizen.external_id is None
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.citizen_id == citizen.id, AuditEvent.action == "citizen_created")) is not None
        assert db.session.scalar(sa.select(OutboxEvent.id).where(OutboxEvent.entity_id == citizen.id))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Borgeren er oprettet" in page
    matchable = page.split('data-testid="matchable"', 1)[1].split("</div>", 1)[0]
    assert "Mangler" in matchable and "CV" in matchable and "jobmål" in matchable


def test_an_administrator_creates_one_without_a_vk(app, client, auth, make_user):
    make_user("consultant")
    auth.login(make_user("admin").email)
    assert selected(client.get("/borgere/ny").get_data(as_text=True)) == "0"
    form = client.get("/borgere/ny").get_data(as_text=True)
    assert "Du er ikke på et team, så uden VK kommer borgeren ikke på nogens liste" in form  # review AY 5
    response = post(client, auth, vk_id="0")
    assert response.status_code == 302
    [citizen] = citizens(app)
    assert citizen.vk_id is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Borgeren er oprettet. Tilføj en VK, jobmål og CV, så borgeren kan matches. "
            "Borgeren er ikke på noget teams liste, før en VK er valgt.") in page


def test_a_company_user_cannot(app, client, auth, make_user):
    auth.login(make_user("company").email)
    assert client.get("/borgere/ny").status_code == 403
    assert post(client, auth).status_code == 403
    assert citizens(app) == []


def test_a_bad_field_keeps_the_input_and_writes_nothing(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    response = post(client, auth, postcode="99")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Postnummeret skal være 4 cifre" in html
    assert 'value="mette@eksempel.dk"' in html
    assert citizens(app) == []


def test_an_external_id_is_saved(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    assert post(client, auth, external_id=" SAG-1 ").status_code == 302
    assert citizens(app)[0].external_id == "SAG-1"


@pytest.mark.parametrize("typed", ["SAG-1", " sag-1 ", "Sag-1"])
def test_an_external_id_that_is_taken_is_refused_at_the_field_naming_and_linking_the_citizen(
        app, client, auth, make_user, typed):
    # Review AV 7: the one rule (trimmed, any case), the citizen named and linked, not "search for it".
    auth.login(make_user("consultant").email)
    cid = make_citizen(app, external_id="SAG-1")
    html = post(client, auth, external_id=typed).get_data(as_text=True)
    assert f"Der findes allerede en borger med id&#39;et SAG-1 i fagsystemet: borger nr. {cid}." in html
    assert ("uden forskel på store og små bogstaver" in html) == (typed.strip() != "SAG-1")
    link = html.split('data-testid="external-id-taken"', 1)[1].split("</p>", 1)[0]
    assert f'href="/borgere/{cid}"' in link
    assert len(citizens(app)) == 1


def test_an_anonymised_citizens_id_is_refused_without_a_link(app, client, auth, make_user):
    from datetime import datetime, timezone
    auth.login(make_user("consultant").email)
    make_citizen(app, external_id="SAG-1", anonymised_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    html = post(client, auth, external_id="sag-1").get_data(as_text=True)
    assert "tilhører en anonymiseret sag" in html and 'data-testid="external-id-taken"' not in html
    assert len(citizens(app)) == 1


def test_the_list_finds_a_citizen_by_its_external_id(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    make_citizen(app, name="Ida Id", external_id="SAG-1")
    make_citizen(app, name="Ole Anden", external_id="SAG-10")
    html = client.get("/borgere/?scope=all&q=+sag-1+").get_data(as_text=True)
    assert "Ida Id" in html and "Ole Anden" not in html  # exactly the id, not a part of it
    assert "Søg på navn eller id i fagsystemet" in html


def test_an_erased_external_id_is_refused(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    with app.app_context():
        db.session.add(ErasedExternalId(key_hash=blocklist.external_id_hash("SAG-9")))
        db.session.commit()
    html = post(client, auth, external_id="SAG-9").get_data(as_text=True)
    assert "er slettet efter databeskyttelsesforordningens art. 17" in html
    assert citizens(app) == []


@pytest.mark.parametrize("external_id, message", [
    ("SAG\u200b1", "usynlige tegn"),
    ("SAG  1", "flere mellemrum"),
    ("X" * 65, "Højst 64 tegn"),
])
def test_a_malformed_external_id_is_refused(app, client, auth, make_user, external_id, message):
    auth.login(make_user("consultant").email)
    assert message in post(client, auth, external_id=external_id).get_data(as_text=True)
    assert citizens(app) == []


def test_no_benefit_or_readiness_group_is_chosen_for_the_consultant(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    form = client.get("/borgere/ny").get_data(as_text=True)
    for name, blank in (("benefit_group", "Vælg ydelsesgruppe"), ("readiness_group", "Vælg parathedsgruppe")):
        select = form.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert f'<option value="">{blank}</option>' in select and "selected" not in select
    html = post(client, auth, benefit_group="", readiness_group="").get_data(as_text=True)
    assert "Vælg ydelsesgruppe." in html and "Vælg parathedsgruppe." in html
    assert citizens(app) == []


FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def form_id(client) -> str:
    return FORM_ID.search(client.get("/borgere/ny").get_data(as_text=True)).group(1)


def test_the_same_form_sent_twice_creates_one_citizen_and_goes_to_it(app, client, auth, make_user):
    """Review AF 9: a double click, or Back and send again, must not split a person into two cases."""
    consultant = make_user("consultant")
    auth.login(consultant.email)
    sent = form_id(client)
    first = post(client, auth, vk_id=str(consultant.id), form_id=sent)
    again = post(client, auth, vk_id=str(consultant.id), form_id=sent)
    [citizen] = citizens(app)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"] == f"/borgere/{citizen.id}"
    assert "Borgeren er allerede oprettet." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert form_id(client) != sent  # a new form is a new citizen
    # ... the same person again is warned of (review AJ 3): only »Opret alligevel« creates it
    assert post(client, auth, vk_id=str(consultant.id), form_id=form_id(client)).status_code == 409
    assert post(client, auth, vk_id=str(consultant.id), form_id=form_id(client), create_anyway="ja").status_code == 302
    assert len(citizens(app)) == 2


def test_back_change_and_send_again_keeps_what_was_typed_and_creates_nothing(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    sent = form_id(client)
    post(client, auth, vk_id=str(consultant.id), form_id=sent)
    [citizen] = citizens(app)
    again = post(client, auth, vk_id=str(consultant.id), form_id=sent, hours_available="22")
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and len(citizens(app)) == 1
    warning = html.split('data-testid="already-created"', 1)[1].split("</div>", 1)[0]
    assert f'href="/borgere/{citizen.id}"' in warning and "ikke gemt" in warning
    assert 'value="22"' in html and 'value="Mette  Holm"' in html  # nothing typed is lost
    resend = FORM_ID.search(html).group(1)
    assert resend != sent  # sending it again is a deliberate new citizen
    assert post(client, auth, vk_id=str(consultant.id), form_id=resend, hours_available="22",
                create_anyway="ja").status_code == 302  # the same name and contact: »Opret alligevel«
    assert len(citizens(app)) == 2


def test_a_refused_form_keeps_its_id_and_creates_one_citizen_when_corrected(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    sent = form_id(client)
    refused = post(client, auth, vk_id=str(consultant.id), form_id=sent, external_id="010190-1234")
    assert refused.status_code == 200 and FORM_ID.search(refused.get_data(as_text=True)).group(1) == sent
    assert post(client, auth, vk_id=str(consultant.id), form_id=sent, external_id="S-1").status_code == 302
    assert post(client, auth, vk_id=str(consultant.id), form_id=sent, external_id="S-1").status_code == 302
    assert [c.external_id for c in citizens(app)] == ["S-1"]


def test_a_citizen_created_without_a_vk_lands_in_the_creators_team(app, client, auth, make_user):
    # Review AV 1: on the team's list (»Mit team«), not on nobody's; the import does the same.
    consultant = make_user("consultant")
    auth.login(consultant.email)
    assert consultant.team_id is not None
    assert post(client, auth, vk_id="0", name="Ingen Konsulent").status_code == 302
    [citizen] = citizens(app)
    assert citizen.vk_id is None and citizen.team_id == consultant.team_id
    assert "Ingen Konsulent" in client.get("/borgere/?scope=team").get_data(as_text=True)
    assert "Uden VK kommer borgeren på dit teams liste" in client.get("/borgere/ny").get_data(as_text=True)
