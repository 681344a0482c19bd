"""At phone width (390 px) a company reaches every column that matters without guessing.

A reviewer found only "Forløb" and "Type" on screen on /forloeb/timer (the hours inputs needed
sideways scrolling, with nothing saying so) and the start page hiding "Status" and "Kandidater".
The placements tables and the start page's openings and placements stack into one labelled card
per row (DKFDS .table-sm-responsive-headers with .jobbro-stack); every other table that is
wider than its box says so above itself.
"""
from __future__ import annotations


import pytest

from tests.e2e.test_phone_width import wide_company
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}
# The height of the hint above a scroll box: 0 when the box does not scroll.
HINT_HEIGHT = "b => parseFloat(getComputedStyle(b, '::before').height)"
# The box scrolled to its end, and the hint's height once its scroll timeline has taken that in
# (the browser updates a scroll timeline at a later frame, not at the scroll): the timeline's
# position in % (null if it never got there) and the height then.
HINT_HEIGHT_SCROLLED = """async b => {
  b.scrollLeft = b.scrollWidth;
  const hint = b.getAnimations({subtree: true}).find(a => a.effect && a.effect.pseudoElement === '::before');
  const at = () => hint && hint.timeline && hint.timeline.currentTime ? hint.timeline.currentTime.value : null;
  const until = performance.now() + 5000;
  while (!(at() >= 99.5) && performance.now() < until) {
    await new Promise(frame => requestAnimationFrame(frame));
  }
  return [at() >= 99.5 ? at() : null, parseFloat(getComputedStyle(b, '::before').height)];
}"""


@pytest.fixture
def company(live_app, password_hash):
    """A company with three placements (long titles) running in the default month."""
    return wide_company(live_app, password_hash)


@pytest.fixture
def phone(browser, live_app, company):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK", viewport=PHONE)
    page = context.new_page()
    login(page, company[0].email)
    page.get_by_test_id("start-page").wait_for()
    yield page
    context.close()


def _on_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_every_hours_input_is_on_screen_with_its_label(phone, company):
    _user, ids = company
    phone.goto("/forloeb/timer")
    table = phone.get_by_test_id("hours-month-rows")
    assert table.evaluate("t => t.closest('.table--responsive-scroll').scrollWidth <= "
                          "t.closest('.table--responsive-scroll').clientWidth")  # nothing to scroll to
    for pid in ids:
        field = phone.locator(f"#timer-{pid}")
        assert _on_screen(field), pid
        cell = field.locator("xpath=ancestor::td")
        assert cell.evaluate("td => getComputedStyle(td, '::before').content").startswith('"Timer i ')
    assert table.locator("thead").is_hidden()  # the labels are in the cards
    phone.locator(f"#timer-{ids[1]}").fill("20")
    phone.get_by_test_id("save-hours").click()
    phone.get_by_text("er gemt for 1 forløb").wait_for()


def test_the_placements_list_shows_each_status_on_screen(phone, company):
    phone.goto("/forloeb/")
    statuses = phone.get_by_test_id("placement-status")
    assert statuses.count() == len(company[1])
    for i in range(statuses.count()):
        assert _on_screen(statuses.nth(i)), i
        assert statuses.nth(i).evaluate("td => getComputedStyle(td, '::before').content") == '"Status"'


# The start page's two tables: each row a card, every cell on screen beside its label.
START_TABLES = {
    "start-openings": ("start-opening-row", ["Type", "Timer/uge", "Status", "Kandidater"]),
    "start-placements": ("start-placement-row", ["Type", "Start", "Slut", "Timer/uge", "Timer i alt"]),
}


@pytest.mark.parametrize("table", sorted(START_TABLES))
def test_the_start_page_tables_stack_into_labelled_cards(phone, company, table):
    row_id, labels = START_TABLES[table]
    phone.goto("/")
    found = phone.get_by_test_id(table)
    assert found.evaluate("t => t.closest('.table--responsive-scroll').scrollWidth <= "
                          "t.closest('.table--responsive-scroll').clientWidth")  # nothing to scroll to
    assert found.locator("thead").is_hidden()  # the labels are in the cards
    rows = found.get_by_test_id(row_id)
    assert rows.count() == len(company[1])
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td")  # an opening's title is the row's header (<th scope="row">)
        assert _on_screen(cells.first.get_by_role("link")), (table, i)  # the card's heading
        shown = [cells.nth(n).evaluate("td => getComputedStyle(td, '::before').content")
                 for n in range(1, cells.count())]
        assert shown == [f'"{label}"' for label in labels], (table, i)
        for n in range(1, cells.count()):
            assert _on_screen(cells.nth(n)), (table, i, labels[n - 1])
    if table == "start-openings":
        assert rows.first.get_by_test_id("opening-status").inner_text().endswith("Åben")
        assert _on_screen(rows.first.get_by_test_id("candidate-count"))


def test_a_table_wider_than_the_screen_says_so_and_a_fitting_one_does_not(phone, company):
    phone.goto("/opslag/")
    boxes = phone.locator(".table--responsive-scroll")
    assert boxes.count() >= 1
    wide = [boxes.nth(i) for i in range(boxes.count())
            if boxes.nth(i).evaluate("b => b.scrollWidth > b.clientWidth")]
    assert wide, "the openings list is wider than a phone"
    for box in wide:
        assert box.evaluate(HINT_HEIGHT) > 10
        at, height = box.evaluate(HINT_HEIGHT_SCROLLED)
        assert at is not None and height > 10  # still there, and sticky, once scrolled
    phone.goto(f"/forloeb/{company[1][0]}")
    facts = phone.get_by_test_id("placement-facts").locator("xpath=..")
    assert facts.evaluate("b => b.scrollWidth <= b.clientWidth") and facts.evaluate(HINT_HEIGHT) == 0
