"""Review AX 4: the OpenAPI document's hotline webhooks describe ``urgency`` with the values
actually sent (akut, hoej, normal), never a made-up one (»haster«)."""
from __future__ import annotations

import re

from store.models.vocab import HOTLINE_URGENCIES
from tests.api.api_fixtures import bearer, make_token


def test_the_urgency_text_names_the_values_sent(app, client, make_user):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("company")))).json
    schemas = spec["components"]["schemas"]
    for event in ("Created", "Message", "Answered", "Closed"):
        urgency = schemas[f"WebhookHotline{event}"]["properties"]["data"]["properties"]["urgency"]
        assert urgency["enum"] == list(HOTLINE_URGENCIES)
        named = re.findall(r"(\w+) \(", urgency["description"])
        assert named == list(HOTLINE_URGENCIES), urgency["description"]
        assert "haster" not in urgency["description"]
        assert "akut (samme arbejdsdag)" in urgency["description"]
