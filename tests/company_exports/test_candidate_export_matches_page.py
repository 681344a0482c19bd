"""Review AM 7: an opening's candidate export lists the candidates exactly as the opening's page:
the same candidates in the same order, current first and then those no longer current, with
the page's sentence for each (one function, portal.openings.candidate_list, builds both)."""
from __future__ import annotations

import io
from csv import reader
from datetime import date, datetime, timedelta, timezone

import lxml.html
import pytest
from openpyxl import load_workbook

from portal import consents
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import Citizen, Consent, Opening, Placement, Proposal
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")


def _citizen(name: str, **values) -> Citizen:
    return Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                   case_start=date(2025, 1, 5), hours_available=20, **values)


@pytest.fixture
def world(app, make_user):
    """One opening with a candidate of every kind the page shows: waiting for consent, named,
    a lapsed consent, restricted (on hold), ended by the job centre (twice: one with a placement
    still running), and one whose placement on the opening ended."""
    company = make_user("company", code_of_care=True)
    consultant = make_user("consultant").id
    with app.app_context():
        opening = Opening(company_id=company.company_id, kind="smaajob", title="Chauffør", hours_min=5.0,
                          hours_max=10.0, postcode="8722", status="open")
        people = {key: _citizen(name, **extra) for key, name, extra in [
            ("waiting", "Venter Vestergaard", {}), ("named", "Navngiven Nielsen", {}),
            ("lapsed", "Udløbet Ursen", {}), ("held", "Begrænset Bech", {"restricted": True}),
            ("ended", "Afsluttet Andersen", {}), ("ended_running", "Kører Kristensen", {}),
            ("finished", "Færdig Fredriksen", {})]}
        db.session.add_all([opening, *people.values()])
        db.session.flush()
        statuses = {"waiting": "approved", "named": "disclosed", "lapsed": "disclosed", "held": "approved",
                    "ended": "ended", "ended_running": "ended", "finished": "disclosed"}
        found = {}
        for n, (key, citizen) in enumerate(people.items()):
            found[key] = Proposal(citizen_id=citizen.id, opening_id=opening.id, status=statuses[key],
                                  company_response="hired" if key == "finished" else None,
                                  decided_at=datetime(2026, 11, 1, 9, tzinfo=timezone.utc) + timedelta(hours=n))
        db.session.add_all(found.values())
        db.session.flush()
        for key, deadline in (("named", TODAY + timedelta(days=90)), ("lapsed", TODAY - timedelta(days=1)),
                              ("finished", TODAY + timedelta(days=90))):
            db.session.add(Consent(proposal=found[key], text_version=consents.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=deadline, recorded_by_id=consultant))
        db.session.add_all([
            Placement(citizen_id=people["finished"].id, opening_id=opening.id, company_id=company.company_id,
                      kind="smaajob", start_date=date(2025, 9, 1), end_date=date(2025, 11, 24),
                      end_reason="afbrudt", weekly_hours=5),
            Placement(citizen_id=people["ended_running"].id, opening_id=opening.id, company_id=company.company_id,
                      kind="smaajob", start_date=date(2026, 9, 1), weekly_hours=5)])
        db.session.commit()
        aliases = {key: pseudonym(people[key].id, opening.id) for key in people}
        return {"company": company, "opening": opening.id, "aliases": aliases}


def page_rows(html: str) -> list[list[str]]:
    """[pseudonym, current (Ja/Nej), name, status] of every candidate on the page, in its order."""
    tree = lxml.html.fromstring(html)
    rows = []
    for current, items in (("Ja", tree.xpath('//li[@data-testid="shared-candidate"]')),
                           ("Nej", tree.xpath('//ul[@data-testid="ended-candidates"]/li'))):
        for item in items:
            label = " ".join(item.xpath(".//a")[0].text_content().split())
            alias, _, name = label.partition(" · ")
            status = " ".join(item.xpath('.//*[@data-testid="candidate-status"]')[0].text_content().split())
            rows.append([alias, current, name, status])
    return rows


def test_the_files_rows_are_the_pages_rows(app, client, auth, world):
    auth.login(world["company"].email)
    html = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    shown = page_rows(html)
    a = world["aliases"]
    assert shown == [
        [a["waiting"], "Ja", "", "Navnet deles, når borgeren har givet samtykke."],
        [a["named"], "Ja", "Navngiven Nielsen", "Navn delt med jer."],
        [a["lapsed"], "Ja", "", "Borgerens samtykke er udløbet, så navnet vises ikke længere; jobcentret kan "
                                "indhente et nyt."],
        [a["held"], "Ja", "", "Kandidaten er ikke aktuel lige nu – jobcentret kontakter jer."],
        [a["ended"], "Nej", "", "Ikke længere aktuel."],
        [a["ended_running"], "Nej", "", "Ikke længere aktuel. Forløbet fra 01.09.2026 står stadig uden navn; "
                                        "jobcentret kontakter jer om det."],
        [a["finished"], "Nej", "Færdig Fredriksen", "Forløbet sluttede 24.11.2025."],
    ]
    assert 'data-testid="shared-count">4 aktuelle kandidater foreslået til jer; 3 er ikke længere aktuelle' in html

    csv = client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True).lstrip("\ufeff")
    lines = list(reader(io.StringIO(csv), delimiter=";"))
    assert lines[0][:4] == ["Kandidat", "Aktuel", "Navn", "Status"]
    assert [line[:4] for line in lines[1:]] == shown
    assert {len(line) for line in lines} == {8}  # every kind of row (current, on hold, ended) fits the header

    book = load_workbook(io.BytesIO(client.get(f"/opslag/{world['opening']}/kandidater.xlsx").data))
    cells = [[cell.value or "" for cell in row] for row in book.active.iter_rows()]
    assert [row[:4] for row in cells[1:]] == shown
    # no longer current: only what the page lists (no jobmål, hours or answer)
    assert all(set(row[4:]) == {""} for row in cells[1:] if row[1] == "Nej")
    # the restricted one: the neutral state only, as on its card
    held = next(row for row in cells if row[0] == a["held"])
    assert held[4:6] == ["", ""]  # no jobmål, no hours
