"""Free text never reaches a company as the candidate's jobmål: the consultant chooses one of
the citizen's own jobmål, cut to its job title, and the server refuses anything else (review E1,
F10).

A jobmål is typed by an adviser and may hold health details ("skånejob pga. rygskade"); a typed
text could hold a name or a CPR number. Until a jobmål is chosen the company reads "Foreslået af
jobcentret til dette opslag".
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from indexer.rebuild import rebuild
from portal import proposals
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import AuditEvent, Citizen, Company, CvDocument, JobGoal, Opening, Placement, Proposal, User
from store.clock import today
from tests.portal.response_text import response_text

GOAL = "Administrativ medarbejder (skånejob pga. rygskade)"
HEALTH = ("skånejob", "rygskade", "pga.")


@pytest.fixture
def world(app, make_user):
    """An opening for office work and a citizen whose jobmål holds a health detail, indexed."""
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    company_user = make_user("company", email="chef@kontor.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Kontorhjælp til bogholderiet",
                          description="Administrativ medarbejder: post, scanning og bogføring.",
                          hours_min=5, hours_max=12, postcode="8722", status="open")
        citizen = Citizen(name="Zora Qvistgaard", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 6, 1),
                          vk_id=consultant.id, max_commute_km=25)
        citizen.job_goals.append(JobGoal(title=GOAL))
        citizen.job_goals.append(JobGoal(title="Kontorassistent, helst formiddag", position=1))
        citizen.cv_documents.append(CvDocument(text="Administrativ medarbejder, bogføring og kontor."))
        db.session.add_all([opening, citizen])
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return {"consultant": consultant, "company_user": company_user, "opening": opening.id,
                "citizen": citizen.id}


def approve(client, auth, world, **extra):
    path = f"/kandidater/opslag/{world['opening']}"
    token = auth.csrf_token(path)
    return client.post(f"{path}/borger/{world['citizen']}",
                       data={"decision": "approve", "reason": "Passer godt", "csrf_token": token, **extra})


def proposal_of(app, world) -> Proposal | None:
    with app.app_context():
        proposal = db.session.scalar(sa.select(Proposal).where(Proposal.citizen_id == world["citizen"]))
        if proposal is not None:
            db.session.expunge(proposal)
        return proposal


def company_pages(client) -> dict[str, str]:
    """Every page a logged-in company user reaches by following links from the front page."""
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response_text(response)  # downloads too (XLSX cells, .ics, CSV)
        for link in re.findall(r'href="(/[^"#]*)"', seen[path]):
            link = link.replace("&amp;", "&")
            if not link.startswith(("/static", "//")) and link not in seen:
                queue.append(link)
    return seen


def assert_no_free_text(client, auth, world) -> dict[str, str]:
    auth.switch_to(world["company_user"].email)
    pages = company_pages(client)
    assert f"/opslag/{world['opening']}" in pages
    for path, html in pages.items():
        for word in HEALTH:
            assert word not in html, f"{word!r} reached the company on {path}"
    return pages


def test_free_text_jobmaal_never_reaches_the_company_in_any_state(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert approve(client, auth, world).status_code == 302
    proposal = proposal_of(app, world)
    assert proposal is not None and proposal.status == "approved"
    pages = assert_no_free_text(client, auth, world)
    assert "Kontorhjælp til bogholderiet" in pages[f"/opslag/{world['opening']}"]
    with app.app_context():
        item = db.session.get(Proposal, proposal.id)
        user = db.session.get(User, world["consultant"].id)
        proposals.record_consent(item, user, channel="telefon", deadline=today() + timedelta(days=30))
    assert_no_free_text(client, auth, world)
    with app.app_context():
        item = db.session.get(Proposal, proposal.id)
        proposals.disclose(item, db.session.get(User, world["consultant"].id))
        db.session.add(Placement(citizen_id=world["citizen"], company_id=item.opening.company_id,
                                 opening_id=item.opening_id, kind="smaajob", start_date=today(),
                                 weekly_hours=8))
        db.session.commit()
    pages = assert_no_free_text(client, auth, world)
    assert "Zora Qvistgaard" in pages[f"/opslag/{world['opening']}"]  # disclosed: the name, not the goal
    assert any(path.startswith("/forloeb/") for path in pages)


def test_the_company_sees_the_text_the_consultant_approved(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert approve(client, auth, world, shared_goal="Administrativ medarbejder").status_code == 302
    assert proposal_of(app, world).shared_goal == "Administrativ medarbejder"
    pages = assert_no_free_text(client, auth, world)
    assert "Administrativ medarbejder" in pages[f"/opslag/{world['opening']}"]


def test_the_approval_form_offers_the_citizens_jobmaal_as_titles(client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening']}").get_data(as_text=True)
    field = re.search(r'<select[^>]*name="shared_goal".*?</select>', html, re.DOTALL).group()
    options = re.findall(r'<option value="([^"]*)"', field)
    assert options == ["", "Administrativ medarbejder", "Kontorassistent"]  # the matched one first
    assert '<option value="Administrativ medarbejder" selected>' in field
    assert "skånejob" not in field and "formiddag" not in field


# Review E1's texts: a health detail, a name and CPR number, a benefit group with age and origin;
# and F10's: titles the citizen never had.
E1_TEXTS = ["Administrativ medarbejder efter alkoholbehandling og PTSD",
            "Administrativ medarbejder, Zora Qvistgaard 010190-1234",
            "Kontorassistent på kontanthjælp, 36 år, fra Syrien", "Lagerchef", "Review F Direktør"]


@pytest.mark.parametrize("text", [GOAL, "Kontor, skånejob", "Administrativ medarbejder pga. stress",
                                  "Kontor (rygskade)", "x" * 121, *E1_TEXTS])
def test_a_text_that_is_no_jobmaal_of_the_citizen_is_refused(app, client, auth, world, text):
    auth.login(world["consultant"].email)
    response = approve(client, auth, world, shared_goal=text)
    assert response.status_code == 302
    assert proposal_of(app, world) is None
    flashed = client.get(f"/kandidater/opslag/{world['opening']}").get_data(as_text=True)
    assert ("kan ikke vises for virksomheden" in flashed or "er ikke et af borgerens jobmål" in flashed
            or "Højst 120 tegn" in flashed)


@pytest.mark.parametrize("text", E1_TEXTS)
def test_the_proposal_page_refuses_free_text_at_the_field(app, client, auth, world, text):
    auth.login(world["consultant"].email)
    approve(client, auth, world, shared_goal="Kontorassistent")
    proposal = proposal_of(app, world)
    path = f"/kandidater/forslag/{proposal.id}"
    refused = client.post(f"{path}/jobmaal", data={"shared_goal": text, "csrf_token": auth.csrf_token(path)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    error = re.search(r'id="shared_goal-error"[^>]*>(.*?)</span>\s*<select', html, re.DOTALL)
    assert error and ("kan ikke vises for virksomheden" in error.group(1)
                      or "er ikke et af borgerens jobmål" in error.group(1))
    assert proposal_of(app, world).shared_goal == "Kontorassistent"


def test_a_jobmaal_with_health_words_is_never_offered_nor_chosen_in_advance(app, client, auth, world):
    """E1's default path: the citizen's jobmål itself holds the health detail. It is not on the
    list, nothing is chosen in advance, and an approval with only a reason shows the company none."""
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.job_goals.clear()
        citizen.job_goals.append(JobGoal(title=E1_TEXTS[0]))
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening']}").get_data(as_text=True)
    field = re.search(r'<select[^>]*name="shared_goal".*?</select>', html, re.DOTALL).group()
    assert re.findall(r'<option value="([^"]*)"', field) == [""]  # none: the company reads the neutral line
    assert approve(client, auth, world, shared_goal="").status_code == 302
    assert proposal_of(app, world).shared_goal == ""
    pages = assert_no_free_text(client, auth, world)
    listing = pages[f"/opslag/{world['opening']}"]
    assert "alkoholbehandling" not in listing and "Foreslået af jobcentret til dette opslag" in listing


def test_the_consultant_changes_the_shared_text_on_the_proposal_page(app, client, auth, world):
    auth.login(world["consultant"].email)
    approve(client, auth, world)
    proposal = proposal_of(app, world)
    path = f"/kandidater/forslag/{proposal.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Jobmål vist for virksomheden" in page
    token = auth.csrf_token(path)
    refused = client.post(f"{path}/jobmaal", data={"shared_goal": GOAL, "csrf_token": token})
    assert refused.status_code == 400
    assert "kan ikke vises for virksomheden: det indeholder helbredsoplysninger" in refused.get_data(as_text=True)
    assert proposal_of(app, world).shared_goal == ""
    saved = client.post(f"{path}/jobmaal", data={"shared_goal": "Kontorassistent", "csrf_token": token})
    assert saved.status_code == 302
    assert proposal_of(app, world).shared_goal == "Kontorassistent"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "proposal_shared_goal")) == 1
    assert "Kontorassistent" in assert_no_free_text(client, auth, world)[f"/opslag/{world['opening']}"]
