"""The administrator's start page on a new portal: a "Kom i gang" checklist of the steps not
done yet, each linked to where it is done; each step goes when done, the list when all are.
A portal in use (a citizen proposed or placed) has no checklist: its gaps are figure lines."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen, Company, IndexerState, Opening, OutboxEvent, Placement, Proposal, User


def steps(client) -> list[tuple[str, str]]:
    """(link, label and how) per checklist line; [] when the checklist is not shown."""
    html = client.get("/").get_data(as_text=True)
    section = re.search(r'data-testid="getting-started".*?</section>', html, re.S)
    if section is None:
        return []
    return [(link, re.sub(r"<[^>]+>", "", text).strip()) for link, text in
            re.findall(r'<li data-testid="getting-started-step"><a href="([^"]+)">(.*?)</li>', section.group(0))]


def citizen(**kw) -> Citizen:
    return Citizen(name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                   readiness_group="paa_vej", case_start=date(2025, 1, 1), **kw)


def test_a_fresh_portal_lists_every_step_with_where_to_do_it(client, auth, make_user):
    auth.login(make_user("admin").email)
    assert steps(client) == [
        ("/admin/teams", "Opret teamene"),
        ("/admin/users/new", "Opret konsulenterne (brugere med rollen Konsulent)"),
        ("/admin/companies/new", "Opret virksomhederne"),
        ("/admin/import/", "Importér borgerne"),
        ("/admin/indexer", "Byg matchingindekset"),
    ]
    for link, _ in steps(client):
        assert client.get(link).status_code in (200, 302)  # 302: the import asks for a fresh login


def test_citizens_imported_first_leave_the_other_steps_on_the_list(app, client, auth, make_user):
    """Review BG 3: the import is IT's first task; the indexer has run at its start. Before,
    the whole list went, with no team, consultant or company in the portal."""
    auth.login(make_user("admin").email)
    with app.app_context():
        db.session.add(citizen())
        db.session.add(IndexerState(key="last_run", value="{}"))
        db.session.commit()
    assert [label for _, label in steps(client)] == [
        "Opret teamene", "Opret konsulenterne (brugere med rollen Konsulent)", "Opret virksomhederne"]


def test_companies_without_a_vk_or_a_user_are_steps_of_their_own(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    consultant = make_user("consultant")  # also makes the first team
    with app.app_context():
        db.session.add_all([Company(name="Uden Alt ApS", cvr="20000001", postcode="8722"),
                            Company(name="Uden Bruger ApS", cvr="20000002", postcode="8722",
                                    consultant_id=consultant.id)])
        db.session.commit()
    assert steps(client)[:2] == [
        ("/admin/companies?uden_vk=1", "Giv virksomhederne en virksomhedskonsulent (1 virksomhed har ingen)"),
        ("/admin/companies?uden_brugere=1", "Giv virksomhederne en bruger (2 virksomheder har ingen bruger, der kan "
                                            "logge ind og slå opslag op; listen har et link til at oprette brugerne)"),
    ]
    company_user = make_user("company")
    with app.app_context():  # a deactivated user logs in for nobody
        db.session.get(User, company_user.id).active = False
        db.session.commit()
    assert "3 virksomheder har ingen bruger" in steps(client)[1][1]


def test_steps_go_as_they_are_done_and_the_list_when_all_are(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    consultant = make_user("consultant")
    company_user = make_user("company")
    assert [label for _, label in steps(client)] == [
        "Giv virksomhederne en virksomhedskonsulent (1 virksomhed har ingen)", "Importér borgerne",
        "Byg matchingindekset"]
    with app.app_context():
        db.session.get(Company, company_user.company_id).consultant_id = consultant.id
        db.session.add(citizen())
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
    with app.app_context():  # before anyone is matched, a VK who leaves is the checklist's, once
        db.session.get(User, consultant.id).active = False
        make_user("consultant", email="ny@jc.dk")
        db.session.commit()
    assert [label for _, label in steps(client)] == [
        "Giv virksomhederne en virksomhedskonsulent (1 virksomhed har ingen aktiv)"]
    assert "Virksomheder uden aktiv virksomhedskonsulent" not in client.get("/").get_data(as_text=True)
    with app.app_context():  # in use (a citizen placed): the company is a line of its own, linked
        db.session.add(Placement(citizen_id=db.session.scalar(sa.select(Citizen.id)),
                                 company_id=company_user.company_id, kind="smaajob", start_date=date(2026, 1, 5)))
        db.session.commit()
    assert steps(client) == []
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/admin/companies\?uden_vk=1">Virksomheder uden aktiv virksomhedskonsulent</a>'
                     r'</th><td>1</td>', html)


def in_use(app, make_user) -> tuple[User, User]:
    """A portal set up and in use: a team, a VK, a company with its user, a citizen proposed
    for its opening, the index built. The VK and the company user."""
    consultant = make_user("consultant")
    company_user = make_user("company")
    with app.app_context():
        db.session.get(Company, company_user.company_id).consultant_id = consultant.id
        person = citizen()
        opening = Opening(company_id=company_user.company_id, kind="smaajob", title="Lager", postcode="8722",
                          hours_min=5, hours_max=10)
        db.session.add_all([person, opening, IndexerState(key="last_run", value="{}")])
        db.session.flush()
        db.session.add(Proposal(citizen_id=person.id, opening_id=opening.id))
        db.session.commit()
    return consultant, company_user


def figure(html: str, label: str) -> tuple[str, str] | None:
    """(link, value) of the start page's figure line ``label``; None when there is none."""
    found = re.findall(rf'<th scope="row"><a href="([^"]+)">{label}</a></th><td>(\d+)</td>', html)
    assert len(found) <= 1
    return found[0] if found else None


