"""A refused decision on a proposal waiting for the consultant (review BM 1): each error is shown at
its field, tied to it (aria-describedby, aria-invalid) as on the ranking's cards, under a box at the
top of the refused form that jobbro.js makes the DKFDS error summary; the page opens at that form
(not at its first field, which the browser would focus instead of the summary). The two reason
fields are named apart."""
from __future__ import annotations

import re

import lxml.html
import pytest

from store.models import Citizen, CvDocument, JobGoal, Proposal
from portal.extensions import db
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user, auth):
    """A proposal waiting for the consultant, its citizen matchable (so both decisions are offered)."""
    world = build_world(app, make_user)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.postcode, citizen.max_commute_km = world["consultant"].id, "7130", 30
        db.session.add_all([CvDocument(citizen_id=citizen.id, text="Kok i kantine, 5 år. Madlavning og opvask."),
                            JobGoal(citizen_id=citizen.id, title="Kok", position=0)])
        db.session.commit()
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    world["path"] = f"/kandidater/forslag/{world['proposal']}"
    return world


def _decide(client, world, **data):
    html = client.get(world["path"]).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(f"{world['path']}/vurdering", data={"csrf_token": token, **data})


def _page(client, world):
    return lxml.html.fromstring(client.get(world["path"]).get_data(as_text=True))


def _described(tree, element) -> list[str]:
    ids = (element.get("aria-describedby") or "").split()
    return [" ".join(tree.get_element_by_id(i).text_content().split()) for i in ids]


def test_a_refused_rejection_marks_the_reason_and_the_box_at_the_fields(app, client, world):
    response = _decide(client, world, decision="reject", reason="  ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{world['path']}#assess-reject")  # the form, not a field
    tree = _page(client, world)
    (form,) = tree.xpath("//form[@id='assess-reject']")
    reason, box = form.get_element_by_id("reason-reject"), form.get_element_by_id("reject-confirmed")
    for element, message in ((reason, "Skriv en kort begrundelse."),
                             (box, "Sæt kryds ved, at du ved, at fravalget er endeligt.")):
        assert element.get("aria-invalid") == "true"
        assert _described(tree, element) == [f"Fejl: {message}"]
        group = element.xpath("ancestor::div[contains(@class, 'form-group ')][1]")[0]
        assert "form-error" in group.get("class").split()  # where jobbro.js's summary finds it
    # the server's box at the top of the form, which jobbro.js fills with links and focuses
    summary = form.xpath("./*[@data-testid='assess-error-summary']")
    assert summary and "Forslaget er ikke fravalgt" in summary[0].text_content()
    assert summary[0].xpath(".//*[contains(@class, 'alert-body')]")
    assert reason.get("value") == "  "  # what was typed is kept
    # nothing at the top of the page, nothing in the other decision
    assert not tree.xpath("//*[@data-jobbro-flashes]")
    approve = tree.xpath("//form[@id='assess-approve']")[0]
    assert not approve.xpath(".//*[@aria-invalid] | .//*[contains(@class, 'form-error')]")
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "proposed"
    # once only: the page opened again is clean
    again = _page(client, world)
    assert not again.xpath("//*[@aria-invalid]") and not again.xpath("//*[@data-testid='assess-error-summary']")


def test_a_refused_approval_marks_its_reason_only(client, world):
    response = _decide(client, world, decision="approve", reason="")
    assert response.headers["Location"].endswith("#assess-approve")
    tree = _page(client, world)
    reason = tree.get_element_by_id("reason-approve")
    assert reason.get("aria-invalid") == "true" and _described(tree, reason) == ["Fejl: Skriv en kort begrundelse."]
    goal = tree.get_element_by_id("assess-shared-goal")
    assert goal.get("aria-invalid") is None and goal.get("aria-describedby") == "assess-shared-goal-hint"
    assert tree.get_element_by_id("reject-confirmed").get("aria-invalid") is None
    summary = tree.xpath("//form[@id='assess-approve']/*[@data-testid='assess-error-summary']")
    assert summary and "Forslaget er ikke godkendt" in summary[0].text_content()


def test_a_refusal_without_a_field_is_said_at_the_top(client, world):
    _decide(client, world, decision="maybe", reason="Noget")
    tree = _page(client, world)
    (flashes,) = tree.xpath("//*[@data-jobbro-flashes]")
    assert "Beslutningen kunne ikke gemmes: Ukendt beslutning." in flashes.text_content()
    assert not tree.xpath("//*[@aria-invalid]")


def test_the_two_reasons_have_their_own_labels(client, world):
    tree = _page(client, world)
    labels = {label.get("for"): " ".join(label.text_content().split()) for label in tree.xpath("//form//label")}
    assert labels["reason-approve"] == "Begrundelse for at godkende"
    assert labels["reason-reject"] == "Begrundelse for at fravælge"


def test_a_jobmal_not_the_citizens_is_marked_at_its_list(client, world):
    response = _decide(client, world, decision="approve", reason="God match", shared_goal="Astronaut")
    assert response.headers["Location"].endswith("#assess-approve")
    tree = _page(client, world)
    goal = tree.get_element_by_id("assess-shared-goal")
    assert goal.get("aria-invalid") == "true"
    hint, error = _described(tree, goal)
    assert hint.startswith("Et af borgerens jobmål") and error.startswith("Fejl: »Astronaut« er ikke et af borgerens jobmål")
    assert tree.get_element_by_id("reason-approve").get("value") == "God match"
    assert not tree.xpath("//*[@data-jobbro-flashes]")


def test_the_page_with_two_decision_forms_repeats_no_id(client, world):
    """Each form's CSRF field once had id="csrf_token" (formutil._DanishMeta.render_field)."""
    html = client.get(world["path"]).get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 3  # both decisions and the log-out form
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
