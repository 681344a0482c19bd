"""The company's answer forms, as a screen reader and a keyboard meet them (review AT 2 and 3).

On an opening's page every candidate card has an answer form. Its select, note and button
once said only "Svar", "Kort note (valgfri)" and "Gem svar", nine times over: now each names
its candidate's pseudonym (sr-only), as the page's repeated links do. The form is novalidate
(the browser's own bubble is in its language and not read reliably): an answer not chosen is
refused by the server in Danish at the field. The note has no maxlength, which cut a pasted
text off without a word; it counts down as the form macro's text areas do.
"""
from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from portal import proposals
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import Citizen, Proposal
from tests.portal.proposal_fixtures import build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    world = build_world(app, make_user)
    with app.app_context():  # a second candidate on the same opening
        citizen = Citizen(name="Anden Kandidat", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=10.0)
        db.session.add(citizen)
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=world["opening"], status="approved",
                            explanation={}, decided_by_id=world["consultant"].id)
        db.session.add(proposal)
        db.session.commit()
        world["pseudonyms"] = {p.id: pseudonym(p.citizen_id, p.opening_id)
                               for p in db.session.query(Proposal).filter_by(opening_id=world["opening"])}
    return world


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _answer_forms(html: str):
    tree = lxml.html.fromstring(html)
    return tree, [f for f in tree.iter("form") if (f.get("action") or "").endswith("/svar")]


def test_each_answer_form_names_its_candidate_to_a_screen_reader(client, auth, world):
    auth.login(world["company"].email)
    tree, forms = _answer_forms(client.get(f"/opslag/{world['opening']}").get_data(as_text=True))
    assert len(forms) == 2
    for form in forms:
        proposal_id = int(form.get("action").split("/kandidat/")[1].split("/")[0])
        who = world["pseudonyms"][proposal_id]
        select, note = form.find(".//select[@name='response']"), form.find(".//input[@name='note']")
        for field, words in ((select, "Svar om"), (note, "Kort note om")):
            label = tree.find(f".//label[@for='{field.get('id')}']")
            assert _text(label).startswith(f"{words} {who}"), _text(label)
            assert label.find(".//span[@class='sr-only']") is not None  # seen as before: "Svar"
        assert _text(form.find(".//button")) == f"Gem svar om {who}"
    assert len({_text(f.find(".//button")) for f in forms}) == 2  # no two alike


def test_the_candidates_own_page_names_it_too(client, auth, world):
    auth.login(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    _, (form,) = _answer_forms(page)
    assert _text(form.find(".//button")) == f"Gem svar om {world['pseudonyms'][world['proposal']]}"


def test_the_form_leaves_checking_to_the_server_and_never_cuts_the_note(client, auth, world):
    auth.login(world["company"].email)
    _, forms = _answer_forms(client.get(f"/opslag/{world['opening']}").get_data(as_text=True))
    for form in forms:
        assert form.get("novalidate") is not None
        assert form.find(".//select[@name='response']").get("required") is None
        note = form.find(".//input[@name='note']")
        assert note.get("maxlength") is None
        group = note.getparent()
        assert "jobbro-limit" in group.get("class")
        assert group.get("data-maxlength") == str(proposals.MAX_NOTE_LENGTH)
        assert group.get("data-left") == "I har {n} tegn tilbage"
        assert "I kan skrive op til 500 tegn" in _text(group)


def test_no_answer_chosen_is_refused_in_danish_at_the_field_with_the_note_kept(client, auth, world):
    auth.login(world["company"].email)
    sent = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": "", "note": "Ring gerne"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"#kandidat-{world['proposal']}")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    tree, forms = _answer_forms(page)
    (form,) = [f for f in forms if f"/kandidat/{world['proposal']}/" in f.get("action")]
    group = form.find(".//select[@name='response']").getparent()
    assert "form-error" in group.get("class") and "Vælg et svar." in _text(group)
    assert form.find(".//input[@name='note']").get("value") == "Ring gerne"
    with client.application.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None
