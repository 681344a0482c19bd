"""/maal's hotline figures lead to exactly the requests they count (review AL 6): per figure and
urgency a list of the month's requests by the figure's own rule, so each list has its figure's
number, the edge cases included (a request closed unanswered before its target is neither missed
nor waiting); paged as the other lists (a page past the end is the last), and on the hotline's
need-to-know rule (a request outside the reader's case shows its category, its page asks for a
purpose)."""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from portal.dashboard.hotline_figures import COUNTS, month_rows
from portal.dashboard.hotline_lists import hotline_list
from portal.extensions import db
from portal.hotline import sla
from store.models import Citizen, HotlineRequest, Placement
from store.models.vocab import HOTLINE_URGENCIES
from tests.portal.dashboard_fixtures import World

UTC = timezone.utc
NOVEMBER = date(2026, 11, 1)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # tests.clock.TODAY, 10:00 Danish time
SECRET = "Ondt i ryggen SUBJMARK"
# The demo's answer times (portal.demo.hotline.ANSWER_MINUTES) and share of late answers.
ANSWER_MINUTES = {"akut": (10, 150), "hoej": (30, 420), "normal": (60, 1800)}
LATE_P = 0.12


def _add(session, company_id: int, author_id: int, created: datetime, urgency: str, *,
         answered: datetime | None = None, closed: datetime | None = None, **fields) -> HotlineRequest:
    """A request made at ``created`` with the portal's own target (:func:`portal.hotline.sla.due_at`)."""
    status = "closed" if closed is not None else "answered" if answered is not None else "open"
    request = HotlineRequest(
        company_id=company_id, category=fields.pop("category", "fravaer"), urgency=urgency,
        subject=fields.pop("subject", "Fravær i denne uge"), status=status, created_by_id=author_id,
        created_at=created, due_at=sla.due_at(created, urgency), first_response_at=answered,
        closed_at=closed, **fields)
    session.add(request)
    return request


