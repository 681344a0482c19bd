"""Review: a consent withdrawn on a running placement led no one to decide on it.

The placement's page says »afgør, om forløbet fortsætter«; now the follow-up list flags it
(:data:`portal.placements.followup.CONSENT_WITHDRAWN`, counted under »kræver opfølgning«), the
start page of the citizen's VK lists it first under »Forløb der kræver opfølgning«, linking to the
placement's page, until it is decided (an end registered, or a new consent), and the VK is told
(a ``placement_consent_withdrawn`` notice and, unless turned off, a mail).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.placements import followup
from store.models import MailMessage, Notification, Placement, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")
FLAG = followup.CONSENT_WITHDRAWN


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    world["colleague"] = make_user("consultant")
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"
        placement = Placement(citizen_id=world["citizen"], opening_id=world["opening"],
                              company_id=world["company"].company_id, kind="virksomhedspraktik",
                              start_date=TODAY - timedelta(days=20), weekly_hours=12)
        db.session.add(placement)
        db.session.commit()
        world["placement"] = placement.id
    return world


def _withdraw(client, auth, world, by: str = "colleague"):
    auth.login(world[by].email)
    token = auth.csrf_token(f"/kandidater/forslag/{world['proposal']}")
    response = client.post(f"/kandidater/forslag/{world['proposal']}/tilbagekald", data={"csrf_token": token})
    assert response.status_code == 302


def _flagged_rows(client) -> list[str]:
    html = client.get("/forloeb/opfoelgning?kraever=1").get_data(as_text=True)
    return [row for row in re.findall(r"<tr.*?</tr>", html, re.S) if FLAG in row]


def _start_page_rows(client) -> tuple[int, list[str]]:
    html = client.get("/").get_data(as_text=True)
    section = html.split('data-testid="queue-opfoelgning"', 1)[1].split("</section>", 1)[0]
    count = int(re.search(r'data-testid="count-opfoelgning">(\d+)<', section).group(1))
    return count, re.findall(r'<tr data-testid="queue-row">.*?</tr>', section, re.S)


def test_nothing_is_flagged_while_the_consent_holds(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert _flagged_rows(client) == []
    assert not any(FLAG in row for row in _start_page_rows(client)[1])


def test_the_vk_is_led_to_the_placement_from_the_list_and_the_start_page(app, client, auth, world):
    _withdraw(client, auth, world)
    auth.switch_to(world["consultant"].email)
    link = f"/forloeb/{world['placement']}/konsulent"
    [row] = _flagged_rows(client)
    assert f'href="{link}"' in row
    count, rows = _start_page_rows(client)
    assert count == len(rows) >= 1
    assert FLAG in rows[0] and f'href="{link}"' in rows[0], "listed first"
    assert "afgør, om forløbet fortsætter" in client.get(link).get_data(as_text=True)


def test_the_list_flags_a_planned_placement_too(app, client, auth, world):
    with app.app_context():
        db.session.get(Placement, world["placement"]).start_date = TODAY + timedelta(days=5)
        db.session.commit()
    _withdraw(client, auth, world)
    auth.switch_to(world["consultant"].email)
    [row] = _flagged_rows(client)
    assert 'data-testid="starts"' in row
    assert any(FLAG in row for row in _start_page_rows(client)[1])


@pytest.mark.parametrize("decision", ["end ahead", "end", "new consent"])
def test_the_line_goes_once_it_is_decided(app, client, auth, world, decision):
    _withdraw(client, auth, world)
    with app.app_context():
        if decision == "new consent":
            db.session.get(Proposal, world["proposal"]).status = "consented"
        else:
            placement = db.session.get(Placement, world["placement"])
            placement.end_reason = "afbrudt"
            placement.end_date = TODAY + timedelta(days=7) if decision == "end ahead" else TODAY
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    assert _flagged_rows(client) == []
    assert not any(FLAG in row for row in _start_page_rows(client)[1])
    if decision == "end ahead":  # the page no longer asks for the decision either
        page = client.get(f"/forloeb/{world['placement']}/konsulent").get_data(as_text=True)
        assert 'data-testid="withdrawn-decided"' in page and "afgør, om forløbet fortsætter" not in page


def test_the_vk_gets_a_notice_and_a_mail(app, client, auth, world):
    _withdraw(client, auth, world)
    with app.app_context():
        [note] = db.session.query(Notification).filter_by(user_id=world["consultant"].id,
                                                          kind="placement_consent_withdrawn").all()
        assert note.link == f"/forloeb/{world['placement']}/konsulent" and note.read_at is None
        assert "afgør, om forløbet fortsætter" in note.text
        [mail] = db.session.query(MailMessage).filter_by(user_id=world["consultant"].id,
                                                         kind="placement_consent_withdrawn").all()
        assert f"forløb nr. {world['placement']}" in mail.subject and MARKER not in mail.subject
        assert not db.session.query(Notification).filter_by(user_id=world["colleague"].id,
                                                             kind="placement_consent_withdrawn").count()
    auth.switch_to(world["consultant"].email)
    assert f"forløb nr. {world['placement']} hos" in client.get("/beskeder/").get_data(as_text=True)


def test_no_mail_when_turned_off_and_no_notice_to_oneself(app, client, auth, world):
    with app.app_context():
        db.session.get(User, world["consultant"].id).mail_opt_out = ["placement_consent_withdrawn"]
        db.session.commit()
    _withdraw(client, auth, world)
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="placement_consent_withdrawn").count() == 1
        assert db.session.query(MailMessage).filter_by(kind="placement_consent_withdrawn").count() == 0


def test_the_vk_who_records_it_is_not_told(app, client, auth, world):
    _withdraw(client, auth, world, by="consultant")
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="placement_consent_withdrawn").count() == 0


def test_no_notice_without_a_placement(app, client, auth, world):
    with app.app_context():
        db.session.delete(db.session.get(Placement, world["placement"]))
        db.session.commit()
    _withdraw(client, auth, world)
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="placement_consent_withdrawn").count() == 0


def test_a_new_consent_leads_to_sharing_the_name_again_on_a_filled_opening(app, client, auth, world):
    """Deciding that the placement goes on is a new consent; the name is then to be shared again
    (the opening is filled by then): the start page's »del navnet« and the placement's page say so."""
    _withdraw(client, auth, world)
    auth.switch_to(world["consultant"].email)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).opening.status = "filled"
        db.session.commit()
    token = auth.csrf_token(f"/kandidater/forslag/{world['proposal']}")
    response = client.post(f"/kandidater/forslag/{world['proposal']}/samtykke", data={
        "csrf_token": token, "channel": "telefon", "deadline": (TODAY + timedelta(days=90)).isoformat(),
        "text_read": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "consented"
    html = client.get("/").get_data(as_text=True)
    section = html.split('data-testid="queue-del-navnet"', 1)[1].split("</section>", 1)[0]
    assert f"/kandidater/forslag/{world['proposal']}#profil" in section
    assert _flagged_rows(client) == []
    page = client.get(f"/forloeb/{world['placement']}/konsulent").get_data(as_text=True)
    assert 'data-testid="placement-consent-not-shared"' in page and "er udløbet" not in page
    assert f"/kandidater/forslag/{world['proposal']}#profil" in page


def test_no_notice_when_the_end_is_registered_already_or_the_processing_is_restricted(app, client, auth, world):
    # review BV 4: the notice asks for what the list would not flag
    with app.app_context():
        placement = db.session.get(Placement, world["placement"])
        placement.end_reason, placement.end_date = "afbrudt", TODAY + timedelta(days=20)
        db.session.commit()
    _withdraw(client, auth, world)
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="placement_consent_withdrawn").count() == 0
        from portal.candidates.withdrawal import tell_consultants
        from store.models import Citizen

        placement = db.session.get(Placement, world["placement"])
        placement.end_reason, placement.end_date = None, None
        db.session.get(Citizen, world["citizen"]).restricted = True
        proposal = db.session.get(Proposal, world["proposal"])
        assert tell_consultants(proposal, db.session.get(User, world["colleague"].id)) == 0
        db.session.get(Citizen, world["citizen"]).restricted = False
        assert tell_consultants(proposal, db.session.get(User, world["colleague"].id)) == 1
        db.session.rollback()
