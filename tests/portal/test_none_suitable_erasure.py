"""»Ingen egnede kandidater lige nu«: a mark's reason that names a citizen (»Anna Jensen passer
ikke«) is blanked when the citizen is erased (art. 17) or anonymised by retention, by the rule the
hotline requests that name them are found by (portal.privacy.scrubbing.names_citizen); a reason
naming another person is kept, and so is who marked, when and who undid it. The art. 15 export
lists the reasons that name the citizen."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from portal.privacy.retention import anonymise_expired
from portal.privacy.scrubbing import ERASED_TEXT, naming_marks
from store import clock
from store.models import AuditEvent, Citizen, Company, Opening, OpeningNoneSuitable
from tests.clock import TODAY
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")

DAY = timedelta(days=1)
REASONS = {
    "whole_name": "Anna Jensen passer ikke, mangler truckcertifikat",
    "given_name": "Anna er på ferie, ingen andre i nærheden",
    "phone": "Borgeren på 12 34 56 78 vil ikke køre så langt",
    "other_person": "Bo Hansen passer ikke, ingen andre i nærheden",
    "surname_only": "Jensen-sagen er ikke relevant her",  # a surname alone is no name (private_details)
}
NAMING = ("whole_name", "given_name", "phone")


@pytest.fixture
def world(app, make_user):
    """Anna Jensen (never proposed anywhere: a mark is made when nobody is) and one mark per reason,
    on two openings of a company she never had, one of them undone."""
    vk, company_user = make_user("consultant"), make_user("company")
    citizen_id = make_citizen(app, name="Anna Jensen", phone="12345678", email="anna@example.dk",
                              case_closed=TODAY - 800 * DAY, case_close_reason="ordinaert_job")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = vk.id
        openings = [Opening(company_id=company.id, title=title, status="open", kind="smaajob",
                            hours_min=5, hours_max=10, postcode="8722") for title in ("Lager", "Kantine")]
        db.session.add_all(openings)
        db.session.flush()
        now = clock.utcnow()
        marks = {}
        for number, (key, reason) in enumerate(REASONS.items()):
            opening = openings[number % 2]
            undone = now - DAY if key == "given_name" else None
            marks[key] = OpeningNoneSuitable(opening_id=opening.id, user_id=vk.id, reason=reason,
                                             marked_at=now - (number + 2) * DAY, opening_version=opening.version,
                                             undone_at=undone, undone_by_id=vk.id if undone else None)
        db.session.add_all(marks.values())
        db.session.commit()
        return {"citizen": citizen_id, "vk": vk.id, "openings": [o.id for o in openings],
                "marks": {key: (row.id, row.opening_id, row.marked_at, row.undone_at) for key, row in marks.items()}}


def _rows(app, world) -> dict[str, OpeningNoneSuitable]:
    with app.app_context():
        rows = {key: db.session.get(OpeningNoneSuitable, ids[0]) for key, ids in world["marks"].items()}
        for row in rows.values():
            db.session.expunge(row)
        return rows


def _assert_blanked_and_history_kept(app, world) -> None:
    rows = _rows(app, world)
    assert {key: row.reason for key, row in rows.items()} == {
        key: ERASED_TEXT if key in NAMING else REASONS[key] for key in REASONS}
    for key, row in rows.items():  # who marked, when, on which opening, and who undid it stay
        _id, opening_id, marked_at, undone_at = world["marks"][key]
        assert (row.opening_id, row.user_id, row.marked_at, row.undone_at) == (
            opening_id, world["vk"], marked_at, undone_at), key
        assert row.undone_by_id == (world["vk"] if undone_at else None), key


def test_naming_marks_finds_the_reasons_naming_the_citizen_by_the_hotline_rule(app, world):
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        assert [m.id for m in naming_marks(db.session, citizen)] == [world["marks"][key][0] for key in NAMING]


def test_erasure_blanks_the_reasons_naming_the_citizen_and_keeps_the_rest(app, world):
    with app.app_context():
        assert erase_citizen(db.session, world["citizen"], purpose="J.nr. 2026-0042")
        db.session.commit()
    _assert_blanked_and_history_kept(app, world)
    with app.app_context():
        purpose = db.session.scalar(sa.select(AuditEvent.purpose).where(
            AuditEvent.action == "erasure_none_suitable_blanked", AuditEvent.citizen_id == world["citizen"]))
    first, second = world["openings"]
    assert purpose == f"Opening:{first}, Opening:{second}"  # which openings, never the text


def test_erasure_of_a_citizen_no_reason_names_blanks_none_and_logs_nothing(app, world):
    other = make_citizen(app, name="Karl Mortensen", phone="87654321", email="karl@example.dk")
    with app.app_context():
        assert erase_citizen(db.session, other, purpose="J.nr. 2026-0043")
        db.session.commit()
        assert not db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "erasure_none_suitable_blanked"))
    assert {key: row.reason for key, row in _rows(app, world).items()} == REASONS


def test_anonymisation_blanks_them_too(app, world):
    with app.app_context():
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1
        db.session.commit()
        assert db.session.get(Citizen, world["citizen"]).anonymised_at is not None
    _assert_blanked_and_history_kept(app, world)


def test_a_mark_in_force_says_its_reason_was_erased_on_the_ranking_page(app, client, auth, world):
    """The mark still holds after the erasure (the opening is still off the list): the page says
    why its reason is gone instead of showing »«."""
    from store.models import User

    with app.app_context():
        assert erase_citizen(db.session, world["citizen"], purpose="J.nr. 2026-0042")
        db.session.commit()
        email = db.session.get(User, world["vk"]).email
    auth.login(email)
    page = client.get(f"/kandidater/opslag/{world['openings'][0]}").get_data(as_text=True)
    mark = page.split('data-testid="none-suitable-mark"', 1)[1].split("</p>", 1)[0]
    assert f"»{ERASED_TEXT}«" in mark and "Anna" not in mark


def test_the_access_export_lists_the_reasons_naming_the_citizen(app, client, auth, make_user, world):
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    page = client.get(f"/admin/indsigt/{world['citizen']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/indsigt/{world['citizen']}.json",
                           data={"csrf_token": csrf, "reference": "J.nr. 1"})
    rows = json.loads(response.get_data(as_text=True))["ingen_egnede"]["indhold"]
    assert [row["Begrundelse"] for row in rows] == [REASONS[key] for key in NAMING]
    assert rows[0]["Opslag"] == f"Lager (nr. {world['openings'][0]})" and rows[0]["Fortrudt"] is None
    assert rows[1]["Fortrudt"] is not None and rows[0]["Af"] == rows[1]["Af"] and "Jobcentret" in rows[0]["Af"]
    html = client.post(f"/admin/indsigt/{world['citizen']}", data={"csrf_token": csrf, "reference": "J.nr. 1"})
    section = html.get_data(as_text=True).split('data-testid="access-section-ingen_egnede"')[1].split("</section>")[0]
    assert "Anna Jensen passer ikke" in section and "Bo Hansen" not in section and "90 dage" in section


def test_the_erase_page_says_the_reasons_naming_the_citizen_are_emptied(app, client, auth, make_user, world):
    admin = make_user("admin")
    auth.login(admin.email)
    page = client.get(f"/borgere/{world['citizen']}/slet").get_data(as_text=True)
    scope = page.split('data-testid="erase-scope"', 1)[1].split("</ul>", 1)[0]
    assert ("og konsulenternes begrundelser for »Ingen egnede kandidater lige nu« på alle opslag, hvor borgerens "
            "navn, telefonnummer eller e-mail står.") in scope
