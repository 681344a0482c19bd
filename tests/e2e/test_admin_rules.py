"""/admin/regler in the browser (issue 7, finding 6): every checkbox sits in its own cell.

DKFDS draws its checkbox as an absolutely positioned, transparent input over a ``label``
pseudo-element; without a positioned wrapper all 40 were stacked in the page's corner.
"""
from __future__ import annotations

import pytest

from store.models import vocab
from tests.conftest import PASSWORD, user_factory

pytestmark = pytest.mark.e2e

# Per checkbox: its box, its cell's box, the box of what DKFDS draws (label::before),
# the element found at the box's centre, and the accessible name parts.
GEOMETRY = """
table => [...table.querySelectorAll('tbody input[type=checkbox]')].map(input => {
  const box = input.getBoundingClientRect();
  const cell = input.closest('td').getBoundingClientRect();
  const label = input.labels[0];
  const drawn = label ? getComputedStyle(label, '::before') : null;
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  return {
    name: input.name,
    box: [box.left, box.top, box.right, box.bottom],
    cell: [cell.left, cell.top, cell.right, cell.bottom],
    drawnWidth: drawn ? parseFloat(drawn.width) : 0,
    hitIsOwn: hit === input || (label !== null && label.contains(hit)),
    label: label ? label.textContent.trim() : '',
  };
})
"""


def test_every_rule_checkbox_is_visible_in_its_cell_and_named(page, live_app, password_hash):
    admin = user_factory(live_app, password_hash)("admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("start-page").wait_for()
    page.goto("/admin/regler")
    table = page.get_by_test_id("eligibility")
    cells = table.evaluate(GEOMETRY)
    assert len(cells) == len(vocab.BENEFIT_GROUPS) * len(vocab.OPENING_KINDS) == 40
    for cell in cells:
        left, top, right, bottom = cell["box"]
        c_left, c_top, c_right, c_bottom = cell["cell"]
        assert right - left >= 16 and bottom - top >= 16, cell
        assert c_left <= left and right <= c_right and c_top <= top and bottom <= c_bottom, cell
        assert cell["drawnWidth"] >= 16 and cell["hitIsOwn"], cell
    boxes = {tuple(cell["box"]) for cell in cells}
    assert len(boxes) == len(cells)  # none on top of another
    for group, group_label in vocab.BENEFIT_GROUPS.items():
        for kind, kind_label in vocab.OPENING_KINDS.items():
            checkbox = page.get_by_role("checkbox", name=f"{group_label} må tage {kind_label}", exact=True)
            assert checkbox.count() == 1 and checkbox.is_visible(), (group, kind)
    # Clicking where the box is drawn toggles it, and the change is saved.
    name = f"{next(iter(vocab.BENEFIT_GROUPS.values()))} må tage {next(iter(vocab.OPENING_KINDS.values()))}"
    checkbox = page.get_by_role("checkbox", name=name, exact=True)
    before = checkbox.is_checked()
    checkbox.click()
    assert checkbox.is_checked() != before
    page.get_by_role("button", name="Gem regler").click()
    if before:  # unticked: the page names the effect and asks first (review AN 8)
        page.get_by_test_id("eligibility-confirm").wait_for()
        page.get_by_role("button", name="Ja, gem reglerne").click()
    page.get_by_text("Reglerne er gemt").wait_for()
    assert page.get_by_role("checkbox", name=name, exact=True).is_checked() != before
