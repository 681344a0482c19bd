"""A corrected phone, e-mail or name reaches the companies that have it (GDPR art. 16 and 19,
review AU 3): the shared copies follow, the companies are told by pseudonym, the consultant on save."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import consents, proposals
from portal.citizens import service
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import AuditEvent, Citizen, Consent, Notification, Opening, Proposal, User
from store.models.api import WebhookDelivery
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
    fields.setdefault("deadline", TODAY + timedelta(days=60))
    return Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                   given_at=datetime.now(timezone.utc) - timedelta(days=90),
                   recorded_by_id=world["consultant"].id, **fields)


@pytest.fixture
def world(app, make_user):
    """The citizen's name and contacts disclosed to the first company (phone and e-mail shared), the
    name alone to a second, to a third whose consent was withdrawn since (the shared copy cleared, as
    proposals.withdraw does), to a fourth whose consent ran out yesterday (its copy still holds the
    phone and e-mail it got), and to a fifth whose proposal ended when the case closed (the copy
    cleared); a sixth was shown the candidate by pseudonym only. Each company has a webhook endpoint
    on proposal.rectified, and so has the job centre."""
    from tests.webhooks.conftest import add_endpoint

    app.config["PORTAL_URL"] = "http://localhost"
    world = build_world(app, make_user)
    third, lapsed, ended, shown = (make_user("company") for _ in range(4))
    now = datetime.now(timezone.utc)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.phone, citizen.email = world["consultant"].id, OLD_PHONE, "gammel@example.com"
        first = db.session.get(Proposal, world["proposal"])
        first.status, first.disclosed_at = "disclosed", now
        first.shared_profile = {"experience": "Kok i fem år", "phone": OLD_PHONE, "email": "gammel@example.com"}
        first.profile_approved_at, first.profile_approved_by_id = now, world["consultant"].id
        db.session.add(_consent(first, world))
        others = {}
        for key, user, status, share, disclosed in (
                ("b", world["other"], "disclosed", {}, now),
                ("c", third, "withdrawn", {}, now),
                ("d", lapsed, "disclosed", {"phone": OLD_PHONE, "email": "gammel@example.com"}, now),
                ("e", ended, "ended", {}, now),
                ("f", shown, "approved", {}, None)):
            opening = Opening(company_id=user.company_id, kind="virksomhedspraktik", title="Praktik i butikken",
                              hours_min=10, hours_max=20, postcode="7130", status="open")
            db.session.add(opening)
            db.session.flush()
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status=status,
                                decided_by_id=world["consultant"].id, decided_at=now, disclosed_at=disclosed,
                                shared_profile=dict(share))
            db.session.add(proposal)
            others[key] = (opening.id, proposal)
        db.session.flush()
        db.session.add(_consent(others["b"][1], world))
        db.session.add(_consent(others["c"][1], world, withdrawn_at=now))
        db.session.add(_consent(others["d"][1], world, deadline=TODAY - timedelta(days=1)))
        db.session.add(_consent(others["e"][1], world, withdrawn_at=now, ended_with_proposal=True))
        others["e"][1].ended_on = TODAY
        db.session.commit()
        for key, (opening_id, proposal) in others.items():
            world[f"opening_{key}"], world[f"proposal_{key}"] = opening_id, proposal.id
        world.update(third=third, lapsed=lapsed, ended=ended, shown=shown)
        companies = {"a": world["company"], "b": world["other"], "c": third, "d": lapsed, "e": ended, "f": shown}
        world["endpoints"] = {add_endpoint(app, f"https://8.8.8.8/{key}", company_id=user.company_id,
                                           events=("proposal.rectified",)): key for key, user in companies.items()}
        world["endpoints"][add_endpoint(app, "https://8.8.8.8/jc", events=("proposal.rectified",))] = "jc"
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


def _who(app, world, key: str = "") -> str:
    with app.app_context():
        return pseudonym(world["citizen"], world[f"opening_{key}" if key else "opening"])


def _queued(app, world) -> dict[str, list[dict]]:
    """The proposal.rectified payloads queued, by endpoint (a–f: the companies; jc: the job centre)."""
    out: dict[str, list[dict]] = {}
    with app.app_context():
        for row in db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)):
            body = json.loads(row.payload)
            assert body["type"] == row.event == "proposal.rectified"
            out.setdefault(world["endpoints"][row.endpoint_id], []).append(body)
    return out


def test_a_new_phone_and_email_reach_the_company_that_has_them_and_it_is_told(app, client, auth, world):
    html = _flash(_post(app, client, auth, world, phone=NEW_PHONE, email="ny.adresse@example.com"))
    # the consultant is told which companies got the correction: the one that sees the contacts, and
    # the one whose consent ran out but which got them (GDPR art. 19: every recipient)
    assert "Profilen er gemt." in html and ("Firma 0 har borgerens navn og har fået besked om rettelsen "
                                            "(rettet: telefonnummer og e-mail); kandidatens side viser de rettede "
                                            "oplysninger.") in html
    assert ("Firma 3 har tidligere fået borgerens navn og har fået besked om rettelsen (rettet: telefonnummer og "
            "e-mail), men ikke de rettede oplysninger.") in html
    assert not any(f"Firma {n}" in html for n in (1, 2, 4, 5))
    assert _profile(app, world["proposal"]) == {"experience": "Kok i fem år", "phone": NEW_PHONE,
                                                 "email": "ny.adresse@example.com"}
    assert _profile(app, world["proposal_b"]) == {}  # shares no contact details: nothing to correct
    # no consent in force: nobody reads the copy, and a renewed consent copies afresh
    assert _profile(app, world["proposal_d"]) == {"phone": OLD_PHONE, "email": "gammel@example.com"}
    [notice] = _notices(app, world["company"])
    assert notice.text.startswith(f"Oplysningerne om {_who(app, world)} til »Praktik i kantinen« er rettet hos "
                                  "jobcentret: telefonnummer og e-mail.")
    assert NEW_PHONE not in notice.text and MARKER not in notice.text
    assert notice.link == f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    [earlier] = _notices(app, world["lapsed"])
    assert earlier.text == (f"Oplysningerne om {_who(app, world, 'd')} til »Praktik i butikken« er rettet hos "
                            "jobcentret: telefonnummer og e-mail. Det, I fik, er ikke længere rigtigt: brug det ikke.")
    assert earlier.link == f"/opslag/{world['opening_d']}/kandidat/{world['proposal_d']}"
    for user in ("other", "third", "ended", "shown"):
        assert not _notices(app, world[user]), user
    # the company's page shows the new number, the old one is gone
    auth.switch_to(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert NEW_PHONE in page and OLD_PHONE not in page and "ny.adresse@example.com" in page
    # the company whose consent ran out is disclosed nothing new
    auth.switch_to(world["lapsed"].email)
    page = client.get(f"/opslag/{world['opening_d']}/kandidat/{world['proposal_d']}").get_data(as_text=True)
    assert NEW_PHONE not in page and "ny.adresse@example.com" not in page and MARKER not in page
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "rectification_recipients_told")).all()
        ids = sorted([world["company"].company_id, world["lapsed"].company_id])
        assert event.citizen_id == world["citizen"] and event.purpose == f"told companies: {ids[0]}, {ids[1]}"


def test_a_corrected_name_tells_every_company_given_it(app, client, auth, world):
    """Also those that no longer see it: the consent withdrawn, run out, the proposal ended (GDPR
    art. 19); never one shown the candidate by pseudonym only."""
    html = _flash(_post(app, client, auth, world, name="Qzvwxy Rettetsen"))
    # review BD 3: the flash names the corrected field, and no longer says the contact details changed
    assert ("Firma 0 og Firma 1 har borgerens navn og har fået besked om rettelsen (rettet: navn); kandidatens "
            "side viser de rettede oplysninger.") in html
    assert "kontaktoplysning" not in html
    assert ("Firma 2, Firma 3 og Firma 4 har tidligere fået borgerens navn og har fået besked om rettelsen "
            "(rettet: navn), men") in html
    assert "Firma 5" not in html
    assert _notices(app, world["company"])[0].text.endswith("er rettet hos jobcentret: navn. "
                                                            "Se de rettede oplysninger på kandidatens side.")
    assert len(_notices(app, world["other"])) == 1 and not _notices(app, world["shown"])
    for user, key in (("third", "c"), ("lapsed", "d"), ("ended", "e")):
        [notice] = _notices(app, world[user])
        assert notice.text == (f"Oplysningerne om {_who(app, world, key)} til »Praktik i butikken« er rettet hos "
                               "jobcentret: navn. Det, I fik, er ikke længere rigtigt: brug det ikke.")
        assert notice.link == f"/opslag/{world[f'opening_{key}']}/kandidat/{world[f'proposal_{key}']}"
        assert "Qzvwxy" not in notice.text and MARKER not in notice.text
    assert "Qzvwxy" not in _notices(app, world["other"])[0].text
    # the page each such notice links to answers the company (it is shown the proposal)
    auth.switch_to(world["ended"].email)
    page = client.get(f"/opslag/{world['opening_e']}/kandidat/{world['proposal_e']}")
    assert page.status_code == 200 and "Qzvwxy" not in page.get_data(as_text=True)


def test_the_companies_systems_hear_it_by_ids_and_field_names(app, client, auth, world):
    """proposal.rectified, one per proposal to the company given the name, documented in the
    OpenAPI webhooks (tests compare the payload with webhook_docs.DATA); never a value."""
    from portal.api import webhook_docs
    from tests.webhooks.test_events import documented

    schema = webhook_docs.body_schema("proposal.rectified")["properties"]["data"]["properties"]
    _post(app, client, auth, world, name="Qzvwxy Rettetsen", phone=NEW_PHONE)
    got = _queued(app, world)
    assert set(got) == {"a", "b", "c", "d", "e", "jc"}  # never the company shown only the pseudonym
    expected = {"a": (world["proposal"], ["name", "phone"], True), "b": (world["proposal_b"], ["name"], True),
                "c": (world["proposal_c"], ["name"], False), "d": (world["proposal_d"], ["name", "phone"], False),
                "e": (world["proposal_e"], ["name"], False)}
    with app.app_context():
        who = [pseudonym(world["citizen"], world[key]) for key in world if key.startswith("opening")]
    for key, (proposal_id, fields, readable) in expected.items():
        [body] = got[key]
        documented(body, jobcenter=False)
        assert body["data"]["proposal_id"] == proposal_id and body["data"]["fields"] == fields
        assert body["data"]["readable"] is readable and schema["readable"]["type"] == "boolean"
        assert set(body["data"]["fields"]) <= set(schema["fields"]["items"]["enum"])
        assert body["data"]["rectified_at"].endswith("Z")
        # the corrected details can be re-read only where the company sees them; else the portal page alone
        assert set(body["links"]) == ({"portal", "api"} if readable else {"portal"})
        assert body["links"]["portal"].endswith(f"/kandidat/{proposal_id}")
        text = json.dumps(body, ensure_ascii=False)
        for secret in (MARKER, "Qzvwxy", NEW_PHONE, OLD_PHONE, "gammel@example.com", "citizen", *who):
            assert secret not in text, (key, secret)
    assert len(got["jc"]) == 5
    for body in got["jc"]:
        documented(body, jobcenter=True)
        assert body["data"]["citizen_id"] == world["citizen"] and "Qzvwxy" not in json.dumps(body)


def test_a_company_without_an_active_user_still_hears_it_by_webhook(app, client, auth, world):
    with app.app_context():
        db.session.get(User, world["third"].id).active = False
        db.session.commit()
    html = _flash(_post(app, client, auth, world, name="Qzvwxy Rettetsen"))
    assert ("Firma 2 har fået borgerens navn, men ingen aktiv bruger, der kan få besked: giv dem besked om "
            "rettelsen selv.") in html
    assert "Firma 3 og Firma 4 har tidligere fået borgerens navn" in html
    assert [body["data"]["proposal_id"] for body in _queued(app, world)["c"]] == [world["proposal_c"]]
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "rectification_recipients_told")).all()
        assert event.purpose.endswith(f"; no active user: {world['third'].company_id}")


def test_a_pair_decided_anew_and_rejected_is_told_on_the_openings_page(app, client, auth, world):
    """The company got the name in the earlier round; it is not shown the rejected proposal, so the
    notice and the webhook point to the opening, not the candidate's page."""
    with app.app_context():
        db.session.get(Proposal, world["proposal_e"]).status = "rejected"
        db.session.commit()
    _post(app, client, auth, world, name="Qzvwxy Rettetsen")
    [notice] = _notices(app, world["ended"])
    assert notice.link == f"/opslag/{world['opening_e']}"
    [body] = _queued(app, world)["e"]
    assert body["links"] == {"portal": f"http://localhost/opslag/{world['opening_e']}"}
    assert body["data"]["readable"] is False


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


