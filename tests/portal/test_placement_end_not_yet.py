"""Review BH 11: »Afslut forløb« was offered, prefilled, for a placement starting more than 31 days
ahead, where no end date can pass (not before the start, at most 31 days ahead). While the start
is that far off, the page says from when it can be ended and points to »Aflys forløbet«."""
from __future__ import annotations

import pytest

from tests.portal.test_placements_lifecycle import TODAY, fixed_today, login, only_placement, post_start  # noqa: F401
from tests.portal.test_placements_lifecycle import world  # noqa: F401  (the fixture)


@pytest.mark.parametrize("start, offered", [
    ("2026-12-25", False),  # 32 days ahead: no end date can pass
    ("2026-12-24", True),   # 31 days ahead: the start itself is an end date that passes
    ("2026-11-01", True),   # running
])
def test_the_end_form_is_offered_only_when_an_end_date_can_pass(app, client, auth, world, start, offered):  # noqa: F811
    login(auth, world["consultant"])
    assert post_start(client, auth, world, start_date=start, planned_end=None).status_code == 302
    pid = only_placement(app).id
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert ('data-testid="end-form"' in page) is offered
    assert ('data-testid="end-not-yet"' in page) is not offered
    if not offered:
        assert ("Forløbet starter 25.12.2026, og en slutdato kan højst ligge 31 dage frem, så forløbet kan "
                "først afsluttes fra 24.11.2026.") in page
        assert 'så <a href="#aflys">aflys forløbet</a> i stedet' in page and 'data-testid="cancel-form"' in page
