"""Hours far above the placement's weekly hours are asked about before they are saved (both pages)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import plausibility, service
from store.models import Citizen, Company, HoursLog, Placement
from tests.conftest import AuthActions
from tests.clock import travel

TODAY = date(2026, 12, 4)
NOVEMBER = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def fixed_today():
    """The whole process, portal included, lives on TODAY (tests.clock.travel)."""
    with travel(TODAY):
        yield TODAY


@pytest.fixture
def world(app, make_user):
    """Company A: a 4 t/uge praktik from 10.09.2026 and a 0 t/uge småjob."""
    a = make_user("company", email="a@firma.dk")
    with app.app_context():
        company = db.session.get(Company, a.company_id)
        citizen = Citizen(name="Test Borger", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1))
        praktik = Placement(citizen=citizen, company=company, kind="virksomhedspraktik",
                            start_date=date(2026, 9, 10), weekly_hours=4)
        flexible = Placement(citizen=citizen, company=company, kind="smaajob",
                             start_date=date(2026, 9, 10), weekly_hours=0)
        db.session.add_all([citizen, praktik, flexible])
        db.session.commit()
        ids = {"praktik": praktik.id, "flexible": flexible.id}
    return ids


def _hours(app, pid: int) -> dict[date, Decimal]:
    with app.app_context():
        return dict(db.session.execute(sa.select(HoursLog.month, HoursLog.hours)
                                       .where(HoursLog.placement_id == pid)).all())


def _placement(**kwargs) -> Placement:
    return Placement(kind="virksomhedspraktik", **{"start_date": date(2026, 1, 1), "weekly_hours": 4, **kwargs})


@pytest.mark.parametrize("placement, hours, asked", [
    (_placement(), Decimal(17), False),  # 4 t/uge × 30/7 weeks ≈ 17
    (_placement(), Decimal(33), False),  # 1.5 × 17.1 + 8 = 33.7: within
    (_placement(), Decimal(34), True),
    (_placement(), Decimal(300), True),
    (_placement(start_date=date(2026, 11, 29)), Decimal(20), True),  # two days of 4 t/uge
    (_placement(start_date=date(2026, 11, 29)), Decimal(9), False),
    (_placement(weekly_hours=0), Decimal(300), False),  # no agreed hours to compare with
])
def test_warning_compares_with_weekly_hours_times_weeks_run(placement, hours, asked):
    question = plausibility.warning(placement, NOVEMBER, hours, "november 2026")
    assert (question is not None) == asked


def test_warning_text_names_the_figures():
    question = plausibility.warning(_placement(), NOVEMBER, Decimal(300), "november 2026")
    assert question == "300 timer er langt over 4 t/uge (ca. 17 timer i november 2026) – er det rigtigt?"


@pytest.mark.parametrize("hours, asked", [
    (Decimal(120), True),  # a whole month of 20 t/uge, on the 5th
    (Decimal(22), False),  # 20 t/uge × 5/7 weeks ≈ 14; 1.5 × 14.3 + 8 = 29.4: within
    (Decimal(30), True),
])
def test_the_month_in_progress_counts_only_the_days_so_far(hours, asked):
    """Review H 5: 120 hours on 5 December for a 20 t/uge praktik were saved without a question."""
    placement = _placement(start_date=date(2026, 11, 17), weekly_hours=20)
    question = plausibility.warning(placement, date(2026, 12, 1), hours, "december 2026", today=date(2026, 12, 5))
    assert (question is not None) == asked
    if asked:
        assert "indtil i dag; måneden er ikke slut" in question and "ca. 14 timer i december 2026" in question


def test_a_placement_starting_in_the_month_in_progress_counts_from_its_start():
    placement = _placement(start_date=date(2026, 12, 3), weekly_hours=7)  # three days: 3 hours
    assert plausibility.expected_hours(placement, date(2026, 12, 1), date(2026, 12, 5)) == 3
    assert plausibility.expected_hours(placement, date(2026, 12, 1)) == 29  # the whole month


def test_the_detail_page_asks_about_the_month_in_progress(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    pid = world["praktik"]
    token = AuthActions(client).csrf_token(f"/forloeb/{pid}")
    response = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-12", "hours": "20", "csrf_token": token})
    html = response.get_data(as_text=True)  # 4 t/uge × 4 days of December (today is the 4th) ≈ 2
    assert response.status_code == 200 and _hours(app, pid) == {}
    assert "måneden er ikke slut" in html


def test_detail_page_asks_keeps_the_input_and_saves_when_confirmed(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    pid = world["praktik"]
    token = AuthActions(client).csrf_token(f"/forloeb/{pid}")
    first = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "300", "csrf_token": token})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and _hours(app, pid) == {}
    assert "300 timer er langt over 4 t/uge (ca. 17 timer i november 2026) – er det rigtigt?" in html
    assert 'value="300"' in html and 'value="2026-11:300.00"' in html and "Ja, gem timerne" in html
    # a changed figure is checked again, not saved on the old confirmation
    changed = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "250", "csrf_token": token,
                                                        "confirmed": "2026-11:300.00"})
    assert changed.status_code == 200 and _hours(app, pid) == {}
    confirmed = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "300", "csrf_token": token,
                                                          "confirmed": "2026-11:300.00"})
    assert confirmed.status_code == 302 and _hours(app, pid) == {NOVEMBER: Decimal(300)}


def test_detail_page_saves_plausible_hours_at_once(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    pid = world["praktik"]
    token = AuthActions(client).csrf_token(f"/forloeb/{pid}")
    response = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "17", "csrf_token": token})
    assert response.status_code == 302 and _hours(app, pid) == {NOVEMBER: Decimal(17)}


def test_month_page_asks_keeps_every_input_and_saves_when_confirmed(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    praktik, flexible = world["praktik"], world["flexible"]
    token = AuthActions(client).csrf_token("/forloeb/timer?maaned=2026-11")
    data = {"csrf_token": token, f"timer-{praktik}": "300", f"timer-{flexible}": "120"}
    first = client.post("/forloeb/timer?maaned=2026-11", data=data)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert _hours(app, praktik) == {} and _hours(app, flexible) == {}  # nothing saved, not even the plausible row
    assert "1 række har usædvanligt mange timer. Intet er gemt endnu" in html
    assert "300 timer er langt over 4 t/uge (ca. 17 timer i november 2026) – er det rigtigt?" in html
    assert f'name="bekraeft-{praktik}" value="2026-11:300.00"' in html
    assert 'value="300"' in html and 'value="120"' in html
    saved = client.post("/forloeb/timer?maaned=2026-11", data={**data, f"bekraeft-{praktik}": "2026-11:300.00"})
    assert saved.status_code == 302
    assert _hours(app, praktik) == {NOVEMBER: Decimal(300)} and _hours(app, flexible) == {NOVEMBER: Decimal(120)}


def test_both_hours_pages_state_the_same_month_rule_and_apply_it(app, client, world):
    AuthActions(client).switch_to("a@firma.dk")
    pid = world["praktik"]
    detail = client.get(f"/forloeb/{pid}").get_data(as_text=True)
    month_page = client.get("/forloeb/timer?maaned=2026-09").get_data(as_text=True)
    assert service.HOURS_MONTHS_RULE in detail and service.HOURS_MONTHS_RULE in month_page
    # September (the start month) is offered on both; August (before the start) on neither
    assert '<option value="2026-09">' in detail and '<option value="2026-08">' not in detail
    assert f'data-placement-id="{pid}"' in month_page
    assert f'data-placement-id="{pid}"' not in client.get("/forloeb/timer?maaned=2026-08").get_data(as_text=True)
