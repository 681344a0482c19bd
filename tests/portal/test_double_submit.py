"""A form sent twice creates one object (review Q 5): openings, hotline requests and messages.

Each form carries a one-time ``form_id`` (portal.once); a repeat of the same rendered form by
the same user goes to what the first one created, with a message, and creates nothing.
"""
from __future__ import annotations

import re
import threading
import time

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import service as hotline_service
from portal.openings import service as openings_service
from store.models import Company, HeldForm, HotlineMessage, HotlineRequest, Opening
from tests.conftest import AuthActions
from tests.portal.test_openings import valid_form

FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def page_tokens(client, path: str) -> tuple[str, str]:
    """The CSRF token and the form id of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return csrf, FORM_ID.search(html).group(1)


def form_id_in(response) -> str:
    return FORM_ID.search(response.get_data(as_text=True)).group(1)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def ids(app, model) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(model.id).order_by(model.id)))


@pytest.fixture
def company(make_user):
    return make_user("company", email="firma@example.dk")


@pytest.fixture
def colleague(app, make_user, company):
    with app.app_context():
        own = db.session.get(Company, company.company_id)
        return make_user("company", email="kollega@example.dk", company=own)


@pytest.fixture
def as_company(client, company):
    AuthActions(client).login(company.email)
    return client


def post_opening(client, csrf: str, form_id: str, **overrides):
    return client.post("/opslag/ny", data={**valid_form(**overrides), "csrf_token": csrf, "form_id": form_id})


# --- openings ---------------------------------------------------------------------------------

def test_opening_form_sent_twice_creates_one_and_goes_to_it(app, as_company):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    first = post_opening(as_company, csrf, form_id, title="Dobbeltklik test")
    second = post_opening(as_company, csrf, form_id, title="Dobbeltklik test")
    [opening_id] = ids(app, Opening)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"] == f"/opslag/{opening_id}"
    page = as_company.get(second.headers["Location"]).get_data(as_text=True)
    assert "Opslaget er allerede oprettet." in page


def test_opening_form_with_another_id_creates_another(app, as_company):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    _, other_id = page_tokens(as_company, "/opslag/ny")
    assert other_id != form_id  # every rendering of the form has its own id
    post_opening(as_company, csrf, form_id)
    second = post_opening(as_company, csrf, other_id)
    assert len(ids(app, Opening)) == 2
    assert second.headers["Location"] == f"/opslag/{ids(app, Opening)[1]}"


def test_another_user_cannot_use_a_form_id_to_find_the_first_opening(app, client, company, colleague):
    auth = AuthActions(client)
    auth.login(company.email)
    csrf, form_id = page_tokens(client, "/opslag/ny")
    post_opening(client, csrf, form_id, title="Den første")
    auth.switch_to(colleague.email)
    csrf, _ = page_tokens(client, "/opslag/ny")
    response = post_opening(client, csrf, form_id, title="Kollegaens")
    first, own = ids(app, Opening)
    assert response.headers["Location"] == f"/opslag/{own}"  # their own new opening, not the first
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "allerede oprettet" not in page and "Kollegaens" in page


def test_a_refused_form_keeps_its_id_and_a_created_one_gets_a_new_form(app, as_company):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    refused = post_opening(as_company, csrf, form_id, title="")
    assert refused.status_code == 200 and form_id_in(refused) == form_id
    assert post_opening(as_company, csrf, form_id).status_code == 302
    _, again = page_tokens(as_company, "/opslag/ny")
    assert again != form_id
    assert post_opening(as_company, csrf, again).status_code == 302
    assert len(ids(app, Opening)) == 2


def test_a_repeat_with_changed_values_is_shown_again_not_lost_and_not_created(app, as_company):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    post_opening(as_company, csrf, form_id, title="Før Back")
    response = post_opening(as_company, csrf, form_id, title="Rettet efter Back")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and len(ids(app, Opening)) == 1
    assert 'value="Rettet efter Back"' in html and "allerede oprettet" in html
    fresh = form_id_in(response)
    assert fresh != form_id  # sending it now is a new opening, on purpose
    assert post_opening(as_company, csrf, fresh, title="Rettet efter Back").status_code == 302
    assert len(ids(app, Opening)) == 2


def test_a_post_without_a_form_id_still_creates(app, as_company):
    csrf, _ = page_tokens(as_company, "/opslag/ny")
    for _ in range(2):
        as_company.post("/opslag/ny", data={**valid_form(), "csrf_token": csrf})
    assert len(ids(app, Opening)) == 2


def test_edit_form_has_no_form_id(app, as_company, company):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    location = post_opening(as_company, csrf, form_id).headers["Location"]
    assert FORM_ID.search(as_company.get(f"{location}/rediger").get_data(as_text=True)) is None


def test_two_posts_at_the_same_moment_create_one_opening(app, client, company, monkeypatch):
    """The second POST arrives while the first is creating: it waits, then goes to the first's."""
    AuthActions(client).login(company.email)
    csrf, form_id = page_tokens(client, "/opslag/ny")
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    creating = threading.Event()
    real = openings_service.create_opening

    def slow_create(*args, **kwargs):
        creating.set()
        time.sleep(0.5)  # the other POST is sent meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(openings_service, "create_opening", slow_create)
    answers = {}

    def send(name, browser):
        with app.app_context():
            answers[name] = post_opening(browser, csrf, form_id)

    first = threading.Thread(target=send, args=("first", client))
    first.start()
    assert creating.wait(10)
    send("second", other)
    first.join(10)
    [opening_id] = ids(app, Opening)
    assert answers["first"].headers["Location"] == answers["second"].headers["Location"] == f"/opslag/{opening_id}"


