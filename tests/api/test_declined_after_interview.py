"""A "no" after the held interview is the outcome »Ikke ansat« and needs a reason, however it is
sent (review AS 5): the API's answer stored "declined" with an empty note where the web's outcome
form asks why. The rule is :func:`portal.interviews.answers.check_answer`'s, applied by
:func:`~portal.interviews.answers.answer`, which the web's answer form, the outcome form and the
API all go through."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.interviews import answers
from store.models import Notification, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    world["interview"] = add_interview(app, world, hours_from_now=-3)  # booked, held three hours ago
    return world


def _answer(app, world) -> tuple[str | None, str | None, int]:
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        told = db.session.query(Notification).filter_by(kind="company_answered").count()
        return proposal.company_response, proposal.company_response_note or None, told


def _api(client, app, world, **body):
    return client.post(f"/api/v1/proposals/{world['proposal']}/answer", json=body,
                       headers=bearer(make_token(app, world["company"])))


@pytest.mark.parametrize("note", [None, "", "   "])
def test_the_api_refuses_declined_without_a_reason_after_the_interview(app, client, world, note):
    body = {"response": "declined"} if note is None else {"response": "declined", "note": note}
    refused = _api(client, app, world, **body)
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert refused.json["errors"] == {"note": [answers.REASON_NEEDED]}
    assert _answer(app, world) == (None, None, 0)  # nothing stored, nobody told


def test_the_api_stores_declined_with_its_reason(app, client, world):
    done = _api(client, app, world, response="declined", note="Valgte en anden")
    assert done.status_code == 200, done.json
    assert done.json["response"] == "declined" and done.json["response_note"] == "Valgte en anden"
    assert _answer(app, world) == ("declined", "Valgte en anden", 1)


def test_before_the_interview_is_held_a_no_needs_no_reason(app, client, make_user):
    """A »Ikke interesseret« with no interview held is an ordinary answer, as on the web."""
    world = disclosed_world(app, make_user)
    assert _api(client, app, world, response="declined").status_code == 200
    assert _answer(app, world)[0] == "declined"


def test_the_web_answer_form_refuses_the_same(app, client, auth, world):
    """The answer form is hidden once the outcome is due, but a post to it (an old tab, a
    script) goes through the same rule."""
    auth.switch_to(world["company"].email)
    done = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": "declined", "note": ""})
    assert done.status_code == 302
    assert _answer(app, world) == (None, None, 0)
    page = client.get(done.location).get_data(as_text=True)
    assert answers.REASON_NEEDED in page


def test_the_web_outcome_form_and_the_service_say_the_same(app, client, auth, world):
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined", "reason": " "})
    assert _answer(app, world) == (None, None, 0)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        with pytest.raises(answers.ReasonNeeded, match=answers.REASON_NEEDED):
            answers.check_outcome(proposal, "declined", "")
        with pytest.raises(answers.ReasonNeeded):
            answers.check_answer(proposal, "declined", "")
        answers.check_answer(proposal, "declined", "Valgte en anden")
        answers.check_answer(proposal, "hired", "")  # a hire needs no reason


def test_changing_a_hire_to_no_without_a_reason_is_refused_before_the_confirmation(app, client, auth, world):
    """On the web the answer is checked with its note before the confirmation page: a change from
    »Ansat / startet« to a no with no reason after the held interview is refused at once, with
    what was chosen kept and the message at the note, not only after the company confirmed."""
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"
        db.session.commit()
    auth.switch_to(world["company"].email)
    done = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": "declined", "note": " ",
                             "next": "candidate"})
    assert done.status_code == 302  # no confirmation page first
    assert _answer(app, world) == ("hired", None, 0)
    page = client.get(done.location).get_data(as_text=True)
    form = page[page.index('action="/opslag/'):]
    form = form[:form.index("</form>")]
    assert '<option value="declined" selected>' in form  # the choice kept
    note = form[form.index('id="note-error"'):]
    assert note.index(answers.REASON_NEEDED) < note.index('id="note"')  # at the note
    with_reason = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                              data={"csrf_token": auth.csrf_token("/"), "response": "declined",
                                    "note": "Valgte en anden", "next": "candidate"})
    assert with_reason.status_code == 200 and "Ændre jeres svar" in with_reason.get_data(as_text=True)


def _told_text(app) -> set[str]:
    with app.app_context():
        return {n.text for n in db.session.query(Notification).filter_by(kind="company_answered")}


def test_the_consultants_are_told_the_outcome_as_the_pages_say_it(app, client, world):
    """After the held interview a no is »Ikke ansat efter samtalen« on every page; the notice to
    the consultants said »Ikke interesseret«, as if the company had never met the candidate."""
    assert _api(client, app, world, response="declined", note="Valgte en anden").status_code == 200
    texts = _told_text(app)
    assert texts and all("»Ikke ansat efter samtalen«" in text for text in texts)


def test_a_hire_changed_to_a_no_after_the_interview_is_told_as_the_outcome(app, client, world):
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"
        db.session.commit()
    assert _api(client, app, world, response="declined", note="Valgte en anden").status_code == 200
    texts = _told_text(app)
    assert texts and all("fra »Ansat / startet« til »Ikke ansat efter samtalen«" in text for text in texts)


def test_a_no_before_any_interview_is_still_told_as_not_interested(app, client, make_user):
    world = disclosed_world(app, make_user)
    assert _api(client, app, world, response="declined").status_code == 200
    texts = _told_text(app)
    assert texts and all("»Ikke interesseret«" in text for text in texts)
