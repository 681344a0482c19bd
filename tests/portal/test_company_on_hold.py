"""A candidate whose citizen's processing is restricted (art. 18), as the company sees it (review E5).

One neutral, true state everywhere: "Kandidaten er ikke aktuel lige nu – jobcentret kontakter
jer". No "waiting for consent", no answer form that always fails, no booking, and in the API a
status of its own (``on_hold``) instead of "disclosed" with a null name.
"""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Citizen, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import MARKER, build_world, disclosed_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")
ON_HOLD = "Kandidaten er ikke aktuel lige nu – jobcentret kontakter jer"


def restrict(app, world, restricted: bool = True) -> None:
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).restricted = restricted
        db.session.commit()


@pytest.mark.parametrize("status", ["approved", "consented", "disclosed"])
def test_the_candidate_page_shows_one_neutral_state_and_no_answer_form(app, client, auth, make_user, status):
    world = disclosed_world(app, make_user) if status == "disclosed" else build_world(app, make_user)
    if status == "consented":
        set_status(app, world["proposal"], "consented", consent=True)
    restrict(app, world)
    auth.login(world["company"].email)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    html = client.get(path).get_data(as_text=True)
    assert ON_HOLD in html and 'data-testid="candidate-on-hold"' in html
    for gone in ("samtykke", "Jeres svar", f"{path}/svar", "Kok", "Stærkt match", "12,5", MARKER, "art. 18",
                 "begrænset", "Samtale"):
        assert gone not in html, gone
    listing = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert ON_HOLD in listing and f"{path}/svar" not in listing and "Stærkt match" not in listing
    csv = client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True)
    assert ON_HOLD in csv and "Stærkt match" not in csv and "12.5" not in csv and "12,5" not in csv
    # an answer posted anyway is refused with the same words, and nothing is stored
    token = auth.csrf_token(f"/opslag/{world['opening']}")
    client.post(f"{path}/svar", data={"csrf_token": token, "response": "interested"})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None


def test_the_api_says_on_hold_and_goes_back_to_the_step_when_the_restriction_is_lifted(app, client, make_user):
    world = disclosed_world(app, make_user)
    headers = bearer(make_token(app, world["company"]))
    item = f"/api/v1/proposals/{world['proposal']}"
    assert client.get(item, headers=headers).json["status"] == "disclosed"
    restrict(app, world)
    shown = client.get(item, headers=headers).json
    assert shown["status"] == "on_hold" and shown["name"] is None and shown["hours_available"] is None
    assert shown["shared_goal"] == "" and "similarity_band" not in shown and shown["interviews"] == []
    assert MARKER not in str(shown)
    listed = client.get("/api/v1/proposals/?status=on_hold", headers=headers).json["items"]
    assert [p["id"] for p in listed] == [world["proposal"]]
    assert client.get("/api/v1/proposals/?status=disclosed", headers=headers).json["items"] == []
    refused = client.post(f"{item}/answer", json={"response": "interested"}, headers=headers)
    assert refused.status_code == 409 and refused.json["detail"].startswith(ON_HOLD)
    schema = client.get("/api/openapi.json", headers=headers)
    if schema.status_code == 200:  # the schema names the status and says what it means
        assert "on_hold" in schema.get_data(as_text=True)
    restrict(app, world, False)
    assert client.get(item, headers=headers).json["status"] == "disclosed"
