"""The staff's »Lukket« view of the hotline and the »Lukket uden svar« mark (review AI 6), and
huge numbers in the hotline's and Beskeder's query strings (review AI 10)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import lists, service
from store.models import HotlineRequest, Notification, User
from tests.portal import test_hotline as base
from tests.portal.test_hotline import csrf, login

world = base.world  # the same people and placements as the main hotline tests

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)  # 09:00 in Copenhagen; a Normal target days later
HUGE = ["99999999999999999999", str(2**63), "9" * 5000]


def _request(app, email: str, subject: str, placement: int | None = None, now: datetime = MONDAY) -> int:
    with app.app_context():
        author = db.session.scalar(sa.select(User).where(User.email == email))
        return service.create_request(author, service.RequestData("andet", "normal", subject, "Tekst", placement),
                                      now=now).id


def _answer(app, request_id: int, email: str, now: datetime) -> None:
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.email == email))
        service.add_message(db.session.get(HotlineRequest, request_id), staff, "Svar", now=now)


def _close(app, request_id: int, now: datetime) -> None:
    with app.app_context():
        service.close_request(db.session.get(HotlineRequest, request_id), now=now)


def _row(html: str, request_id: int) -> str:
    return re.search(rf'data-request-id="{request_id}".*?</tr>', html, re.DOTALL).group(0)


def test_staff_see_closed_requests_under_lukket_newest_closed_first(app, client, auth, world):
    answered = _request(app, "a@firma.dk", "Besvaret og lukket")
    _answer(app, answered, "firma-vk@jc.dk", MONDAY + timedelta(hours=1))
    _close(app, answered, MONDAY + timedelta(hours=2))
    early = _request(app, "a@firma.dk", "Trukket tilbage i tide")
    _close(app, early, MONDAY + timedelta(hours=3))  # unanswered, before its target
    late = _request(app, "b@firma.dk", "Glemt og lukket")
    _close(app, late, MONDAY + timedelta(days=14))  # unanswered, long after its target
    still_open = _request(app, "a@firma.dk", "Stadig åben")
    login(client, auth, "anden@jc.dk")
    index = client.get("/hotline/").get_data(as_text=True)
    assert 'href="/hotline/?vis=lukket"' in index and "Glemt og lukket" not in index
    html = client.get("/hotline/?vis=lukket").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-request-id="(\d+)"', html)] == [late, early, answered]
    assert f'data-request-id="{still_open}"' not in html
    assert 'data-testid="closed-unanswered">Lukket uden svar efter fristen<' in _row(html, late)
    assert 'data-testid="closed-unanswered">Lukket uden svar<' in _row(html, early)
    assert "closed-unanswered" not in _row(html, answered)
    mine = client.get(f"/hotline/?vis=lukket&ansvarlig={world['company_vk'].id}").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-request-id="(\d+)"', mine)] == [early, answered]


def test_the_request_page_marks_a_request_closed_without_an_answer_for_staff_and_company(app, client, auth, world):
    late = _request(app, "a@firma.dk", "Glemt og lukket")
    _close(app, late, MONDAY + timedelta(days=14))
    for email in ("firma-vk@jc.dk", "a@firma.dk"):
        login(client, auth, email)
        facts = client.get(f"/hotline/{late}").get_data(as_text=True).split('data-testid="request-facts"')[1]
        assert 'data-testid="closed-unanswered">Lukket uden svar efter fristen<' in facts.split("</table>")[0]
    # the company's own list marks it too, and says when written requests are handled
    page = client.get("/hotline/").get_data(as_text=True)
    assert 'data-testid="closed-unanswered">Lukket uden svar efter fristen<' in _row(page, late)
    assert page.count('data-testid="office-hours"') == 1


def test_the_mark_itself():
    closed = HotlineRequest(status="closed", due_at=MONDAY + timedelta(days=2), closed_at=MONDAY + timedelta(days=1))
    assert lists.closed_unanswered(closed) == "Lukket uden svar"
    closed.closed_at = MONDAY + timedelta(days=3)
    assert lists.closed_unanswered(closed) == "Lukket uden svar efter fristen"
    closed.first_response_at = MONDAY + timedelta(hours=1)
    assert lists.closed_unanswered(closed) == ""
    assert lists.closed_unanswered(HotlineRequest(status="open", due_at=MONDAY)) == ""


def test_the_closed_list_is_paged_and_a_huge_page_is_the_last(app, client, auth, world):
    with app.app_context():
        author = db.session.get(User, world["a"].id)
        for n in range(lists.PER_PAGE + 3):
            req = service.create_request(author, service.RequestData("andet", "normal", f"Sag {n:03d}", "x", None),
                                         now=MONDAY)
            service.close_request(req, now=MONDAY + timedelta(minutes=n + 1))
    login(client, auth, "anden@jc.dk")
    first = client.get("/hotline/?vis=lukket").get_data(as_text=True)
    assert len(re.findall(r'data-testid="hotline-row"', first)) == lists.PER_PAGE and "Sag 052" in first
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    second = client.get(following).get_data(as_text=True)
    assert re.findall(r"Sag (\d{3})", second) == ["002", "001", "000"]
    for side in [*HUGE, "-5", "0", "abc"]:
        response = client.get(f"/hotline/?vis=lukket&side={side}")
        assert response.status_code == 200
        expected = ["002", "001", "000"] if side in HUGE and len(side) < 4000 else None  # else not a number
        assert expected is None or re.findall(r"Sag (\d{3})", response.get_data(as_text=True)) == expected


def test_subjects_outside_the_case_are_hidden_on_the_closed_list(app, client, auth, world):
    req_id = _request(app, "a@firma.dk", "Ondt efter løft", placement=world["ids"]["active"])
    _close(app, req_id, MONDAY + timedelta(hours=1))
    login(client, auth, "anden@jc.dk")
    html = client.get("/hotline/?vis=lukket").get_data(as_text=True)
    assert "Ondt efter løft" not in html and 'data-testid="subject-hidden">Andet' in _row(html, req_id)
    login(client, auth, "vk@jc.dk")
    assert "Ondt efter løft" in client.get("/hotline/?vis=lukket").get_data(as_text=True)


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_assignee_id_gives_the_ordinary_list(app, client, auth, world, value):
    _request(app, "b@firma.dk", "Ufordelt sag")
    login(client, auth, "anden@jc.dk")
    for url in (f"/hotline/?ansvarlig={value}", f"/hotline/?vis=lukket&ansvarlig={value}"):
        response = client.get(url)
        assert response.status_code == 200
    assert "Ufordelt sag" in client.get(f"/hotline/?ansvarlig={value}").get_data(as_text=True)


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_page_of_beskeder_is_the_last_page(app, client, auth, make_user, value):
    from portal.notifications.service import PER_PAGE

    user = make_user("consultant", email="laeser@jc.dk")
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add_all([Notification(user_id=user.id, kind="hotline_answered", text=f"Besked {n:03d}",
                                         link="/hotline/", created_at=start + timedelta(minutes=n))
                            for n in range(PER_PAGE + 2)])
        db.session.commit()
    auth.login("laeser@jc.dk")
    response = client.get(f"/beskeder/?side={value}")
    assert response.status_code == 200
    expected = ["001", "000"] if len(value) < 4000 else None  # too long to be a number: the first page
    assert expected is None or re.findall(r"Besked (\d{3})", response.get_data(as_text=True)) == expected
    assert csrf(client, "/beskeder/")
