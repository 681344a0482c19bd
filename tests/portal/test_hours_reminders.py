"""The hours reminder on the 3rd: who is told, when, once, and without naming the citizen."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import hours_reminder as hours
from portal.placements import monthly
from store.models import Citizen, Company, HoursLog, MailMessage, Notification, Placement
from tests.clock import travel

MARKER = "ZQXTIMER"


@pytest.fixture
def world(app, make_user):
    """Company A: two placements missing October's hours, one with them, one too new, one ended
    (and earlier months missing). Company B: everything logged. A has two active users and an inactive one."""
    a1 = make_user("company", email="a1@firma.dk")
    with app.app_context():
        company_a = db.session.get(Company, a1.company_id)
        db.session.expunge(company_a)
    a2 = make_user("company", email="a2@firma.dk", company=company_a)
    gone = make_user("company", email="gone@firma.dk", company=company_a, active=False)
    b = make_user("company", email="b@andet.dk")
    with app.app_context():
        citizen = Citizen(name=f"{MARKER} Hansen", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1))
        db.session.add(citizen)

        def placement(company_id, start, end=None, logged=()):
            p = Placement(citizen=citizen, company_id=company_id, kind="smaajob", start_date=start,
                          end_date=end, weekly_hours=5)
            p.hours = [HoursLog(month=m, hours=Decimal("10")) for m in logged]
            db.session.add(p)
            return p

        placement(a1.company_id, date(2026, 1, 1))                     # missing
        placement(a1.company_id, date(2026, 10, 20))                   # missing (started in October)
        placement(a1.company_id, date(2026, 1, 1), logged=[date(2026, 10, 1)])
        placement(a1.company_id, date(2026, 11, 1))                    # starts after October
        placement(a1.company_id, date(2026, 1, 1), end=date(2026, 9, 30))  # ended before October
        placement(b.company_id, date(2026, 10, 1), logged=[date(2026, 10, 1)])
        db.session.commit()
    return {"a1": a1, "a2": a2, "gone": gone, "b": b}


def notes(app) -> list[Notification]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))
        db.session.expunge_all()
        return found


def run_on(runner, day: date):
    with travel(day):
        result = runner.invoke(args=["hours-reminders"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("day", [date(2026, 11, 1), date(2026, 11, 2)])
def test_nothing_before_the_third(app, runner, world, day):
    assert "nothing to do before day 3" in run_on(runner, day)
    assert notes(app) == []


def test_on_the_third_the_company_users_are_told_once(app, runner, world):
    output = run_on(runner, date(2026, 11, 3))
    assert "2026-10: 2 placements without hours, 2 users notified" in output
    found = notes(app)
    assert sorted(n.user_id for n in found) == sorted([world["a1"].id, world["a2"].id])
    assert {n.text for n in found} == {"Timer mangler for 2 forløb i oktober 2026"}
    assert {n.kind for n in found} == {"hours_missing"}
    # again on the same day and later in the month: nobody is told twice
    assert "0 users notified" in run_on(runner, date(2026, 11, 3))
    assert "0 users notified" in run_on(runner, date(2026, 11, 20))
    assert len(notes(app)) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 2


def test_a_new_month_reminds_again(app, runner, world):
    run_on(runner, date(2026, 11, 3))
    run_on(runner, date(2026, 12, 5))  # November: no hours logged anywhere yet
    by_user = {(n.user_id, n.text) for n in notes(app) if "november" in n.text}
    assert by_user == {(world["a1"].id, "Timer mangler for 4 forløb i november 2026"),
                       (world["a2"].id, "Timer mangler for 4 forløb i november 2026"),
                       (world["b"].id, "Timer mangler for 1 forløb i november 2026")}


def test_the_reminder_names_no_citizen_and_links_to_the_hours(app, runner, world):
    run_on(runner, date(2026, 11, 3))
    with app.app_context():
        queued = list(db.session.execute(sa.select(MailMessage.subject, MailMessage.to_address)))
    for note in notes(app):
        assert MARKER not in note.text
        expected = ("/forloeb/timer?maaned=2026-10" if "placements.hours_month" in app.view_functions
                    else "/forloeb/")
        assert note.link == expected
    assert all(MARKER not in subject for subject, _ in queued)
    assert {to for _, to in queued} == {"a1@firma.dk", "a2@firma.dk"}


@pytest.mark.parametrize("today, month", [
    (date(2026, 1, 3), date(2025, 12, 1)),
    (date(2026, 3, 31), date(2026, 2, 1)),
    (date(2026, 11, 3), date(2026, 10, 1)),
])
def test_previous_month(today, month):
    assert hours.previous_month(today) == month


def test_an_unusable_database_is_a_clear_message(app, runner):
    with app.app_context():
        db.drop_all()
    with travel(date(2026, 11, 3)):
        result = runner.invoke(args=["hours-reminders"])
    assert result.exit_code == 1 and "database cannot be used" in result.output


@pytest.mark.parametrize("reason, counts", [("aflyst", False), ("afbrudt", True)])
def test_a_placement_cancelled_before_its_start_misses_no_hours(app, make_user, reason, counts):
    """Cancelled before its planned start of 20 October (end reason "aflyst", ended on that day):
    it never ran, so no hours are missing for October. The control, ended on its start as
    "afbrudt", ran that day."""
    user = make_user("company", email="c@firma.dk")
    with app.app_context():
        citizen = Citizen(name="Aflyst", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1))
        db.session.add(Placement(citizen=citizen, company_id=user.company_id, kind="smaajob", weekly_hours=5,
                                 start_date=date(2026, 10, 20), end_date=date(2026, 10, 20), end_reason=reason))
        db.session.commit()
        assert monthly.missing_hours(date(2026, 10, 1)) == ({user.company_id: 1} if counts else {})


def test_the_start_page_the_reminder_and_the_hours_page_count_the_same_placements(app, client, auth, runner,
                                                                                 make_user):
    """One query (:func:`portal.placements.monthly.missing_hours`) for both: October's edges
    (started on its last day, ended on its first, zero hours logged, cancelled before the start)
    are counted alike by the start page, the reminder and the empty rows of the hours page."""
    a = make_user("company", email="kant@firma.dk")
    b = make_user("company", email="anden@firma.dk")
    with app.app_context():
        citizen = Citizen(name="Kant", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1))

        def placement(company_id, start, end=None, logged=None, reason=None):
            p = Placement(citizen=citizen, company_id=company_id, kind="smaajob", weekly_hours=5,
                          start_date=start, end_date=end, end_reason=reason)
            if logged is not None:
                p.hours = [HoursLog(month=date(2026, 10, 1), hours=Decimal(logged))]
            db.session.add(p)

        placement(a.company_id, date(2026, 10, 31))                          # missing: ran one day
        placement(a.company_id, date(2026, 1, 1), end=date(2026, 10, 1), reason="afbrudt")  # missing
        placement(a.company_id, date(2026, 1, 1))                            # missing
        placement(a.company_id, date(2026, 1, 1), logged="0")                # logged, if zero
        placement(a.company_id, date(2026, 1, 1), end=date(2026, 9, 30), reason="afbrudt")  # before October
        placement(a.company_id, date(2026, 11, 1))                           # after October
        placement(a.company_id, date(2026, 10, 20), end=date(2026, 10, 20), reason="aflyst")  # never ran
        placement(b.company_id, date(2026, 3, 1))                            # missing, another company
        db.session.commit()
        assert monthly.missing_hours(date(2026, 10, 1)) == {a.company_id: 3, b.company_id: 1}
        assert monthly.missing_hours(date(2026, 10, 1), a.company_id) == {a.company_id: 3}
        empty_rows = [p for p in monthly.placements_in(a.company_id, date(2026, 10, 1)) if not p.hours]
        assert len(empty_rows) == 3
    with travel(date(2026, 11, 5)):
        auth.login("kant@firma.dk")
        assert "3 forløb mangler timer for oktober 2026" in client.get("/").get_data(as_text=True)
    assert "2026-10: 4 placements without hours, 2 users notified" in run_on(runner, date(2026, 11, 5))
    assert sorted((n.user_id, n.text) for n in notes(app)) == sorted([
        (a.id, "Timer mangler for 3 forløb i oktober 2026"), (b.id, "Timer mangler for 1 forløb i oktober 2026")])


def test_a_month_missed_earlier_is_asked_for_again(app, runner, make_user):
    """Review AG 2: a gap is not forgotten once it is no longer last month; the counts are the
    months' hours pages' empty rows (monthly.missing_by_month)."""
    user = make_user("company", email="hul@firma.dk")
    with app.app_context():
        citizen = Citizen(name="Hul", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1))
        p = Placement(citizen=citizen, company_id=user.company_id, kind="loentilskud", weekly_hours=15,
                      start_date=date(2026, 8, 31))
        p.hours = [HoursLog(month=date(2026, 8, 1), hours=Decimal("3")),
                   HoursLog(month=date(2026, 11, 1), hours=Decimal("60"))]
        done = Placement(citizen=citizen, company_id=user.company_id, kind="smaajob", weekly_hours=5,
                         start_date=date(2026, 10, 1))
        done.hours = [HoursLog(month=date(2026, 10, 1), hours=Decimal("8"))]
        db.session.add_all([p, done])
        db.session.commit()
        db.session.expunge_all()
        missing = monthly.missing_by_month(monthly.asked_months(date(2026, 12, 5)), user.company_id)
        assert {m: c[user.company_id] for m, c in missing.items() if c} == {
            date(2026, 11, 1): 1, date(2026, 10, 1): 1, date(2026, 9, 1): 1}
        for month, counts in missing.items():
            db.session.expunge_all()  # each page reads its month's hours alone
            empty = [x for x in monthly.placements_in(user.company_id, month) if not x.hours]
            assert counts[user.company_id] == len(empty), month
    run_on(runner, date(2026, 12, 5))
    [note] = notes(app)
    assert note.text == "Timer mangler for 1 forløb i november 2026"
    with app.app_context():
        body = db.session.scalar(sa.select(MailMessage.body))
    assert "Der mangler også timer for oktober 2026 (1 forløb) og september 2026 (1 forløb)." in body


@pytest.mark.parametrize("kinds, says, never", [
    (["virksomhedspraktik"], "Praktik er ulønnet: borgeren får sin ydelse, ikke løn fra jer.", "lønnen kan afregnes"),
    (["loentilskud"], "så jobcentret kan følge forløbene, og lønnen kan afregnes.", "Praktik"),
    (["virksomhedspraktik", "smaajob"], "For de lønnede forløb bruges timerne også til lønnen; praktik er ulønnet",
     "lønnen kan afregnes"),
])
def test_the_reminder_says_what_the_hours_are_for_by_kind(app, runner, make_user, kinds, says, never):
    """Review AG 9: unpaid praktik is never told its hours settle a wage."""
    user = make_user("company", email="slags@firma.dk")
    with app.app_context():
        citizen = Citizen(name="Slags", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1))
        db.session.add_all([Placement(citizen=citizen, company_id=user.company_id, kind=kind, weekly_hours=10,
                                      start_date=date(2026, 10, 1)) for kind in kinds])
        db.session.commit()
    run_on(runner, date(2026, 11, 5))
    with app.app_context():
        body = db.session.scalar(sa.select(MailMessage.body))
    assert says in body and never not in body


def test_the_reminder_gives_the_deadline(app, runner, world):
    """Review AG 8: the 9th, after which the job centre's figures for the month stand fixed."""
    run_on(runner, date(2026, 11, 3))
    with app.app_context():
        body = db.session.scalar(sa.select(MailMessage.body))
    assert "Registrér timerne for oktober 2026 senest 09.11.2026; så tæller de med i jobcentrets opgørelse" in body


def test_the_reminder_gives_the_deadline_moved_off_a_weekend(app, runner, world):
    """Review AM 6: December 2026's hours are due Monday 11.01.2027, not Saturday the 9th."""
    run_on(runner, date(2027, 1, 5))
    with app.app_context():
        body = db.session.scalar(sa.select(MailMessage.body))
    assert "Registrér timerne for december 2026 senest 11.01.2027; så tæller de med i jobcentrets opgørelse" in body
