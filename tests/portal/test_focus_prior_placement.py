"""Review BG 2: the focus goal and its list read the last company-based placement the case system
knows (``Citizen.prior_company_placement_end``) beside the portal's own, and say »none since the
case started« as what Jobbro registered when the case started before the citizen came into
Jobbro and the case system told of none.

``frozen_today`` is 23 November 2026: the default month is October 2026 (measured on 31 October),
its 12 months from 1 November 2025."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.metrics import compute_focus_goal
from portal.extensions import db
from tests.portal.dashboard_fixtures import World

LONG_CASE = date(2024, 1, 1)
AS_OF = date(2026, 10, 31)
pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app):
    return World(app)


def _row(html: str, citizen_id: int) -> str:
    return " ".join(html.split(f'data-citizen-id="{citizen_id}"')[1].split("</tr>")[0].split())


def test_a_placement_known_to_the_case_system_counts_for_the_focus_goal(app, client, auth, make_user, world):
    me = make_user("consultant")
    in_window = world.citizen(LONG_CASE, name="Anna Fagsystem", prior_company_placement_end=date(2025, 12, 19))
    before = world.citizen(LONG_CASE, name="Bo Tidligere", prior_company_placement_end=date(2025, 3, 31))
    # the portal's own placement is later than the case system's: its end counts
    both = world.citizen(LONG_CASE, name="Carl Begge", prior_company_placement_end=date(2024, 6, 30))
    world.placement(both, "virksomhedspraktik", date(2025, 1, 1), date(2025, 5, 31), "forloeb_slut")
    # ended after the day measured: when it started is not known, so October does not count it
    later = world.citizen(LONG_CASE, name="Dorte Senere", prior_company_placement_end=date(2026, 11, 15))
    with app.app_context():
        facts = load_facts(db.session, Scope())
        focus = compute_focus_goal(facts, AS_OF)
        assert (focus.numerator, focus.denominator) == (1, 4)
        ends = dict(zip(facts.ids.tolist(), facts.last_company_based_end(AS_OF).tolist()))
        assert ends == {in_window: date(2025, 12, 19).toordinal(), before: date(2025, 3, 31).toordinal(),
                        both: date(2025, 5, 31).toordinal(), later: -1}
        assert compute_focus_goal(facts, date(2026, 11, 30)).numerator == 2  # November counts Dorte's
    auth.login(me.email)
    html = client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-10").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-citizen-id="(\d+)"', html)] == [before, both, later]
    # months since the case system's placement (31.03.2025 → 31.10.2026: 19), said plainly
    assert "<td>33</td> <td>19</td>" in _row(html, before) and "sagsstart" not in _row(html, before)
    assert "<td>33</td> <td>17</td>" in _row(html, both)
    assert "(ingen praktik eller løntilskud registreret i Jobbro siden sagsstart)" in _row(html, later)


def test_none_since_the_case_started_is_said_plainly_only_when_jobbro_knew_the_whole_case(
        app, client, auth, make_user, world):
    me = make_user("consultant")
    from_start = world.citizen(LONG_CASE, name="Eva Fra Start", created_at=datetime(2024, 1, 1, 9, tzinfo=timezone.utc))
    imported = world.citizen(LONG_CASE, name="Finn Importeret")  # came into Jobbro today
    told_none_recent = world.citizen(LONG_CASE, name="Gitte Gammelt", prior_company_placement_end=date(2023, 5, 31))
    auth.login(me.email)
    html = client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-10").get_data(as_text=True)
    assert "<td>33 (ingen praktik eller løntilskud siden sagsstart)</td>" in _row(html, from_start)
    assert "<td>33 (ingen praktik eller løntilskud registreret i Jobbro siden sagsstart)</td>" in _row(html, imported)
    # the case system's last one ended before the case: none since the case started is known (41 months)
    assert "<td>41</td>" in _row(html, told_none_recent) and "sagsstart" not in _row(html, told_none_recent)