def _through_the_steps(app, world, make_user, *steps) -> dict:
    """A seventh company (»Firma 6«) shown the candidate on an opening of its own, then ``steps``
    done as the consultant does them (portal.proposals): ("consent", {share_…: True}),
    ("disclose",), ("withdraw",), ("end",). Its user, opening and proposal."""
    company = make_user("company")
    with app.app_context():
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik på kontoret",
                          hours_min=10, hours_max=20, postcode="7130", status="open")
        db.session.add(opening)
        db.session.flush()
        proposal = Proposal(citizen_id=world["citizen"], opening_id=opening.id, status="approved",
                            decided_by_id=world["consultant"].id, decided_at=datetime.now(timezone.utc))
        db.session.add(proposal)
        db.session.commit()
        user = db.session.get(User, world["consultant"].id)
        for step, *args in steps:
            if step == "consent":
                proposals.record_consent(proposal, user, channel="telefon", deadline=TODAY + timedelta(days=60),
                                         **args[0])
            elif step == "disclose":
                proposals.disclose(proposal, user)
            elif step == "withdraw":
                proposals.withdraw(proposal, user)
            else:
                proposals.end(proposal, user, TODAY)
                db.session.commit()
        assert not proposal.shared_profile  # the shared copy no longer says what the company got
        return {"user": company, "opening": opening.id, "proposal": proposal.id}


