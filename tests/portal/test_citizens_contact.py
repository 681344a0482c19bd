"""The citizen page's profile summary shows the contact details (review C15), for staff only."""
from __future__ import annotations

import pytest

from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")


def test_phone_and_email_are_in_the_profile_summary(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    cid = make_citizen(app, phone="21 34 56 78", email="sofie@eksempel.dk")
    page = client.get(f"/borgere/{cid}").get_data(as_text=True)
    summary = page.split('data-testid="profile"', 1)[1].split("</table>", 1)[0]
    assert "21 34 56 78" in summary and "sofie@eksempel.dk" in summary


def test_missing_contact_details_are_said_not_left_blank(app, client, auth, make_user):
    auth.login(make_user("consultant").email)
    cid = make_citizen(app, phone="", email="")
    page = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert "Intet telefonnummer" in page and "Ingen e-mailadresse" in page


def test_a_company_user_cannot_see_them(app, client, auth, make_user):
    auth.login(make_user("company").email)
    cid = make_citizen(app, phone="21 34 56 78")
    response = client.get(f"/borgere/{cid}")
    assert response.status_code == 403 and "21 34 56 78" not in response.get_data(as_text=True)
