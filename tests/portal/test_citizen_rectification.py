"""A corrected phone, e-mail or name reaches the companies that have it (GDPR art. 16 and 19,
review AU 3): the shared copies follow, the companies are told by pseudonym, the consultant on save."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.citizens import service
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import AuditEvent, Citizen, Consent, Notification, Opening, Proposal
from tests.clock import TODAY
from tests.portal.citizen_fixtures import csrf
from tests.portal.proposal_fixtures import MARKER, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")
OLD_PHONE, NEW_PHONE = "78 54 69 94", "11 22 33 44"


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def _consent(proposal: Proposal, world, **fields) -> Consent:
    return Consent(proposal=proposal, text_version=proposals.CONSENT_TEXT_VERSION, channel="telefon",
                   deadline=TODAY + timedelta(days=60), recorded_by_id=world["consultant"].id, **fields)


@pytest.fixture
def world(app, make_user):
    """The citizen's name and contacts disclosed to the first company (phone and e-mail shared), the
    name alone to a second, and a third whose consent (sharing the phone) was withdrawn."""
    world = build_world(app, make_user)
    third = make_user("company")
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.phone, citizen.email = world["consultant"].id, OLD_PHONE, "gammel@example.com"
        first = db.session.get(Proposal, world["proposal"])
        first.status, first.disclosed_at = "disclosed", datetime.now(timezone.utc)
        first.shared_profile = {"experience": "Kok i fem år", "phone": OLD_PHONE, "email": "gammel@example.com"}
        first.profile_approved_at, first.profile_approved_by_id = datetime.now(timezone.utc), world["consultant"].id
        db.session.add(_consent(first, world))
        others = []
        for user, share in ((world["other"], {}), (third, {"phone": OLD_PHONE})):
            opening = Opening(company_id=user.company_id, kind="virksomhedspraktik", title="Praktik i butikken",
                              hours_min=10, hours_max=20, postcode="7130", status="open")
            db.session.add(opening)
            db.session.flush()
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="disclosed",
                                decided_by_id=world["consultant"].id, disclosed_at=datetime.now(timezone.utc),
                                shared_profile=dict(share))
            db.session.add(proposal)
            others.append((opening.id, proposal))
        db.session.flush()
        db.session.add(_consent(others[0][1], world))
        db.session.add(_consent(others[1][1], world, withdrawn_at=datetime.now(timezone.utc)))
        others[1][1].status = "withdrawn"
        db.session.commit()
        world.update(third=third, opening_b=others[0][0], proposal_b=others[0][1].id,
                     opening_c=others[1][0], proposal_c=others[1][1].id)
    return world


def _form(**changes) -> dict:
    data = {"name": MARKER, "phone": OLD_PHONE, "email": "gammel@example.com", "benefit_group": "kontanthjaelp",
            "hours_available": "12,5", "postcode": "8722", "max_commute_km": "25", "languages": "dansk",
            "readiness_group": "i_gang", "case_start": "2026-01-05"}
    return {**data, **changes}


def _post(app, client, auth, world, **changes):
    auth.login(world["consultant"].email)
    with app.app_context():
        version = db.session.get(Citizen, world["citizen"]).version
    return client.post(f"/borgere/{world['citizen']}/profil", follow_redirects=True,
                       data={**_form(**changes), "version": str(version), "csrf_token": csrf(auth)})


def _flash(response) -> str:
    html = response.get_data(as_text=True)
    return next(part.split("</p>")[0] for part in html.split('<p class="alert-text">')[1:] if "Profilen er gemt" in part)


def _notices(app, user) -> list[Notification]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "candidate_data").order_by(Notification.id)))


def _profile(app, proposal_id: int) -> dict:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).shared_profile


def test_a_new_phone_and_email_reach_the_company_that_has_them_and_it_is_told(app, client, auth, world):
    html = _flash(_post(app, client, auth, world, phone=NEW_PHONE, email="ny.adresse@example.com"))
    # the consultant is told which company got the correction
    assert "Profilen er gemt." in html and "Firma 0 har borgerens navn og har fået besked om rettelsen" in html
    assert "Firma 1" not in html and "Firma 2" not in html
    assert _profile(app, world["proposal"]) == {"experience": "Kok i fem år", "phone": NEW_PHONE,
                                                 "email": "ny.adresse@example.com"}
    assert _profile(app, world["proposal_b"]) == {}  # shares no contact details: nothing to correct
    assert _profile(app, world["proposal_c"]) == {"phone": OLD_PHONE}  # the consent is withdrawn: left alone
    [notice] = _notices(app, world["company"])
    with app.app_context():
        who = pseudonym(world["citizen"], world["opening"])
    assert notice.text.startswith(f"Oplysningerne om {who} til »Praktik i kantinen« er rettet hos jobcentret: "
                                  "telefonnummer og e-mail.")
    assert NEW_PHONE not in notice.text and MARKER not in notice.text
    assert notice.link == f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    assert not _notices(app, world["other"]) and not _notices(app, world["third"])
    # the company's page shows the new number, the old one is gone
    auth.switch_to(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert NEW_PHONE in page and OLD_PHONE not in page and "ny.adresse@example.com" in page
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "rectification_recipients_told")).all()
        assert event.citizen_id == world["citizen"] and event.purpose == f"told companies: {world['company'].company_id}"


def test_a_corrected_name_tells_every_company_that_sees_it(app, client, auth, world):
    html = _flash(_post(app, client, auth, world, name="Qzvwxy Rettetsen"))
    assert "Firma 0 og Firma 1 har borgerens navn og har fået besked om rettelsen" in html
    assert _notices(app, world["company"])[0].text.endswith("er rettet hos jobcentret: navn. "
                                                            "Se de rettede oplysninger på kandidatens side.")
    assert len(_notices(app, world["other"])) == 1 and not _notices(app, world["third"])
    assert "Qzvwxy" not in _notices(app, world["other"])[0].text


def test_other_changes_tell_nobody(app, client, auth, world):
    html = _flash(_post(app, client, auth, world, hours_available="20"))
    assert "Profilen er gemt." in html and "besked om rettelsen" not in html
    assert not _notices(app, world["company"]) and not _notices(app, world["other"])


def test_the_shared_service_corrects_for_the_api_and_the_import_too(app, world):
    """The API's PUT and the import save through service.update_profile: the same correction."""
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        values = {name: getattr(citizen, name) for name in service.PROFILE_FIELDS}
        data = service.ProfileData(**{**values, "phone": "", "email": "ny@example.com"})
        changed = service.update_profile(citizen, data)
        db.session.commit()
        assert sorted(changed) == ["email", "phone"] and changed.corrected.told == ("Firma 0",)
    # the phone was removed from the profile: the company no longer has one to call
    assert _profile(app, world["proposal"]) == {"experience": "Kok i fem år", "email": "ny@example.com"}
    assert len(_notices(app, world["company"])) == 1


def test_a_phone_corrected_through_the_api_reaches_the_company(app, client, make_user, world):
    from tests.api.api_fixtures import bearer, make_token

    with app.app_context():
        db.session.get(Citizen, world["citizen"]).external_id = "SAG-9"
        db.session.commit()
    raw = make_token(app, make_user("admin"))
    body = {"name": MARKER, "phone": NEW_PHONE, "email": "gammel@example.com", "benefit_group": "kontanthjaelp",
            "hours_available": 12.5, "postcode": "8722", "languages": "dansk", "readiness_group": "i_gang",
            "case_start": "2026-01-05", "job_goals": ["Kok (skånejob pga. rygskade)"]}
    response = client.put("/api/v1/citizens/SAG-9", json=body, headers=bearer(raw))
    assert response.status_code == 200, response.json
    assert _profile(app, world["proposal"])["phone"] == NEW_PHONE
    [notice] = _notices(app, world["company"])
    assert notice.text.endswith("er rettet hos jobcentret: telefonnummer. Se de rettede oplysninger på kandidatens side.")