def test_a_company_whose_only_user_left_is_a_figure_line_on_a_portal_in_use(app, client, auth, make_user):
    """Review BK 2: deactivating the only user of a company brought »Kom i gang« back, with
    »Det her mangler endnu, før konsulenterne kan matche …« on a portal long in use."""
    auth.login(make_user("admin").email)
    _, company_user = in_use(app, make_user)
    html = client.get("/").get_data(as_text=True)
    assert steps(client) == [] and figure(html, "Virksomheder uden aktiv bruger") is None
    with app.app_context():
        db.session.get(User, company_user.id).active = False
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert steps(client) == [] and "Kom i gang" not in html and "Det her mangler endnu" not in html
    assert figure(html, "Virksomheder uden aktiv bruger") == ("/admin/companies?uden_brugere=1", "1")
    listed = client.get("/admin/companies?uden_brugere=1").get_data(as_text=True)
    assert len(re.findall(r'<tr><td><a href="/admin/companies/\d+', listed)) == 1


def test_a_new_company_on_a_portal_in_use_is_counted_once_among_the_figures(app, client, auth, make_user):
    """Review BK 2: a company created without a VK or a user was both a checklist step and the
    figure »Virksomheder uden aktiv virksomhedskonsulent«."""
    auth.login(make_user("admin").email)
    in_use(app, make_user)
    with app.app_context():
        db.session.add(Company(name="Ny ApS", cvr="20000001", postcode="8722"))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert steps(client) == [] and "Giv virksomhederne" not in html
    assert figure(html, "Virksomheder uden aktiv virksomhedskonsulent") == ("/admin/companies?uden_vk=1", "1")
    assert figure(html, "Virksomheder uden aktiv bruger") == ("/admin/companies?uden_brugere=1", "1")


def test_a_new_portal_names_its_company_gaps_in_the_checklist_only(app, client, auth, make_user):
    """Not yet in use: the gaps are steps, and not also figure lines."""
    auth.login(make_user("admin").email)
    make_user("consultant")
    with app.app_context():
        db.session.add(Company(name="Ny ApS", cvr="20000001", postcode="8722"))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Giv virksomhederne en virksomhedskonsulent" in html and "Giv virksomhederne en bruger" in html
    assert figure(html, "Virksomheder uden aktiv virksomhedskonsulent") is None
    assert figure(html, "Virksomheder uden aktiv bruger") is None
