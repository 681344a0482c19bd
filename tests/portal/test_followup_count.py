"""The administrator's start page counts the follow-up list in the database (one COUNT), not by
building the list and taking its length, and the figure is still the list's, row for row."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.demo.generator import DEMO_LOGINS
from portal.demo.loader import load_demo
from portal.extensions import db
from portal.placements import followup
from store.models import Citizen, Company, Placement, User
from tests.clock import TODAY, travel

# The demo's day, the last day of months whose day clamps (31 August + 3 months = 30 November),
# and days a checkpoint opens or has just not opened.
DAYS = (TODAY, date(2026, 11, 30), date(2026, 12, 1), date(2027, 2, 28), date(2027, 5, 31), date(2027, 3, 1),
        date(2026, 9, 15), date(2027, 8, 31))


@pytest.fixture
def seeded(app, password_hash):
    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=150, password_hash=password_hash)
    return app


def _user(role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == DEMO_LOGINS[role]))


def test_the_count_is_the_lists_length_on_the_demo_data(seeded):
    with seeded.app_context():
        admin, consultant = _user("admin"), _user("consultant")
        ended = db.session.scalar(sa.select(sa.func.count()).select_from(Placement)
                                  .where(Placement.end_reason.is_not(None)))
        assert ended  # the demo has ended placements, so the retention checks are counted too
        for day in DAYS:
            for user, scope in ((admin, "all"), (consultant, "team"), (consultant, "mine"), (consultant, "all")):
                listed = followup.list_followups(user, scope, day)
                assert followup.count_followups(user, scope, day) == len(listed), (day, user.role, scope)
        assert len(followup.list_followups(admin, "all", TODAY)) > 0


def test_the_retention_checks_count_as_the_list_reads_them(app):
    """Ended in a job on each day around the checkpoints, answered or not: counted exactly when listed."""
    with app.app_context():
        company = Company(name="Firma Fasthold", cvr="41234567", postcode="8722")
        citizen = Citizen(name="Borger Fasthold", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2020, 1, 5), hours_available=20)
        admin = User(email="admin-count@example.dk", name="Admin", role="admin", password_hash="x", phone="")
        db.session.add_all([company, citizen, admin])
        db.session.flush()
        first = date(2026, 2, 20)
        for n in range(200):
            end = first + timedelta(days=n)
            for answers in ((None, None), (True, None), (None, False), (True, True)):
                db.session.add(Placement(citizen_id=citizen.id, company_id=company.id, kind="ordinaert",
                                         start_date=end - timedelta(days=90), end_date=end, end_reason="ordinaert_job",
                                         weekly_hours=30, employed_3m=answers[0], employed_6m=answers[1]))
        db.session.add(Placement(citizen_id=citizen.id, company_id=company.id, kind="smaajob",
                                 start_date=date(2026, 10, 1), weekly_hours=10))
        db.session.commit()
        for day in DAYS:
            listed = followup.list_followups(admin, "all", day)
            assert followup.count_followups(admin, "all", day) == len(listed), day
        assert 1 < followup.count_followups(admin, "all", TODAY) < 800


def test_the_admin_start_page_does_not_build_the_list_to_count_it(seeded, client, auth, monkeypatch):
    with travel():
        auth.login(DEMO_LOGINS["admin"])
        with seeded.app_context():
            expected = len(followup.list_followups(_user("admin"), "all", TODAY))

        def refuse(*_args, **_kwargs):
            raise AssertionError("the start page built the follow-up list to count it")

        monkeypatch.setattr(followup, "list_followups", refuse)
        html = client.get("/").get_data(as_text=True)
    shown = re.search(r'Forløb i gang eller til opfølgning(?:</a>)?</th><td>(\d+)</td>', html)
    assert shown and int(shown.group(1)) == expected


@pytest.mark.parametrize("end, day", [(date(2026, 8, 31), date(2026, 11, 30)), (date(2026, 11, 30), date(2027, 2, 28)),
                                      (date(2026, 8, 29), date(2027, 2, 28)), (date(2026, 5, 31), date(2026, 11, 30))])
def test_a_check_falling_due_on_a_clamped_day_is_listed_that_day(app, end, day):
    """Review AG 6: retention.opens_on clamps the day (31 August + 3 months = 30 November); the list
    and its count read it so on the day the placement's page offers the check."""
    from portal.placements import retention

    with app.app_context():
        company = Company(name="Firma Klemme", cvr="41234568", postcode="8722")
        citizen = Citizen(name="Borger Klemme", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2020, 1, 5), hours_available=20)
        admin = User(email="admin-klemme@example.dk", name="Admin", role="admin", password_hash="x", phone="")
        db.session.add_all([company, citizen, admin])
        db.session.flush()
        row = Placement(citizen_id=citizen.id, company_id=company.id, kind="ordinaert", start_date=date(2026, 1, 5),
                        end_date=end, end_reason="ordinaert_job", weekly_hours=30,
                        employed_3m=None if end.month >= 8 else True)
        db.session.add(row)
        db.session.commit()
        assert retention.due_checkpoints(row, day)
        assert [r.placement.id for r in followup.list_followups(admin, "all", day)] == [row.id]
        assert followup.count_followups(admin, "all", day) == 1
