"""Review AO 1: a company's answer note refuses control, zero-width and bidi characters.

The note was the one free-text field without the hidden-character rule, on the web and in the
API; a stored control character then made the opening's candidate XLSX a 500, and a
right-to-left override in it turned the rest of the consultant's line around. Now the service
(:func:`portal.proposals.respond`) refuses such a note for every caller, the web form shows the
usual message at the field and the API its usual 422 at "note"; :mod:`portal.exports` removes
what an XLSX cannot hold from stored text; and the pages isolate the note (``<bdi>``).
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal import proposals
from portal.extensions import db
from portal.text import HIDDEN_MESSAGE
from portal.interviews import answers
from store.models import AuditEvent, Interview, Notification, Opening, Placement, Proposal, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

# NUL, a C0 control, a vertical tab, a right-to-left override, a zero-width space: inside the text.
HIDDEN_NOTES = ["Ring\x00gerne", "Ring gerne\x01 i morgen", "Ring\x0bgerne", "Ring \u202egerne", "Ring\u200bgerne"]


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def _answer(app, world) -> tuple[str | None, str | None]:
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        return proposal.company_response, proposal.company_response_note


def _no_answer_written(app) -> None:
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "company_response")) == 0


@pytest.mark.parametrize("note", HIDDEN_NOTES)
def test_the_service_refuses_a_note_with_hidden_characters_at_the_note(app, world, note):
    """The one place both the web form and the API pass."""
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        company = db.session.get(User, world["company"].id)
        with pytest.raises(proposals.TransitionError) as refused:
            answers.answer(proposal, company, "interested", note)
        assert (refused.value.message, refused.value.field) == (HIDDEN_MESSAGE, "note")
        db.session.rollback()
    assert _answer(app, world) == (None, "")
    _no_answer_written(app)


def test_the_service_still_saves_a_plain_note_cleaned_as_a_form_field(app, world):
    """Tab and line break are text; a pasted byte-order mark at the end is trimmed, not refused."""
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        answers.answer(proposal, db.session.get(User, world["company"].id), "interested",
                          "  Ring gerne\tmandag\nkl. 9\ufeff ")
    assert _answer(app, world) == ("interested", "Ring gerne\tmandag\nkl. 9")


@pytest.mark.parametrize("note", HIDDEN_NOTES)
def test_the_web_form_shows_the_message_at_the_note_and_keeps_the_text(app, client, auth, world, note):
    auth.switch_to(world["company"].email)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    sent = client.post(path, data={"csrf_token": auth.csrf_token("/"), "response": "interested",
                                   "note": note, "next": "candidate"})
    assert sent.status_code == 302
    assert _answer(app, world) == (None, "")
    _no_answer_written(app)
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Svaret blev ikke gemt: ret det, der er markeret ved kandidaten." in page
    # At the note, not only in the banner, with the text as typed (to be retyped, not lost).
    assert (f'<span class="sr-only">Fejl:</span> {HIDDEN_MESSAGE}</span>\n  <input class="form-input" id="note" '
            f'name="note" value="{note}" aria-invalid="true"') in page


@pytest.mark.parametrize("note", HIDDEN_NOTES)
def test_the_api_answers_422_at_the_note(app, client, world, note):
    answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer",
                           json={"response": "interested", "note": note},
                           headers=bearer(make_token(app, world["company"])))
    assert answered.status_code == 422 and answered.content_type == "application/problem+json"
    assert answered.json["errors"] == {"note": [HIDDEN_MESSAGE]}
    assert _answer(app, world) == (None, "")
    _no_answer_written(app)


def test_the_api_refuses_the_note_before_asking_about_an_interview_ahead(app, client, world):
    """A no with an interview ahead and a bad note: the note is the error (422), and the
    interview is not cancelled even with booked_interview=cancel."""
    interview = add_interview(app, world, hours_from_now=72)
    raw = make_token(app, world["company"])
    for extra in ({}, {"booked_interview": "cancel"}):
        answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer",
                               json={"response": "declined", "note": "Nej \u202etak", **extra}, headers=bearer(raw))
        assert answered.status_code == 422 and answered.json["errors"] == {"note": [HIDDEN_MESSAGE]}
    with app.app_context():
        assert db.session.get(Interview, interview).status == "booked"
    assert _answer(app, world) == (None, "")


def test_the_api_still_saves_a_plain_note(app, client, world):
    answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer",
                           json={"response": "interested", "note": "Ring gerne mandag"},
                           headers=bearer(make_token(app, world["company"])))
    assert answered.status_code == 200 and answered.json["response_note"] == "Ring gerne mandag"


def test_the_pages_isolate_a_stored_note_so_an_override_does_not_turn_the_page(app, client, auth, world):
    """A note stored before the rule: the consultant's and the company's pages show it inside
    <bdi>, so a right-to-left override ends with the note."""
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response, proposal.company_response_note = "interested", "Ring \u202egerne"
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert "<bdi>Ring \u202egerne</bdi>" in page
    assert "\u202egerne<" not in page.replace("<bdi>Ring \u202egerne</bdi>", "")
    auth.switch_to(world["company"].email)
    for path in (f"/opslag/{world['opening']}", f"/opslag/{world['opening']}/kandidat/{world['proposal']}"):
        page = client.get(path).get_data(as_text=True)
        assert "<bdi>Ring \u202egerne</bdi>" in page, path


def test_stored_control_characters_never_make_an_xlsx_fail(app, client, auth, make_user):
    """Rows stored before the rule: the candidate XLSX and the placements XLSX are served, the
    characters an XLSX cannot hold removed; the CSV keeps the text as stored."""
    world = hours_fixtures.build_world(app, make_user)
    with app.app_context():
        kantine = db.session.scalar(sa.select(Opening).where(Opening.title == "=Kantine"))
        proposal = db.session.scalar(sa.select(Proposal).where(Proposal.opening_id == kantine.id))
        proposal.company_response, proposal.company_response_note = "interested", "\x00Ring\x0bgerne\x01"
        lager = db.session.get(Placement, world["named"]).opening
        lager.title = "Lager\x01hjælp\x00"
        db.session.commit()
        kantine_id = kantine.id
    auth.switch_to(world["company"].email)

    candidates = client.get(f"/opslag/{kantine_id}/kandidater.xlsx")
    assert candidates.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(candidates.data)).active.iter_rows()]
    assert rows[1][rows[0].index("Jeres note")] == "Ringgerne"
    assert "\x00Ring\x0bgerne\x01" in client.get(f"/opslag/{kantine_id}/kandidater.csv").get_data(as_text=True)

    placements = client.get("/forloeb/eksport.xlsx")
    assert placements.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(placements.data)).active.iter_rows()]
    assert [row[2] for row in rows[1:] if row[0] == world["named"]] == ["Lagerhjælp"]


def test_render_xlsx_removes_only_what_xml_cannot_hold():
    from portal.exports import render_xlsx

    book = load_workbook(io.BytesIO(render_xlsx("Ark\x01", ["No\x00te"], [["a\x00b\x08c\x0b\x0c\x1fd\te\nf\u202eg"]])))
    assert book.active.title == "Ark"
    assert [[c.value for c in row] for row in book.active.iter_rows()] == [["Note"], ["abcd\te\nf\u202eg"]]


def test_a_sheet_name_drops_what_excel_refuses_and_keeps_31_characters():
    """Review BI 11: the sheet is named after its content; an opening's »Småjob: …« has a colon."""
    from portal.exports import render_xlsx

    title = load_workbook(io.BytesIO(render_xlsx("Småjob: Lager/Pak [nat]*? og meget mere", ["A"], []))).active.title
    assert title == "Småjob LagerPak nat og meget me"
    assert load_workbook(io.BytesIO(render_xlsx(":?*", ["A"], []))).active.title == "Ark1"


@pytest.mark.parametrize("note, saved", [("Godt møde.\r\nVi ringer", "Godt møde.\nVi ringer"),
                                         ("Ser godt ud\u200b", "Ser godt ud"), ("\ufeffSer godt ud", "Ser godt ud")])
def test_a_pasted_line_break_or_a_zero_width_end_is_tidied_not_refused(app, client, auth, world, note, saved):
    # Review AP 2: the API checked the raw note before the service cleaned it, and the web form never cleaned it.
    answered = client.post(f"/api/v1/proposals/{world['proposal']}/answer",
                           json={"response": "interested", "note": note},
                           headers=bearer(make_token(app, world["company"])))
    assert answered.status_code == 200 and answered.json["response_note"] == saved
    auth.switch_to(world["company"].email)
    sent = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": "declined", "note": note,
                             "next": "candidate"})
    assert sent.status_code == 302 and _answer(app, world) == ("declined", saved)
