"""The company's API-key page: revoking a key is a second, explained step (review finding:
"Tilbagekald" revoked at one click and broke the integration)."""
from __future__ import annotations

import re
from datetime import timedelta

from store import clock


def test_revoke_sits_behind_a_confirmation_that_says_the_consequence(client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    client.post("/profil/adgangsnoegler", data={
        "name": "Lønsystem", "scope": "read", "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
        "csrf_token": auth.csrf_token("/profil/adgangsnoegler")})
    html = client.get("/profil/adgangsnoegler").get_data(as_text=True)
    confirm = re.search(r'<details class="jobbro-confirm" data-testid="revoke-confirm">(.*?)</details>', html, re.DOTALL)
    assert confirm, "the revoke form is not inside a confirmation step"
    step = confirm.group(1)
    # the visible first control is only the <summary>; the submit comes after the consequence
    assert step.index("<summary") < step.index("det kan ikke fortrydes") < step.index('type="submit"')
    assert "Ja, tilbagekald Lønsystem" in step
    assert html.count("/tilbagekald") == 1  # no other, one-click way
