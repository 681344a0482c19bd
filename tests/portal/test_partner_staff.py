"""/partner/partnere: the job centre's view of its Code of Care partners' results (review AM 3)."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from markupsafe import escape
from portal.extensions import db
from store.models import AuditEvent, Citizen, Company, HotlineRequest, HoursLog, Placement
from tests.conftest import AuthActions

pytestmark = pytest.mark.usefixtures("frozen_today")
MARKER = "ZQXSTAFF"


@pytest.fixture
def partners(app, make_user):
    """Two partners (p@ with placements, q@ without), a plain company, a VK and an admin."""
    vk = make_user("consultant", email="vk@jc.dk")
    make_user("admin", email="admin@jc.dk")
    p = make_user("company", email="p@firma.dk", code_of_care=True)
    q = make_user("company", email="q@firma.dk", code_of_care=True)
    plain = make_user("company", email="plain@firma.dk")
    with app.app_context():
        db.session.get(Company, p.company_id).consultant_id = vk.id
        citizen = Citizen(name=f"{MARKER}navn", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2025, 1, 5), hours_available=20)
        db.session.add(citizen)
        db.session.flush()
        common = {"citizen_id": citizen.id, "company_id": p.company_id, "kind": "smaajob", "weekly_hours": 10}
        ended = [Placement(start_date=date(2026, 2, 2), end_date=date(2026, 5, 29), end_reason=reason, **common)
                 for reason in ("ordinaert_job", "ordinaert_job", "uddannelse", "afbrudt")]
        running = Placement(start_date=date(2026, 9, 1), **common)
        without_hours = Placement(start_date=date(2026, 10, 5), **common)  # October's hours missing
        planned = Placement(start_date=date(2026, 12, 7), **common)
        db.session.add_all([*ended, running, without_hours, planned])
        db.session.flush()
        db.session.add(HoursLog(placement_id=running.id, month=date(2026, 10, 1), hours=Decimal("12.5")))
        created = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        db.session.add_all([HotlineRequest(company_id=p.company_id, category="andet", urgency="normal", subject="Emne",
                                           status=status, created_by_id=p.id, created_at=created,
                                           due_at=created + timedelta(days=3),
                                           closed_at=created if status == "closed" else None)
                            for status in ("open", "open", "closed")])
        db.session.commit()
    return {"p": p.company_id, "q": q.company_id, "plain": plain.company_id}


def _row(html, company_id):
    row = re.search(rf'data-testid="partner-row-{company_id}">(.*?)</tr>', html, re.S).group(1)
    return {key: re.sub(r"<[^>]+>", "", value).strip()
            for key, value in re.findall(r'data-testid="([a-z-]+)">(.*?)</td>', row, re.S)}


@pytest.mark.parametrize("email", ["vk@jc.dk", "admin@jc.dk"])
def test_staff_see_every_partner_with_its_key_figures(client, partners, email):
    AuthActions(client).switch_to(email)
    html = client.get("/partner/partnere").get_data(as_text=True)
    assert 'data-testid="partner-list"' in html and MARKER not in html
    assert f'data-testid="partner-row-{partners["plain"]}"' not in html
    row = _row(html, partners["p"])
    assert row["running"] == "2" and row["planned"] == "1" and row["started"] == "6" and row["ended"] == "4"
    assert row["moved-on"] == "3 (75 %)" and row["last-month-hours"] == "12,5"
    assert row["missing-hours"] == "1" and row["open-hotline"] == "2"
    assert _row(html, partners["q"])["running"].startswith("0") and "Ingen forløb i gang" in html
    assert f'href="/partner/partnere/{partners["p"]}/rapport"' in html
    assert ("(dig)" in html) is (email == "vk@jc.dk")


def test_staff_read_the_partners_own_report_read_only(app, client, partners):
    """The same figures as the partner's page, with the partner's name, no partner-only links."""
    AuthActions(client).switch_to("p@firma.dk")
    own = client.get("/partner/rapport").get_data(as_text=True)
    AuthActions(client).switch_to("vk@jc.dk")
    response = client.get(f"/partner/partnere/{partners['p']}/rapport")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="staff-read-only"' in html
    with app.app_context():
        name = db.session.get(Company, partners["p"]).name
    assert f"Code of Care-rapport 2026: {name}" in html and MARKER not in html
    assert f"<title>Code of Care-rapport 2026: {escape(name)} · Jobbro</title>" in html  # review BI 6: tabs differ
    for testid in ("total-started", "total-ended", "total-running", "total-hours"):
        pattern = rf'data-testid="{testid}">(.*?)<'
        assert re.search(pattern, html).group(1) == re.search(pattern, own).group(1)
    assert 'href="/forloeb/timer"' not in html.split("<main", 1)[-1]
    assert f'action="/partner/partnere/{partners["p"]}/rapport"' in html
    assert f'href="/partner/partnere/{partners["p"]}/rapport/2026.xlsx"' in html
    older = client.get(f"/partner/partnere/{partners['p']}/rapport?aar=2025").get_data(as_text=True)
    assert "Vælg et år fra listen. Viser 2026." in older  # the partner's first year is 2026


def test_staff_xlsx_is_the_partners_file_and_audited(app, client, partners):
    AuthActions(client).switch_to("p@firma.dk")
    own = load_workbook(io.BytesIO(client.get("/partner/rapport/2026.xlsx").data))
    AuthActions(client).switch_to("admin@jc.dk")
    response = client.get(f"/partner/partnere/{partners['p']}/rapport/2026.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert [[list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets] == \
        [[list(r) for r in s.iter_rows(values_only=True)] for s in own.worksheets]
    with app.app_context():
        purposes = set(db.session.scalars(sa.select(AuditEvent.purpose)
                                          .where(AuditEvent.action == "export_partner_report")))
    assert purposes == {f"company:{partners['p']} 2026", f"staff company:{partners['p']} 2026"}
    assert client.get(f"/partner/partnere/{partners['p']}/rapport/2019.xlsx").status_code == 404


@pytest.mark.parametrize("path", ["/partner/partnere", "/partner/partnere/{p}/rapport",
                                  "/partner/partnere/{p}/rapport/2026.xlsx", "/partner/partnere/{q}/rapport",
                                  "/partner/partnere/{q}/rapport/2026.xlsx"])
@pytest.mark.parametrize("email", ["p@firma.dk", "q@firma.dk", "plain@firma.dk"])
def test_companies_get_no_staff_page_not_even_their_own(client, partners, path, email):
    """A company never reaches another's report (nor the staff pages for its own)."""
    AuthActions(client).switch_to(email)
    html_path = path.format(p=partners["p"], q=partners["q"])
    assert client.get(html_path).status_code == 403


