"""Review BH 9: a CPR number is refused in every free text that reaches another party or is stored.

The citizen forms refused one, but a consultant's hotline reply, the company's hotline message,
the company's answer note (which goes to its XLSX), a rejection reason, interview and placement
notes and stories took it without a word. Each now has :func:`portal.formutil.no_cpr`: the
message at the field, the text kept as typed, and nothing saved; the API, which validates its
bodies with the same forms, answers 422 problem+json at the field.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.candidates.forms import DecisionForm
from portal.extensions import db
from portal.text import CPR_IN_TEXT_MESSAGE
from portal.hotline.forms import MessageForm, RequestForm
from portal.interviews.forms import OfferForm, OutcomeForm
from portal.openings.forms import OpeningForm
from portal.openings.responses import ResponseForm
from portal.placements.lifecycle_forms import CancelForm, EndForm, FollowUpForm
from portal.stories.forms import StoryForm
from store.models import HotlineMessage, HotlineRequest, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal import test_hotline as hotline_base
from tests.portal.proposal_fixtures import disclosed_world
from tests.portal.test_form_messages import make_form, submitted

TEXT = "Borgerens CPR er 010190-1234, ring gerne"

FIELDS = [(RequestForm, "subject"), (RequestForm, "message"), (MessageForm, "body"),
          (DecisionForm, "reason"), (ResponseForm, "note"), (OfferForm, "location"), (OutcomeForm, "reason"),
          (EndForm, "note"), (FollowUpForm, "followup_note"), (CancelForm, "reason"),
          (StoryForm, "title"), (StoryForm, "text"),
          (OpeningForm, "title"), (OpeningForm, "description")]


@pytest.mark.parametrize("cls, name", FIELDS, ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_each_free_text_refuses_a_cpr_number_at_the_field_and_keeps_the_text(app, cls, name):
    with app.test_request_context("/", method="POST"):
        form = make_form(cls, submitted(cls, [(name, TEXT)]))
        form.validate()
        field = form[name]
        assert CPR_IN_TEXT_MESSAGE in field.errors
        assert field.data == TEXT


@pytest.mark.parametrize("cls, name", FIELDS, ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_a_plain_text_with_other_numbers_is_not_refused_for_a_cpr_number(app, cls, name):
    with app.test_request_context("/", method="POST"):
        form = make_form(cls, submitted(cls, [(name, "Ring på 86 12 34 56 den 01.08.2026 kl. 10")]))
        form.validate()
        assert CPR_IN_TEXT_MESSAGE not in form[name].errors


def test_the_message_never_repeats_the_number():
    assert CPR_IN_TEXT_MESSAGE == "Skriv teksten uden CPR-nummer: CPR-numre bruges ikke i portalen."


# --- the hotline, on the web and in the API --------------------------------------------------

hotline_world = hotline_base.world


def _messages(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(HotlineMessage.body).order_by(HotlineMessage.id)))


def test_a_consultants_hotline_reply_with_a_cpr_number_is_refused_and_kept(app, client, auth, hotline_world):
    hotline_base.login(client, auth, "a@firma.dk")
    hotline_base.file_request(client, placement=str(hotline_world["ids"]["active"]))
    with app.app_context():
        req_id = db.session.scalar(sa.select(HotlineRequest.id))
    before = _messages(app)
    hotline_base.login(client, auth, "vk@jc.dk")
    response = client.post(f"/hotline/{req_id}/besked",
                           data={"body": TEXT, "csrf_token": hotline_base.csrf(client, f"/hotline/{req_id}")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert CPR_IN_TEXT_MESSAGE in page and TEXT in page  # at the field, the text to correct
    assert _messages(app) == before


def test_a_company_hotline_request_with_a_cpr_number_is_refused(app, client, auth, hotline_world):
    hotline_base.login(client, auth, "a@firma.dk")
    response = hotline_base.file_request(client, message=TEXT)
    assert response.status_code == 200 and CPR_IN_TEXT_MESSAGE in response.get_data(as_text=True)
    assert hotline_base.all_requests(app) == []


def test_the_api_refuses_a_hotline_message_with_a_cpr_number_at_the_body(app, client, hotline_world):
    raw = make_token(app, hotline_world["a"])
    created = client.post("/api/v1/hotline/", headers=bearer(raw),
                          json={"category": "andet", "urgency": "normal", "subject": "Spørgsmål", "message": TEXT})
    assert created.status_code == 422 and created.mimetype == "application/problem+json"
    assert created.json["errors"] == {"message": [CPR_IN_TEXT_MESSAGE]}
    created = client.post("/api/v1/hotline/", headers=bearer(raw),
                          json={"category": "andet", "urgency": "normal", "subject": "Spørgsmål", "message": "Hej"})
    assert created.status_code == 201
    sent = client.post(f"/api/v1/hotline/{created.json['id']}/messages", headers=bearer(raw), json={"body": TEXT})
    assert sent.status_code == 422 and sent.mimetype == "application/problem+json"
    assert sent.json["errors"] == {"body": [CPR_IN_TEXT_MESSAGE]}
    assert TEXT not in _messages(app)


# --- the company's answer note ----------------------------------------------------------------

@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def _answer(app, world):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        return proposal.company_response, proposal.company_response_note


def test_the_answer_note_with_a_cpr_number_is_refused_at_the_note_and_kept(app, client, auth, world):
    auth.switch_to(world["company"].email)
    sent = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": "interested", "note": TEXT,
                             "next": "candidate"})
    assert sent.status_code == 302 and _answer(app, world) == (None, "")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    # kept to correct, the number as [cpr]: a refused text never travels in the session cookie (review BQ 1)
    assert CPR_IN_TEXT_MESSAGE in page and f'value="{TEXT.replace("010190-1234", "[cpr]")}"' in page
    assert "010190" not in page and "010190" not in sent.headers.get("Set-Cookie", "")


def test_the_api_refuses_the_answer_note_with_a_cpr_number_at_the_note(app, client, world):
    answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer", json={"response": "interested", "note": TEXT},
                           headers=bearer(make_token(app, world["company"])))
    assert answered.status_code == 422 and answered.mimetype == "application/problem+json"
    assert answered.json["errors"] == {"note": [CPR_IN_TEXT_MESSAGE]}
    assert _answer(app, world) == (None, "")


def test_the_hotline_closing_note_refuses_a_cpr_number_by_its_own_rule(app):
    """The closing note goes by mail as well; its rule (private_details) already names a CPR number."""
    from portal.hotline.forms import CloseForm

    with app.test_request_context("/", method="POST"):
        form = make_form(CloseForm, submitted(CloseForm, [("note", TEXT)]))
        assert not form.validate()
        assert "CPR" in " ".join(form.note.errors) and form.note.data == TEXT

