"""The list pages read the database a fixed number of times, whatever the number of rows.

A page that asks per row (N+1) is slow under load: each test counts the SQL statements a page
runs on ``db.engine`` with a few cases, adds more cases (new citizens, companies, openings,
placements, proposals, interviews, hotline requests) and counts again. The rows grow, the
statement count may not. The audit events for the names a company sees are written before
the page is shown, in one statement per page (fail closed, SECURITY.md); they are counted
apart, and their number must equal the names shown.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal import consents
from portal.extensions import db
from store.models import (AuditEvent, Citizen, Company, Consent, CvDocument, HotlineRequest, HoursLog, Interview, JobGoal,
                          Opening, OutboxEvent, Placement, PlacementEvent, Proposal, User)
from tests.clock import TODAY
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")

ADVISER = "Rådgiver Rasmussen"
AUDIT_INSERT = re.compile(r"^\s*INSERT INTO audit_event", re.IGNORECASE)


@pytest.fixture
def people(app, make_user) -> dict:
    """The consultant whose start page is read, an adviser colleague and a company user."""
    found = {"vk": make_user("consultant"), "adviser": make_user("consultant"), "company": make_user("company")}
    with app.app_context():
        db.session.get(User, found["adviser"].id).name = ADVISER
        db.session.commit()
    return found


def add_cases(app, people: dict, count: int) -> None:
    """``count`` more citizens of the VK, each giving every list on the pages a row.

    Each citizen: a placement at the company user's company (hours this month, an old
    follow-up, so it is flagged; the identity released, the company's answer "declined"), a
    proposal waiting for the VK, and a disclosed proposal at a new company answered
    "interested" with a time offered by the company; every other citizen lacks a CV. Each new company also calls the hotline.
    """
    vk, adviser, user = people["vk"], people["adviser"], people["company"]
    with app.app_context():
        for _ in range(count):
            tag = uuid.uuid4().hex[:8]
            n = db.session.scalar(sa.select(sa.func.count(Citizen.id)))
            other = Company(name=f"Firma {tag}", cvr=str(20000000 + n), postcode="8722")
            citizen = Citizen(name=f"Borger {tag}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=20,
                              vk_id=vk.id, adviser_id=adviser.id if n % 2 else None, team_id=vk.team_id)
            citizen.job_goals.append(JobGoal(title="Lagermedarbejder", position=0))
            if n % 2 == 0:
                citizen.cv_documents.append(CvDocument(text="Truckcertifikat og lagererfaring"))
            db.session.add_all([other, citizen])
            db.session.flush()
            here, waiting, answered = (
                Opening(company_id=company_id, kind="smaajob", title=f"{title} {tag}", postcode="8722",
                        hours_min=5, hours_max=20, status="open")
                for company_id, title in ((user.company_id, "Lagerhjælp"), (other.id, "Pakning"),
                                          (other.id, "Kantine")))
            db.session.add_all([here, waiting, answered])
            db.session.flush()
            placement = Placement(citizen_id=citizen.id, company_id=user.company_id, opening_id=here.id,
                                  kind="smaajob", start_date=date(2026, 6, 1), weekly_hours=10)
            # declined today: its answer is on the queue ("find another candidate"); the interested
            # one below has a time offered, so the interview list follows it instead
            released = Proposal(citizen_id=citizen.id, opening_id=here.id, status="disclosed",
                                decided_by_id=vk.id, company_response="declined",
                                company_responded_at=datetime.combine(TODAY, time(8), timezone.utc))
            pending = Proposal(citizen_id=citizen.id, opening_id=waiting.id, status="proposed",
                               explanation={"similarity_band": "Stærkt match"})
            interested = Proposal(citizen_id=citizen.id, opening_id=answered.id, status="disclosed",
                                  decided_by_id=vk.id, company_response="interested",
                                  company_responded_at=datetime.combine(TODAY, time(9), timezone.utc))
            db.session.add_all([placement, released, pending, interested])
            db.session.flush()
            for proposal in (released, interested):
                db.session.add(Consent(proposal_id=proposal.id, text_version=consents.CONSENT_TEXT_VERSION,
                                       channel="telefon", deadline=TODAY + timedelta(days=60),
                                       recorded_by_id=vk.id))
            db.session.add_all([
                HoursLog(placement_id=placement.id, month=TODAY.replace(day=1), hours=Decimal("7.25")),
                HoursLog(placement_id=placement.id, month=date(2026, 7, 1), hours=Decimal("30")),
                PlacementEvent(placement_id=placement.id, kind="followup",
                               at=datetime(2026, 8, 3, 9, tzinfo=timezone.utc)),
                Interview(proposal_id=interested.id, offered_by="company", location="Kontoret",
                          starts_at=datetime.combine(TODAY + timedelta(days=7), time(9), timezone.utc),
                          uid=f"{tag}@test"),
                HotlineRequest(company_id=other.id, category="fravaer", urgency="hoej", subject=f"Fravær {tag}",
                               created_by_id=user.id,
                               due_at=datetime.combine(TODAY + timedelta(days=1), time(9), timezone.utc)),
            ])
        db.session.commit()



def read(app, client, url: str) -> tuple[str, int, int]:
    """The page (read once before, so one-time caches do not count), its statements and audit writes."""
    assert client.get(url).status_code == 200
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200
    audits = sum(1 for s in seen if AUDIT_INSERT.match(s))
    return response.get_data(as_text=True), len(seen) - audits, audits


def section_rows(html: str, key: str) -> int:
    section = re.search(rf'<section data-testid="queue-{key}">(.*?)</section>', html, re.DOTALL)
    assert section, key
    return section.group(1).count('data-testid="queue-row"')


def test_consultant_start_page(app, client, auth, people):
    add_cases(app, people, 2)
    auth.login(people["vk"].email)
    html, few, _ = read(app, client, "/")
    before = {key: section_rows(html, key) for key in ("forslag", "svar", "hotline", "kan-ikke-matches",
                                                       "opfoelgning", "samtaler")}
    add_cases(app, people, 4)
    html, many, _ = read(app, client, "/")
    after = {key: section_rows(html, key) for key in before}
    assert before == {"forslag": 2, "svar": 2, "hotline": 2, "kan-ikke-matches": 1, "opfoelgning": 2,
                      "samtaler": 2}
    assert after == {"forslag": 6, "svar": 6, "hotline": 6, "kan-ikke-matches": 3, "opfoelgning": 6,
                     "samtaler": 6}
    assert many == few, f"the start page ran {few} statements with 2 cases, {many} with 6"
    with statements(app) as seen:
        client.get("/")
    repeated = [s for s in set(seen) if seen.count(s) > 1]
    assert not repeated, f"read twice: {repeated}"  # e.g. the hotline requests' companies


def test_followup_page(app, client, auth, people):
    add_cases(app, people, 2)
    auth.login(people["vk"].email)
    html, few, _ = read(app, client, "/forloeb/opfoelgning")
    assert html.count('data-testid="followup-row"') == 2
    add_cases(app, people, 4)
    html, many, _ = read(app, client, "/forloeb/opfoelgning?omfang=team&sort=-start")
    assert html.count('data-testid="followup-row"') == 6
    assert many == few, f"the follow-up page ran {few} statements with 2 placements, {many} with 6"


def test_citizen_list(app, client, auth, people):
    add_cases(app, people, 2)
    auth.login(people["vk"].email)
    html, few, _ = read(app, client, "/borgere/")
    assert html.count('data-testid="citizen-row"') == 2
    add_cases(app, people, 4)
    html, many, _ = read(app, client, "/borgere/")
    assert html.count('data-testid="citizen-row"') == 6
    assert html.count("Klar til matching") == 3 and html.count('data-testid="fix">CV</a>') == 3
    assert html.count(ADVISER) == 3  # the adviser of every other citizen
    assert many == few, f"/borgere/ ran {few} statements with 2 citizens, {many} with 6"


def _names_viewed(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "identity_viewed"))


def test_company_placements(app, client, auth, people):
    add_cases(app, people, 2)
    auth.login(people["company"].email)
    before = _names_viewed(app)
    html, few, audits = read(app, client, "/forloeb/")
    assert html.count('data-testid="placement-row"') == 2
    assert audits == 1 and _names_viewed(app) - before == 2 * 2  # each name logged, per read, in one statement
    add_cases(app, people, 4)
    before = _names_viewed(app)
    html, many, audits = read(app, client, "/forloeb/")
    assert html.count('data-testid="placement-row"') == 6
    assert html.count("Borger ") == 6  # every released name shown, each audited first
    assert audits == 1 and _names_viewed(app) - before == 2 * 6
    assert html.count('data-testid="hours-this-month">7,25<') == 6
    assert html.count('data-testid="hours-total">37,25<') == 6
    assert many == few, f"/forloeb/ ran {few} statements with 2 placements, {many} with 6"


def _propose(app, people: dict, opening_id: int, count: int) -> None:
    """``count`` more citizens proposed for the opening, each disclosed with a live consent."""
    vk = people["vk"]
    with app.app_context():
        for _ in range(count):
            tag = uuid.uuid4().hex[:8]
            citizen = Citizen(name=f"Kandidat {tag}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=20,
                              vk_id=vk.id)
            db.session.add(citizen)
            db.session.flush()
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening_id, status="disclosed",
                                decided_by_id=vk.id, decided_at=datetime.now(timezone.utc))
            db.session.add(proposal)
            db.session.flush()
            db.session.add(Consent(proposal_id=proposal.id, text_version=consents.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=TODAY + timedelta(days=60),
                                   recorded_by_id=vk.id))
        db.session.commit()


def test_company_opening_with_its_candidates(app, client, auth, people):
    with app.app_context():
        opening = Opening(company_id=people["company"].company_id, kind="smaajob", title="Lagerhjælp",
                          postcode="8722", hours_min=5, hours_max=20, status="open")
        db.session.add(opening)
        db.session.commit()
        url = f"/opslag/{opening.id}"
    _propose(app, people, opening.id, 2)
    auth.login(people["company"].email)
    before = _names_viewed(app)
    html, few, audits = read(app, client, url)
    assert len(set(re.findall(r"Kandidat [0-9a-f]{8}", html))) == 2
    assert audits == 1 and _names_viewed(app) - before == 2 * 2  # each name logged, per read, in one statement
    _propose(app, people, opening.id, 4)
    before = _names_viewed(app)
    html, many, audits = read(app, client, url)
    assert len(set(re.findall(r"Kandidat [0-9a-f]{8}", html))) == 6
    assert audits == 1 and _names_viewed(app) - before == 2 * 6
    assert many == few, f"{url} ran {few} statements with 2 candidates, {many} with 6"


def test_admin_start_page_counts_in_one_statement(app, client, auth, people, make_user):
    """Every figure equals a plain recount, read in one statement; the backlog leads to the
    page where it is handled."""
    add_cases(app, people, 3)
    with app.app_context():  # one failure put right by a later indexing, one still open
        db.session.add_all([OutboxEvent(entity="citizen", entity_id=1, status="failed", last_error="x"),
                            OutboxEvent(entity="citizen", entity_id=1, status="done"),
                            OutboxEvent(entity="opening", entity_id=1, status="failed", last_error="y")])
        db.session.commit()
    auth.login(make_user("admin").email)
    html, read_statements, _ = read(app, client, "/")
    assert re.search(r"Fejlede: <strong>1</strong>", html)  # as /admin/indexer counts them
    with app.app_context():
        expected = {
            "Virksomheder": db.session.query(Company).count(),
            "Code of Care-partnere": db.session.query(Company).filter(Company.code_of_care.is_(True)).count(),
            "Brugere": db.session.query(User).count(),
            "Borgere med åben sag": db.session.query(Citizen).filter(
                Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)).count(),
            "Åbne opslag": db.session.query(Opening).filter(Opening.status == "open").count(),
        }
    listed = client.get("/forloeb/opfoelgning?omfang=all").get_data(as_text=True)
    # No list holds every placement ever: the figure is the follow-up list's, row for row.
    expected["Forløb i gang eller til opfølgning"] = listed.count('data-testid="followup-row"')
    companies = client.get("/admin/companies?uden_vk=1").get_data(as_text=True)
    expected["Virksomheder uden aktiv virksomhedskonsulent"] = len(re.findall(r'<tr><td><a href="/admin/companies/\d+', companies))
    companies = client.get("/admin/companies?uden_brugere=1").get_data(as_text=True)
    expected["Virksomheder uden aktiv bruger"] = len(re.findall(r'<tr><td><a href="/admin/companies/\d+', companies))
    shown = dict(re.findall(r'<th scope="row">(?:<a href="[^"]*">)?([^<]+)(?:</a>)?</th><td>(\d+)</td>', html))
    assert {label: int(value) for label, value in shown.items()} == expected
    assert expected["Borgere med åben sag"] >= 3 and expected["Forløb i gang eller til opfølgning"] >= 3
    links = re.findall(r'<th scope="row"><a href="([^"]+)">', html)
    assert len(links) == len(expected) and all(client.get(link.replace("&amp;", "&")).status_code == 200 for link in links)
    everyone = client.get("/borgere/?scope=all").get_data(as_text=True)
    assert f'af de viste {expected["Borgere med åben sag"]} borgere' in everyone  # the same count
    # the user, the counts, the follow-up list, the unread notifications, the scheduled jobs' last runs
    assert read_statements <= 5
    backlog = re.search(r'<p data-testid="index-backlog">(.*?)</p>', html, re.DOTALL)
    assert backlog and 'href="/admin/indexer"' in backlog.group(1)