def _told(app, got: dict) -> tuple[list[str], list[dict]]:
    """The notices the company's user got and the proposal.rectified bodies for its proposal."""
    with app.app_context():
        bodies = [json.loads(row.payload)["data"] for row in db.session.scalars(sa.select(WebhookDelivery))]
    return ([n.text for n in _notices(app, got["user"])],
            [body for body in bodies if body["proposal_id"] == got["proposal"]])


def test_a_company_whose_consent_was_withdrawn_hears_of_the_phone_and_email_it_got(app, client, auth, make_user,
                                                                                  world):
    """The consent shared the phone and the e-mail, the name went to the company, then the citizen
    withdrew: the copy is cleared, but the record of what the company got is kept (migration 0036),
    so the correction reaches it for those too, by pseudonym, nothing new disclosed."""
    got = _through_the_steps(app, world, make_user, ("consent", {"share_phone": True, "share_email": True}),
                             ("disclose",), ("withdraw",))
    html = _flash(_post(app, client, auth, world, phone=NEW_PHONE, email="ny.adresse@example.com"))
    assert "Firma 3 og Firma 6 har tidligere fået borgerens navn og har fået besked om rettelsen" in html
    [text], bodies = _told(app, got)
    with app.app_context():
        who = pseudonym(world["citizen"], got["opening"])
    assert text == (f"Oplysningerne om {who} til »Praktik på kontoret« er rettet hos jobcentret: telefonnummer "
                    "og e-mail. Det, I fik, er ikke længere rigtigt: brug det ikke.")
    assert [(body["fields"], body["readable"]) for body in bodies] == [(["phone", "email"], False)]
    assert _profile(app, got["proposal"]) == {}  # nothing new goes to the company
    auth.switch_to(got["user"].email)
    page = client.get(f"/opslag/{got['opening']}/kandidat/{got['proposal']}").get_data(as_text=True)
    assert NEW_PHONE not in page and "ny.adresse" not in page and OLD_PHONE not in page


