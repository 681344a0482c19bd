"""The consultant's consent step: the text read aloud, the citizen's choices, the shared
profile, disclosure that tells the company, and actions carried out after a fresh-login confirm."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import consents
from portal.auth import replay, sessions
from portal.extensions import db
from store.models import (AuditEvent, Citizen, Consent, CvDocument, JobGoal, MailMessage, Notification,
                          Proposal, User)
from tests.conftest import PASSWORD
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, TODAY, actions, build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")

LIMITATION = "Zqlimitmarker"  # in limitations_text: must never reach a profile, page for the company or mail
PHONE, EMAIL = "21 34 56 78", "qzborger@example.dk"
PROFILE = {"experience": "Kok i kantine i 5 år. Madlavning til 200 personer.", "goals": "Kok",
           "hours": "12,5", "licences": ["B"], "languages": "dansk, engelsk", "start": ""}


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    """Keep queued mails in the queue: the mail worker blanks a body once it has sent it."""
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    """The identity-release world; the citizen has contact details, a CV file, jobmål and limitations."""
    world = build_world(app, make_user)
    world["colleague"] = make_user("company")  # its own company: moved into the first below
    world["inactive"] = make_user("company", active=False)
    with app.app_context():
        company_id = world["company"].company_id
        for key in ("colleague", "inactive"):
            db.session.get(User, world[key].id).company_id = company_id
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.phone, citizen.email = PHONE, EMAIL
        citizen.limitations_text = f"{LIMITATION}: rygskade, tåler ikke tunge løft"
        citizen.driving_licences, citizen.languages = ["B"], "dansk, engelsk"
        db.session.add_all([
            CvDocument(citizen_id=citizen.id, stored_name="cv-abc.pdf", content_type="pdf",
                       original_filename="cv.pdf",
                       text="Kok i kantine i 5 år. Sygemeldt pga. stress i 2024. Madlavning til 200 personer."),
            JobGoal(citizen_id=citizen.id, title="Kok (skånejob pga. rygskade)", position=0),
            JobGoal(citizen_id=citizen.id, title="Køkkenmedhjælper", position=1)])
        db.session.commit()
    return world


def page_of(client, world) -> str:
    return client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def post(client, world, step: str, **data):
    path = f"/kandidater/forslag/{world['proposal']}"
    data.setdefault("csrf_token", csrf(client.get(path).get_data(as_text=True)))
    return client.post(f"{path}/{step}", data=data)


def consent_data(**choices) -> dict:
    return {"channel": "telefon", "deadline": IN_90_DAYS.isoformat(), "text_read": "y", **choices}


def proposal_row(app, world) -> Proposal:
    with app.app_context():
        item = db.session.get(Proposal, world["proposal"])
        db.session.expunge(item)
        return item


def make_stale(client) -> None:
    with client.session_transaction() as session:
        session["_fresh"] = False


def confirm(client, world, password: str = PASSWORD):
    token = csrf(client.get("/auth/confirm").get_data(as_text=True))
    return client.post("/auth/confirm", data={
        "password": password, "csrf_token": token, "next": f"/kandidater/forslag/{world['proposal']}"})


# --- the consent step ----------------------------------------------------------------------

def test_the_page_shows_the_versioned_text_to_read_aloud_and_the_citizens_contact(client, auth, world):
    auth.login(world["consultant"].email)
    html = page_of(client, world)
    text = re.search(r'data-testid="consent-text">(.*?)</blockquote>', html, re.DOTALL).group(1)
    assert "Firma 0" in text and "Praktik i kantinen" in text and "trække det tilbage" in text
    assert consents.CONSENT_TEXT_VERSION in html
    contact = re.search(r'data-testid="citizen-contact">(.*?)</div>', html, re.DOTALL).group(1)
    assert PHONE in contact and 'href="tel:21345678"' in contact and EMAIL in contact
    for choice in ("share_phone", "share_email", "share_cv"):
        assert f'name="{choice}"' in html


def test_the_citizens_choices_are_recorded_with_the_consent(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert post(client, world, "samtykke", **consent_data(share_phone="y", share_cv="y")).status_code == 302
    item = proposal_row(app, world)
    assert item.status == "consented" and item.share_cv is True
    assert item.shared_profile == {"phone": PHONE}  # no e-mail: the citizen did not agree
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "consent_recorded"))
        assert event.purpose == f"channel:telefon;text:{consents.CONSENT_TEXT_VERSION};share:phone,cv"
    assert "telefonnummer, CV (som tekst)" in page_of(client, world)


def test_a_contact_detail_the_citizen_lacks_cannot_be_shared(app, client, auth, world):
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).email = ""
        db.session.commit()
    auth.login(world["consultant"].email)
    response = post(client, world, "samtykke", **consent_data(share_email="y"))
    assert response.status_code == 400
    assert re.search(r'id="share_email-error"><span class="sr-only">Fejl:</span> Borgeren har ingen e-mail '
                     r'registreret', response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0
    assert proposal_row(app, world).status == "approved"


def _checkbox(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_only_what_the_citizen_has_is_offered(app, client, auth, world):
    """Review AC 9: a citizen without an e-mail, a phone number or a CV file was offered all
    three, and ticking one threw the whole consent back. Each is disabled, next to its hint."""
    auth.login(world["consultant"].email)
    html = page_of(client, world)
    for choice in ("share_phone", "share_email", "share_cv"):  # all there: all offered
        assert "disabled" not in _checkbox(html, choice)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.email, citizen.phone = "", ""
        citizen.current_cv.stored_name = None  # a written CV, no file: shared as text all the same
        db.session.commit()
    html = page_of(client, world)
    assert "disabled" not in _checkbox(html, "share_cv")  # review AK 2: the company gets text either way
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).current_cv.text = "  "  # no CV text at all
        db.session.commit()
    html = page_of(client, world)
    for choice in ("share_phone", "share_email", "share_cv"):
        assert "disabled" in _checkbox(html, choice) and "checked" not in _checkbox(html, choice)
    assert "Ingen e-mail registreret." in html and "Borgeren har intet CV." in html
    assert post(client, world, "samtykke", **consent_data()).status_code == 302  # what the browser sends
    assert proposal_row(app, world).status == "consented"


def test_a_deadline_too_far_ahead_is_shown_at_the_field_with_everything_typed_kept(app, client, auth, world):
    auth.login(world["consultant"].email)
    too_far = TODAY + timedelta(days=consents.MAX_CONSENT_DAYS + 1)
    response = post(client, world, "samtykke", **consent_data(
        channel="moede", deadline=too_far.isoformat(), share_phone="y", share_email="y"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    form = re.search(r'data-testid="consent-form">(.*?)</form>', html, re.DOTALL).group(1)
    assert re.search(r'id="deadline-error"><span class="sr-only">Fejl:</span> Et samtykke kan højst gælde ét år frem',
                     form)
    assert re.search(r'<input[^>]*id="deadline"[^>]*value="' + too_far.isoformat() + '"', form)
    assert re.search(r'<option selected value="moede">', form)
    for name in ("share_phone", "share_email", "text_read"):
        assert re.search(rf'<input[^>]*checked[^>]*id="{name}"', form), name
    assert not re.search(r'<input[^>]*checked[^>]*id="share_cv"', form)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_withdrawal_is_a_clear_action_and_drops_the_choices(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data(share_phone="y", share_email="y", share_cv="y"))
    html = page_of(client, world)
    box = re.search(r'data-testid="withdraw-box">(.*?)</div></div>', html, re.DOTALL).group(1)
    assert "Samtykke trukket tilbage" in box and "ingen adgangskode" in box
    make_stale(client)  # withdrawing never waits for a password
    assert post(client, world, "tilbagekald").headers["Location"].endswith(f"/forslag/{world['proposal']}")
    item = proposal_row(app, world)
    assert item.status == "withdrawn" and item.shared_profile == {} and item.share_cv is False


# --- the shared profile ----------------------------------------------------------------------

def test_the_profile_form_is_prefilled_without_health_details(client, auth, world):
    auth.login(world["consultant"].email)
    html = page_of(client, world)
    form = re.search(r'data-testid="profile-form"(.*?)</form>', html, re.DOTALL).group(1)
    assert "Kok i kantine i 5 år. Madlavning til 200 personer." in form
    assert "stress" not in form and "Sygemeldt" not in form and LIMITATION not in form
    assert 'value="Kok, Køkkenmedhjælper"' in form and "skånejob" not in form
    assert 'value="dansk, engelsk"' in form and re.search(r'<input checked[^>]*value="B"', form)
    assert "Profilen er ikke godkendt" in html


def test_approving_the_profile_stores_it_and_keeps_the_agreed_contacts(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data(share_phone="y"))
    start = (TODAY + timedelta(days=14)).isoformat()
    assert post(client, world, "profil", **{**PROFILE, "start": start}).status_code == 302
    item = proposal_row(app, world)
    assert item.shared_profile == {"experience": PROFILE["experience"], "goals": "Kok", "hours": 12.5,
                                   "licences": ["B"], "languages": "dansk, engelsk", "start": start,
                                   "phone": PHONE}
    assert item.profile_approved_by_id == world["consultant"].id and item.profile_approved_at
    assert "profile_approved" in actions(app)
    html = page_of(client, world)
    assert "12,5 timer" in html and 'data-testid="disclose"' in html


@pytest.mark.parametrize("field, value, message", [
    ("experience", "Lang erfaring, men har rygskade", "helbredsoplysninger"),
    ("goals", "Kok (skånejob)", "helbredsoplysninger"),
    ("experience", "CPR 010203-1234 kok", "CPR-nummer"),
    # review E2: what the consent text and the allow-list promise never reaches the company
    ("experience", "Født 1990, kvinde. Kok i 5 år.", "alder eller fødselsår (»Født 1990«), køn (»kvinde«)"),
    ("experience", "Modtager kontanthjælp. Kok i 5 år.", "borgerens ydelse eller visitation (»kontanthjælp«)"),
    ("experience", "Kok, 36 år, oprindeligt fra Syrien", "oprindelse, nationalitet eller opholdsgrundlag"),
    ("experience", f"{MARKER} er kok", f"borgerens navn eller kontaktoplysninger (»{MARKER}«)"),
    ("experience", f"Kok. Ring på {PHONE}", f"borgerens navn eller kontaktoplysninger (»{PHONE}«)"),
    ("experience", f"Kok. Skriv til {EMAIL}", f"(»{EMAIL}«)"),
    ("experience", "Kok efter alkoholbehandling og PTSD", "helbredsoplysninger eller skånehensyn (»alkoholbehandling«, »PTSD«)"),
    ("goals", "Kok på sygedagpenge", "borgerens ydelse eller visitation (»sygedagpenge«)"),
    ("experience", "", "kort resumé"),
    ("experience", "x" * 601, "Højst 600 tegn"),
    ("hours", "81", "mellem 0 og 80"),
    ("hours", "-1", "mellem 0 og 80"),
    ("hours", "mange", "Skriv et tal"),
    ("licences", "Z", "kørekortkategorier"),
    ("start", "2026-02-31", "Datoen findes ikke. Skriv den som dd.mm.åååå"),
    ("start", (TODAY - timedelta(days=1)).isoformat(), "før i dag"),
    ("languages", "dansk\u202eengelsk", "styretegn"),
])
def test_a_bad_profile_is_refused_with_a_danish_message(app, client, auth, world, field, value, message):
    auth.login(world["consultant"].email)
    response = post(client, world, "profil", **{**PROFILE, field: value})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    item = proposal_row(app, world)
    assert item.profile_approved_at is None and item.shared_profile == {}


def test_extra_fields_cannot_put_limitations_in_the_profile(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "profil", **PROFILE, limitations_text=LIMITATION, benefit_group="kontanthjaelp",
         phone="99999999", cpr="0102031234")
    stored = proposal_row(app, world).shared_profile
    assert set(stored) == {"experience", "goals", "hours", "licences", "languages", "start"}
    assert LIMITATION not in str(stored) and "kontanthjaelp" not in str(stored)


# --- disclosure -----------------------------------------------------------------------------

def test_disclosure_without_an_approved_profile_says_it_is_missing(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    html = page_of(client, world)
    assert 'data-testid="disclose-blocked"' in html and 'data-testid="disclose"' not in html
    response = post(client, world, "videregiv")
    assert "Profilen til virksomheden er ikke godkendt" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert proposal_row(app, world).status == "consented"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_disclosure_tells_each_active_company_user_and_no_one_else(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data(share_phone="y"))
    post(client, world, "profil", **PROFILE)
    response = post(client, world, "videregiv")
    assert "virksomheden har fået besked" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert proposal_row(app, world).status == "disclosed"
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification).order_by(Notification.user_id)).all()
        assert [n.user_id for n in notes] == [world["company"].id, world["colleague"].id]
        assert {n.kind for n in notes} == {"candidate_shared"}
        with app.test_request_context():
            from flask import current_app, url_for
            expected = (url_for("openings.candidate", opening_id=world["opening"], proposal_id=world["proposal"])
                        if "openings.candidate" in current_app.view_functions
                        else url_for("openings.detail", opening_id=world["opening"]))
            from portal.pseudonyms import pseudonym
            who = pseudonym(world["citizen"], world["opening"])
        # A notice is kept: it names the pseudonym, never the citizen (consent can be withdrawn).
        assert all(n.link == expected and who in n.text and MARKER not in n.text for n in notes)
        mails = db.session.scalars(sa.select(MailMessage)).all()
        assert sorted(m.to_address for m in mails) == sorted([world["company"].email, world["colleague"].email])
        for mail in mails:
            assert who in mail.body and MARKER not in mail.body and expected in mail.body
            # The candidate was proposed before: the subject says the name is shared, not "Ny kandidat".
            assert mail.subject.startswith(f"Navnet på {who} er delt med jer") and "Ny kandidat" not in mail.subject
            for secret in (LIMITATION, PHONE, EMAIL, "kontanthjaelp", "Kontanthjælp"):
                assert secret not in mail.body + mail.subject


# --- the action is carried out after the fresh-login confirmation ----------------------------

def test_a_stale_disclosure_is_carried_out_after_the_password(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    make_stale(client)
    response = post(client, world, "videregiv")
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    assert proposal_row(app, world).status == "consented"  # nothing happened yet
    waiting = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Borgerens navn og profil deles med virksomheden" in waiting
    done = confirm(client, world)
    assert done.status_code == 302 and done.headers["Location"] == f"/kandidater/forslag/{world['proposal']}"
    assert proposal_row(app, world).status == "disclosed"
    assert "Borgerens navn og profil er nu delt" in page_of(client, world)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2
    assert confirm(client, world).status_code == 302  # a second confirm repeats nothing
    assert actions(app).count("identity_disclosed") == 1


def test_a_stale_consent_keeps_its_choices_through_the_confirmation(app, client, auth, world):
    auth.login(world["consultant"].email)
    make_stale(client)
    response = post(client, world, "samtykke", **consent_data(share_email="y", channel="brev"))
    assert "/auth/confirm" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0
    confirm(client, world)
    item = proposal_row(app, world)
    assert item.status == "consented" and item.shared_profile == {"email": EMAIL}
    with app.app_context():
        assert db.session.scalar(sa.select(Consent.channel)) == "brev"
    assert "Samtykket er registreret." in page_of(client, world)


def test_a_stale_decision_on_a_waiting_proposal_is_carried_out(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    make_stale(client)
    response = post(client, world, "vurdering", decision="reject", reason="For langt væk", confirmed="y")
    assert "/auth/confirm" in response.headers["Location"]
    confirm(client, world)
    item = proposal_row(app, world)
    assert (item.status, item.decision_reason) == ("rejected", "For langt væk")


def test_an_invalid_held_form_is_reported_after_the_confirmation(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    make_stale(client)
    post(client, world, "vurdering", decision="reject", reason="")
    confirm(client, world)
    assert proposal_row(app, world).status == "proposed"
    html = page_of(client, world)  # the errors at the fields of the decision that was held
    assert 'data-testid="assess-error-summary"' in html and "Forslaget er ikke fravalgt" in html
    assert re.search(r'id="reason-reject-error"[^>]*>.*Skriv en kort begrundelse\.', html)


def test_a_wrong_password_carries_out_nothing(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    post(client, world, "profil", **PROFILE)
    make_stale(client)
    post(client, world, "videregiv")
    assert confirm(client, world, "Forkert-kode-123").status_code == 401
    assert proposal_row(app, world).status == "consented"


def test_a_held_action_expires(app, client, auth, world, monkeypatch):
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    post(client, world, "profil", **PROFILE)
    make_stale(client)
    post(client, world, "videregiv")
    later = sessions.clock() + timedelta(seconds=replay.HOLD_SECONDS + 1)
    monkeypatch.setattr(sessions, "clock", lambda: later)
    assert confirm(client, world).status_code == 302
    assert proposal_row(app, world).status == "consented"


def test_a_held_action_runs_only_for_the_page_it_came_from(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    post(client, world, "profil", **PROFILE)
    make_stale(client)
    post(client, world, "videregiv")
    token = csrf(client.get("/auth/confirm").get_data(as_text=True))
    client.post("/auth/confirm", data={"password": PASSWORD, "csrf_token": token, "next": "/maal/"})
    assert proposal_row(app, world).status == "consented"


def test_a_post_without_csrf_is_never_held(app, client, auth, world):
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    post(client, world, "profil", **PROFILE)
    make_stale(client)
    response = client.post(f"/kandidater/forslag/{world['proposal']}/videregiv", data={})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert replay.KEY not in session
    confirm(client, world)
    assert proposal_row(app, world).status == "consented"


def test_a_held_action_is_not_carried_out_for_another_user(app, client, auth, world, make_user):
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    post(client, world, "profil", **PROFILE)
    make_stale(client)
    post(client, world, "videregiv")
    with client.session_transaction() as session:
        held = session[replay.KEY]  # the id of the row held on the server
    other = make_user("consultant")
    auth.switch_to(other.email)
    with client.session_transaction() as session:
        session[replay.KEY] = held  # even if the entry survived the log-in, it is not theirs
        session["_fresh"] = False
    confirm(client, world)
    assert proposal_row(app, world).status == "consented"


def test_a_stale_decision_on_the_ranking_is_carried_out(app, client, auth, world):
    auth.login(world["consultant"].email)
    ranking = f"/kandidater/opslag/{world['opening2']}"
    token = csrf(client.get(ranking).get_data(as_text=True))
    make_stale(client)
    data = {"csrf_token": token, "decision": "reject", "reason": "Passer bedre til kantinen"}
    asked = client.post(f"{ranking}/borger/{world['citizen']}", data=data)  # the rejection is confirmed first
    assert asked.status_code == 200 and 'data-testid="confirm-reject"' in asked.get_data(as_text=True)
    response = client.post(f"{ranking}/borger/{world['citizen']}", data={**data, "confirmed": "y"})
    assert "/auth/confirm" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 1
    token = csrf(client.get("/auth/confirm").get_data(as_text=True))
    done = client.post("/auth/confirm", data={"password": PASSWORD, "csrf_token": token, "next": ranking})
    assert done.headers["Location"] == ranking
    with app.app_context():
        decided = db.session.scalar(sa.select(Proposal).where(Proposal.opening_id == world["opening2"]))
        assert (decided.status, decided.decision_reason) == ("rejected", "Passer bedre til kantinen")
    assert f"{MARKER} er fravalgt" in client.get(ranking).get_data(as_text=True)


def test_an_older_consent_shows_the_text_it_was_given_under(app, client, auth, world):
    with app.app_context():
        item = db.session.get(Proposal, world["proposal"])
        item.status = "consented"
        db.session.add(Consent(proposal=item, text_version="samtykke-v1", channel="telefon",
                               deadline=IN_90_DAYS, recorded_by_id=world["consultant"].id))
        db.session.commit()
    auth.login(world["consultant"].email)
    html = page_of(client, world)
    assert "Samtykketekst samtykke-v1" in html
    assert "giver mit navn til Firma 0 i forbindelse med opslaget »Praktik i kantinen«" in html


def test_a_form_too_big_for_the_session_is_not_held_and_the_page_says_so(app, client, auth, world):
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    make_stale(client)
    response = post(client, world, "vurdering", decision="reject", reason="x" * (replay.MAX_HELD_CHARS + 1),
                    confirmed="y")
    assert "/auth/confirm" in response.headers["Location"]
    with client.session_transaction() as session:
        assert replay.KEY not in session
    assert "Send derefter formularen igen" in client.get(response.headers["Location"]).get_data(as_text=True)
    confirm(client, world)
    assert proposal_row(app, world).status == "proposed"


def test_the_experience_draft_leaves_out_the_cvs_headings():
    from types import SimpleNamespace

    from portal.candidates.profile import draft

    cv = SimpleNamespace(text="Sahras CV\n\nOm mig\nI Somalia kørte jeg lastbil i mange år.\n\n"
                              "Erhvervserfaring\nChauffør (C/CE) hos Horsens Fjord Distribution.")
    citizen = SimpleNamespace(current_cv=cv, job_goals=[], hours_available=20, driving_licences=["CE"],
                              languages="somali dansk")

    experience = draft(citizen)["experience"]

    # the sentence naming a country is left out too: it tells the company where she is from (review AC 5)
    assert experience == "Chauffør (C/CE) hos Horsens Fjord Distribution."


def test_the_experience_draft_reads_a_list_cv_as_sentences_without_other_fields():
    """Review: the company was shown "CV – Rasmus … - Pakke og kontrollere færdige emner - …"."""
    from types import SimpleNamespace

    from portal.candidates.profile import draft

    cv = SimpleNamespace(text="CV – Yonas\n\nProfile\nHardworking and reliable.\n\nWork experience\n"
                              "2023–2025  Opvasker, Familiens forretning\n  - Gøre køkkenet rent\n"
                              "  • tage opvask\n\nSkills\nkitchen work\n\nKørekort: B, egen bil\n"
                              "Languages: tigrinya, dansk\nTlf: 12 34 56 78")
    citizen = SimpleNamespace(current_cv=cv, job_goals=[], hours_available=20, driving_licences=["B"],
                              languages="tigrinya")

    assert draft(citizen)["experience"] == ("Hardworking and reliable. 2023–2025 Opvasker, Familiens forretning. "
                                            "Gøre køkkenet rent. Tage opvask. Kitchen work.")


def test_after_a_withdrawal_the_companys_notice_names_no_one_and_leads_to_the_opening(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    post(client, world, "videregiv")
    post(client, world, "tilbagekald")
    assert proposal_row(app, world).status == "withdrawn"
    auth.switch_to(world["company"].email)
    notices = client.get("/beskeder/").get_data(as_text=True)
    assert 'data-testid="notification"' in notices and MARKER not in notices
    with app.app_context():
        link = db.session.scalar(sa.select(Notification.link).where(Notification.user_id == world["company"].id))
    assert link == f"/opslag/{world['opening']}/kandidat/{world['proposal']}"  # where opening it leads
    response = client.get(link)  # no longer relevant, and never why (review B1)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kandidaten er ikke længere aktuel" in page
    assert "samtykke" not in page.lower() and MARKER not in page


def test_a_refused_decision_on_a_waiting_proposal_keeps_what_was_typed(app, client, auth, world):
    """The review found the proposal page lost the reason typed when a decision was refused; now
    it comes back in the decision it was typed for, with the field in view, once."""
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    response = post(client, world, "vurdering", decision="reject", reason="   ", confirmed="y")
    assert response.headers["Location"].endswith(f"/kandidater/forslag/{world['proposal']}#assess-reject")
    assert proposal_row(app, world).status == "proposed"
    html = page_of(client, world)
    assert "Skriv en kort begrundelse." in html
    assert re.search(r'id="reason-reject" [^>]*value="   "', html)
    assert re.search(r'id="reason-reject" [^>]*value=""', page_of(client, world))  # once only


def test_every_problem_of_the_consent_form_shows_in_one_round(app, client, auth, world):
    """The form's own errors do not hide the state machine's: one round shows them all."""
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).email = ""
        db.session.commit()
    auth.login(world["consultant"].email)
    too_far = TODAY + timedelta(days=consents.MAX_CONSENT_DAYS + 1)
    data = consent_data(deadline=too_far.isoformat(), share_email="y")
    del data["text_read"]
    response = post(client, world, "samtykke", **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="text_read-error"' in html
    assert "Et samtykke kan højst gælde ét år frem" in html
    assert "Borgeren har ingen e-mail registreret" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_an_unreadable_deadline_is_named_once(app, client, auth, world):
    auth.login(world["consultant"].email)
    response = post(client, world, "samtykke", **consent_data(deadline="2027-02-30"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "efter i dag" not in html  # the form's own message about the date, not also the rule's


def test_a_refused_consent_says_so_at_the_top_and_links_to_each_field(app, client, auth, world):
    """The page is rendered again from the top: the summary comes before everything else."""
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).email = ""
        db.session.commit()
    auth.login(world["consultant"].email)
    too_far = TODAY + timedelta(days=consents.MAX_CONSENT_DAYS + 1)
    response = post(client, world, "samtykke", **consent_data(
        channel="moede", deadline=too_far.isoformat(), share_email="y"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = re.search(r'data-testid="consent-error-summary">(.*?)</div></div>', html, re.DOTALL)
    assert summary and html.index('data-testid="consent-error-summary"') < html.index('data-testid="proposal-facts"')
    links = dict(re.findall(r'<a href="#([\w-]+)" class="function-link">([^<]*)</a>', summary.group(1)))
    assert set(links) == {"deadline", "share_email"}
    assert "Et samtykke kan højst gælde ét år frem" in links["deadline"]
    assert 'id="samtykke"' in html and 'id="deadline"' in html and 'id="share_email"' in html
    form = re.search(r'data-testid="consent-form">(.*?)</form>', html, re.DOTALL).group(1)
    assert re.search(r'<option selected value="moede">', form)  # what was typed is kept


def test_a_blank_consent_form_shows_no_error_summary(client, auth, world):
    auth.login(world["consultant"].email)
    assert 'consent-error-summary' not in page_of(client, world)


def test_every_problem_of_the_profile_shows_in_one_round(app, client, auth, world):
    """Review finding: an empty experience, -5 hours and a past start gave two errors; the start
    date's came only on the next submit."""
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    response = post(client, world, "profil", **dict(PROFILE, experience="", hours="-5",
                                                     start=(TODAY - timedelta(days=3)).isoformat()))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for field, words in (("experience", "Skriv et kort resumé"), ("hours", "mellem 0 og 80"),
                         ("start", "kan ikke ligge før i dag")):
        assert re.search(rf'id="{field}-error">.*?{words}', html, re.DOTALL), field
    assert html.count('id="experience-error"') == 1  # the form's own message, not twice
