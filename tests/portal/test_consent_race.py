"""Two consultants record the citizen's consent at the same moment (review BH 5). Both read the
proposal before either wrote: both consents stayed in force, and the first one's choices were
dropped while they were told »Samtykket er registreret«. Now the one committing second is
refused, told who recorded the consent and what their own would have shared. The colleague's
consent lands, through its own connection, right after this one read the proposal
(deterministic, no timing)."""
from __future__ import annotations

import re
import sys

import sqlalchemy as sa
import pytest

from portal import consents, proposals
from portal.extensions import db
from store.models import Consent, User
from store.models.base import utcnow
from tests.portal.proposal_fixtures import IN_90_DAYS
from tests.portal.test_consent_renewal import _consents, _disclosed
from tests.portal.test_consent_step import consent_data, csrf, page_of, post, proposal_row
from tests.portal import test_consent_step

world = test_consent_step.world

pytestmark = pytest.mark.usefixtures("frozen_today")


def _colleague_records_first(app, monkeypatch, world, status: str) -> None:
    """Arm: once this POST has read the proposal, the colleague's consent commits first."""
    real = proposals.renews_consent
    with app.app_context():
        colleague = db.session.get(User, world["consultant"].id)
        colleague_id = colleague.id

    armed = [True]

    def colleague_first(proposal):
        answer = real(proposal)  # this save has read the proposal and its consents
        caller = sys._getframe(1)
        if not armed or (caller.f_globals["__name__"], caller.f_code.co_name) != ("portal.proposals", "record_consent"):
            return answer
        armed.clear()
        with db.engine.begin() as other:
            other.execute(sa.insert(Consent.__table__).values(
                proposal_id=world["proposal"], text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                deadline=IN_90_DAYS, recorded_by_id=colleague_id, given_at=utcnow()))
            other.execute(sa.text("UPDATE proposal SET status = :status WHERE id = :id"),
                          {"status": status, "id": world["proposal"]})
        return answer

    monkeypatch.setattr(proposals, "renews_consent", colleague_first)


def _flash(html: str) -> str:
    return " ".join(html.split())


def test_a_consent_recorded_meanwhile_refuses_this_one_and_names_it(app, client, auth, world, monkeypatch):
    auth.login(world["consultant"].email)
    token = csrf(page_of(client, world))
    _colleague_records_first(app, monkeypatch, world, "consented")
    response = post(client, world, "samtykke", **consent_data(share_phone="y"), csrf_token=token)
    assert response.status_code == 302, response.get_data(as_text=True)
    html = _flash(page_of(client, world))
    name = world["consultant"].name
    assert (f"Et samtykke er netop registreret af {name}, mens du registrerede dit. Dit samtykke (navn og "
            "telefonnummer) er ikke registreret.") in html
    assert "Samtykket er registreret" not in html
    assert re.search(r'<input [^>]*checked [^>]*name="share_phone"', html)  # my answers back in the form
    recorded = _consents(app, world)
    assert len(recorded) == 1  # the colleague's only: one consent in force
    assert proposal_row(app, world).shared_profile.get("phone") is None


def test_a_renewal_meanwhile_refuses_this_one(app, client, auth, world, monkeypatch):
    auth.login(world["consultant"].email)
    _disclosed(client, world)
    token = csrf(page_of(client, world))
    _colleague_records_first(app, monkeypatch, world, "disclosed")  # a renewal keeps the status
    post(client, world, "samtykke", **consent_data(share_cv="y"), csrf_token=token)
    html = _flash(page_of(client, world))
    assert "Et samtykke er netop registreret af" in html and "Dit samtykke (navn og CV (som tekst)) er ikke" in html
    recorded = _consents(app, world)
    assert len(recorded) == 2 and not proposal_row(app, world).share_cv
