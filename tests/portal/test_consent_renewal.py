"""Renewing a consent in one step: a lapsed consent, or new choices while one holds.

The new consent replaces the old one (never both in force), the status stays, a shared name
the company had lost sight of is shown again (and the company told), and the consent
history says what became of every consent.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal import consents, proposals
from portal.extensions import db
from portal.openings.service import shared_candidates
from store.clock import LOCAL
from store.models import AuditEvent, Consent, Interview, Notification, Proposal
from tests.portal.proposal_fixtures import IN_90_DAYS, TODAY
from tests.portal import test_consent_step
from tests.portal.test_consent_step import PROFILE, consent_data, page_of, post, proposal_row

world = test_consent_step.world  # the consent step's fixture: contact details, a CV file, jobmål

pytestmark = pytest.mark.usefixtures("frozen_today")


def _disclosed(client, world, **choices) -> None:
    post(client, world, "samtykke", **consent_data(**choices))
    post(client, world, "profil", **PROFILE)
    post(client, world, "videregiv")


def _lapse(days: int = 91) -> time_machine.travel:
    """Travel past the first consent's deadline (10:00 Danish time, ``days`` after TODAY)."""
    from datetime import datetime, time
    return time_machine.travel(datetime.combine(TODAY + timedelta(days=days), time(10), tzinfo=LOCAL), tick=True)


def _consents(app, world) -> list[Consent]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Consent).where(Consent.proposal_id == world["proposal"])
                                  .order_by(Consent.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_lapsed_consent_is_renewed_in_one_step_and_the_company_sees_the_name_again(app, client, auth, world):
    auth.login(world["consultant"].email)
    _disclosed(client, world, share_phone="y")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    with _lapse():
        auth.login(world["consultant"].email)  # a fresh login on the later day
        html = page_of(client, world)
        assert 'data-testid="consent-expired"' in html and '<h3 id="samtykke">Registrér et nyt samtykke</h3>' in html
        assert "virksomheden ser igen navnet og profilen og får besked" in html
        # The form starts from the choices in use: the phone was shared, nothing else.
        assert re.search(r'<input[^>]* checked [^>]*name="share_phone"', html)
        assert not re.search(r'<input[^>]* checked [^>]*name="share_email"', html)
        later = TODAY + timedelta(days=91 + 60)
        response = post(client, world, "samtykke", **consent_data(deadline=later.isoformat(), share_email="y"))
        assert response.status_code == 302
        assert "Virksomheden ser igen navnet" in client.get(response.headers["Location"]).get_data(as_text=True)
        item = proposal_row(app, world)
        assert item.status == "disclosed"  # no step back: the name is shared under the new consent
        assert set(item.shared_profile) - set(PROFILE) == {"email"}  # the new choices, not the old
        with app.app_context():
            fresh = db.session.get(Proposal, world["proposal"])
            assert proposals.identity_released(fresh)
            assert consents.active_consent(fresh).deadline == later
            shared = [n for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))
                      .all()[before:] if n.kind == "candidate_shared"]
            assert {n.user_id for n in shared} == {world["company"].id, world["colleague"].id}
            assert "consent_renewed" in db.session.scalars(sa.select(AuditEvent.action)).all()
        old, new = _consents(app, world)
        assert old.replaced_at is not None and old.withdrawn_at is None and new.replaced_at is None
        states = re.findall(r'data-testid="consent-state">([^<]*)<', page_of(client, world))
        assert states[0].startswith("Erstattet af et nyt") and states[1] == "Gælder"


def test_renewing_while_a_consent_holds_replaces_it_without_a_new_notice(app, client, auth, world):
    auth.login(world["consultant"].email)
    _disclosed(client, world, share_phone="y", share_cv="y")
    with app.app_context():
        notices = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    html = page_of(client, world)
    assert 'data-testid="renew-consent"' in html and "det nuværende gælder til og med" in html
    shorter = TODAY + timedelta(days=30)  # shorter than the first: the first must not come back after it
    assert post(client, world, "samtykke", **consent_data(deadline=shorter.isoformat())).status_code == 302
    item = proposal_row(app, world)
    assert item.status == "disclosed" and item.share_cv is False
    assert "phone" not in item.shared_profile  # the citizen took the phone number back
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == notices
    with _lapse(days=45):  # after the new deadline, before the old one
        with app.app_context():
            fresh = db.session.get(Proposal, world["proposal"])
            assert consents.active_consent(fresh) is None and not proposals.identity_released(fresh)
            lines = shared_candidates(fresh.opening)
            assert [line.consent_lapsed for line in lines] == [True]


def test_a_renewal_keeps_booked_interviews(app, client, auth, world):
    auth.login(world["consultant"].email)
    _disclosed(client, world)
    with app.app_context():
        from datetime import datetime, time
        db.session.add(Interview(proposal_id=world["proposal"], status="booked", offered_by="company",
                                 starts_at=datetime.combine(TODAY + timedelta(days=5), time(10), tzinfo=LOCAL),
                                 duration_minutes=30, uid="renewal-test@jobbro"))
        db.session.commit()
    assert post(client, world, "samtykke", **consent_data(deadline=IN_90_DAYS.isoformat())).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Interview.status)).all() == ["booked"]


