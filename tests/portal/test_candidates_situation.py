"""The ranking says what each shown citizen is doing now, in one statement for the page, and
the "Allerede besluttet" table shows the company's answer beside the consultant's decision."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from portal.extensions import db
from store.models import Company, Placement, Proposal
from tests.portal.test_candidates import world  # noqa: F401 - the fixture
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")


def _card(html: str, citizen_id: int) -> str:
    return html.split(f'data-citizen="{citizen_id}"')[1].split("</li>")[0]


def test_a_card_names_the_placement_the_citizen_is_in(app, client, auth, world):  # noqa: F811
    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():
        other = Company(name="Bostedet Solbakken", cvr="37777777", postcode="8722")
        db.session.add(other)
        db.session.flush()
        placement = Placement(citizen_id=anna, company_id=other.id, kind="virksomhedspraktik",
                              start_date=date(2026, 10, 30), weekly_hours=10)
        db.session.add(placement)
        db.session.commit()
        placement_id = placement.id
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    client.get(path)
    with statements(app) as seen:
        html = client.get(path).get_data(as_text=True)
    card = _card(html, anna)
    line = re.search(r'data-testid="situation">(.*?)</p>', card, re.DOTALL).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", line).split()) == (
        "I forløb nu: Virksomhedspraktik hos Bostedet Solbakken siden 30.10.2026")
    assert f'href="/forloeb/{placement_id}/konsulent"' in line
    shown = len(re.findall(r'class="card jobbro-match"', html))
    assert shown > 1 and 'data-testid="situation"' not in _card(html, world["ids"]["Bo Omsorg"])
    reads = [s for s in seen if "FROM citizen LEFT OUTER JOIN placement" in " ".join(s.split())]
    assert len(reads) == 1, "one statement for every card"


def test_a_card_names_the_placement_on_its_last_day(app, client, auth, world):  # noqa: F811
    """Review BN 2: ending today with no end registered is the placement's last day, running by the
    one rule (:func:`portal.placements.service.is_active`) the company sees; the card says so. Once
    registered as ended today, it is no current placement, on the card or for the company."""
    from portal.candidates.situation import situation
    from portal.placements.service import is_active
    from tests.clock import TODAY

    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():
        other = Company(name="Bostedet Solbakken", cvr="37777777", postcode="8722")
        db.session.add(other)
        db.session.flush()
        placement = Placement(citizen_id=anna, company_id=other.id, kind="virksomhedspraktik",
                              start_date=date(2026, 10, 30), end_date=TODAY, weekly_hours=10)
        db.session.add(placement)
        db.session.commit()
        placement_id = placement.id
        assert is_active(placement, TODAY) and situation(anna, TODAY).placement.id == placement_id
    auth.login(world["consultant"].email)
    card = _card(client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True), anna)
    assert "I forløb nu: Virksomhedspraktik hos Bostedet Solbakken" in " ".join(re.sub(r"<[^>]+>", "", card).split())
    with app.app_context():
        ended = db.session.get(Placement, placement_id)
        ended.end_reason = "forloeb_slut"
        db.session.commit()
        assert not is_active(ended, TODAY) and situation(anna, TODAY).placement is None


def test_the_decided_table_shows_the_companys_answer(app, client, auth, world):  # noqa: F811
    with app.app_context():
        db.session.add(Proposal(citizen_id=world["ids"]["Bo Omsorg"], opening_id=world["opening_id"],
                                status="approved", decision_reason="Prøv", company_response="declined",
                                company_responded_at=datetime(2026, 11, 20, 9, tzinfo=timezone.utc)))
        db.session.commit()
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    table = html.split('data-testid="decided-proposals"')[1].split("</table>")[0]
    assert "<th>Virksomhedens svar</th>" in table
    assert re.search(r'data-testid="decided-response">Ikke interesseret 20\.11\.2026', table)


def test_the_decided_table_tells_the_decision_from_the_citizens_withdrawal(app, client, auth, world):  # noqa: F811
    """Review AC 10: »Din beslutning« said »Samtykke trukket tilbage«, the citizen's act. The
    decision (who approved, when) and where the proposal stands now are columns of their own."""
    with app.app_context():
        db.session.add(Proposal(citizen_id=world["ids"]["Bo Omsorg"], opening_id=world["opening_id"],
                                status="withdrawn", decision_reason="Passer godt",
                                decided_by_id=world["consultant"].id,
                                decided_at=datetime(2026, 11, 18, 9, tzinfo=timezone.utc)))
        db.session.commit()
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    table = html.split('data-testid="decided-proposals"')[1].split("</table>")[0]
    assert "Din beslutning" not in table and "<th>Beslutning</th>" in table and "<th>Status nu</th>" in table
    assert re.search(r'data-testid="decided-decision">Godkendt af dig 18\.11\.2026', table)
    assert 'data-testid="decided-status">Samtykke trukket tilbage<' in table


@pytest.mark.parametrize("reason, counts", [("aflyst", False), (None, True)])
def test_a_placement_cancelled_before_its_start_is_no_current_placement(app, world, reason, counts):  # noqa: F811
    """Cancelled before its planned start on 1 February (end reason "aflyst", end date that
    start, after today): not »agreed to start«. The control, the same placement not cancelled."""
    from portal.candidates.situation import situation
    from tests.clock import TODAY

    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():
        other = Company(name="Bostedet Solbakken", cvr="37777777", postcode="8722")
        db.session.add(other)
        db.session.flush()
        start = date(2027, 2, 1)
        db.session.add(Placement(citizen_id=anna, company_id=other.id, kind="virksomhedspraktik", start_date=start,
                                 end_date=start if reason else None, end_reason=reason, weekly_hours=10))
        db.session.commit()
        found = situation(anna, TODAY)
    assert found.worth_saying is counts and (found.placement is not None) is counts