def test_claims_are_kept_for_a_day_in_the_held_form_table(app, as_company, company):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    post_opening(as_company, csrf, form_id)
    with app.app_context():
        row = db.session.scalars(sa.select(HeldForm).where(HeldForm.kind == "once")).one()
        assert row.user_id == company.id and form_id not in row.id  # the id is a digest, not the form id
        assert 23.9 * 3600 < (row.expires_at - row.created_at).total_seconds() <= 24 * 3600
        assert set(row.payload) == {"url", "content"}  # where the opening is; nothing typed


# --- hotline ----------------------------------------------------------------------------------

def request_form(csrf: str, form_id: str, **overrides) -> dict:
    data = {"category": "fravaer", "urgency": "akut", "subject": "Mødte ikke op", "placement": "",
            "message": "Vi har ikke hørt noget.", "csrf_token": csrf, "form_id": form_id}
    data.update(overrides)
    return data


def test_hotline_request_sent_twice_files_one(app, as_company):
    csrf, form_id = page_tokens(as_company, "/hotline/ny")
    first = as_company.post("/hotline/ny", data=request_form(csrf, form_id))
    second = as_company.post("/hotline/ny", data=request_form(csrf, form_id))
    [request_id] = ids(app, HotlineRequest)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert second.headers["Location"] == f"/hotline/{request_id}"
    assert "Henvendelsen er allerede sendt." in as_company.get(second.headers["Location"]).get_data(as_text=True)
    _, other_id = page_tokens(as_company, "/hotline/ny")
    as_company.post("/hotline/ny", data=request_form(csrf, other_id))
    assert len(ids(app, HotlineRequest)) == 2


def test_hotline_request_refused_by_the_service_can_be_sent_again_with_its_id(app, as_company, monkeypatch):
    """A request the service refused (placement no longer active) created nothing: its claim is
    given up, so the form, corrected, is sent with the same id."""
    csrf, form_id = page_tokens(as_company, "/hotline/ny")
    real = hotline_service.create_request

    def refuse(*args, **kwargs):
        raise LookupError("not an active placement")

    monkeypatch.setattr(hotline_service, "create_request", refuse)
    refused = as_company.post("/hotline/ny", data=request_form(csrf, form_id))
    assert refused.status_code == 200 and form_id_in(refused) == form_id
    monkeypatch.setattr(hotline_service, "create_request", real)
    assert as_company.post("/hotline/ny", data=request_form(csrf, form_id)).status_code == 302
    assert len(ids(app, HotlineRequest)) == 1


def test_hotline_message_sent_twice_is_posted_once(app, client, company, make_user):
    consultant = make_user("consultant", email="vk@example.dk")
    auth = AuthActions(client)
    auth.login(company.email)
    csrf, form_id = page_tokens(client, "/hotline/ny")
    location = client.post("/hotline/ny", data=request_form(csrf, form_id)).headers["Location"]
    auth.switch_to(consultant.email)
    csrf, form_id = page_tokens(client, location)
    answers = [client.post(f"{location}/besked", data={"body": "Vi ringer i dag.", "csrf_token": csrf,
                                                        "form_id": form_id}) for _ in range(2)]
    assert count(app, HotlineMessage, HotlineMessage.body == "Vi ringer i dag.") == 1
    assert all(a.status_code == 302 and a.headers["Location"] == location for a in answers)
    assert "Beskeden er allerede sendt." in client.get(location).get_data(as_text=True)
    # the page after a sent message has a new form: the next message is sent
    csrf, again = page_tokens(client, location)
    assert again != form_id
    client.post(f"{location}/besked", data={"body": "Vi ringer i dag.", "csrf_token": csrf, "form_id": again})
    assert count(app, HotlineMessage, HotlineMessage.body == "Vi ringer i dag.") == 2


def test_hotline_message_changed_after_back_is_shown_again(app, as_company):
    csrf, form_id = page_tokens(as_company, "/hotline/ny")
    location = as_company.post("/hotline/ny", data=request_form(csrf, form_id)).headers["Location"]
    csrf, form_id = page_tokens(as_company, location)
    as_company.post(f"{location}/besked", data={"body": "Første", "csrf_token": csrf, "form_id": form_id})
    response = as_company.post(f"{location}/besked", data={"body": "Anden tekst", "csrf_token": csrf,
                                                            "form_id": form_id})
    assert response.status_code == 409 and "Anden tekst" in response.get_data(as_text=True)
    assert form_id_in(response) != form_id
    assert count(app, HotlineMessage, HotlineMessage.body == "Anden tekst") == 0
