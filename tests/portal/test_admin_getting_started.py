"""The administrator's start page on a new portal: a "Kom i gang" checklist, each step
linked to where it is done and ticked when done, gone once everything is done or the portal is in use."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen, Company, IndexerState, OutboxEvent, User


def steps(client) -> list[tuple[str, str, str]]:
    """(done "ja"/"nej", link, label) per checklist line; [] when the checklist is not shown."""
    html = client.get("/").get_data(as_text=True)
    section = re.search(r'data-testid="getting-started".*?</section>', html, re.S)
    if section is None:
        return []
    return re.findall(r'<li data-done="(ja|nej)">.*?<a href="([^"]+)">([^<]+)</a></li>', section.group(0))


def test_a_fresh_portal_lists_every_step_undone_with_where_to_do_it(client, auth, make_user):
    auth.login(make_user("admin").email)
    assert steps(client) == [
        ("nej", "/admin/teams", "Opret teamene"),
        ("nej", "/admin/users/new", "Opret konsulenterne (brugere med rollen Konsulent)"),
        ("nej", "/admin/companies/new", "Opret virksomhederne og giv hver en virksomhedskonsulent"),
        ("nej", "/admin/import/", "Importér borgerne"),
        ("nej", "/admin/indexer", "Byg matchingindekset"),
    ]
    for _, link, _ in steps(client):
        assert client.get(link).status_code in (200, 302)  # 302: the import asks for a fresh login


def test_steps_tick_as_they_are_done_and_the_list_goes_when_all_are(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    consultant = make_user("consultant")  # also makes the first team
    company_user = make_user("company")
    done = [d for d, _, _ in steps(client)]
    assert done == ["ja", "ja", "nej", "nej", "nej"]
    assert steps(client)[2][1] == "/admin/companies?uden_vk=1"  # companies exist: those lacking a VK
    with app.app_context():
        db.session.get(Company, company_user.company_id).consultant_id = consultant.id
        db.session.add(Citizen(name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                               readiness_group="paa_vej", case_start=date(2025, 1, 1)))
        db.session.add(OutboxEvent(entity="citizen", entity_id=1, op="upsert"))
        db.session.add(IndexerState(key="last_run", value="{}"))
        db.session.commit()
    # In use (citizens, the indexer has run): a change waiting is the index paragraph's, not
    # "før konsulenterne kan matche" (review L 6).
    assert steps(client) == []
    assert "Ændringer der venter på indeksering: <strong>1</strong>" in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(sa.update(OutboxEvent).values(status="failed"))
        db.session.commit()
    assert steps(client) == []
    with app.app_context():  # a VK who leaves: the company is a line of its own, linked
        db.session.get(User, consultant.id).active = False
        make_user("consultant", email="ny@jc.dk")
        db.session.commit()
    assert steps(client) == []
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/admin/companies\?uden_vk=1">Virksomheder uden aktiv virksomhedskonsulent</a>'
                     r'</th><td>1</td>', html)
