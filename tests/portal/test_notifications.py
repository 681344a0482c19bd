"""Beskeder: the in-portal list, the unread badge, mark read, mail choices, and the hooks that notify."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.notifications import service
from store.models import Company, MailMessage, Notification, User
from tests.portal import test_hotline as hotline
from tests.portal.test_openings import post_new
from tests.sql_statements import statements

world = hotline.world  # the hotline tests' company A (with consultant), VK and placements


def add_note(app, user_id: int, text: str, link: str = "/hotline/ny", kind: str = "hotline_answered") -> int:
    # The link is a page the tests do not open: opening it marks the notice read (review W 8).
    with app.test_request_context():
        note = service.notify(db.session.get(User, user_id), kind, text, link)
        db.session.commit()
        return note.id


def notes(app, user_id: int) -> list[Notification]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)
                                        .order_by(Notification.id)))
        db.session.expunge_all()
        return found


def mails(app, **where) -> list[MailMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(MailMessage).filter_by(**where).order_by(MailMessage.id)))
        db.session.expunge_all()
        return found


def badge(html: str) -> str | None:
    match = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', html)
    return match.group(1) if match else None


@pytest.fixture
def people(make_user):
    return {"company": make_user("company", email="hr@firma.dk"),
            "other": make_user("company", email="hr@andet.dk"),
            "vk": make_user("consultant", email="vk@jc.dk")}


# --- the list and the badge ------------------------------------------------------------

def test_the_header_shows_the_users_own_unread_count(app, client, auth, people):
    add_note(app, people["company"].id, "Første")
    add_note(app, people["company"].id, "Anden")
    add_note(app, people["other"].id, "Fremmed")
    auth.login("hr@firma.dk")
    assert badge(client.get("/").get_data(as_text=True)) == "2"
    auth.switch_to("hr@andet.dk")
    assert badge(client.get("/hotline/").get_data(as_text=True)) == "1"


def test_the_user_their_company_and_the_badge_are_one_statement(app, client, auth, people):
    """Every page starts by loading the logged-in user; the header's company name and
    unread badge come with it, not from two more statements per page."""
    add_note(app, people["company"].id, "Første")
    auth.login("hr@firma.dk")
    with statements(app) as seen:
        html = client.get("/hotline/").get_data(as_text=True)
    with app.app_context():
        company = db.session.get(User, people["company"].id).company.name
    assert badge(html) == "1" and company in html
    counts = [s for s in seen if "count(notification.id)" in s.lower()]
    # the device's session row is checked in the same statement (portal.auth.sessions)
    assert len(counts) == 1 and re.search(r'FROM "?user"?\s.*user_session.*LEFT OUTER JOIN company', counts[0], re.S)
    assert not [s for s in seen if s.lstrip().upper().startswith("SELECT COMPANY.")]


def test_a_request_that_changes_notifications_recounts_the_badge(app, people):
    """The count read with the user is dropped when the same request adds or reads
    notifications, so a page rendered after that shows the new count."""
    from flask_login import login_user

    add_note(app, people["company"].id, "Første")
    with app.test_request_context():
        user = db.session.get(User, people["company"].id)
        login_user(user)
        service.remember_unread(1)
        assert service.unread_badge() == 1
        service.notify(user, "hotline_answered", "Anden", "/hotline/")
        db.session.commit()
        assert service.unread_badge() == 2
        service.mark_all_read(user.id)
        assert service.unread_badge() == 0


def test_no_badge_without_unread_items(app, client, auth, people):
    auth.login("hr@firma.dk")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="notifications-link"' in html and badge(html) is None


def test_the_list_is_newest_first_with_unread_marked(app, client, auth, people):
    add_note(app, people["company"].id, "Ældst")
    add_note(app, people["company"].id, "Nyest")
    add_note(app, people["other"].id, "Andet firmas besked")
    auth.login("hr@firma.dk")
    html = client.get("/beskeder/").get_data(as_text=True)
    assert html.index("Nyest") < html.index("Ældst")
    assert "Andet firmas besked" not in html
    assert html.count('data-unread="true"') == 2


def test_every_notification_can_be_reached_however_many_there_are(app, client, auth, people):
    from datetime import datetime, timedelta, timezone

    from portal.notifications.service import PER_PAGE

    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add_all([Notification(user_id=people["company"].id, kind="hotline_answered", text=f"Besked {n:03d}",
                                         link="/hotline/", created_at=start + timedelta(minutes=n))
                            for n in range(PER_PAGE * 2 + 5)])
        db.session.commit()
    auth.login("hr@firma.dk")
    seen, url = [], "/beskeder/"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"Besked (\d{3})", html)
        older = re.search(r'<a href="([^"]+)" rel="next">Ældre beskeder</a>', html)
        url = older.group(1) if older else None
    assert seen == [f"{n:03d}" for n in reversed(range(PER_PAGE * 2 + 5))]  # all, newest first, once
    assert badge(html) == str(PER_PAGE * 2 + 5) and "af 105 beskeder" in html
    last = client.get("/beskeder/?side=99").get_data(as_text=True)  # past the end: the last page
    assert re.findall(r"Besked (\d{3})", last) == ["004", "003", "002", "001", "000"]
    assert client.get("/beskeder/?side=abc").status_code == 200


def test_opening_an_item_marks_it_read_and_goes_to_its_link(app, client, auth, people):
    note_id = add_note(app, people["company"].id, "Svar fra hotline", link="/hotline/")
    add_note(app, people["company"].id, "Endnu en")
    auth.login("hr@firma.dk")
    token = auth.csrf_token("/beskeder/")
    response = client.post(f"/beskeder/{note_id}/aabn", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/hotline/"
    read = {n.id: n.read_at for n in notes(app, people["company"].id)}
    assert read[note_id] is not None and list(read.values()).count(None) == 1
    assert badge(client.get("/").get_data(as_text=True)) == "1"


def test_opening_needs_csrf_and_ownership(app, client, auth, people):
    foreign = add_note(app, people["other"].id, "Fremmed")
    auth.login("hr@firma.dk")
    assert client.post(f"/beskeder/{foreign}/aabn", data={}).status_code == 400
    token = auth.csrf_token("/beskeder/")
    assert client.post(f"/beskeder/{foreign}/aabn", data={"csrf_token": token}).status_code == 404
    assert client.post("/beskeder/99999999999/aabn", data={"csrf_token": token}).status_code == 404
    assert notes(app, people["other"].id)[0].read_at is None


@pytest.mark.parametrize("link", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_an_item_never_redirects_off_the_portal(app, client, auth, people, link):
    note_id = add_note(app, people["company"].id, "Mærkeligt link", link=link)
    auth.login("hr@firma.dk")
    response = client.post(f"/beskeder/{note_id}/aabn", data={"csrf_token": auth.csrf_token("/beskeder/")})
    assert response.headers["Location"] == "/beskeder/"


def test_mark_all_read(app, client, auth, people):
    for text in ("a", "b", "c"):
        add_note(app, people["company"].id, text)
    other = add_note(app, people["other"].id, "Fremmed")
    auth.login("hr@firma.dk")
    html = client.get("/beskeder/").get_data(as_text=True)
    assert "Markér alle som læst" in html
    response = client.post("/beskeder/laest", data={"csrf_token": auth.csrf_token("/beskeder/")},
                           follow_redirects=True)
    assert "3 beskeder er markeret som læst." in response.get_data(as_text=True)
    assert all(n.read_at is not None for n in notes(app, people["company"].id))
    assert notes(app, people["other"].id)[0].id == other and notes(app, people["other"].id)[0].read_at is None
    assert client.post("/beskeder/laest", data={}).status_code == 400


def test_the_pages_need_a_login(client):
    assert client.get("/beskeder/").status_code == 302
    assert client.get("/beskeder/indstillinger").status_code == 302


# --- mail choices ----------------------------------------------------------------------

def test_the_choices_page_offers_only_the_roles_kinds(app, client, auth, people):
    auth.login("hr@firma.dk")
    html = client.get("/beskeder/indstillinger").get_data(as_text=True)
    assert service.NOTIFICATION_KINDS["hours_missing"] in html
    assert service.NOTIFICATION_KINDS["opening_posted"] not in html
    auth.switch_to("vk@jc.dk")
    html = client.get("/beskeder/indstillinger").get_data(as_text=True)
    assert service.NOTIFICATION_KINDS["opening_posted"] in html
    assert service.NOTIFICATION_KINDS["hours_missing"] not in html


def test_opting_out_stops_the_mail_but_not_the_item(app, client, auth, people):
    auth.login("hr@firma.dk")
    kept = [k for k in service.COMPANY_KINDS if k != "hotline_answered"]
    response = client.post("/beskeder/indstillinger", data={
        "kinds": kept, "csrf_token": auth.csrf_token("/beskeder/indstillinger")}, follow_redirects=True)
    assert "Dine valg er gemt." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, people["company"].id).mail_opt_out == ["hotline_answered"]
    add_note(app, people["company"].id, "Svar", kind="hotline_answered")
    add_note(app, people["company"].id, "Timer", kind="hours_missing")
    assert [n.kind for n in notes(app, people["company"].id)] == ["hotline_answered", "hours_missing"]
    assert [m.kind for m in mails(app, user_id=people["company"].id)] == ["hours_missing"]
    html = client.get("/beskeder/indstillinger").get_data(as_text=True)
    assert re.search(r'value="hotline_answered"(?![^>]*checked)', html)
    assert re.search(r'checked[^>]*value="hours_missing"|value="hours_missing"[^>]*checked', html)


def test_a_crafted_kind_of_another_role_is_refused(app, client, auth, people):
    auth.login("hr@firma.dk")
    response = client.post("/beskeder/indstillinger", data={
        "kinds": ["opening_posted"], "csrf_token": auth.csrf_token("/beskeder/indstillinger")})
    assert response.status_code == 200 and "form-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, people["company"].id).mail_opt_out == []


def test_choices_need_csrf(app, client, auth, people):
    auth.login("hr@firma.dk")
    response = client.post("/beskeder/indstillinger", data={"kinds": []})
    assert response.status_code == 400  # refused before anything is stored
    with app.app_context():
        assert db.session.get(User, people["company"].id).mail_opt_out == []


# --- hooks -----------------------------------------------------------------------------

def test_a_hotline_request_notifies_the_responsible_vk(app, client, auth, world):
    hotline.login(client, auth, "a@firma.dk")
    hotline.file_request(client, placement=str(world["ids"]["active"]))
    [req] = hotline.all_requests(app)
    [note] = notes(app, world["vk"].id)
    assert note.kind == "hotline_new" and note.link == f"/hotline/{req.id}"
    assert f"#{req.id}" in note.text and "Firma" in note.text
    [queued] = mails(app, user_id=world["vk"].id)
    assert queued.kind == "hotline_new" and queued.status == "sent"  # drained inline in tests
    assert notes(app, world["company_vk"].id) == []


def test_an_answer_notifies_the_company_users_who_wrote(app, client, auth, world, make_user):
    colleague = make_user("company", email="kollega@firma.dk",
                          company=_company(app, world["a"].company_id))
    hotline.login(client, auth, "a@firma.dk")
    hotline.file_request(client)
    [req] = hotline.all_requests(app)
    hotline.login(client, auth, "firma-vk@jc.dk")
    token = hotline.csrf(client, f"/hotline/{req.id}")
    assert client.post(f"/hotline/{req.id}/besked", data={"body": "Vi ringer i dag.",
                                                          "csrf_token": token}).status_code == 302
    [note] = notes(app, world["a"].id)
    assert note.kind == "hotline_answered" and note.link == f"/hotline/{req.id}"
    assert notes(app, colleague.id) == []  # did not write in the thread
    assert notes(app, world["b"].id) == []
    # the company's own follow-up notifies nobody at the company
    hotline.login(client, auth, "a@firma.dk")
    client.post(f"/hotline/{req.id}/besked", data={"body": "Tak", "csrf_token": hotline.csrf(client, f"/hotline/{req.id}")})
    assert len(notes(app, world["a"].id)) == 1


def _company(app, company_id: int) -> Company:
    with app.app_context():
        company = db.session.get(Company, company_id)
        db.session.expunge(company)
        return company


def test_publishing_an_opening_notifies_the_companys_consultant(app, client, auth, people):
    with app.app_context():
        db.session.get(Company, people["company"].company_id).consultant_id = people["vk"].id
        db.session.commit()
    auth.login("hr@firma.dk")
    assert post_new(client, auth, status="draft").status_code == 302
    assert notes(app, people["vk"].id) == []  # a draft is not published
    assert post_new(client, auth, title="Pakkemedarbejder").status_code == 302
    [note] = notes(app, people["vk"].id)
    assert note.kind == "opening_posted" and "Pakkemedarbejder" in note.text
    assert note.link.startswith("/kandidater/opslag/")


def test_a_draft_published_later_notifies_once(app, people):
    from dataclasses import replace

    from portal.openings import service as openings
    from store.models import Opening

    with app.app_context():
        db.session.get(Company, people["company"].company_id).consultant_id = people["vk"].id
        db.session.commit()
    with app.test_request_context():
        data = openings.OpeningData(
            kind="smaajob", title="Opvasker", description="", requirements="", hours_min=5.0,
            hours_max=10.0, postcode="8722", start_date=None, duration_weeks=None, required_licences=[],
            required_languages="", accommodations="", capacity=1, status="draft")
        opening = openings.create_opening(people["company"].company_id, people["company"].id, data)
        assert notes(app, people["vk"].id) == []
        opening = db.session.get(Opening, opening.id)
        openings.update_opening(opening, replace(data, status="open"))
        openings.update_opening(opening, replace(data, status="open", title="Opvasker og rengøring"))
    [note] = notes(app, people["vk"].id)
    assert note.kind == "opening_posted" and "Opvasker" in note.text
