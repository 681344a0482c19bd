"""/partner/partnere's counts link to exactly the rows they count (review: the missing hours and
the hotline requests waiting for an answer were bare numbers): on the demo data, each linked
list, narrowed to the partner by ``?virksomhed=<id>``, has as many rows as the number shown."""
from __future__ import annotations

import html as markup

import lxml.html
import pytest
import sqlalchemy as sa

from portal.demo.loader import load_demo
from portal.extensions import db
from store.models import Company
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")

CONSULTANT = "konsulent@demo.jobbro.dk"


@pytest.fixture
def demo(app, password_hash):
    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=150, password_hash=password_hash)
    return app


def _rows(client, url: str, xpath: str) -> tuple[lxml.html.HtmlElement, list]:
    """The page at ``url`` and the rows ``xpath`` finds on it and on every next page."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = lxml.html.fromstring(response.get_data(as_text=True))
    rows = list(page.xpath(xpath))
    following = page.xpath('//a[@rel="next"]/@href')
    if following:
        rows += _rows(client, markup.unescape(following[0]), xpath)[1]
    return page, rows


@pytest.mark.parametrize("email", [CONSULTANT, "admin@demo.jobbro.dk"])
def test_each_count_links_to_a_list_with_as_many_rows(demo, client, auth, email):
    auth.login(email)
    page = lxml.html.fromstring(client.get("/partner/partnere").get_data(as_text=True))
    with demo.app_context():
        names = dict(db.session.execute(sa.select(Company.id, Company.name)).all())
    partner_rows = page.xpath('//tr[starts-with(@data-testid, "partner-row-")]')
    assert len(partner_rows) >= 3
    checked = {"missing-hours": 0, "open-hotline": 0}
    for row in partner_rows:
        company_id = int(row.get("data-testid").rsplit("-", 1)[1])
        for testid, xpath in (("missing-hours", '//tr[@data-testid="followup-row"]'),
                              ("open-hotline", '//table[@data-testid="hotline-waiting"]//tr[@data-testid="hotline-row"]')):
            cell = row.xpath(f'./td[@data-testid="{testid}"]')[0]
            shown = int(cell.text_content().strip())
            links = cell.xpath(".//a/@href")
            if not shown:
                assert links == []  # nothing to handle: no link to an empty list
                continue
            [url] = links
            assert f"virksomhed={company_id}" in url
            listed, rows = _rows(client, markup.unescape(url), xpath)
            assert len(rows) == shown, (testid, company_id, url)
            # the filter is visible, names the company and can be removed
            note = listed.xpath('//*[@data-testid="company-filter"]')[0]
            assert names[company_id] in note.text_content()
            assert note.xpath('.//a[@data-testid="remove-company-filter"]/@href')[0] not in ("", url)
            checked[testid] += 1
    assert checked["missing-hours"] and checked["open-hotline"], checked  # the demo has both
