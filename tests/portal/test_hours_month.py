"""/forloeb/timer: every placement of the company in one month, hours saved in one form."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import lxml.html
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import monthly
from store.models import AuditEvent, Citizen, Company, HoursLog, Opening, Placement
from tests.conftest import AuthActions
from tests.clock import travel

TODAY = date(2026, 11, 23)
MARKER = "ZQXMONTH"


@pytest.fixture(autouse=True)
def fixed_today():
    """The whole process, portal included, lives on TODAY (tests.clock.travel)."""
    with travel(TODAY):
        yield TODAY


@pytest.fixture
def world(app, make_user):
    """Company A: three placements running in October 2026, one ended in 2025; company B: one."""
    a = make_user("company", email="a@firma.dk")
    b = make_user("company", email="b@firma.dk")
    make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        company_a, company_b = db.session.get(Company, a.company_id), db.session.get(Company, b.company_id)
        citizen = Citizen(name=f"{MARKER}navn", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1))
        opening = Opening(company=company_a, kind="smaajob", title="Lagerhjælp", postcode="8722",
                          hours_min=1, hours_max=5, status="open")
        first = Placement(citizen=citizen, company=company_a, opening=opening, kind="smaajob",
                          start_date=date(2026, 1, 10), weekly_hours=5)
        second = Placement(citizen=citizen, company=company_a, kind="virksomhedspraktik",
                           start_date=date(2026, 9, 1), end_date=date(2026, 10, 3), weekly_hours=20)
        third = Placement(citizen=citizen, company=company_a, kind="loentilskud",
                          start_date=date(2026, 10, 31), weekly_hours=30)
        old = Placement(citizen=citizen, company=company_a, kind="smaajob",
                        start_date=date(2025, 1, 1), end_date=date(2025, 3, 1), weekly_hours=5)
        foreign = Placement(citizen=citizen, company=company_b, kind="smaajob",
                            start_date=date(2026, 1, 1), weekly_hours=5)
        db.session.add_all([citizen, opening, first, second, third, old, foreign])
        db.session.flush()
        db.session.add(HoursLog(placement_id=first.id, month=date(2026, 10, 1), hours=Decimal("10")))
        db.session.commit()
        ids = {"first": first.id, "second": second.id, "third": third.id, "old": old.id, "foreign": foreign.id}
    return {"a": a, "b": b, "ids": ids}


def _login(client, email="a@firma.dk"):
    AuthActions(client).switch_to(email)


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="hours-month-row" data-placement-id="(\d+)"', html)]


def _hours(app, pid: int) -> dict[date, Decimal]:
    with app.app_context():
        return dict(db.session.execute(sa.select(HoursLog.month, HoursLog.hours)
                                       .where(HoursLog.placement_id == pid)).all())


def _post(client, month: str, data: dict):
    token = AuthActions(client).csrf_token(f"/forloeb/timer?maaned={month}")
    return client.post(f"/forloeb/timer?maaned={month}", data={"csrf_token": token, **data})


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 1), date(2026, 10, 1)), (date(2026, 11, 9), date(2026, 10, 1)),
    (date(2026, 11, 10), date(2026, 11, 1)), (date(2026, 11, 30), date(2026, 11, 1)),
    (date(2027, 1, 5), date(2026, 12, 1)),
    # 9 January 2027 is a Saturday: December's hours are due Monday 11 January
    (date(2027, 1, 10), date(2026, 12, 1)), (date(2027, 1, 11), date(2026, 12, 1)),
    (date(2027, 1, 12), date(2027, 1, 1)),
])
def test_default_month_is_last_month_until_its_hours_are_due(day, expected):
    assert monthly.default_month(day) == expected


def test_page_lists_the_companys_placements_running_in_the_month(client, world):
    _login(client)
    html = client.get("/forloeb/timer?maaned=2026-10").get_data(as_text=True)
    ids = world["ids"]
    assert _row_ids(html) == [ids["first"], ids["second"], ids["third"]]
    assert "Timer for oktober 2026" in html
    assert 'name="timer-%d" value="10"' % ids["first"] in html
    assert "Lagerhjælp, start 10.01.2026" in html  # the neutral label: not disclosed
    assert MARKER not in html
    # the default rule is stated, with last month's deadline (October 2026: Monday 9 November)
    assert ("Siden viser som udgangspunkt sidste måned, til og med fristen for dens timer (den 9. i den "
            "følgende måned, eller den første arbejdsdag derefter, når den 9. er en lørdag, søndag eller "
            "helligdag; for oktober 2026 09.11.2026)") in html


def test_default_and_month_switcher(client, world):
    _login(client)
    html = client.get("/forloeb/timer").get_data(as_text=True)
    assert "Timer for november 2026" in html  # the 23rd: the current month
    assert _row_ids(html) == [world["ids"]["first"], world["ids"]["third"]]
    assert "/forloeb/timer?maaned=2026-10" in html and 'data-testid="next-month"' not in html
    older = client.get("/forloeb/timer?maaned=2026-10").get_data(as_text=True)
    assert 'href="/forloeb/timer?maaned=2026-11" data-testid="next-month"' in older


@pytest.mark.parametrize("value, message", [
    ("2026-13", "Måneden skal angives"), ("abc", "Måneden skal angives"), ("2027-01", "fremtiden"),
    ("x" * 5000, "Måneden skal angives"),
])
def test_bad_month_shows_a_danish_notice_and_the_default(client, world, value, message):
    _login(client)
    response = client.get("/forloeb/timer", query_string={"maaned": value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "Timer for november 2026" in html


def test_save_all_rows_in_one_post(app, client, world):
    ids = world["ids"]
    _login(client)
    response = _post(client, "2026-10", {f"timer-{ids['first']}": "12,5", f"timer-{ids['second']}": "4",
                                         f"timer-{ids['third']}": ""})
    assert response.status_code == 302 and "maaned=2026-10" in response.headers["Location"]
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("12.5")}
    assert _hours(app, ids["second"]) == {date(2026, 10, 1): Decimal("4")}
    assert _hours(app, ids["third"]) == {}  # empty: nothing logged
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "gemt for 2 forløb" in page
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("hours_updated") == 1 and actions.count("hours_logged") == 1


def test_a_bad_row_saves_nothing_and_keeps_every_input(app, client, world):
    ids = world["ids"]
    _login(client)
    response = _post(client, "2026-10", {f"timer-{ids['first']}": "12,5", f"timer-{ids['second']}": "-3",
                                         f"timer-{ids['third']}": "401"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Timer kan ikke være negative." in html and "Højst 400 timer på en måned." in html
    assert "2 rækker har fejl" in html
    assert f'name="timer-{ids["first"]}" value="12,5"' in html  # the good row's input is kept
    assert f'name="timer-{ids["second"]}" value="-3"' in html
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("10")}
    assert _hours(app, ids["second"]) == {}


def test_emptying_a_logged_month_is_refused(app, client, world):
    ids = world["ids"]
    _login(client)
    response = _post(client, "2026-10", {f"timer-{ids['first']}": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv 0" in html and "Gemt: 10 timer." in html
    assert f'name="timer-{ids["first"]}" value="10"' in html  # the saved figure is back in the field
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("10")}


@pytest.mark.parametrize("stored, shown, named", [("1", "1", "1 time"), ("0.5", "0,5", "0,5 time"),
                                                   ("127.25", "127,25", "127,25 timer")])
def test_emptying_a_logged_month_names_the_saved_hours_singular_and_plural(app, client, world, stored, shown, named):
    ids = world["ids"]
    with app.app_context():
        db.session.execute(sa.update(HoursLog).where(HoursLog.placement_id == ids["first"]).values(hours=Decimal(stored)))
        db.session.commit()
    _login(client)
    response = _post(client, "2026-10", {f"timer-{ids['first']}": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f"Gemt: {named}." in html
    assert f'name="timer-{ids["first"]}" value="{shown}"' in html


def test_other_companies_placements_and_extra_fields_are_ignored(app, client, world):
    ids = world["ids"]
    _login(client)
    response = _post(client, "2026-10", {f"timer-{ids['foreign']}": "99", f"timer-{ids['old']}": "99",
                                         "company_id": str(world["b"].company_id)})
    assert response.status_code == 302
    assert _hours(app, ids["foreign"]) == {} and _hours(app, ids["old"]) == {}


def test_future_month_cannot_be_posted(app, client, world):
    _login(client)
    token = AuthActions(client).csrf_token("/forloeb/timer")
    response = client.post("/forloeb/timer?maaned=2027-01",
                           data={"csrf_token": token, f"timer-{world['ids']['first']}": "5"})
    assert response.status_code == 302
    assert _hours(app, world["ids"]["first"]) == {date(2026, 10, 1): Decimal("10")}


def test_missing_csrf_saves_nothing(app, client, world):
    _login(client)
    response = client.post("/forloeb/timer?maaned=2026-10", data={f"timer-{world['ids']['first']}": "5"})
    assert response.status_code == 400
    assert _hours(app, world["ids"]["first"]) == {date(2026, 10, 1): Decimal("10")}


@pytest.mark.parametrize("email", ["vk@jc.dk"])
def test_consultants_get_403(client, world, email):
    _login(client, email)
    assert client.get("/forloeb/timer").status_code == 403


# --- the month asked for: malformed or out of range is refused alike on every route -----

REFUSED = [
    ("2026-13", "Måneden skal angives som år og måned"),
    ("2026-00", "Måneden skal angives som år og måned"),
    ("26-10", "Måneden skal angives som år og måned"),
    ("1900-01", "Timer kan vises for måneder fra januar 2016 til og med november 2026"),
    ("0000-05", "Måneden skal angives som år og måned"),
    ("2015-12", "Timer kan vises for måneder fra januar 2016"),
    ("2027-01", "fremtiden"),
    ("9999-12", "fremtiden"),
]


@pytest.mark.parametrize("raw, expected", [
    (None, (None, None)), ("", (None, None)),
    ("2016-01", (date(2016, 1, 1), None)), ("2026-11", (date(2026, 11, 1), None)),
])
def test_months_in_range_are_accepted(raw, expected):
    assert monthly.chosen_month(raw, date(2026, 11, 23)) == expected


@pytest.mark.parametrize("raw, message", REFUSED)
def test_the_page_refuses_with_a_notice_and_shows_the_default(client, world, raw, message):
    _login(client)
    response = client.get("/forloeb/timer", query_string={"maaned": raw})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    notice = html.split('data-testid="month-notice"')[1].split("</div>")[0]
    assert message in notice and "Viser november 2026" in notice
    assert "Timer for november 2026" in html and "januar 1900" not in html.split("month-notice")[0]


@pytest.mark.parametrize("raw, message", REFUSED)
def test_a_post_to_a_refused_month_saves_nothing(app, client, world, raw, message):
    _login(client)
    token = AuthActions(client).csrf_token("/forloeb/timer")
    first = world["ids"]["first"]
    response = client.post("/forloeb/timer", query_string={"maaned": raw},
                           data={"csrf_token": token, f"timer-{first}": "5"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/forloeb/timer")
    assert _hours(app, first) == {date(2026, 10, 1): Decimal("10")}  # not saved in the default month
    html = client.get("/forloeb/timer").get_data(as_text=True)
    assert message in html and "Timerne er ikke gemt" in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("raw, message", REFUSED[::3])
def test_an_export_of_a_refused_month_sends_no_file(client, world, fmt, raw, message):
    _login(client)
    response = client.get(f"/forloeb/timer/eksport.{fmt}", query_string={"maaned": raw})
    assert response.status_code == 302 and "attachment" not in response.headers.get("Content-Disposition", "")
    html = client.get("/forloeb/timer").get_data(as_text=True)
    assert message in html and "Der er ikke hentet nogen fil" in html


def test_the_oldest_month_has_no_link_further_back(client, world):
    _login(client)
    html = client.get("/forloeb/timer?maaned=2016-01").get_data(as_text=True)
    assert "Timer for januar 2016" in html and 'data-testid="previous-month"' not in html
    assert 'min="2016-01"' in html and 'max="2026-11"' in html
    assert 'data-testid="previous-month"' in client.get("/forloeb/timer?maaned=2016-02").get_data(as_text=True)


# --- a stale page (another user or another tab saved in between) never reverts the other save ----

def _form_data(html: str) -> dict[str, str]:
    """The hours form as a browser would post it: every named input of the page's POST form."""
    form = lxml.html.fromstring(html).xpath('//form[@data-testid="hours-month-form"]')[0]
    return {i.name: i.value or "" for i in form.inputs if i.name}


