"""The match band through the API: the job centre's keys get it, a company's never (review BG 5 follow-up).

The band is the consultant's statement about a ranking: a company reading »lav« on the job
centre's own pick took it as a verdict on the candidate, so its pages (905208e), its candidates
file and its keys leave it out; the job centre's keys carry it, as its ranking page shows it.
"""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


def _band(app, world, band: str, learned: str | None = None) -> None:
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        explanation = {**(proposal.explanation or {}), "similarity_band": band}
        if learned:
            explanation["learned"] = {"similarity_band": learned, "delta": 0.1}
        proposal.explanation = explanation
        db.session.commit()


@pytest.mark.parametrize("band", ["lav", "middel", "Stærkt match"])
@pytest.mark.parametrize("status,consent", [("approved", False), ("disclosed", True)])
def test_a_company_key_never_gets_the_band(app, client, make_user, band, status, consent):
    world = build_world(app, make_user)
    _band(app, world, band)
    set_status(app, world["proposal"], status, consent=consent)
    headers = bearer(make_token(app, world["company"]))
    item = f"/api/v1/proposals/{world['proposal']}"
    shown = client.get(item, headers=headers).json
    listed = client.get("/api/v1/proposals/", headers=headers).json["items"]
    delta = client.get("/api/v1/proposals/?updated_since=2000-01-01", headers=headers).json["items"]
    answered = client.post(f"{item}/answer", json={"response": "interested"}, headers=headers)
    assert answered.status_code == 200
    for view in (shown, *listed, *delta, answered.json):
        assert view["id"] == world["proposal"] and view["shared_goal"] == "Kok"  # the rest is there
        assert "similarity_band" not in view and band not in str(view), view


def test_a_job_centre_key_gets_the_band_the_consultant_saw(app, client, make_user):
    world = build_world(app, make_user)
    headers = bearer(make_token(app, world["consultant"]))
    item = f"/api/v1/proposals/{world['proposal']}"
    _band(app, world, "lav")
    assert client.get(item, headers=headers).json["similarity_band"] == "lav"
    _band(app, world, "lav", learned="middel")  # the learned model's adjustment, as the ranking shows it
    assert client.get(item, headers=headers).json["similarity_band"] == "middel"
    listed = client.get("/api/v1/proposals/", headers=headers).json["items"]
    assert [p["similarity_band"] for p in listed if p["id"] == world["proposal"]] == ["middel"]
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).explanation = {}
        db.session.commit()
    assert client.get(item, headers=headers).json["similarity_band"] == ""  # not computed


def test_the_schema_says_the_band_is_the_job_centres_only(app, client, make_user):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("consultant")))).json
    field = spec["components"]["schemas"]["ProposalOut"]["properties"]["similarity_band"]
    assert field["description"].startswith("Kun for jobcentret")
    assert "Virksomheders nøgler får ikke feltet" in field["description"]
