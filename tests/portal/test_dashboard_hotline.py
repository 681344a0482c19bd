"""/maal's hotline block: the month's requests and their first answer against the service
target, per urgency and in total (review AI 6)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from portal.dashboard.hotline_figures import month_rows
from portal.extensions import db
from store.models import HotlineRequest
from tests.portal.dashboard_fixtures import World

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _request(app, company_id: int, user_id: int, created: datetime, urgency: str, *, due: timedelta,
             answered: timedelta | None = None, status: str = "open") -> None:
    with app.app_context():
        db.session.add(HotlineRequest(
            company_id=company_id, category="andet", urgency=urgency, subject="Emne", status=status,
            created_by_id=user_id, created_at=created, due_at=created + due,
            first_response_at=created + answered if answered is not None else None,
            closed_at=NOW if status == "closed" else None))
        db.session.commit()


def test_each_request_of_the_month_is_in_time_missed_or_waiting(app, make_user):
    company = World(app).company()
    user = make_user("company")
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    _request(app, company, user.id, start, "akut", due=timedelta(hours=5), answered=timedelta(hours=1))
    _request(app, company, user.id, start, "akut", due=timedelta(hours=5), answered=timedelta(hours=6))
    _request(app, company, user.id, start, "hoej", due=timedelta(days=1), status="closed")  # never, closed late
    _request(app, company, user.id, NOW - timedelta(hours=1), "normal", due=timedelta(days=3))  # not due yet
    _request(app, company, user.id, NOW - timedelta(hours=2), "normal", due=timedelta(days=3), status="closed")
    # the month's edges in Danish time: 31.10 23:30 local is October, 30.11 23:30 local is November
    _request(app, company, user.id, datetime(2026, 10, 31, 22, 30, tzinfo=UTC), "akut", due=timedelta(hours=1))
    _request(app, company, user.id, datetime(2026, 11, 30, 22, 30, tzinfo=UTC), "akut", due=timedelta(days=30))
    with app.app_context():
        rows = {row.urgency: row for row in month_rows(db.session, date(2026, 11, 1), NOW)}
    akut, hoej, normal, total = rows["akut"], rows["hoej"], rows["normal"], rows[""]
    assert (akut.received, akut.in_time, akut.missed, akut.waiting) == (3, 1, 1, 1)
    assert akut.share_in_time == 0.5
    assert (hoej.received, hoej.missed, hoej.closed_unanswered, hoej.share_in_time) == (1, 1, 1, 0.0)
    # closed unanswered before its target: neither missed nor waiting, as the »Lukket« list says (review AL 2)
    assert (normal.received, normal.waiting, normal.missed, normal.closed_unanswered) == (2, 1, 0, 1)
    assert normal.share_in_time is None
    assert (total.received, total.in_time, total.missed, total.waiting, total.closed_unanswered) == (6, 1, 2, 2, 2)
    with app.app_context():
        october = {row.urgency: row for row in month_rows(db.session, date(2026, 10, 1), NOW)}
    assert october["akut"].received == october[""].received == 1 and october["akut"].missed == 1


def test_the_page_shows_the_block_with_a_link_to_the_requests(app, client, auth, make_user, frozen_today):
    auth.login(make_user("consultant").email)
    html = client.get(f"/maal/?maaned={frozen_today:%Y-%m}").get_data(as_text=True)
    assert 'data-testid="hotline-figures"' in html and 'data-testid="hotline-total"' in html
    assert 'href="/hotline/"' in html.split('data-testid="hotline-lead"')[1].split("</p>")[0]