def _page(client, month: str = "2026-10") -> dict[str, str]:
    return _form_data(client.get(f"/forloeb/timer?maaned={month}").get_data(as_text=True))


def _post_page(client, data: dict, month: str = "2026-10"):
    return client.post(f"/forloeb/timer?maaned={month}", data=data)


def _field_error(html: str, pid: int) -> str:
    """The error text shown at the row's input (empty if none)."""
    found = lxml.html.fromstring(html).xpath(f'//*[@id="timer-{pid}-error"]')
    return " ".join(found[0].text_content().split()) if found else ""


def test_the_page_carries_the_shown_hours_beside_each_input(client, world):
    ids = world["ids"]
    _login(client)
    form = _page(client)
    assert form[f"vist-{ids['first']}"] == "10.00" and form[f"timer-{ids['first']}"] == "10"
    assert form[f"vist-{ids['second']}"] == "" and form[f"timer-{ids['second']}"] == ""


def test_a_stale_page_does_not_revert_the_other_save(app, client, world):
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    assert _post_page(client, {**tab_a, f"timer-{ids['first']}": "21"}).status_code == 302
    response = _post_page(client, {**tab_b, f"timer-{ids['second']}": "4"})  # first still shows 10
    assert response.status_code == 302
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("21")}  # A's correction stands
    assert _hours(app, ids["second"]) == {date(2026, 10, 1): Decimal("4")}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "gemt for 1 forløb" in page  # only the row B changed is counted
    assert "1 forløb havde fået nye timer af en anden" in page


