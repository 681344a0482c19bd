"""SECURITY.md's marker citizen through the default path (reviews E1, E2): every field holds a
unique marker, the consultant takes what the portal prefills (the jobmål chosen in advance, the
profile drafted from the CV) and shares the name. No marker reaches any company response (HTML,
CSV, JSON); after disclosure only the name does, as the consent allows.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from indexer.rebuild import rebuild
from portal import proposals
from portal.candidates import profile
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.clock import today
from store.models import Citizen, Company, CvDocument, JobGoal, Opening, Proposal, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal.test_proposals_shared_goal import company_pages

NAME = "Zqmarkfirst Zqmarklast"
MARKERS = {  # what never reaches a company, whatever the state
    "phone": "29 87 65 43", "email": "zqmarkmail@example.dk", "limitation": "Zqmarklimit",
    "external": "ZQMARKEXT-0101", "goal_qualifier": "Zqmarkgoal", "origin": "Zqmarkland",
    "employer_health": "Zqmarkhealth", "cpr": "010190-1234", "birth": "1990", "age": "36 år",
    "benefit": "kontanthjælp", "ptsd": "PTSD",
}
CV = (f"{NAME}\nFødt 1990, kvinde, oprindeligt fra Zqmarkland. Modtager kontanthjælp.\n"
      "Administrativ medarbejder hos Kontorfirma ApS i fire år: bogføring, post og scanning.\n"
      "CPR: 010190-1234\nHelbred: Zqmarkhealth, PTSD efter alkoholbehandling.\n"
      f"Telefon {MARKERS['phone']}, {MARKERS['email']}.\nJeg er 36 år og klar til kontorarbejde.")


@pytest.fixture
def world(app, make_user):
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    company_user = make_user("company", email="chef@kontor.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Kontorhjælp til bogholderiet",
                          description="Administrativ medarbejder: post, scanning og bogføring.",
                          hours_min=5, hours_max=12, postcode="8722", status="open")
        citizen = Citizen(name=NAME, phone=f"+45 {MARKERS['phone']}", email=MARKERS["email"],
                          external_id=MARKERS["external"], postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 6, 1),
                          vk_id=consultant.id, max_commute_km=25, languages="dansk",
                          limitations_text=f"{MARKERS['limitation']}: PTSD")
        citizen.job_goals.append(JobGoal(title="Administrativ medarbejder efter alkoholbehandling og PTSD"))
        citizen.job_goals.append(JobGoal(title=f"Kontorassistent ({MARKERS['goal_qualifier']})", position=1))
        citizen.cv_documents.append(CvDocument(text=CV))
        db.session.add_all([opening, citizen])
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return {"consultant": consultant, "company_user": company_user, "opening": opening.id,
                "citizen": citizen.id}


def leaks(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return [marker for marker in (*MARKERS.values(), *NAME.split()) if marker not in allowed and marker in text]


def company_responses(app, client, auth, world) -> dict[str, str]:
    """Every page a company user reaches from the front page, and the API's proposals."""
    auth.switch_to(world["company_user"].email)
    seen = company_pages(client)
    headers = bearer(make_token(app, world["company_user"]))
    listed = client.get("/api/v1/proposals/", headers=headers)
    seen["api list"] = listed.get_data(as_text=True)
    for item in listed.json["items"]:
        seen[f"api {item['id']}"] = client.get(f"/api/v1/proposals/{item['id']}", headers=headers).get_data(as_text=True)
    return seen


def test_no_marker_reaches_the_company_on_the_default_path(app, client, auth, world):
    auth.login(world["consultant"].email)
    ranking = f"/kandidater/opslag/{world['opening']}"
    html = client.get(ranking).get_data(as_text=True)
    card = re.search(rf'<select[^>]*id="shared-goal-{world["citizen"]}".*?</select>', html, re.DOTALL).group()
    assert leaks(card) == [] and re.findall(r'<option value="([^"]*)"', card) == ["", "Kontorassistent"]
    chosen = re.search(r'<option value="([^"]*)" selected', card)
    response = client.post(f"{ranking}/borger/{world['citizen']}", data={
        "decision": "approve", "reason": "Passer", "csrf_token": auth.csrf_token(ranking),
        "shared_goal": chosen.group(1) if chosen else ""})
    assert response.status_code == 302
    for path, text in company_responses(app, client, auth, world).items():
        assert leaks(text) == [], path

    # consent (the citizen keeps phone and e-mail), the drafted profile unchanged, disclosure
    with app.app_context():
        item = db.session.scalar(db.select(Proposal).where(Proposal.citizen_id == world["citizen"]))
        user = db.session.get(User, world["consultant"].id)
        proposals.record_consent(item, user, channel="telefon", deadline=today() + timedelta(days=30))
        drafted = profile.draft(item.citizen)
        assert leaks(str(drafted)) == [] and drafted["experience"]
        profile.approve(item, user, profile.check(**drafted, citizen=item.citizen))
        proposals.disclose(item, user)
    after = company_responses(app, client, auth, world)
    assert any(NAME in text for text in after.values())  # disclosed: the name, as the consent allows
    for path, text in after.items():
        assert leaks(text, allowed=tuple(NAME.split())) == [], path
