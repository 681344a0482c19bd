"""A citizen whose processing is restricted (GDPR art. 18) keeps their data: retention holds
them back (and says so), and the erase page warns with the restriction's ground (review AJ 2)."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.privacy.retention import anonymise_expired, restricted_kept, restriction_ground
from portal.privacy.scrubbing import ANONYMOUS_NAME
from store.models import Citizen
from tests.clock import TODAY
from tests.portal.citizen_fixtures import csrf, make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def consultant(make_user):
    return make_user("consultant", email="vk@jc.dk")


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@jc.dk")


def restrict(client, auth, cid, ground):
    return client.post(f"/borgere/{cid}/begraens", data={"csrf_token": csrf(auth), "ground": ground,
                                                          "note": "J.nr. 77"})


def test_retention_keeps_a_restricted_citizen_and_counts_them(app, client, auth, consultant):
    auth.login(consultant.email)
    kept = make_citizen(app, name="Rita Retskrav", external_id="AJ-0003", phone="22334455",
                        limitations_text="Ryg", case_closed=date(2026, 6, 1), case_close_reason="ordinaert_job")
    gone = make_citizen(app, name="Gorm Gammel", case_closed=date(2026, 6, 1), case_close_reason="ordinaert_job")
    assert restrict(client, auth, kept, "retskrav").status_code == 302
    with app.app_context():
        assert anonymise_expired(db.session, today=TODAY, retention_days=30) == 1
        assert restricted_kept(db.session, today=TODAY, retention_days=30) == 1
        db.session.commit()
        restricted = db.session.get(Citizen, kept)
        assert (restricted.name, restricted.phone, restricted.external_id) == ("Rita Retskrav", "22334455", "AJ-0003")
        assert restricted.limitations_text == "Ryg" and restricted.cv_documents and restricted.anonymised_at is None
        assert db.session.get(Citizen, gone).name == ANONYMOUS_NAME
        assert restriction_ground(db.session, kept) == "retskrav"
    # Lifted: the next run anonymises them as any other expired case.
    assert client.post(f"/borgere/{kept}/ophaev-begraensning",
                       data={"csrf_token": csrf(auth), "informed": "y", "note": "Afgjort"}).status_code == 302
    with app.app_context():
        assert restricted_kept(db.session, today=TODAY, retention_days=30) == 0
        assert anonymise_expired(db.session, today=TODAY, retention_days=30) == 1
        db.session.commit()
        assert db.session.get(Citizen, kept).name == ANONYMOUS_NAME


def test_the_retention_command_reports_the_restricted_cases_held_back(app, runner):
    make_citizen(app, case_closed=date(2021, 6, 1), case_close_reason="ordinaert_job", restricted=True)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "0 closed cases anonymised; 1 restricted cases held back (art. 18)" in result.output


def _erase_data(auth, cid, **extra):
    data = {"csrf_token": auth.csrf_token(f"/borgere/{cid}/slet"), "purpose": "J.nr. 2026-0042",
            "confirm_name": "Sofie Andersen"}
    data.update(extra)
    return data


@pytest.mark.parametrize("ground, meaning", [
    ("retskrav", "retskrav"),
    ("ulovlig", "borgerens eget valg"),
])
def test_erasing_against_a_legal_claim_or_the_citizens_choice_needs_a_tick(app, client, auth, consultant, admin,
                                                                            ground, meaning):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id)
    assert restrict(client, auth, cid, ground).status_code == 302
    auth.switch_to(admin.email)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert 'data-testid="erase-restricted"' in page and "Behandlingen af borgerens oplysninger er begrænset" in page
    assert meaning in page and 'name="erase_despite_restriction"' in page
    refused = client.post(f"/borgere/{cid}/slet", data=_erase_data(auth, cid))
    assert refused.status_code == 400 and "Sæt kryds for at bekræfte" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Citizen, cid) is not None
    done = client.post(f"/borgere/{cid}/slet", data=_erase_data(auth, cid, erase_despite_restriction="ja"))
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, cid) is None


def test_a_contested_accuracy_restriction_is_named_but_needs_no_tick(app, client, auth, consultant, admin):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id)
    assert restrict(client, auth, cid, "rigtighed").status_code == 302
    auth.switch_to(admin.email)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert "bestrider oplysningernes rigtighed" in page and 'name="erase_despite_restriction"' not in page


def test_an_unrestricted_citizen_gets_no_restriction_warning(app, client, auth, admin):
    cid = make_citizen(app)
    auth.login(admin.email)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert 'data-testid="erase-restricted"' not in page and 'name="erase_despite_restriction"' not in page


def test_the_privacy_notice_says_a_restricted_case_is_kept(client):
    page = client.get("/om/privatliv").get_data(as_text=True)
    assert "Er behandlingen begrænset" in page and "gemmes oplysningerne, til begrænsningen ophæves" in page


def test_the_erase_page_names_the_same_person_recorded_twice(app, client, auth, admin):
    cid = make_citizen(app, phone="22334455", email="sofie@example.dk")
    twin = make_citizen(app, phone="22 33 44 55", email="")
    other = make_citizen(app, name="Bo Berg", phone="22334455")
    auth.login(admin.email)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert 'data-testid="erase-lookalikes"' in page
    assert f'href="/borgere/{twin}/slet" data-testid="erase-lookalike-link">Sofie Andersen (borger nr. {twin})</a>' in page
    assert f"borger nr. {other})" not in page and f"borger nr. {cid})" not in page