def test_a_company_whose_proposal_ended_hears_only_of_the_details_it_got(app, client, auth, make_user, world):
    """The consent shared the e-mail only and ended with the proposal (the case closed): a new
    phone and e-mail tell the company of the e-mail and never of a phone it did not get."""
    got = _through_the_steps(app, world, make_user, ("consent", {"share_email": True}), ("disclose",), ("end",))
    _post(app, client, auth, world, phone=NEW_PHONE, email="ny.adresse@example.com")
    [text], bodies = _told(app, got)
    assert text.endswith("er rettet hos jobcentret: e-mail. Det, I fik, er ikke længere rigtigt: brug det ikke.")
    assert [(body["fields"], body["readable"]) for body in bodies] == [(["email"], False)]


def test_a_consent_given_again_but_not_shown_gave_the_company_nothing(app, client, auth, make_user, world):
    """The name and the phone went to the company under the first consent; after the withdrawal a
    new consent shares the e-mail, but the name was not shared again: a new e-mail is none of its
    business, a new phone is."""
    got = _through_the_steps(app, world, make_user, ("consent", {"share_phone": True}), ("disclose",),
                             ("withdraw",), ("consent", {"share_email": True}), ("withdraw",))
    _post(app, client, auth, world, email="ny.adresse@example.com")
    assert _told(app, got) == ([], [])
    auth.logout()
    _post(app, client, auth, world, email="ny.adresse@example.com", phone=NEW_PHONE)
    [text], bodies = _told(app, got)
    assert text.endswith("er rettet hos jobcentret: telefonnummer. Det, I fik, er ikke længere rigtigt: brug det ikke.")
    assert [body["fields"] for body in bodies] == [["phone"]]


