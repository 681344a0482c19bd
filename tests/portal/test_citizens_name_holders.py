"""The erase and restrict forms name, beforehand, the companies that have the citizen's name
(GDPR art. 19, review C5), the portal tells those companies when it happens (by the pseudonym,
never the name), and the erase page tells the case system to stop sending the citizen."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.citizens import recipients
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import Citizen, Company, MailMessage, Notification
from tests.portal.citizen_fixtures import csrf
from tests.portal.proposal_fixtures import MARKER, disclosed_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


def company_name(app, world) -> str:
    with app.app_context():
        return db.session.get(Company, world["company"].company_id).name


def set_citizen(app, world, **values) -> None:
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        for key, value in values.items():
            setattr(citizen, key, value)
        db.session.commit()


def erase_page(client, auth, make_user, world) -> str:
    auth.login(make_user("admin").email)
    return client.get(f"/borgere/{world['citizen']}/slet").get_data(as_text=True)


def test_the_erase_page_names_the_company_that_has_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    page = erase_page(client, auth, make_user, world)
    holders = page.split('data-testid="erase-holders"', 1)[1].split("</div>", 1)[0]
    assert company_name(app, world) in holders and "Praktik i kantinen" in holders
    assert "portalen giver virksomheden besked" in holders and "slette de oplysninger" in holders


def test_a_company_without_the_name_is_not_named(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "approved")  # approved, not disclosed: the name never went
    page = erase_page(client, auth, make_user, world)
    assert company_name(app, world) not in page
    assert "Ingen virksomhed har fået borgerens navn" in page


def test_a_restricted_citizen_s_erase_page_still_names_who_got_the_name_before(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_citizen(app, world, restricted=True)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        assert recipients.name_holders(citizen) == []  # hidden while restricted
    page = erase_page(client, auth, make_user, world)
    assert company_name(app, world) in page and "før behandlingen blev begrænset" in page


def test_the_erase_page_tells_the_case_system_to_stop_and_how_to_undo(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_citizen(app, world, external_id="SAG 42/7")
    page = erase_page(client, auth, make_user, world)
    said = page.split('data-testid="erase-external-id"', 1)[1].split("</div>", 1)[0]
    assert "Fagsystemet skal holde op med at sende borgeren" in said
    assert "DELETE /api/v1/citizens/SAG%2042/7/erasure" in said


def test_no_case_system_text_for_a_citizen_made_in_the_portal(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    assert 'data-testid="erase-external-id"' not in erase_page(client, auth, make_user, world)


def test_the_restrict_form_says_who_loses_sight_of_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    auth.login(world["consultant"].email)
    page = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    said = page.split('data-testid="restrict-holders"', 1)[1].split("</div>", 1)[0]
    assert company_name(app, world) in said and "Praktik i kantinen" in said
    assert "forslaget står stille" in said and "Portalen giver virksomheden besked" in said


def test_no_restrict_warning_when_no_company_has_the_name(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "approved")
    auth.login(world["consultant"].email)
    page = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert 'data-testid="restrict-form"' in page and 'data-testid="restrict-holders"' not in page


def told(app, world) -> list[tuple[str, str, str]]:
    """(kind, text, link) of the company user's notifications; no mail or notice names the citizen."""
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == world["company"].id).order_by(Notification.id)).all()
        mails = db.session.scalars(sa.select(MailMessage).where(
            MailMessage.user_id == world["company"].id)).all()
        assert not [m for m in mails if MARKER in m.subject + m.body]
        assert not [n for n in notes if MARKER in n.text]
        return [(n.kind, n.text, n.link) for n in notes]


def who(app, world) -> str:
    with app.app_context():
        return pseudonym(world["citizen"], world["opening"])


def test_restricting_and_lifting_tell_the_company_by_pseudonym(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    auth.login(world["consultant"].email)
    cid = world["citizen"]
    response = client.post(f"/borgere/{cid}/begraens",
                           data={"csrf_token": csrf(auth), "ground": "rigtighed", "note": ""})
    assert response.status_code == 302
    [(kind, text, link)] = told(app, world)
    assert kind == "candidate_data" and who(app, world) in text and "må ikke bruges for nu" in text
    assert link.endswith(f"/{world['proposal']}")  # the candidate's page
    page = client.get(f"/borgere/{cid}").get_data(as_text=True)
    said = page.split('data-testid="lift-holders"', 1)[1].split("</p>", 1)[0]
    assert company_name(app, world) in said and "besked" in said
    response = client.post(f"/borgere/{cid}/ophaev-begraensning",
                           data={"csrf_token": csrf(auth), "informed": "y", "note": ""})
    assert response.status_code == 302
    assert [t for _, t, _ in told(app, world)][1].startswith(f"Begrænsningen for {who(app, world)}")


def test_erasing_tells_the_company_and_the_notice_outlives_the_citizen(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    name = who(app, world)
    auth.login(make_user("admin").email)
    response = client.post(f"/borgere/{world['citizen']}/slet", data={
        "csrf_token": auth.csrf_token(f"/borgere/{world['citizen']}/slet"), "purpose": "J.nr. 2026-1",
        "confirm_name": MARKER})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]) is None
    [(kind, text, link)] = told(app, world)
    assert kind == "candidate_data" and name in text and "Slet det, I har fået" in text
    assert link.endswith(f"/{world['opening']}")  # the opening: the candidate's page is gone


def test_a_company_without_the_name_is_not_told(app, client, auth, make_user):
    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "approved")
    auth.login(world["consultant"].email)
    client.post(f"/borgere/{world['citizen']}/begraens",
                data={"csrf_token": csrf(auth), "ground": "rigtighed", "note": ""})
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]).restricted
    assert told(app, world) == []


def test_the_cli_erasure_tells_the_company_too(app, make_user):
    world = disclosed_world(app, make_user)
    result = app.test_cli_runner().invoke(args=["erase-citizen", str(world["citizen"]), "--purpose", "J.nr. 9"])
    assert result.exit_code == 0, result.output
    assert [k for k, _, _ in told(app, world)] == ["candidate_data"]
    result = app.test_cli_runner().invoke(args=["erase-citizen", str(world["citizen"]), "--purpose", "J.nr. 9"])
    assert result.exit_code != 0 and "no citizen" in result.output


def test_the_cli_erasure_refuses_a_purpose_the_audit_log_may_not_keep(app, make_user):
    world = disclosed_world(app, make_user)
    result = app.test_cli_runner().invoke(
        args=["erase-citizen", str(world["citizen"]), "--purpose", "CPR 010190-1234"])
    assert result.exit_code != 0 and "nothing erased" in result.output
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]) is not None
    assert told(app, world) == []


def test_a_company_whose_consent_ran_out_is_still_named_and_told_at_erasure(app, client, auth, make_user):
    """It was given the name; a lapsed consent hides it in the portal, not in the company's files."""
    from datetime import timedelta

    from store import clock
    from store.models import Consent

    world = disclosed_world(app, make_user)
    with app.app_context():
        db.session.query(Consent).update({Consent.deadline: clock.today() - timedelta(days=1)})
        db.session.commit()
        assert recipients.name_holders(db.session.get(Citizen, world["citizen"])) == []  # not seen now
    page = erase_page(client, auth, make_user, world)
    assert company_name(app, world) in page.split('data-testid="erase-holders"', 1)[1].split("</div>", 1)[0]
    result = app.test_cli_runner().invoke(args=["erase-citizen", str(world["citizen"]), "--purpose", "J.nr. 9"])
    assert result.exit_code == 0, result.output
    assert [k for k, _, _ in told(app, world)] == ["candidate_data"]