def test_an_untouched_stale_page_changes_nothing(app, client, world):
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    _post_page(client, {**tab_a, f"timer-{ids['first']}": "21"})
    response = _post_page(client, tab_b)
    assert response.status_code == 302
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("21")}
    assert "Ingen ændringer i timerne for oktober 2026" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_row_changed_on_a_stale_page_is_refused_at_its_field_and_nothing_is_saved(app, client, world):
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    _post_page(client, {**tab_a, f"timer-{ids['first']}": "21,5"})
    response = _post_page(client, {**tab_b, f"timer-{ids['first']}": "15", f"timer-{ids['second']}": "4"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _field_error(html, ids["first"]).strip() == (
        "Fejl: Timerne er ændret af en anden til 21,5, siden du åbnede siden. Tjek tallet og gem igen.")
    assert "1 række har fejl. Intet er gemt endnu" in html
    assert f'name="timer-{ids["first"]}" value="15"' in html  # every input kept
    assert f'name="timer-{ids["second"]}" value="4"' in html
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("21.5")}
    assert _hours(app, ids["second"]) == {}  # nothing saved while a row is refused
    assert f'name="vist-{ids["first"]}" value="21.50"' in html  # the page now shows what is stored


def test_a_deliberate_second_save_after_the_refusal_goes_through(app, client, world):
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    _post_page(client, {**tab_a, f"timer-{ids['first']}": "21"})
    refused = _post_page(client, {**tab_b, f"timer-{ids['first']}": "15", f"timer-{ids['second']}": "4"})
    assert refused.status_code == 400
    response = _post_page(client, _form_data(refused.get_data(as_text=True)))
    assert response.status_code == 302
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("15")}
    assert _hours(app, ids["second"]) == {date(2026, 10, 1): Decimal("4")}
    assert "gemt for 2 forløb" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_month_logged_by_another_in_between_is_refused_with_its_value(app, client, world):
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    _post_page(client, {**tab_a, f"timer-{ids['second']}": "7"})
    html = _post_page(client, {**tab_b, f"timer-{ids['second']}": "8"}).get_data(as_text=True)
    assert "ændret af en anden til 7," in _field_error(html, ids["second"])
    assert _hours(app, ids["second"]) == {date(2026, 10, 1): Decimal("7")}


