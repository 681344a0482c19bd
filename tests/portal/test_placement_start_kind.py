"""Start forløb: the placement's kind follows the opening's; another kind must be confirmed."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import lifecycle
from store.models import Placement, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")

ASKED = "Opslaget gælder virksomhedspraktik, men du har valgt småjob."


@pytest.fixture
def world(app, make_user):
    """build_world's disclosed proposal on a virksomhedspraktik opening (citizen on kontanthjælp)."""
    world = build_world(app, make_user)
    set_status(app, world["proposal"], "disclosed", consent=True)
    return world


def post(client, auth, world, **fields):
    auth.switch_to(world["consultant"].email)
    data = {"kind": "virksomhedspraktik", "start_date": "2026-12-01", "weekly_hours": "10", **fields}
    return client.post(f"/forloeb/ny/{world['proposal']}", data={**data, "csrf_token": auth.csrf_token("/")})


def kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Placement.kind)))


def test_the_form_preselects_the_openings_kind_and_says_another_needs_confirming(client, auth, world):
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/forloeb/ny/{world['proposal']}").get_data(as_text=True)
    assert '<option selected value="virksomhedspraktik">' in html
    assert "Forvalgt: opslagets type (virksomhedspraktik). En anden type skal bekræftes" in html
    assert 'name="other_kind"' not in html


def test_another_kind_is_refused_until_confirmed(app, client, auth, world):
    response = post(client, auth, world, kind="smaajob")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ASKED in html
    assert 'name="other_kind_for" type="hidden" value="smaajob"' in html
    assert "Ja, forløbet skal være en anden type end opslaget" in html
    assert kinds(app) == []
    response = post(client, auth, world, kind="smaajob", other_kind="y", other_kind_for="smaajob")
    assert response.status_code == 302
    assert kinds(app) == ["smaajob"]


def test_a_confirmation_counts_only_for_the_kind_it_was_shown_for(app, client, auth, world):
    response = post(client, auth, world, kind="smaajob", other_kind="y", other_kind_for="loentilskud")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and ASKED in html
    assert 'name="other_kind_for" type="hidden" value="smaajob"' in html
    [checkbox] = re.findall(r'<input[^>]*name="other_kind"[^>]*>', html)
    assert "checked" not in checkbox  # asked again, for småjob
    assert kinds(app) == []


def test_the_openings_kind_needs_no_confirmation(app, client, auth, world):
    assert post(client, auth, world).status_code == 302
    assert kinds(app) == ["virksomhedspraktik"]


def test_a_kind_the_citizen_may_not_take_is_not_offered_for_confirmation(app, client, auth, world):
    response = post(client, auth, world, kind="fleksjob")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "kan ikke tage fleksjob" in html
    assert "men du har valgt" not in html and 'name="other_kind"' not in html


def test_the_service_refuses_an_unconfirmed_other_kind(app, world):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["consultant"].id)
        with pytest.raises(lifecycle.LifecycleError, match="men du har valgt småjob"):
            lifecycle.start_placement(proposal, lifecycle.StartData("smaajob", date(2026, 12, 1), 10), user, TODAY)
        db.session.rollback()
        result = lifecycle.start_placement(
            proposal, lifecycle.StartData("smaajob", date(2026, 12, 1), 10, other_kind_confirmed=True), user, TODAY)
        assert result.placement.kind == "smaajob"
