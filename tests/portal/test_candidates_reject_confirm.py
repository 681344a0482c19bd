"""A rejection on a ranking card is final, so it is confirmed on a page of its own first (no
JavaScript needed); only the confirmed one is saved and audited."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Proposal
from tests.portal.test_candidates import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("frozen_today")


def _rejections(app) -> tuple[list[tuple[str, str]], int]:
    with app.app_context():
        rows = db.session.execute(sa.select(Proposal.status, Proposal.decision_reason)).all()
        audited = db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "proposal_rejected"))
        return [tuple(r) for r in rows], audited


def test_a_rejection_is_confirmed_before_it_is_saved(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    bo = world["ids"]["Bo Omsorg"]
    first = client.post(f"{path}/borger/{bo}", data={
        "decision": "reject", "reason": "Andet fag", "priority": "strong", "csrf_token": auth.csrf_token(path)})
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Fravælg Bo Omsorg til »Lagermedarbejder med truckcertifikat«?" in page
    assert "kan ikke fortrydes" in page
    assert _rejections(app) == ([], 0)  # nothing written yet
    assert f'href="{path}?prioritet=strong#reason-reject-{bo}">Nej, tilbage</a>' in page
    form = page.split('data-testid="confirm-reject"')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form))
    assert fields["confirmed"] == "y" and fields["reason"] == "Andet fag" and fields["priority"] == "strong"
    fields["reason"] = "Andet fag end lager"  # the reason may still be corrected
    second = client.post(f"{path}/borger/{bo}", data=fields)
    assert second.status_code == 302 and second.headers["Location"].endswith(f"{path}?prioritet=strong")
    assert _rejections(app) == ([("rejected", "Andet fag end lager")], 1)


def test_an_empty_reason_is_refused_without_a_confirmation(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    bo = world["ids"]["Bo Omsorg"]
    for confirmed in ("", "y"):
        response = client.post(f"{path}/borger/{bo}", data={
            "decision": "reject", "reason": " ", "confirmed": confirmed, "csrf_token": auth.csrf_token(path)})
        assert response.headers["Location"] == f"{path}#reason-reject-{bo}"
    assert _rejections(app) == ([], 0)


def test_an_approval_needs_no_confirmation(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    response = client.post(f"{path}/borger/{world['ids']['Anna Lagerbæk']}", data={
        "decision": "approve", "reason": "Passer godt", "csrf_token": auth.csrf_token(path)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Proposal.status)) == "approved"


@pytest.mark.parametrize("decision, data, at, error", [
    ("approve", {"reason": " ", "shared_goal": "Truckfører"}, "reason-approve", "Skriv en kort begrundelse."),
    ("approve", {"reason": "Godt match", "shared_goal": "Truckfører pga. ryg"}, "shared-goal",
     "kan ikke vises for virksomheden: det indeholder helbredsoplysninger"),
    ("reject", {"reason": ""}, "reason-reject", "Skriv en kort begrundelse."),
])
def test_a_refused_decision_shows_its_error_at_the_field(app, client, auth, world, decision, data, at, error):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    anna = world["ids"]["Anna Lagerbæk"]
    client.post(f"{path}/borger/{anna}", data={"decision": decision, "csrf_token": auth.csrf_token(path), **data})
    card = client.get(path).get_data(as_text=True).split(f'data-citizen="{anna}"')[1].split("</li>")[0]
    field = re.search(rf'<div class="jobbro-card-field form-group form-error"><label class="form-label" '
                      rf'for="{at}-{anna}">[^<]+</label>(.*?)$', card.split(f'id="{at}-{anna}"')[0], re.DOTALL)
    assert field and error in field.group(1)
    assert re.search(rf'id="{at}-{anna}"[^>]*aria-describedby="[^"]*{at}-{anna}-error"[^>]*aria-invalid="true"', card)
    assert card.count('data-testid="card-error"') == 1  # only at the field that was refused


def test_the_card_inputs_have_visible_labels(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    anna = world["ids"]["Anna Lagerbæk"]
    card = html.split(f'data-citizen="{anna}"')[1].split("</li>")[0]
    for at, text in ((f"reason-approve-{anna}", "Begrundelse for at godkende"),
                     (f"reason-reject-{anna}", "Begrundelse for at fravælge"),
                     (f"shared-goal-{anna}", "Jobmål vist for virksomheden")):
        assert f'<label class="form-label" for="{at}">{text}</label>' in card
    assert "sr-only\" for=" not in card and "placeholder=" not in card
