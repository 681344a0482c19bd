"""Sagsstart never after the case's closing (review AV 9): the profile form refuses a case start
after the current closing, or after the first closing of a reopened case, at the Sagsstart field
with the date in Danish and the typed date kept, and writes nothing; the service's rule
(check_case_start) is the one the import applies too. A start on or before the closing, and an unrelated edit of a
citizen whose dates are already out of order, are saved."""
from __future__ import annotations

from datetime import date

import pytest

from portal.citizens import service
from portal.extensions import db
from store.models import CaseClosure, Citizen
from tests.portal.citizen_fixtures import csrf, make_citizen, snapshot
from tests.portal.test_citizens_edit import profile

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


@pytest.fixture
def closed_id(app, client, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id, case_start=date(2025, 3, 1),
                        case_closed=date(2026, 11, 5), case_close_reason="flyttet")


def test_a_case_start_after_the_closing_is_refused_at_its_field(app, client, auth, closed_id):
    before = snapshot(app, closed_id)
    response = client.post(f"/borgere/{closed_id}/profil",
                           data=profile(csrf_token=csrf(auth), case_start="06.11.2026"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Profilen er gemt" not in html
    assert "Sagsstart kan ikke ligge efter sagens afslutning (05.11.2026)" in html
    # no advice to reopen: a reopened case is checked against its first closing all the same (review AY 1)
    assert "genåbn sagen" not in html and "beholder sin sagsstart" in html
    assert 'value="06.11.2026"' in html
    assert snapshot(app, closed_id) == before
    with app.app_context():
        assert db.session.get(Citizen, closed_id).case_start == date(2025, 3, 1)


def test_the_service_rule(app, closed_id):
    with app.app_context():
        citizen = db.session.get(Citizen, closed_id)
        data = service.ProfileData(**{f: getattr(citizen, f) for f in service.PROFILE_FIELDS})
        with pytest.raises(service.CaseStartRefused, match="05.11.2026"):
            service.check_case_start(citizen, service.ProfileData(**{**data.__dict__, "case_start": date(2026, 11, 6)}))
        service.check_case_start(citizen, service.ProfileData(**{**data.__dict__, "case_start": date(2026, 11, 5)}))
        service.check_case_start(citizen, data)  # unchanged


def test_a_reopened_case_keeps_its_first_closing_as_the_limit(app, client, auth, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, case_start=date(2025, 3, 1))
    with app.app_context():
        db.session.add(CaseClosure(citizen_id=cid, closed_on=date(2025, 6, 1), reopened_on=date(2025, 9, 1)))
        db.session.commit()
    response = client.post(f"/borgere/{cid}/profil", data=profile(csrf_token=csrf(auth), case_start="02.06.2025"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "sagens første afslutning (01.06.2025)" in html
    response = client.post(f"/borgere/{cid}/profil", data=profile(csrf_token=csrf(auth), case_start="01.06.2025"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, cid).case_start == date(2025, 6, 1)


def test_an_edit_that_keeps_the_case_start_is_saved(app, client, auth, consultant):
    auth.login(consultant.email)
    # Dates already out of order (before this rule) do not block an unrelated correction.
    cid = make_citizen(app, vk_id=consultant.id, case_start=date(2026, 11, 6),
                       case_closed=date(2026, 11, 5), case_close_reason="flyttet")
    response = client.post(f"/borgere/{cid}/profil", data=profile(csrf_token=csrf(auth), case_start="06.11.2026",
                                                                  hours_available="20"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, cid).hours_available == 20