def test_the_same_correction_made_twice_is_no_conflict_and_no_change(app, client, world):
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    _post_page(client, {**tab_a, f"timer-{ids['first']}": "21"})
    response = _post_page(client, {**tab_b, f"timer-{ids['first']}": "21,00"})
    assert response.status_code == 302
    assert "Ingen ændringer" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_stale_untouched_row_shows_the_new_value_when_the_page_comes_back(app, client, world):
    """A refusal for another reason must not put the stale figure back in the input (a later save would revert)."""
    ids = world["ids"]
    _login(client)
    tab_a, tab_b = _page(client), _page(client)
    _post_page(client, {**tab_a, f"timer-{ids['first']}": "21"})
    html = _post_page(client, {**tab_b, f"timer-{ids['second']}": "-3"}).get_data(as_text=True)
    assert f'name="timer-{ids["first"]}" value="21"' in html
    assert "Ændret af en anden til 21, siden du åbnede siden" in html
    assert f'name="timer-{ids["second"]}" value="-3"' in html


@pytest.mark.parametrize("stored, typed", [("12.5", "12,5"), ("12.5", "12,50"), ("12.5", " 12.5 "), ("0.25", "0,25")])
def test_an_unchanged_row_is_not_counted_whatever_the_notation(app, client, world, stored, typed):
    ids = world["ids"]
    with app.app_context():
        db.session.execute(sa.update(HoursLog).where(HoursLog.placement_id == ids["first"]).values(hours=Decimal(stored)))
        db.session.commit()
    _login(client)
    form = _page(client)
    assert form[f"timer-{ids['first']}"] == stored.replace(".", ",")
    response = _post_page(client, {**form, f"timer-{ids['first']}": typed})
    assert "Ingen ændringer" in client.get(response.headers["Location"]).get_data(as_text=True)


