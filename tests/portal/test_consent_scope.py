"""What is disclosed follows what the consent's text covers (consents.CONSENT_SCOPES): a consent
given under »samtykke-v1« (the name only) shows the company the name and nothing more, whatever
the proposal holds (a profile, a phone number, a CV chosen); the consultant's page says so and
points to a new consent under the current text. A consent under the current text shares the
profile and the choices, as before."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from portal import consents, proposals
from portal.citizens import cv_sharing
from portal.extensions import db
from store.models import Citizen, Consent, CvDocument, Proposal, User
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, build_world
from tests.portal.test_company_candidate import CV_BYTES, cv, page, set_profile

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    """:func:`build_world` with the consultant as the citizen's VK and a CV (as the company page's tests)."""
    world = build_world(app, make_user)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id = world["consultant"].id
        folder = Path(app.config["UPLOAD_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "abc123.pdf").write_bytes(CV_BYTES)
        db.session.add(CvDocument(citizen_id=citizen.id, original_filename="Mit CV.pdf",
                                  stored_name="abc123.pdf", content_type="pdf", text="Kok i fem år"))
        db.session.commit()
    return world

V1, CURRENT = "samtykke-v1", consents.CONSENT_TEXT_VERSION
SECRETS = ("Fem år i storkøkken", "11 22 33 44", "Hent CV", "Kok, køkkenmedhjælper")


def given_under(app, world, version: str, status: str = "disclosed") -> None:
    """The proposal in ``status`` under a live consent of ``version``, its stored choices the phone
    and the CV (as a row the demo or an old release wrote holds them), the profile approved."""
    set_profile(app, world, share_cv=True)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = status
        proposal.disclosed_at = datetime.now(timezone.utc) if status == "disclosed" else None
        db.session.get(Citizen, world["citizen"]).phone = "+45 11 22 33 44"
        db.session.add(Consent(proposal=proposal, text_version=version, channel="telefon",
                               deadline=IN_90_DAYS, recorded_by_id=world["consultant"].id))
        db.session.commit()


def test_the_scopes_are_data_next_to_the_texts():
    assert set(consents.CONSENT_SCOPES) == set(consents.CONSENT_TEXTS)
    assert consents.scope_of(V1) == frozenset()  # its text names the name alone
    assert consents.scope_of(CURRENT) == {"profile", "contacts", "cv"}
    assert consents.scope_of("ukendt") == frozenset()  # an unknown text covers no more than the name


def test_under_v1_the_company_page_shows_the_name_and_nothing_more(app, client, auth, world):
    given_under(app, world, V1)
    html = page(client, auth, world).get_data(as_text=True)
    assert MARKER in html  # the name is what v1 covers
    for secret in SECRETS:
        assert secret not in html, secret
    assert 'data-testid="profile-name-only"' in html and 'data-testid="profile-not-ready"' not in html
    assert cv(client, world).status_code == 404


def test_under_the_current_text_the_company_gets_profile_phone_and_cv(app, client, auth, world):
    given_under(app, world, CURRENT)
    html = page(client, auth, world).get_data(as_text=True)
    assert MARKER in html
    for shown in SECRETS:
        assert shown in html, shown
    assert 'data-testid="profile-name-only"' not in html
    assert cv(client, world).status_code == 200


def _choices_cell(html: str) -> str:
    return html.split('data-testid="shared-choices">')[1].split("</td>")[0]


def test_the_consultant_page_says_name_only_and_offers_a_new_consent(app, client, auth, world):
    given_under(app, world, V1)
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    cell = _choices_cell(html)
    assert cell.startswith("Kun navnet") and "telefon" not in cell and "profil" not in cell.split("(")[0]
    assert 'data-testid="consent-scope-short"' in cell
    assert (f"samtykketeksten {V1} dækker ikke profilen, kontaktoplysninger eller CV’et" in cell
            and f"under den gældende tekst, {CURRENT}" in cell)
    assert '<a href="#samtykke">registrér et nyt samtykke</a>' in cell and 'id="samtykke"' in html
    status = html.split('data-testid="proposal-status">')[1].split("</td>")[0]
    assert "Navnet delt med virksomheden (samtykket dækker ikke profilen)" in status and "profil delt" not in status
    # the renewal form does not tick choices the old text never covered
    form = html.split('data-testid="consent-form"')[1].split("</form>")[0]
    for name in ("share_phone", "share_cv"):
        tag = form.split(f'name="{name}"')[0].rsplit("<input", 1)[1] + form.split(f'name="{name}"')[1].split(">")[0]
        assert "checked" not in tag, name


def test_the_consultant_page_under_the_current_text_names_the_choices(app, client, auth, world):
    given_under(app, world, CURRENT)
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert _choices_cell(html).strip() == "Navn og profil, telefonnummer, CV (som tekst)"
    assert 'data-testid="consent-scope-short"' not in html and 'data-testid="name-only"' not in html


def test_a_consented_v1_proposal_offers_to_share_the_name_only(app, client, auth, world):
    given_under(app, world, V1, status="consented")
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    confirm = html.split('data-testid="disclose-confirm"')[1].split("</details>")[0]
    assert "får kun" in confirm and "den godkendte profil" not in confirm and "Ja, del navnet med" in confirm


@pytest.mark.parametrize(("version", "given"), [(V1, []), (CURRENT, ["phone"])])
def test_disclosing_gives_the_contacts_only_a_covering_text_shares(app, world, version, given):
    given_under(app, world, version, status="consented")
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposals.disclose(proposal, db.session.get(User, world["consultant"].id))
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.shared_contacts or []) == given == consents.contacts_given(proposal)
        assert consents.shared_contacts_now(proposal) == ({"phone": "+45 11 22 33 44"} if given else {})
        assert consents.shares_cv(proposal) is bool(given)


@pytest.mark.parametrize("version", [V1, CURRENT])
def test_the_staff_list_of_cv_shares_follows_the_text(app, world, version):
    given_under(app, world, version)
    with app.app_context():
        shares = cv_sharing.sharing(db.session.get(Citizen, world["citizen"]))
        assert [item.proposal.id for item in shares] == ([world["proposal"]] if version == CURRENT else [])


def test_a_new_consent_needs_the_current_text_and_its_scope(app, world, monkeypatch):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        db.session.get(Citizen, world["citizen"]).phone = "+45 11 22 33 44"
        with pytest.raises(proposals.TransitionError, match="gældende version"):
            proposals.check_consent(proposal, channel="telefon", deadline=IN_90_DAYS, text_version=V1)
        # a current text that covered no contact details would refuse the choice at its field
        monkeypatch.setitem(consents.CONSENT_SCOPES, CURRENT, frozenset({"profile"}))
        with pytest.raises(proposals.TransitionError) as refused:
            proposals.check_consent(proposal, channel="telefon", deadline=IN_90_DAYS, share_phone=True)
        assert refused.value.field == "share_phone"


def test_the_demo_gives_its_consents_under_a_text_that_covers_what_it_shares():
    """The demo shares each released candidate's profile and phone number (portal.demo.handoff):
    its consents must be given under a text that covers them, so the demo is true."""
    from datetime import date

    from portal.demo.generator import generate_demo

    demo = generate_demo(7, date(2026, 11, 23))
    given = [c for p in demo.proposals for c in (p.consent, p.renewal) if c is not None]
    assert given
    assert {c.text_version for c in given} == {CURRENT}
    assert {"profile", "contacts"} <= consents.scope_of(CURRENT)
