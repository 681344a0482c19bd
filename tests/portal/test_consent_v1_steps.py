"""Review BJ 6: under a consent whose text covers the name alone (»samtykke-v1«) the consultant's
steps, flashes and the company's mail say the name is shared, not a profile, and sharing the name
needs no approved profile; under the current text the profile is still required."""
from __future__ import annotations

import html as html_lib

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import MailMessage, Proposal
from tests.portal import test_consent_step as base
from tests.portal.test_consent_step import PROFILE, consent_data, page_of, post, proposal_row

pytestmark = pytest.mark.usefixtures("frozen_today")
world = base.world
queued_mail_stays = base.queued_mail_stays


def _under_v1(app, world) -> None:  # noqa: F811 (the fixture by name)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).consents[-1].text_version = "samtykke-v1"
        db.session.commit()


def _flash(client, response) -> str:
    return html_lib.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_name_only_consent_shares_the_name_without_a_profile(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data(share_phone="y"))
    _under_v1(app, world)
    page = html_lib.unescape(page_of(client, world))
    assert "Del navnet med virksomheden (samtykket dækker kun navnet)" in page
    assert "Del navnet og profilen" not in page and "Godkend profilen til virksomheden</a>, og del så" not in page
    assert "Virksomheden får navnet og denne korte profil" not in page
    assert "Virksomheden får kun navnet under det nuværende samtykke" in page
    assert 'data-testid="disclose"' in page and 'data-testid="disclose-blocked"' not in page
    html = _flash(client, post(client, world, "videregiv"))
    assert "Borgerens navn er nu delt med virksomheden, og virksomheden har fået besked." in html
    assert "navn og profil er nu delt" not in html
    assert proposal_row(app, world).status == "disclosed"
    with app.app_context():
        bodies = db.session.scalars(sa.select(MailMessage.body).where(MailMessage.kind == "candidate_shared")).all()
    assert bodies and all("Jobcentret har delt kandidatens navn med jer. Samtykket dækker kun navnet" in body
                          and "kort profil" not in body for body in bodies)


def test_approving_a_profile_under_a_name_only_consent_says_the_company_does_not_see_it(app, client, auth,
                                                                                          world):  # noqa: F811
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    _under_v1(app, world)
    html = _flash(client, post(client, world, "profil", **PROFILE))
    assert ("Profilen til virksomheden er godkendt. Det nuværende samtykke dækker kun navnet, så virksomheden "
            "ser ikke profilen under det.") in html
    assert "Virksomheden ser den, når navnet er delt" not in html
    assert "Del navnet og profilen med virksomheden" not in html


def test_the_current_text_still_needs_the_profile_and_says_so(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    page = html_lib.unescape(page_of(client, world))
    assert 'data-testid="disclose-blocked"' in page and "Virksomheden får navnet og denne korte profil" in page
    html = _flash(client, post(client, world, "profil", **PROFILE))
    assert "Virksomheden ser den, når navnet er delt." in html and "Del navnet og profilen med virksomheden" in html
    html = _flash(client, post(client, world, "videregiv"))
    assert "Borgerens navn og profil er nu delt med virksomheden" in html
    with app.app_context():
        bodies = db.session.scalars(sa.select(MailMessage.body).where(MailMessage.kind == "candidate_shared")).all()
    assert bodies and all("delt kandidatens navn og en kort profil med jer" in body for body in bodies)
