"""Counted phrases about the proposals a closed case ended agree with their number: one
proposal is singular ("Det ene forslag ... forbliver afsluttet"), more are plural."""
from __future__ import annotations

import pytest

from portal.citizens import case_endings
from tests.clock import TODAY
from tests.portal.citizen_fixtures import make_citizen
from tests.portal.proposal_fixtures import build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.mark.parametrize("count, closed, reopened", [
    (1, "Et forslag er afsluttet", "Det ene forslag, der blev afsluttet med sagen, forbliver afsluttet"),
    (3, "3 forslag er afsluttet", "De 3 forslag, der blev afsluttet med sagen, forbliver afsluttede"),
])
def test_phrases_agree_with_the_count(count, closed, reopened):
    assert case_endings.ended_now(count) == closed
    assert case_endings.stay_ended(count) == reopened


def test_one_ended_proposal_is_singular_on_the_page_and_in_the_messages(app, client, auth, make_user):
    world = build_world(app, make_user)  # one live (approved) proposal
    auth.switch_to(world["consultant"].email)
    page = f"/borgere/{world['citizen']}"
    closed = client.post(f"{page}/afslut", data={"csrf_token": auth.csrf_token(page), "closed_on": TODAY.isoformat(),
                                                 "reason": "ordinaert_job"}, follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert "Et forslag er afsluttet" in html and "1 forslag" not in html
    assert "Det ene forslag, der blev afsluttet med sagen, forbliver afsluttet;" in html
    assert "De 1 forslag" not in html and "forbliver afsluttede" not in html
    reopened = client.post(f"{page}/genaabn", data={"csrf_token": auth.csrf_token(page), "reason": "Mistede jobbet"},
                           follow_redirects=True)
    html = reopened.get_data(as_text=True)
    assert "Sagen er genåbnet. Det ene forslag, der blev afsluttet med sagen, forbliver afsluttet:" in html
    assert "Dette forslag blev afsluttet med den og forbliver afsluttet;" in html
    assert "1 forslag" not in html and "forbliver afsluttede" not in html


def test_the_citizen_list_speaks_of_one_citizen_in_the_singular(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    make_citizen(app, vk_id=consultant.id, cv_text=None)
    shown = client.get("/borgere/").get_data(as_text=True)
    assert "af den ene viste borger har CV" in shown and "1 borgere" not in shown
    incomplete = client.get("/borgere/?incomplete=y").get_data(as_text=True)
    assert "Du ser den ene borger i udvalget, der mangler" in incomplete and "1 borgere" not in incomplete
