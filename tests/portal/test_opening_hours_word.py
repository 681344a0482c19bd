"""An opening's hours per week take »time« or »timer« by the upper bound (review BK 4: »1 timer/uge«)."""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Opening
from tests.portal.test_candidates import world  # noqa: F401 - the fixture


def _set_hours(app, opening_id: int, low: float, high: float) -> None:
    with app.app_context():
        opening = db.session.get(Opening, opening_id)
        opening.hours_min, opening.hours_max = low, high
        db.session.commit()


@pytest.mark.parametrize(("low", "high", "shown"), [(1, 1, "1 time/uge"), (0.5, 1, "0,5–1 time/uge"),
                                                    (1, 2, "1–2 timer/uge"), (5, 12, "5–12 timer/uge")])
def test_the_consultants_pages_say_time_up_to_one_hour(app, client, auth, world, low, high, shown):  # noqa: F811
    _set_hours(app, world["opening_id"], low, high)
    auth.login(world["consultant"].email)
    ranking = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert f"· {shown} ·" in ranking
    for_citizen = client.get(f"/kandidater/borger/{world['ids']['Anna Lagerbæk']}").get_data(as_text=True)
    assert f"· {shown} ·" in for_citizen


@pytest.mark.parametrize(("low", "high", "shown"), [(1, 1, "1 time/uge"), (1, 3, "1–3 timer/uge")])
def test_the_companys_opening_says_time_up_to_one_hour(app, client, auth, world, low, high, shown):  # noqa: F811
    _set_hours(app, world["opening_id"], low, high)
    auth.login(world["company_user"].email)
    assert f"<td>{shown}</td>" in client.get(f"/opslag/{world['opening_id']}").get_data(as_text=True)
    assert f"<td>{shown}</td>" in client.get("/opslag/").get_data(as_text=True)
