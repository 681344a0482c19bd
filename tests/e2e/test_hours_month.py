"""A company logs the month's hours for several placements on one page and downloads the export;
a Code of Care partner downloads its yearly report."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.extensions import db
from portal.placements import monthly
from portal.placements.forms import month_label
from portal.placements.payroll import HEADER
from store.models import Citizen, Company, HoursLog, Opening, Placement
from store import clock
from tests.conftest import user_factory
from tests.e2e.helpers import loaded, settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

SECRET_NAME = "Hemmelig Timeborger"


@pytest.fixture
def company(live_app, password_hash):
    """A Code of Care company with three placements running in the default month (one has hours)."""
    user = user_factory(live_app, password_hash)("company", code_of_care=True)
    month = monthly.default_month(clock.today())
    with live_app.app_context():
        company = db.session.get(Company, user.company_id)
        citizen = Citizen(name=SECRET_NAME, postcode="8722", benefit_group="kontanthjaelp", hours_available=30,
                          readiness_group="paa_vej", case_start=month - timedelta(days=400))
        ids = []
        for title, kind in (("Lagerhjælp", "smaajob"), ("Kantine", "virksomhedspraktik"),
                            ("Chauffør", "loentilskud")):
            opening = Opening(company=company, kind=kind, title=title, postcode="8722", hours_min=1,
                              hours_max=30, status="filled")
            placement = Placement(citizen=citizen, company=company, opening=opening, kind=kind,
                                  start_date=month, weekly_hours=10)
            db.session.add_all([opening, placement])
            db.session.flush()
            ids.append(placement.id)
        db.session.add(HoursLog(placement_id=ids[0], month=month, hours=Decimal(8)))
        db.session.commit()
    return user, ids, month


def test_hours_for_several_placements_saved_and_exported(page, live_app, company, tmp_path):
    user, ids, month = company
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    login(page, user.email)
    page.get_by_role("link", name="Forløb", exact=True).click()
    page.get_by_test_id("hours-month-link").click()
    page.get_by_role("heading", name=f"Timer for {month_label(month)}").wait_for()
    page.wait_for_load_state()  # the page's script has run (it moves the table into its scroll box)
    assert page.get_by_test_id("hours-month-row").count() == 3
    first, second, third = (page.locator(f"#timer-{pid}") for pid in ids)
    assert first.input_value() == "8"

    second.fill("-2")
    third.fill("30,5")
    page.get_by_test_id("save-hours").click()
    page.locator(".form-error-message").get_by_text("Timer kan ikke være negative.").wait_for()
    assert page.locator(f"#timer-{ids[2]}").input_value() == "30,5"  # kept while another row is wrong
    loaded(page)  # the refused page's scripts and files too: an error of theirs comes after the element
    assert console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    console_errors.clear()  # the form's 400 is expected; nothing else may fail

    page.locator(f"#timer-{ids[1]}").fill("12,5")
    page.get_by_test_id("save-hours").click()
    page.get_by_text(f"Timer for {month_label(month)} er gemt for 2 forløb.").wait_for()
    assert page.locator(f"#timer-{ids[1]}").input_value() == "12,5"
    assert page.locator(f"#timer-{ids[2]}").input_value() == "30,5"
    settled(page)  # the whole page before reading what it must not say
    assert SECRET_NAME not in page.content()

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / "timer.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    hours = HEADER.index("Timer i måneden")
    assert list(rows[0]) == HEADER  # the header is the first line
    assert [row[hours] for row in rows[1:]] == [8, 12.5, 30.5]
    assert not any(SECRET_NAME in str(value) for row in rows for value in row)

    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    csv_path = tmp_path / "timer.csv"
    info.value.save_as(csv_path)
    text = csv_path.read_bytes().decode("utf-8-sig")
    assert ";12,5\r\n" in text and ";30,5\r\n" in text
    loaded(page)  # nothing failed on the saved page either, its scripts and files included
    assert console_errors == []


def test_partner_downloads_the_yearly_report(page, live_app, company, tmp_path):
    user, _ids, month = company
    login(page, user.email)
    page.get_by_test_id("partner-report-link").click()
    page.get_by_test_id("partner-report").wait_for()
    expect(page.get_by_test_id("suppression-note")).to_be_visible()  # maybe not parsed yet
    page.locator('canvas[data-testid="chart-hours"][data-rendered="true"]').wait_for()
    with page.expect_download() as info:
        page.get_by_test_id("report-download").click()
    path = tmp_path / "rapport.xlsx"
    info.value.save_as(path)
    book = load_workbook(path)
    assert book.sheetnames == ["Oversigt", "Forløb pr. måned", "Timer pr. måned", "Fastholdelse", "Udfald"]
    text = "\n".join(str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r)
    assert SECRET_NAME not in text
    if month.year == clock.today().year:  # early January the default month is last year's
        # A month whose hours are still due is labelled »(foreløbig: …)« after its name (review AM 4).
        months = {row[0].split(" (")[0]: row[1:] for row in book["Forløb pr. måned"].iter_rows(min_row=2, values_only=True)}
        assert months[month_label(month)] == (3,)  # running (started and ended: year totals only)
