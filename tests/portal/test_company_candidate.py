"""The company's candidate page: the allow-list before disclosure; profile, contact and CV after."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import re

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import AuditEvent, Citizen, CvDocument, JobGoal, Notification, Proposal, User
from tests.portal.proposal_fixtures import MARKER, actions, build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")

PROFILE = {"experience": "Fem år i storkøkken", "goals": "Kok, køkkenmedhjælper", "hours": 20,
           "licences": ["B"], "languages": "dansk, engelsk", "start": "2026-12-01",
           "phone": "+45 11 22 33 44", "email": ""}
CV_BYTES = b"%PDF-1.4 fake cv for the test\n"


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    world = build_world(app, make_user)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id = world["consultant"].id
        vk = db.session.get(User, world["consultant"].id)
        vk.phone = "76 55 44 33"
        folder = Path(app.config["UPLOAD_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "abc123.pdf").write_bytes(CV_BYTES)
        db.session.add(CvDocument(citizen_id=citizen.id, original_filename="Mit CV.pdf",
                                  stored_name="abc123.pdf", content_type="pdf", text="Kok i fem år"))
        db.session.commit()
    return world


def page(client, auth, world, who="company"):
    auth.switch_to(world[who].email)
    return client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}")


def cv(client, world):
    return client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/cv")


def set_profile(app, world, profile=PROFILE, share_cv=False, approved=True):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.shared_profile, proposal.share_cv = dict(profile), share_cv
        proposal.profile_approved_at = datetime.now(timezone.utc) if approved else None
        proposal.profile_approved_by_id = world["consultant"].id if approved else None
        db.session.commit()


def test_before_disclosure_only_the_allow_list(app, client, auth, world):
    set_profile(app, world, share_cv=True)
    set_status(app, world["proposal"], "consented", consent=True)
    response = page(client, auth, world)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        assert pseudonym(world["citizen"], world["opening"]) in html
    assert "Kok" in html and "12,5" in html
    for secret in (MARKER, "Markersen", "Fem år i storkøkken", "11 22 33 44", "Hent CV", "rygskade"):
        assert secret not in html, secret
    assert 'data-testid="candidate-anonymous"' in html
    assert cv(client, world).status_code == 404
    assert "identity_viewed" not in actions(app) and "cv_downloaded" not in actions(app)


@pytest.mark.parametrize("band", ["lav", "middel", "Stærkt match"])
def test_the_company_never_sees_the_match_band(app, client, auth, world, band):
    """Review BG 5: the band is the consultant's statement about a ranking; a company read
    »Match: lav« on the job centre's own pick. Neither the opening's page nor the candidate's
    shows it, before or after the name is shared."""
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.explanation = {**(proposal.explanation or {}), "similarity_band": band}
        db.session.commit()
    set_profile(app, world)
    for status in ("approved", "disclosed"):
        set_status(app, world["proposal"], status, consent=status == "disclosed")
        candidate = page(client, auth, world).get_data(as_text=True)
        listing = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
        for html in (candidate, listing):
            assert band not in html and "Match:" not in html and '<th scope="row">Match</th>' not in html
            assert "Kok" in html and "12,5" in html  # the rest of the card is still there


def test_after_disclosure_name_profile_contact_and_audit(app, client, auth, world):
    set_profile(app, world)
    set_status(app, world["proposal"], "disclosed", consent=True)
    html = page(client, auth, world).get_data(as_text=True)
    assert MARKER in html
    for shown in ("Fem år i storkøkken", "Kok, køkkenmedhjælper", "20 timer", "dansk, engelsk", "01.12.2026",
                  "+45 11 22 33 44"):
        assert shown in html, shown
    assert ">E-mail<" not in html  # the citizen did not share an e-mail address
    assert "Consultant Testesen" in html and "76 55 44 33" in html  # the job-centre contact
    assert "Hent CV" not in html and cv(client, world).status_code == 404  # no consent to the file
    with app.app_context():
        viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "identity_viewed")).one()
        assert (viewed.citizen_id, viewed.user_id) == (world["citizen"], world["company"].id)


def test_profile_not_ready_shows_the_contact_and_the_hotline_phone(app, client, auth, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        db.session.get(User, world["consultant"].id).phone = ""
        db.session.commit()
    html = page(client, auth, world).get_data(as_text=True)
    assert "Profilen er ikke klar endnu — jobcentret sender den" in html
    assert app.config["HOTLINE_PHONE"] in html and world["consultant"].email in html
    set_profile(app, world, approved=False)  # written but not approved: still not shown
    html = page(client, auth, world).get_data(as_text=True)
    assert "Profilen er ikke klar endnu" in html and "Fem år i storkøkken" not in html
    assert "+45 11 22 33 44" in html  # the shared phone number comes with the consent
    assert "Intet kørekort" not in html and "Efter aftale" not in html


def test_cv_download_only_with_share_cv_and_audited(app, client, auth, world):
    set_profile(app, world, share_cv=True)
    set_status(app, world["proposal"], "disclosed", consent=True)
    assert "Hent CV" in page(client, auth, world).get_data(as_text=True)
    response = cv(client, world)
    # the CV's checked text, never the stored file (review AJ 1)
    assert response.status_code == 200 and response.get_data(as_text=True) == "Kok i fem år\n"
    assert response.mimetype == "text/plain" and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.txt"')
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cv_downloaded")).one()
        assert (event.citizen_id, event.user_id) == (world["citizen"], world["company"].id)
    # consent withdrawn: the file is gone for the company
    with app.app_context():
        proposals.withdraw(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["consultant"].id))
    assert cv(client, world).status_code == 404


def test_other_company_and_staff_cannot_open_the_page(app, client, auth, world):
    set_profile(app, world, share_cv=True)
    set_status(app, world["proposal"], "disclosed", consent=True)
    assert page(client, auth, world, "other").status_code == 404
    assert cv(client, world).status_code == 404
    assert page(client, auth, world, "consultant").status_code == 403
    set_status(app, world["proposal"], "rejected")
    assert page(client, auth, world).status_code == 404


def test_opening_page_links_each_candidate(app, client, auth, world):
    auth.switch_to(world["company"].email)
    html = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    link = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    assert f'href="{link}"' in html and client.get(link).status_code == 200


def test_company_answer_notifies_the_consultant(app, client, auth, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    auth.switch_to(world["company"].email)
    token = auth.csrf_token(f"/opslag/{world['opening']}")
    response = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                           data={"csrf_token": token, "response": "interested", "note": "Ring gerne",
                                 "next": "candidate"})
    assert response.headers["Location"].endswith(f"/kandidat/{world['proposal']}")
    with app.app_context():
        note = db.session.scalars(sa.select(Notification).where(Notification.kind == "company_answered")).one()
        assert note.user_id == world["consultant"].id and note.link == f"/kandidater/forslag/{world['proposal']}"
        assert "Interesseret" in note.text
    # a refused answer notifies nobody
    client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": token, "response": "approved"})
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="company_answered").count() == 1


def test_without_an_approved_jobmaal_the_company_is_told_what_the_candidate_was_proposed_for(app, client, auth, world):
    """The opening's title is no jobmål of the candidate's: it is never shown as one."""
    set_status(app, world["proposal"], "consented", consent=True)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.shared_goal = ""
        title = proposal.opening.title
        db.session.commit()
    html = page(client, auth, world).get_data(as_text=True)
    assert "Jobmål der matcher" not in html
    # Neutral: no remark that reads like the job centre forgot something (review finding).
    assert 'Forslag</th><td data-testid="shared-goal">Foreslået af jobcentret til dette opslag<' in html
    assert "ikke angivet et jobmål" not in html and title
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
        proposal.shared_goal = "Lagermedarbejder"
        db.session.commit()
    html = page(client, auth, world).get_data(as_text=True)
    # one of the citizen's jobmål, but not the one the match found: no claim that it matches
    assert 'Kandidatens jobmål</th><td data-testid="shared-goal">Lagermedarbejder<' in html
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).shared_goal = "Kok"
        db.session.commit()
    html = page(client, auth, world).get_data(as_text=True)
    assert 'Jobmål der matcher</th><td data-testid="shared-goal">Kok<' in html


@pytest.mark.parametrize("stored", ["Lagerchef", "Review F Direktør", "Kok (skånejob pga. rygskade)"])
def test_a_stored_text_that_is_no_jobmaal_of_the_citizen_is_not_shown(app, client, auth, world, stored):
    """Review F10/E1: a text saved before the jobmål was a choice (free text) never reaches the
    company as a fact of the match: it reads the neutral line instead, on every view."""
    set_status(app, world["proposal"], "consented", consent=True)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).shared_goal = stored
        db.session.commit()
    html = page(client, auth, world).get_data(as_text=True)
    assert stored not in html and "Jobmål der matcher" not in html
    assert 'data-testid="shared-goal">Foreslået af jobcentret til dette opslag<' in html
    listing = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert stored not in listing and "Foreslået af jobcentret til dette opslag" in listing
    csv = client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True)
    assert stored not in csv


def test_the_answer_starts_blank_so_none_is_sent_by_accident(app, client, auth, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    html = page(client, auth, world).get_data(as_text=True)
    select = html.split('name="response"')[1].split("</select>")[0]
    assert re.search(r"<option value=\"\" selected>Vælg svar</option>", select)
    assert select.count(" selected") == 1  # the blank one
    token = auth.csrf_token(f"/opslag/{world['opening']}")
    client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": token, "response": "", "next": "candidate"})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None


def test_a_lapsed_consent_is_said_and_never_counted_as_a_name(app, client, auth, world):
    """The review found "4 med navn" above cards without a single name: the consents had ended."""
    from datetime import timedelta

    from store import clock
    from store.models import Consent

    set_status(app, world["proposal"], "disclosed", consent=True)
    auth.switch_to(world["company"].email)
    assert "1 foreslået, 1 med navn" in client.get("/opslag/").get_data(as_text=True)
    assert "Navn delt med jer." in client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True)
    with app.app_context():
        db.session.query(Consent).update({Consent.deadline: clock.today() - timedelta(days=1)})
        db.session.commit()
    listing = client.get("/opslag/").get_data(as_text=True)
    assert "1 foreslået," in listing and "med navn" not in listing
    detail = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert "Borgerens samtykke er udløbet, så navnet vises ikke længere" in detail
    sheet = client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True)
    assert "Borgerens samtykke er udløbet, så navnet vises ikke længere" in sheet and "Identitet" not in sheet
    assert "Stærkt match" not in sheet  # no band for the company, as on the page (review BG 5)


def test_the_candidate_page_says_a_lapsed_consent_as_the_opening_page_does(app, client, auth, world):
    """Review H 4: a hired candidate whose consent ran out read "when the citizen has consented"."""
    from datetime import timedelta

    from store import clock
    from store.models import Consent

    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        db.session.query(Consent).update({Consent.deadline: clock.today() - timedelta(days=1)})
        db.session.commit()
    html = page(client, auth, world).get_data(as_text=True)
    anonymous = re.search(r'data-testid="candidate-anonymous">(.*?)</p>', html, re.S).group(1)
    interview = re.search(r'data-testid="interview-not-ready">(.*?)</p>', html, re.S).group(1)
    assert "samtykke er udløbet" in anonymous and "samtykke er udløbet" in interview
    assert "når borgeren har givet samtykke" not in anonymous + interview
    assert MARKER not in html


def test_before_consent_the_candidate_page_says_consent_is_still_to_come(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    html = page(client, auth, world).get_data(as_text=True)
    assert "udløbet" not in html
    assert re.search(r'data-testid="candidate-anonymous">[^<]*når borgeren har givet samtykke', html)
    assert re.search(r'data-testid="interview-not-ready">[^<]*når borgeren har givet samtykke', html)


@pytest.mark.parametrize("page", ["candidate", "opening"])
def test_a_refused_answer_keeps_the_note_and_says_why_at_the_field(app, client, auth, world, page):
    """Review Q 4: an answer sent without a choice lost the note typed, and the message was a
    flash at the top of the page. Now the card shows both again, the error at »Svar«."""
    set_status(app, world["proposal"], "disclosed", consent=True)
    auth.switch_to(world["company"].email)
    opening = f"/opslag/{world['opening']}"
    token = auth.csrf_token(opening)
    client.post(f"{opening}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": token, "response": "", "note": "Vi vil gerne møde kandidaten tirsdag",
                      **({"next": "candidate"} if page == "candidate" else {})})
    html = client.get(f"{opening}/kandidat/{world['proposal']}" if page == "candidate" else opening
                      ).get_data(as_text=True)
    form = html.split(f"/kandidat/{world['proposal']}/svar")[1].split("</form>")[0]
    assert 'value="Vi vil gerne møde kandidaten tirsdag"' in form
    assert "Vælg et svar." in form and 'aria-invalid="true"' in form and "form-error" in form
    assert "ret det, der er markeret ved kandidaten" in html
    again = client.get(opening).get_data(as_text=True)  # shown once: the next page is as before
    assert "Vi vil gerne møde kandidaten tirsdag" not in again and "Vælg et svar." not in again


def test_a_refused_hire_is_not_described_as_saved(app, client, auth, world):
    """Review R 1: the refused answer's choice is shown again, but the card's words follow the
    stored answer: a hire refused (the name is not shared) is not "I har meldt kandidaten ansat"."""
    set_status(app, world["proposal"], "approved")
    auth.switch_to(world["company"].email)
    opening = f"/opslag/{world['opening']}"
    client.post(f"{opening}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": auth.csrf_token(opening), "response": "hired", "note": "Start mandag",
                      "next": "candidate"})
    html = client.get(f"{opening}/kandidat/{world['proposal']}").get_data(as_text=True)
    form = html.split(f"/kandidat/{world['proposal']}/svar")[1].split("</form>")[0]
    assert 'value="Start mandag"' in form
    assert "I har meldt kandidaten ansat" not in form
    assert "»Ansat / startet« kan vælges, når jobcentret har delt navnet med jer." in form
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None
