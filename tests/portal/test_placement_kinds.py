"""/forloeb/<id> says what is true of each kind: paid or not, and how its hours count in the follow-up."""
from __future__ import annotations

from datetime import date

import pytest

from matching.vocab import OPENING_KINDS
from portal.dashboard.metrics import WAGE_HOUR_KINDS
from portal.extensions import db
from portal.placements import kinds
from store.models import Citizen, Company, Placement
from tests.conftest import AuthActions

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def placement_ids(app, make_user) -> dict[str, int]:
    """One placement of every kind, for one company."""
    user = make_user("company", email="a@firma.dk")
    with app.app_context():
        company = db.session.get(Company, user.company_id)
        citizen = Citizen(name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=20,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1))
        placements = {kind: Placement(citizen=citizen, company=company, kind=kind,
                                      start_date=date(2026, 1, 5), weekly_hours=10) for kind in OPENING_KINDS}
        db.session.add_all([citizen, *placements.values()])
        db.session.commit()
        return {kind: p.id for kind, p in placements.items()}


def _detail(client, pid: int) -> str:
    AuthActions(client).switch_to("a@firma.dk")
    response = client.get(f"/forloeb/{pid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _note(html: str) -> str:
    return html.split('data-testid="followup-note">')[1].split("</p>")[0]


@pytest.mark.parametrize("kind", sorted(OPENING_KINDS))
def test_the_company_is_not_told_the_job_centres_own_goal(client, placement_ids, kind):
    """Review B11: the page explained the job centre's "100 ordinære løntimer" goal to the company."""
    note = _note(_detail(client, placement_ids[kind]))
    assert "100" not in note and "målet" not in note and "ordinære løntimer" not in note
    assert "Registrér" in note


def test_praktik_is_marked_unpaid_and_loentilskud_subsidised(client, placement_ids):
    praktik = _detail(client, placement_ids["virksomhedspraktik"])
    assert 'data-testid="unpaid">(ulønnet)' in praktik.split('data-testid="placement-kind">')[1].split("</td>")[0]
    assert "ulønnet" in _note(praktik) and "får sin ydelse, ikke løn" in _note(praktik)
    assert "Registrér fremmødet" in _note(praktik)
    subsidised = _detail(client, placement_ids["loentilskud"])
    assert 'data-testid="unpaid"' not in subsidised
    assert "løn med tilskud fra jobcentret" in _note(subsidised)


@pytest.mark.parametrize("kind", sorted(WAGE_HOUR_KINDS))
def test_wage_kinds_say_the_company_pays_for_the_hours(client, placement_ids, kind):
    html = _detail(client, placement_ids[kind])
    assert "I betaler løn for timerne" in _note(html)
    assert 'data-testid="unpaid"' not in html


def test_every_kind_is_either_wage_hours_or_company_based():
    """A new kind must be placed in the follow-up's rules before the pages can describe it."""
    for kind in OPENING_KINDS:
        assert kinds.followup_note(kind) != kinds.followup_note("ukendt"), kind