@pytest.mark.parametrize("which", ["plain", "unknown", "huge"])
def test_a_company_that_is_no_partner_has_no_report(client, partners, which):
    AuthActions(client).switch_to("vk@jc.dk")
    company_id = {"plain": partners["plain"], "unknown": 999_999, "huge": 10**30}[which]
    assert client.get(f"/partner/partnere/{company_id}/rapport").status_code == 404
    assert client.get(f"/partner/partnere/{company_id}/rapport/2026.xlsx").status_code == 404


def test_staff_reach_the_list_from_the_menu_and_the_companies_page(client, partners):
    AuthActions(client).switch_to("vk@jc.dk")
    assert '<a href="/partner/partnere">Code of Care</a>' in client.get("/").get_data(as_text=True)
    AuthActions(client).switch_to("admin@jc.dk")
    companies = client.get("/admin/companies?partnere=1").get_data(as_text=True)
    assert re.search(r'<a href="/partner/partnere" data-testid="partner-results-link">', companies)
    AuthActions(client).switch_to("p@firma.dk")
    assert 'href="/partner/partnere"' not in client.get("/").get_data(as_text=True)


def test_an_empty_list_says_so(client, make_user):
    make_user("consultant", email="vk@jc.dk")
    AuthActions(client).switch_to("vk@jc.dk")
    assert 'data-testid="no-partners"' in client.get("/partner/partnere").get_data(as_text=True)


def test_staff_xlsx_file_name_names_the_partner(app, client, partners):
    """Review AP 4: every partner's file was »code-of-care-2026.xlsx« for staff; now it names the
    partner (ASCII), the partner's own download keeps its name."""
    with app.app_context():
        db.session.get(Company, partners["p"]).name = "Tørring Tømrer & Snedker ApS"
        db.session.get(Company, partners["q"]).name = "–– ✓ ––"  # nothing ASCII left: the CVR number
        cvr = db.session.get(Company, partners["q"]).cvr
        db.session.commit()
    AuthActions(client).switch_to("vk@jc.dk")
    named = client.get(f"/partner/partnere/{partners['p']}/rapport/2026.xlsx").headers["Content-Disposition"]
    assert named == 'attachment; filename="code-of-care-toerring-toemrer-snedker-aps-2026.xlsx"'
    with app.app_context():
        from portal.partners.routes import staff_file_name

        assert staff_file_name(db.session.get(Company, partners["q"]), 2026) == f"code-of-care-cvr-{cvr}-2026.xlsx"
        long = Company(name="Ærø " + "Meget Langt Firmanavn " * 5, cvr="1")
        assert len(staff_file_name(long, 2026)) <= len("code-of-care--2026.xlsx") + 50
        assert staff_file_name(long, 2026).startswith("code-of-care-aeroe-meget-langt-")
    AuthActions(client).switch_to("p@firma.dk")
    own = client.get("/partner/rapport/2026.xlsx").headers["Content-Disposition"]
    assert own == 'attachment; filename="code-of-care-2026.xlsx"'
