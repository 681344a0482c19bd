"""The CV a company gets: the checked text of the version the citizen agreed to share, never the
stored file (review AJ 1), and a CV stored later only after a new consent (review AJ 6)."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from portal import proposals
from portal.extensions import db
from store.models import Citizen, CvDocument, Proposal, User
from store.models.base import utcnow
from tests.portal.proposal_fixtures import IN_90_DAYS, build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")

PRIVATE_CV = ("Bo Hansen CPR 010190-1234. Sygemeldt med stress 2024. Lagerarbejde hos Salling i fem år.\n"
              "Truckcertifikat B og C.")


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
        db.session.get(Proposal, world["proposal"]).share_cv = True
        db.session.commit()
    return world


def add_cv(app, world, text: str, *, stored_name: str | None = None, data: bytes = b"", age_minutes: int = 0) -> int:
    with app.app_context():
        if stored_name:
            folder = Path(app.config["UPLOAD_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / stored_name).write_bytes(data)
        cv = CvDocument(citizen_id=world["citizen"], text=text, content_type="txt" if not stored_name else "pdf",
                        original_filename="cv.pdf" if stored_name else "", stored_name=stored_name,
                        created_at=utcnow() - timedelta(minutes=age_minutes))
        db.session.add(cv)
        db.session.commit()
        return cv.id


def download(client, auth, world):
    auth.switch_to(world["company"].email)
    return client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/cv")


def test_the_company_gets_the_cv_text_without_cpr_health_or_the_file(app, client, auth, world):
    raw = b"%PDF-1.4 " + PRIVATE_CV.encode() + b"\n%%EOF\n"
    add_cv(app, world, PRIVATE_CV, stored_name="abc999.pdf", data=raw, age_minutes=5)
    set_status(app, world["proposal"], "disclosed", consent=True)
    response = download(client, auth, world)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert text == "Lagerarbejde hos Salling i fem år.\nTruckcertifikat B og C.\n"
    for private in ("010190", "CPR", "Sygemeldt", "stress", "%PDF"):
        assert private not in text, private
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert "Hent CV (tekstfil)" in page and "CPR-nummer" in page  # the page says what is left out


def test_a_typed_cv_is_checked_too_and_nothing_left_is_no_cv(app, client, auth, world):
    add_cv(app, world, "Født 1990. Sygemeldt siden maj.", age_minutes=5)
    set_status(app, world["proposal"], "disclosed", consent=True)
    assert download(client, auth, world).status_code == 404
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert "Hent CV" not in page


def test_the_consultants_cv_page_says_what_is_withheld_without_the_cpr_number(app, client, auth, world):
    add_cv(app, world, PRIVATE_CV, age_minutes=5)
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/borgere/{world['citizen']}/cv").get_data(as_text=True)
    withheld = html.split('data-testid="cv-withheld"', 1)[1].split("</div>", 1)[0]
    assert "et CPR-nummer" in withheld and "helbred" in withheld and "010190" not in withheld


def test_a_cv_stored_after_the_consent_reaches_the_company_only_with_a_new_consent(app, client, auth, world):
    add_cv(app, world, "Lagerarbejde hos Salling i fem år. Truckcertifikat.", age_minutes=5)
    set_status(app, world["proposal"], "disclosed", consent=True)
    assert "Salling" in download(client, auth, world).get_data(as_text=True)
    # the consultant uploads a new CV: the company keeps the one the citizen agreed to share
    auth.switch_to(world["consultant"].email)
    token = auth.csrf_token(f"/borgere/{world['citizen']}/cv")
    response = client.post(f"/borgere/{world['citizen']}/cv/fil", follow_redirects=True, data={
        "csrf_token": token, "file": (io.BytesIO("Kok i Netto og kantinen på rådhuset i tre år.".encode()), "nyt.txt")})
    assert response.status_code == 200
    flashed = response.get_data(as_text=True)
    assert "får fortsat det CV, borgeren sagde ja til at dele" in flashed
    cv_page = client.get(f"/borgere/{world['citizen']}/cv").get_data(as_text=True)
    shared = cv_page.split('data-testid="cv-shared-with"', 1)[1].split("</ul>", 1)[0]
    assert "Borgeren har et nyere CV" in shared and f"/kandidater/forslag/{world['proposal']}" in shared
    text = download(client, auth, world).get_data(as_text=True)
    assert "Salling" in text and "Netto" not in text
    # the citizen agrees again: the consent renewed now shares the new CV
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposals.record_consent(proposal, db.session.get(User, world["consultant"].id), channel="telefon",
                                 deadline=IN_90_DAYS, share_cv=True)
        db.session.commit()
    text = download(client, auth, world).get_data(as_text=True)
    assert "Netto" in text and "Salling" not in text


def test_no_cv_when_the_consent_was_given_before_any_cv(app, client, auth, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    add_cv(app, world, "Lagerarbejde hos Salling i fem år. Truckcertifikat.")
    assert download(client, auth, world).status_code == 404


def test_staff_still_get_the_earlier_file_a_company_has(app, client, auth, world):
    """A replaced CV is no longer handed out (review AJ 5), but one a consent in force still
    shares is: staff can see what the company has."""
    old = add_cv(app, world, PRIVATE_CV, stored_name="old123.pdf", data=b"%PDF-1.4 old\n%%EOF\n", age_minutes=5)
    set_status(app, world["proposal"], "disclosed", consent=True)
    add_cv(app, world, "Kok i Netto og kantinen på rådhuset i tre år.", stored_name="new123.pdf",
           data=b"%PDF-1.4 new\n%%EOF\n")
    auth.switch_to(world["consultant"].email)
    response = client.get(f"/borgere/{world['citizen']}/cv/{old}/fil")
    response.close()
    assert response.status_code == 200
    assert f"/borgere/{world['citizen']}/cv/{old}/fil" in client.get(f"/borgere/{world['citizen']}/cv").get_data(as_text=True)
    with app.app_context():
        proposals.withdraw(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["consultant"].id))
    assert client.get(f"/borgere/{world['citizen']}/cv/{old}/fil").status_code == 404


def test_a_typed_cv_is_shared_by_a_renewed_consent(app, client, auth, world):
    """Review AK 1, 2: the consent demanded a CV file although the company only ever gets text, so
    a renewal after a typed CV replaced the shared file took the company's CV away."""
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        citizen = proposal.citizen
        citizen.cv_documents.append(CvDocument(original_filename="", stored_name=None, content_type="txt",
                                               text="Chauffør hos DSV i tre år. Kørekort C/E."))
        db.session.commit()
        proposals.record_consent(db.session.get(Proposal, world["proposal"]),
                                 db.session.get(User, world["consultant"].id), channel="telefon",
                                 deadline=IN_90_DAYS, share_cv=True)
        db.session.commit()
        assert db.session.get(Proposal, world["proposal"]).share_cv is True
    text = download(client, auth, world).get_data(as_text=True)
    assert "Chauffør hos DSV" in text