def test_a_consent_renewed_while_the_name_is_shared_adds_what_it_shows(app, world, make_user):
    """A renewal with other choices while the company sees the name shows them at once: kept, with
    what the first consent showed, after the withdrawal."""
    got = _through_the_steps(app, world, make_user, ("consent", {"share_phone": True}), ("disclose",),
                             ("consent", {"share_email": True}), ("withdraw",))
    with app.app_context():
        proposal = db.session.get(Proposal, got["proposal"])
        assert proposal.shared_contacts == ["phone", "email"] and consents.contacts_given(proposal) == ["phone", "email"]


def test_the_flash_names_for_each_company_only_the_fields_it_was_told_of(app, client, auth, world):
    """Review BF 1: a name and a phone corrected at once; a company that got the name but never the
    phone is told of the name only, and the consultant's flash says so for that company."""
    html = _flash(_post(app, client, auth, world, name="Qzvwxy Rettetsen", phone=NEW_PHONE))
    assert ("Firma 0 (rettet: navn og telefonnummer) og Firma 1 (rettet: navn) har borgerens navn og har fået "
            "besked om rettelsen; kandidatens side viser de rettede oplysninger.") in html
    assert "Firma 3 (rettet: navn og telefonnummer)" in html
    assert _notices(app, world["other"])[0].text.endswith("er rettet hos jobcentret: navn. "
                                                          "Se de rettede oplysninger på kandidatens side.")
