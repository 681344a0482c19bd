"""After the interview the pages say what happened: "Samtale holdt", the outcome in the outcome
form's words ("Ikke ansat"), one answer form, and an unchosen time as "Ikke valgt"."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from portal.extensions import db
from store.models import Interview
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def page(client, world) -> str:
    return client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)


def text(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:p|td|div)>', html, re.S)
    assert found, testid
    # <bdi> (the company's note, isolated) is inline: it adds no space to what is read.
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi>", "", found.group(1))).split())


def test_a_future_interview_is_agreed_a_past_one_held(app, client, auth, world):
    interview = add_interview(app, world, hours_from_now=48, status="booked")
    auth.switch_to(world["company"].email)
    assert "Samtale aftalt" in text(page(client, world), "interview-booked")
    with app.app_context():
        db.session.get(Interview, interview).starts_at = datetime.now(timezone.utc) - timedelta(hours=3)
        db.session.commit()
    assert text(page(client, world), "interview-booked").startswith("Samtale holdt")


def test_after_the_interview_the_company_gets_one_answer_form(app, client, auth, world):
    add_interview(app, world, hours_from_now=-3, status="booked")
    auth.switch_to(world["company"].email)
    html = page(client, world)
    assert 'data-testid="outcome-form"' in html
    assert 'data-testid="candidate-answer"' not in html and f"/kandidat/{world['proposal']}/svar" not in html
    assert 'name="response"' not in html and html.count('name="outcome"') == 2  # Ansat / Ikke ansat


def test_not_hired_after_the_interview_reads_as_not_hired(app, client, auth, world):
    add_interview(app, world, hours_from_now=-3, status="booked")
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined", "reason": "Valgte en anden"})
    html = page(client, world)
    assert text(html, "interview-finished") == "I har meldt efter samtalen: Ikke ansat (Valgte en anden)."
    assert text(html, "candidate-response") == "Ikke ansat: Valgte en anden"
    assert text(html, "interview-booked").startswith("Samtale holdt")
    # review H 12: the card on the opening and the answer form say the outcome, not "Ikke interesseret"
    assert '<option value="declined" selected>Ikke ansat efter samtalen</option>' in html
    opening = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert text(opening, "candidate-response") == "Jeres svar: Ikke ansat efter samtalen: Valgte en anden"
    assert "Ikke interesseret" not in opening.split('data-testid="shared-candidate"')[1].split("</li>")[0]
    export = client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True)
    assert "Ikke ansat efter samtalen" in export and "Ikke interesseret" not in export  # the export says the same
    auth.switch_to(world["consultant"].email)
    staff = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert text(staff, "interview-finished") == "Virksomheden har meldt efter samtalen: Ikke ansat (Valgte en anden)."
    assert text(staff, "company-response") == "Ikke ansat efter samtalen: Valgte en anden"


def test_a_no_without_an_interview_stays_not_interested(app, client, auth, world):
    auth.switch_to(world["company"].email)
    client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": auth.csrf_token("/"), "response": "declined", "note": "For langt væk"})
    opening = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert text(opening, "candidate-response") == "Jeres svar: Ikke interesseret: For langt væk"
    assert '<option value="declined" selected>Ikke interesseret</option>' in opening


def test_a_time_not_chosen_is_not_called_rejected(app, client, auth, world):
    add_interview(app, world, hours_from_now=48, status="booked")
    add_interview(app, world, hours_from_now=72, status="declined")
    auth.switch_to(world["company"].email)
    history = re.search(r"<summary>Tidligere tider</summary>(.*?)</details>", page(client, world), re.S).group(1)
    assert "Ikke valgt" in history and "afvist" not in history


def test_a_refused_outcome_comes_back_as_sent_with_its_error_at_the_field(app, client, auth, world):
    """Review P 1 / Q 4: »Ikke ansat« without a reason lost the choice, and the only message was a
    flash far above the form. Now the choice and what was typed come back, the error at the field."""
    add_interview(app, world, hours_from_now=-3, status="booked")
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined", "reason": "   "})
    html = page(client, world)
    form = html.split('data-testid="outcome-form"')[1].split("</form>")[0]
    assert re.search(r'<input[^>]*checked[^>]*value="declined"|<input[^>]*value="declined"[^>]*checked', form)
    assert "form-error" in form and "Skriv kort, hvorfor kandidaten ikke blev ansat." in form
    assert 'aria-invalid="true"' in form
    assert "ret det, der er markeret under »Hvordan gik samtalen?«" in html
    assert "Hvordan gik samtalen?" in page(client, world)  # once: a reload shows the blank form
    assert "Skriv kort, hvorfor" not in page(client, world)


def test_an_outcome_the_service_refuses_keeps_the_choice_and_the_reason(app, client, auth, world, monkeypatch):
    """Review R 3: a refusal by the service (not by the form) lost the reason typed."""
    from portal.interviews import answers, common

    def refuse(*_args, **_kwargs):
        raise common.InterviewError("Udfaldet kan meldes, når den aftalte samtale er holdt.")

    add_interview(app, world, hours_from_now=-3, status="booked")
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    for name in ("check_outcome", "report_outcome"):  # the confirmation step, and the save
        monkeypatch.setattr(answers, name, refuse)
        client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined",
                                "reason": f"Valgte en anden ({name})"})
        form = page(client, world).split('data-testid="outcome-form"')[1].split("</form>")[0]
        assert f'value="Valgte en anden ({name})"' in form
        assert re.search(r'<input[^>]*checked[^>]*value="declined"|<input[^>]*value="declined"[^>]*checked', form)
        monkeypatch.undo()