def test_withdrawing_after_a_renewal_withdraws_only_the_consent_in_force(app, client, auth, world):
    auth.login(world["consultant"].email)
    _disclosed(client, world)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "tilbagekald")
    old, new = _consents(app, world)
    assert old.withdrawn_at is None and old.replaced_at is not None  # it was replaced, not withdrawn
    assert new.withdrawn_at is not None
    assert proposal_row(app, world).status == "withdrawn"


def test_no_renewal_after_the_company_said_no(app, client, auth, world):
    auth.login(world["consultant"].email)
    _disclosed(client, world)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "declined"
        db.session.commit()
    assert 'data-testid="consent-form"' not in page_of(client, world)
    post(client, world, "samtykke", **consent_data())
    assert len(_consents(app, world)) == 1


def _placement(app, world, start_days: int, ended: bool) -> None:
    from store.models import Opening, Placement

    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        start = TODAY + timedelta(days=start_days)
        db.session.add(Placement(citizen_id=world["citizen"], company_id=opening.company_id, opening_id=opening.id,
                                 kind=opening.kind, start_date=start, weekly_hours=10,
                                 end_date=start + timedelta(days=30) if ended else None,
                                 end_reason="forloeb_slut" if ended else None))
        db.session.commit()


@pytest.mark.parametrize("start_days, ended, says", [
    (100, False, "er aftalt og starter"),  # days from TODAY; the page is read 91 days later
    (-20, False, "er i gang siden"),
    (-60, True, "sluttede"),
])
def test_the_next_step_says_truly_where_the_placement_is(app, client, auth, world, start_days, ended, says):
    auth.login(world["consultant"].email)
    _disclosed(client, world)
    _placement(app, world, start_days, ended)
    with _lapse():  # the consent lapsed: the page speaks of the placement, not of a start
        auth.login(world["consultant"].email)
        html = page_of(client, world)
        text = re.search(r'data-testid="next-step-text">(.*?)</p>', html, re.DOTALL).group(1)
        assert says in text and "Forløbet er startet" not in text
        assert "samtykket gælder ikke længere" in re.search(
            r'data-testid="proposal-status">([^<]*)<', html).group(1)
        # After the pair's placement ended there is nothing left to renew the consent for.
        assert ('data-testid="consent-form"' in html) == (not ended)


def test_sharing_the_name_asks_first(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    html = page_of(client, world)
    confirm = re.search(r'data-testid="disclose-confirm">(.*?)</details>', html, re.DOTALL).group(1)
    assert "får besked med det samme" in confirm and 'data-testid="disclose"' in confirm


@pytest.mark.parametrize("opening_status, says", [("filled", "Opslaget er besat"), ("closed", "Opslaget er lukket")])
def test_a_live_proposal_on_a_filled_opening_says_so_and_what_to_do(app, client, auth, world, opening_status, says):
    from store.models import Opening

    auth.login(world["consultant"].email)
    _disclosed(client, world)
    assert 'data-testid="opening-done"' not in page_of(client, world)
    with app.app_context():
        db.session.get(Opening, world["opening"]).status = opening_status
        db.session.commit()
    done = re.search(r'data-testid="opening-done">(.*?)</div></div>', page_of(client, world), re.DOTALL).group(1)
    assert says in done and "afslut forslaget" in done and f'href="/kandidater/borger/{world["citizen"]}"' in done
    assert f'action="/kandidater/forslag/{world["proposal"]}/afslut"' in done  # the step itself, behind a confirmation


@pytest.mark.parametrize("reason", ["aflyst", "afbrudt"])
def test_a_placement_cancelled_before_its_start_leaves_the_pair_as_without_one(app, client, auth, world, reason):
    """The pair's placement was cancelled before its start (end reason "aflyst", ended on the planned
    start): it never ran, so the page does not say it ended and there is no more to do; the lapsed
    consent is renewed as on a pair without a placement, and the pair counts as not started
    (:func:`portal.proposals.placement_started`). The control, ended as "afbrudt", ended the pair."""
    from store.models import Opening, Placement

    auth.login(world["consultant"].email)
    _disclosed(client, world)
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        start = TODAY + timedelta(days=100)
        db.session.add(Placement(citizen_id=world["citizen"], company_id=opening.company_id, opening_id=opening.id,
                                 kind=opening.kind, start_date=start, end_date=start, end_reason=reason,
                                 weekly_hours=10))
        db.session.commit()
        assert proposals.placement_started(db.session.get(Proposal, world["proposal"])) is (reason != "aflyst")
    with _lapse():
        auth.login(world["consultant"].email)
        html = page_of(client, world)
    listed = re.search(r'data-testid="proposal-placements">(.*?)</ul>', html, re.DOTALL).group(1)
    if reason == "aflyst":
        assert 'data-testid="consent-expired"' in html and 'data-testid="consent-form"' in html
        assert "sluttede" not in html and "aflyst før start" in listed and "afsluttet" not in listed
    else:
        assert "sluttede" in html and 'data-testid="consent-form"' not in html and "afsluttet" in listed