def _demo_like(app, company_id: int, author_id: int, seed: int = 6) -> dict[str, int]:
    """About 150 requests over November 2026 up to :data:`NOW` with the demo's urgencies and
    answer times, plus the edge cases the figures handle, by name (their ids)."""
    rng = random.Random(seed)
    edges = {}
    with app.app_context():
        s = db.session
        for _ in range(150):
            day = NOVEMBER + timedelta(days=rng.randint(0, 21))
            created = datetime(day.year, day.month, day.day, rng.randint(6, 14), rng.randint(0, 59), tzinfo=UTC)
            if created >= NOW:
                continue
            urgency = rng.choices(list(HOTLINE_URGENCIES), [20, 35, 45])[0]
            due = sla.due_at(created, urgency)
            luck = rng.random()
            if luck < LATE_P:
                answered = due + timedelta(minutes=rng.randint(30, 900))
            elif luck < 0.9:
                answered = created + timedelta(minutes=rng.randint(*ANSWER_MINUTES[urgency]))
            else:
                answered = None
            if answered is not None and answered >= NOW:
                answered = None
            closed = None
            if answered is not None and rng.random() < 0.8:
                closed = answered + timedelta(days=rng.randint(1, 6))
            elif answered is None and rng.random() < 0.3:
                closed = created + timedelta(hours=rng.randint(1, 80))  # before or after its target
            if closed is not None and closed >= NOW:
                closed = None
            _add(s, company_id, author_id, created, urgency, answered=answered, closed=closed)
        monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 10:00 Danish time
        edges["closed_before_target"] = _add(s, company_id, author_id, monday, "normal",
                                             closed=monday + timedelta(hours=2))
        edges["closed_after_target"] = _add(s, company_id, author_id, monday, "akut",
                                            closed=monday + timedelta(days=2))
        edges["answered_at_target"] = _add(s, company_id, author_id, monday, "hoej",
                                           answered=sla.due_at(monday, "hoej"))
        edges["open_past_target"] = _add(s, company_id, author_id, monday, "akut")
        edges["waiting"] = _add(s, company_id, author_id, NOW - timedelta(hours=1), "normal")
        edges["late_then_closed"] = _add(s, company_id, author_id, monday, "hoej",
                                         answered=monday + timedelta(days=3), closed=monday + timedelta(days=5))
        # the month's edges in Danish time: 31.10 23:30 is October, 1.11 00:30 is November
        edges["october"] = _add(s, company_id, author_id, datetime(2026, 10, 31, 22, 30, tzinfo=UTC), "akut")
        edges["first_of_november"] = _add(s, company_id, author_id, datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "akut",
                                          answered=datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
        s.commit()
        return {name: request.id for name, request in edges.items()}


@pytest.fixture()
def demo_month(app, make_user):
    company = World(app).company()
    author = make_user("company")
    return _demo_like(app, company, author.id)


def _ids(app, figure: str, urgency: str | None, page: int | None = None) -> list[int]:
    with app.app_context():
        return [row.request.id for row in hotline_list(db.session, NOVEMBER, NOW, figure, urgency, page).rows]


def test_each_list_has_exactly_its_figure_s_requests(app, demo_month):
    with app.app_context():
        figures = {row.urgency or None: row for row in month_rows(db.session, NOVEMBER, NOW)}
    assert figures[None].received > 100 and figures[None].missed and figures[None].waiting
    for urgency, row in figures.items():
        lists = {figure: _ids(app, figure, urgency) for figure in COUNTS}
        for figure in COUNTS:
            assert len(lists[figure]) == len(set(lists[figure])) == getattr(row, figure), (urgency, figure)
        # the first answer's outcome: every request counts once, or is closed unanswered before its target
        judged = lists["in_time"] + lists["missed"] + lists["waiting"]
        closed_in_time = set(lists["closed_unanswered"]) - set(lists["missed"])
        assert len(judged) == len(set(judged)) and set(judged) | closed_in_time == set(lists["received"])
        assert not set(judged) & closed_in_time


def test_the_edge_cases_are_in_the_lists_the_figures_count_them_in(app, demo_month):
    lists = {figure: set(_ids(app, figure, None)) for figure in COUNTS}
    where = {name: {figure for figure in COUNTS if request_id in lists[figure]} for name, request_id in demo_month.items()}
    assert where["closed_before_target"] == {"received", "closed_unanswered"}  # neither missed nor waiting
    assert where["closed_after_target"] == {"received", "missed", "closed_unanswered"}
    assert where["answered_at_target"] == {"received", "in_time"}
    assert where["open_past_target"] == {"received", "missed"}
    assert where["waiting"] == {"received", "waiting"}
    assert where["late_then_closed"] == {"received", "missed"}
    assert where["october"] == set() and where["first_of_november"] == {"received", "in_time"}
    assert demo_month["closed_before_target"] in _ids(app, "closed_unanswered", "normal")
    assert demo_month["closed_before_target"] not in _ids(app, "closed_unanswered", "akut")


def test_the_pages_together_are_the_list_and_a_page_past_the_end_is_the_last(app, demo_month):
    every = _ids(app, "received", None)
    count = -(-len(every) // 50)
    assert count >= 3
    pages = [_ids(app, "received", None, page) for page in range(1, count + 1)]
    assert {len(p) for p in pages[:-1]} == {50} and sum(pages, []) == every
    with app.app_context():
        last = hotline_list(db.session, NOVEMBER, NOW, "received", None, 10**6)
    assert last.page == last.pages == count and [r.request.id for r in last.rows] == pages[-1]
    with app.app_context():
        empty = hotline_list(db.session, date(2026, 6, 1), NOW, "missed", None, 7)
    assert (empty.total, empty.page, empty.rows) == (0, 1, [])


# --- the pages ---------------------------------------------------------------------------------

def _count(html: str) -> int:
    return int(re.search(r'data-testid="goal-count"><strong>([\d.]+)</strong>', html).group(1).replace(".", ""))


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="figure-row" data-id="(\d+)"', html)]


def test_every_count_on_maal_links_to_a_list_of_as_many_requests(app, client, auth, make_user, demo_month,
                                                                  frozen_today):
    auth.login(make_user("consultant").email)
    html = client.get("/maal/?maaned=2026-11").get_data(as_text=True)
    block = html.split('data-testid="hotline-figures"')[1].split("</table>")[0]
    links = re.findall(r'<a href="([^"]+)" data-testid="hotline-link-(\w+)">([\d.]+)<span class="sr-only"> ', block)
    assert len(links) >= 4 * 4  # each urgency and the total: at least received, in time, missed, closed
    assert {key for _url, key, _n in links} == set(COUNTS)
    for url, key, shown in links:
        url = url.replace("&amp;", "&")
        assert "maaned=2026-11" in url and "tal=" in url
        page = client.get(url)
        assert page.status_code == 200, url
        listed = page.get_data(as_text=True)
        number = int(shown.replace(".", ""))
        assert _count(listed) == number, url
        rows, side = _row_ids(listed), 1
        while 'rel="next"' in listed:
            side += 1
            listed = client.get(f"{url}&side={side}").get_data(as_text=True)
            rows += _row_ids(listed)
        assert len(rows) == len(set(rows)) == number, url
    assert all(int(n.replace(".", "")) > 0 for _u, _k, n in links)  # a figure of 0 links nowhere
    assert block.count("<td>0</td>") + len(links) == 4 * len(COUNTS)
    assert '<span class="sr-only"> henvendelser, akut: fristen overskredet</span>' in block  # read out in full
    # review BI 7: after 1 the screen reader hears »1 henvendelse«
    spoken = re.findall(r'data-testid="hotline-link-\w+">([\d.]+)<span class="sr-only"> (\w+),', block)
    assert {word for n, word in spoken if n == "1"} == {"henvendelse"}
    assert {word for n, word in spoken if n != "1"} == {"henvendelser"}


def test_a_row_shows_company_urgency_times_in_danish_and_links_to_the_request(app, client, auth, make_user,
                                                                             demo_month, frozen_today):
    auth.login(make_user("consultant").email)
    html = client.get("/maal/hotline?tal=overskredet&maaned=2026-11").get_data(as_text=True)
    row = html.split(f'data-id="{demo_month["closed_after_target"]}"')[1].split("</tr>")[0]
    assert f'href="/hotline/{demo_month["closed_after_target"]}"' in row and "Virksomhed 1" in row and "Akut" in row
    assert "02.11.2026 kl.\u00a010.00" in row and "02.11.2026 kl.\u00a017.00" not in row  # received, Danish time
    assert "02.11.2026 kl.\u00a016.00" in row  # the akut target: the same day by 16:00
    assert "Lukket uden svar efter fristen" in row and "04.11.2026 kl.\u00a010.00" in row
    waiting = client.get("/maal/hotline?tal=venter&hast=normal&maaned=2026-11").get_data(as_text=True)
    # review BI 6: the tab says what the H1 says, and the month
    title = re.search(r"<title>(.*?)</title>", waiting).group(1)
    heading = re.search(r"<h1>(.*?)</h1>", waiting).group(1)
    assert heading.endswith(" (normal)") and title == f"{heading}, november 2026 · Jobbro"
    row = waiting.split(f'data-id="{demo_month["waiting"]}"')[1].split("</tr>")[0]
    assert "Intet svar endnu, venter siden 23.11.2026 kl.\u00a009.00" in row
    answered = client.get("/maal/hotline?tal=inden-for-fristen&hast=hoej&maaned=2026-11").get_data(as_text=True)
    row = answered.split(f'data-id="{demo_month["answered_at_target"]}"')[1].split("</tr>")[0]
    assert "03.11.2026 kl.\u00a010.00 (ved fristen)" in row


def test_page_and_filters_from_the_url_are_clamped_or_refused(app, client, auth, make_user, demo_month,
                                                             frozen_today):
    auth.login(make_user("admin").email)
    count = -(-len(_ids(app, "received", None)) // 50)
    last = client.get("/maal/hotline?maaned=2026-11&side=99999999999999999999")
    assert last.status_code == 200 and f"Side {count} af {count}." in last.get_data(as_text=True)
    first = client.get("/maal/hotline?maaned=2026-11&side=abc")
    assert first.status_code == 200 and f"Side 1 af {count}." in first.get_data(as_text=True)
    for query in ("tal=ukendt", "hast=lynhurtig"):
        response = client.get(f"/maal/hotline?maaned=2026-11&{query}")
        assert response.status_code == 404 and "findes ikke" in response.get_data(as_text=True)


def test_companies_and_the_logged_out_do_not_reach_the_lists(app, client, auth, make_user, frozen_today):
    assert client.get("/maal/hotline?maaned=2026-11").status_code == 302  # to the login
    auth.login(make_user("company").email)
    assert client.get("/maal/hotline?maaned=2026-11").status_code == 403


def test_a_request_outside_the_reader_s_case_shows_its_category_and_its_page_asks_a_purpose(
        app, client, auth, make_user, frozen_today):
    reader, vk = make_user("consultant"), make_user("consultant")
    author = make_user("company")
    created = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    with app.app_context():
        outside = Citizen(name="Borger Udenfor", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="paa_vej", case_start=date(2025, 1, 1), vk_id=vk.id)
        inside = Citizen(name="Borger Indenfor", postcode="8722", benefit_group="kontanthjaelp",
                         readiness_group="paa_vej", case_start=date(2025, 1, 1), vk_id=reader.id)
        placements = [Placement(citizen=c, company_id=author.company_id, kind="virksomhedspraktik",
                                start_date=date(2026, 10, 1)) for c in (outside, inside)]
        db.session.add_all(placements)
        db.session.flush()
        hidden = _add(db.session, author.company_id, author.id, created, "hoej", category="helbred", subject=SECRET,
                      placement_id=placements[0].id, assigned_to_id=vk.id, answered=created + timedelta(hours=1))
        shown = _add(db.session, author.company_id, author.id, created, "hoej", category="helbred",
                     subject="Hvem har nøglen INSIDEMARK", placement_id=placements[1].id, assigned_to_id=reader.id,
                     answered=created + timedelta(hours=1))
        db.session.commit()
        hidden_id, shown_id = hidden.id, shown.id
    auth.login(reader.email)
    html = client.get("/maal/hotline?tal=inden-for-fristen&hast=hoej&maaned=2026-11").get_data(as_text=True)
    assert _count(html) == 2 and set(_row_ids(html)) == {hidden_id, shown_id}
    assert "SUBJMARK" not in html and "Borger Udenfor" not in html and 'data-testid="hidden-note"' in html
    row = html.split(f'data-id="{hidden_id}"')[1].split("</tr>")[0]
    assert 'data-testid="subject-hidden"' in row and "Helbred" in row and f'href="/hotline/{hidden_id}"' in row
    assert "INSIDEMARK" in html.split(f'data-id="{shown_id}"')[1].split("</tr>")[0]
    page = client.get(f"/hotline/{hidden_id}").get_data(as_text=True)
    assert 'data-testid="break-glass-form"' in page and "SUBJMARK" not in page


def test_the_month_picker_does_not_name_the_hours_deadline(app, client, auth, make_user):
    # Review AP 5: the hotline's figures wait for no hours; only /maal's goal months are provisional.
    from portal.dashboard.forms import month_choices
    from tests.clock import travel

    day = date(2026, 12, 6)  # November's hours are due 09.12.2026
    assert "timerne skal registreres" in month_choices(day)["2026-11"]  # what /maal says
    with travel(day):
        auth.login(make_user("consultant").email)
        html = client.get("/maal/hotline?tal=modtaget&maaned=2026-11").get_data(as_text=True)
    assert "timerne skal registreres" not in html
    assert "november 2026" in html and "måneden er ikke slut" in html  # December is still partial