# --- two saves in flight at once: the write itself is conditional on the shown hours (review AF 6) ----

def _save_meanwhile(monkeypatch, app, pid: int, hours: str | None):
    """Another save of ``pid``'s October hours commits after this request read the rows and before
    it writes (as when two people press »Gem« at the same moment)."""
    real = monthly.read_input

    def read_then_other_saves(rows, formdata):
        changes = real(rows, formdata)
        existing = db.session.scalar(sa.select(HoursLog).where(HoursLog.placement_id == pid,
                                                               HoursLog.month == date(2026, 10, 1)))
        if existing is None:
            db.session.add(HoursLog(placement_id=pid, month=date(2026, 10, 1), hours=Decimal(hours)))
        else:
            existing.hours = Decimal(hours)
        db.session.commit()
        return changes

    monkeypatch.setattr(monthly, "read_input", read_then_other_saves)


def test_a_save_landing_first_at_the_same_moment_is_not_overwritten(app, client, world, monkeypatch):
    ids = world["ids"]
    _login(client)
    form = _page(client)
    _save_meanwhile(monkeypatch, app, ids["first"], "30")
    response = _post_page(client, {**form, f"timer-{ids['first']}": "20", f"timer-{ids['second']}": "4"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400  # told, not "gemt"
    assert _field_error(html, ids["first"]) == (
        "Fejl: Timerne er ændret af en anden til 30, siden du åbnede siden. Tjek tallet og gem igen.")
    assert _hours(app, ids["first"]) == {date(2026, 10, 1): Decimal("30")}  # the other figure stands
    assert _hours(app, ids["second"]) == {}  # nothing of the page is saved
    assert f'name="timer-{ids["first"]}" value="20"' in html
    assert f'name="vist-{ids["first"]}" value="30.00"' in html  # saving again overwrites deliberately
    with app.app_context():
        assert not db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.in_(("hours_logged", "hours_updated")))).all()


def test_a_first_figure_inserted_at_the_same_moment_is_not_overwritten(app, client, world, monkeypatch):
    ids = world["ids"]
    _login(client)
    form = _page(client)
    _save_meanwhile(monkeypatch, app, ids["second"], "7")
    response = _post_page(client, {**form, f"timer-{ids['second']}": "4"})
    assert response.status_code == 400
    assert "ændret af en anden til 7" in _field_error(response.get_data(as_text=True), ids["second"])
    assert _hours(app, ids["second"]) == {date(2026, 10, 1): Decimal("7")}


# --- the deadline after which the month's figures stand fixed (review AG 8) ----

def test_the_page_gives_the_months_deadline(client, world):
    with travel(date(2026, 12, 6)):
        _login(client)
        html = client.get("/forloeb/timer").get_data(as_text=True)
    assert ("Registrér timerne for november 2026 senest 09.12.2026; så tæller de med i jobcentrets opgørelse "
            "for måneden.") in html
    with travel(date(2026, 12, 12)):
        _login(client)
        html = client.get("/forloeb/timer?maaned=2026-11").get_data(as_text=True)
    assert "Fristen for timerne for november 2026 var 09.12.2026." in html
    assert "står fast fra 10.12.2026 og ændres ikke af dem" in html


def test_hours_saved_after_the_deadline_are_taken_with_a_note(app, client, world):
    ids = world["ids"]
    with travel(date(2026, 11, 12)):  # October's deadline was 9 November
        _login(client)
        form = _page(client)
        response = _post_page(client, {**form, f"timer-{ids['second']}": "4"})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _hours(app, ids["second"]) == {date(2026, 10, 1): Decimal("4")}
    assert "Timerne er gemt efter fristen 09.11.2026" in page and "der står fast" in page
    with travel(date(2026, 11, 12)):
        _login(client)
        form = _page(client, "2026-11")
        response = _post_page(client, {**form, f"timer-{ids['first']}": "4"}, month="2026-11")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "efter fristen" not in page
