"""A decision on a ranking card keeps the consultant's list: the filters and k go through the
decision form, the rejection's confirmation page and the redirect after a saved or a refused
decision (review AR 2), each value checked again and never steering away from the ranking. And
the no-good-match banner's Danish without decisions (review AR 3)."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from indexer.rebuild import rebuild
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import Company, Opening, Proposal
from tests.portal.test_candidates import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("frozen_today")

QUERY = "?prioritet=strong&k=30&benefit_groups=kontanthjaelp&readiness_groups=paa_vej&max_distance_km=20"
KEPT = {"prioritet": ["strong"], "k": ["30"], "benefit_groups": ["kontanthjaelp"],
        "readiness_groups": ["paa_vej"], "max_distance_km": ["20"]}


def _card_form(html: str, citizen_id: int, decision: str) -> dict[str, str]:
    card = html.split(f'data-citizen="{citizen_id}"')[1].split("</li>")[0]
    form = next(f for f in card.split("<form")[1:] if f'name="decision" value="{decision}"' in f)
    return {name: unescape(value) for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form)}


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def _post(client, path, citizen_id, fields, **extra):
    return client.post(f"{path}/borger/{citizen_id}", data={**fields, **extra})


def test_an_approval_goes_back_to_the_same_filtered_list(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    anna = world["ids"]["Anna Lagerbæk"]
    fields = _card_form(client.get(path + QUERY).get_data(as_text=True), anna, "approve")
    assert _query("?" + fields["filtre"]) == {key: v for key, v in KEPT.items() if key != "prioritet"}
    response = _post(client, path, anna, fields, reason="Passer godt")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == path and _query(location) == KEPT
    with app.app_context():
        assert db.session.scalar(sa.select(Proposal.status)) == "approved"


def test_a_refused_decision_goes_back_to_the_same_filtered_list_at_the_card(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    anna = world["ids"]["Anna Lagerbæk"]
    fields = _card_form(client.get(path + QUERY).get_data(as_text=True), anna, "approve")
    response = _post(client, path, anna, fields, reason=" ")
    location = response.headers["Location"]
    assert urlsplit(location).path == path and _query(location) == KEPT
    assert urlsplit(location).fragment == f"reason-approve-{anna}"
    assert "Skriv en kort begrundelse." in client.get(location).get_data(as_text=True)


def test_a_rejection_keeps_the_list_on_its_confirmation_page_and_after_it(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    bo = world["ids"]["Bo Omsorg"]
    fields = _card_form(client.get(path + QUERY).get_data(as_text=True), bo, "reject")
    page = _post(client, path, bo, fields, reason="Andet fag").get_data(as_text=True)
    backs = [unescape(href) for href in re.findall(r'href="([^"]+)"', page) if href.startswith(path)]
    assert len(backs) == 2  # »Tilbage« and »Nej, tilbage«
    for back in backs:
        assert _query(back) == KEPT and urlsplit(back).fragment == f"reason-reject-{bo}"
    confirm = page.split('data-testid="confirm-reject"')[1].split("</form>")[0]
    confirmed = {name: unescape(value) for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', confirm)}
    assert confirmed["filtre"] == fields["filtre"]
    response = client.post(f"{path}/borger/{bo}", data=confirmed)
    assert response.status_code == 302 and _query(response.headers["Location"]) == KEPT
    with app.app_context():
        assert db.session.scalar(sa.select(Proposal.status)) == "rejected"


@pytest.mark.parametrize("filtre, kept", [
    ("k=30&vis_frasorterede=y", {"k": ["30"], "vis_frasorterede": ["y"]}),
    ("k=5000&max_distance_km=20", {"max_distance_km": ["20"]}),  # a k the ranking refuses is dropped
    ("benefit_groups=ukendt&k=7", {"k": ["7"]}),
    ("next=https://evil.example&k=7", {"k": ["7"]}),  # an unknown key never travels
    ("k=7&k=https://evil.example/", {}),  # refused as a whole field
    ("max_distance_km=" + "9" * 3000, {}),  # too long: nothing of it is read
])
def test_the_carried_filters_are_checked_again_and_never_leave_the_ranking(client, auth, world, filtre, kept):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    response = client.post(f"{path}/borger/{world['ids']['Anna Lagerbæk']}", data={
        "decision": "approve", "reason": " ", "filtre": filtre, "csrf_token": auth.csrf_token(path)})
    location = response.headers["Location"]
    assert location.startswith(path + ("?" if kept else "#"))
    assert _query(location) == kept


def test_a_ranking_without_filters_carries_none(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    fields = _card_form(client.get(path).get_data(as_text=True), world["ids"]["Anna Lagerbæk"], "approve")
    assert "filtre" not in fields


def test_no_good_match_without_decisions_says_borgerne(app, client, auth, world):  # noqa: F811
    """»Ingen af borgerne når …«, never the dangling »Ingen af de borgere« (review AR 3)."""
    with app.app_context():
        company = db.session.scalar(sa.select(Company))
        opening = Opening(company=company, kind="smaajob", title="Tandplejer til klinik",
                          description="Tandrensning og patientpleje på tandklinik.",
                          hours_min=5, hours_max=12, postcode="8722", status="open")
        db.session.add(opening)
        db.session.commit()
        opening_id = opening.id
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{opening_id}").get_data(as_text=True)
    alert = re.sub(r"\s+", " ", html.split('data-testid="no-good-match"')[1].split("</div>")[0])
    assert "Ingen af borgerne når relevansniveauet »middel«" in alert
    assert "Ingen af de borgere" not in html


def test_no_good_match_after_a_decision_says_de_resterende_borgere(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    client.post(f"{path}/borger/{world['ids']['Anna Lagerbæk']}", data={
        "decision": "approve", "reason": "Passer godt", "csrf_token": auth.csrf_token(path)})
    alert = re.sub(r"\s+", " ", client.get(path).get_data(as_text=True)
                   .split('data-testid="no-good-match"')[1].split("</div>")[0])
    assert "Ingen af de resterende borgere når relevansniveauet »middel«" in alert
