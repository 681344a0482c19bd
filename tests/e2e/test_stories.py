"""A consultant writes a success story, is stopped by the citizen's name, publishes; a partner reads it."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from store.models import Citizen, Placement
from tests.conftest import user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

CITIZEN_NAME = "Bodil Skjoldbjerg"
TEXT = "Medarbejderen startede med fire timer om ugen og har nu fast job i butikken."


@pytest.fixture
def people(live_app, password_hash):
    """A consultant, a partner company with a placement, and an ordinary company user."""
    make = user_factory(live_app, password_hash)
    consultant = make("consultant", email="vk@jc.dk")
    partner = make("company", email="partner@firma.dk", code_of_care=True)
    ordinary = make("company", email="ordinary@firma.dk")
    with live_app.app_context():
        citizen = Citizen(name=CITIZEN_NAME, postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1))
        placement = Placement(citizen=citizen, company_id=partner.company_id, kind="smaajob",
                              start_date=date(2026, 1, 5), weekly_hours=4, end_date=date(2026, 3, 31),
                              end_reason="ordinaert_job")
        db.session.add_all([citizen, placement])
        db.session.commit()
        placement_id = placement.id
    return {"consultant": consultant, "partner": partner, "ordinary": ordinary, "placement": placement_id}


def test_consultant_publishes_a_story_and_a_partner_reads_it(page, people):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    login(page, people["consultant"].email)
    page.get_by_role("link", name="Gode historier").click()
    page.get_by_role("link", name="Skriv en ny historie").click()
    page.get_by_test_id("no-names-note").wait_for()
    page.get_by_label("Overskrift", exact=True).fill("Fra fire timer til fast job")
    page.get_by_label("Code of Care-virksomhed", exact=True).select_option(label="Firma 0")
    page.get_by_role("button", name="Vis virksomhedens forløb").click()  # only its placements
    page.get_by_test_id("placements-shown").wait_for()  # the new page: the old one has the same title
    settled(page)
    assert page.get_by_label("Overskrift", exact=True).input_value() == "Fra fire timer til fast job"
    page.get_by_label("Forløb (kræves før offentliggørelse)").select_option(value=str(people["placement"]))
    page.get_by_label("Type forløb").select_option(label="Småjob")
    page.get_by_label("Udfald", exact=True).select_option(label="Ordinært job")
    page.get_by_label("Historien", exact=True).fill(f"{TEXT} Tak, Bodil!")
    page.get_by_label("Borgeren har givet samtykke").check()
    page.get_by_role("button", name="Gem som kladde").click()
    page.get_by_text("Historien er gemt som kladde.").wait_for()

    page.get_by_role("button", name="Offentliggør historien").click()
    assert "»Bodil«" in page.get_by_test_id("action-error").inner_text()
    expect(page.get_by_label("Forløb (kræves før offentliggørelse)")).to_have_value(str(people["placement"]))
    page.get_by_label("Historien", exact=True).fill(TEXT)
    page.get_by_role("button", name="Gem ændringer").click()
    page.get_by_text("Ændringerne er gemt.").wait_for()
    page.get_by_role("button", name="Offentliggør historien").click()
    page.get_by_text("Historien er offentliggjort for Code of Care-virksomhederne.").wait_for()
    row = page.get_by_test_id("story-row").filter(has_text="Fra fire timer til fast job")
    assert row.get_by_test_id("story-status").inner_text() == "Offentliggjort"
    page.get_by_role("button", name="Log ud").click()

    login(page, people["partner"].email)
    page.get_by_role("link", name="Gode historier").click()
    story = page.get_by_test_id("story").filter(has_text="Fra fire timer til fast job")
    assert story.get_by_test_id("story-company").inner_text() == "Firma 0"
    assert story.get_by_test_id("story-kind").inner_text() == "Småjob"
    assert story.get_by_test_id("story-outcome").inner_text() == "Udfald: Job"  # ordinært job and fleksjob read alike
    assert story.get_by_test_id("story-text").inner_text().strip() == TEXT
    settled(page)  # the whole page, before reading what it must not say
    assert CITIZEN_NAME.split()[0] not in page.content()
    page.get_by_label("Type forløb").select_option(label="Løntilskud")
    page.get_by_role("button", name="Vis").click()
    page.get_by_test_id("no-stories").wait_for()
    page.get_by_role("button", name="Log ud").click()

    login(page, people["ordinary"].email)
    page.get_by_test_id("start-page").wait_for()
    assert page.get_by_role("link", name="Gode historier").count() == 0
    page.goto("/historier/")
    page.get_by_test_id("stories-partners-only").wait_for()
    # The refused publish (400) and the partners-only page (403) are expected; nothing else (CSP, JS).
    assert [e for e in errors if "status of 400" not in e and "status of 403" not in e] == []
    assert len(errors) == 2
