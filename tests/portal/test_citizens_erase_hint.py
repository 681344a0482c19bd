"""The erase page's hint says what the check compares: the full name, case and extra spaces aside."""
from __future__ import annotations

import pytest

from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")


def test_the_hint_and_the_check_agree(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    cid = make_citizen(app)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert "nøjagtigt" not in page
    assert "Store og små bogstaver og ekstra mellemrum er lige meget" in page
    base = {"csrf_token": auth.csrf_token(f"/borgere/{cid}/slet"), "purpose": "J.nr. 1"}
    partial = client.post(f"/borgere/{cid}/slet", data={**base, "confirm_name": "sofie"})
    assert "Navnet svarer ikke til borgerens navn" in partial.get_data(as_text=True)  # all names needed
    assert client.post(f"/borgere/{cid}/slet", data={**base, "confirm_name": "sofie  ANDERSEN"}).status_code == 302
