"""The consultant's start page on a new installation gives a next step (review BG 8): openings
of the consultant's companies that nobody has assessed candidates for, a consultant with no
citizens of their own pointed to the team's, and the team's citizens without a VK."""
from __future__ import annotations

import re
from datetime import date

from portal.extensions import db
from store.models import Citizen, Company, Opening, Proposal, Team, User


def _citizen(name: str, **fields) -> Citizen:
    return Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                   case_start=date(2026, 1, 5), hours_available=10, **fields)


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section data-testid="queue-{key}">(.*?)</section>', html, re.DOTALL)
    assert match, f"no section {key}"
    return match.group(1)


def _figure(html: str, key: str) -> int:
    return int(re.search(rf'data-testid="figure-{key}" data-count="(\d+)"', html).group(1))


def test_openings_nobody_has_assessed_are_on_their_vks_queue(app, client, auth, make_user):
    me, other = make_user("consultant"), make_user("consultant")
    company_user = make_user("company")
    with app.app_context():
        mine = db.session.get(Company, company_user.company_id)
        mine.consultant_id = me.id
        elsewhere = Company(name="Andens ApS", cvr="20000009", postcode="8722", consultant_id=other.id)
        db.session.add(elsewhere)
        db.session.flush()
        opening = dict(kind="smaajob", hours_min=5, hours_max=10, postcode="8722")
        new, assessed = Opening(company_id=mine.id, title="Tømrerhjælper", status="open", **opening), \
            Opening(company_id=mine.id, title="Lagerhjælp", status="open", **opening)
        db.session.add_all([new, assessed,
                            Opening(company_id=mine.id, title="Kladde", status="draft", **opening),
                            Opening(company_id=mine.id, title="Lukket", status="closed", **opening),
                            Opening(company_id=elsewhere.id, title="Andens opslag", status="open", **opening)])
        citizen = _citizen("Rita Rejected", vk_id=other.id)
        db.session.add(citizen)
        db.session.flush()
        # Assessed by somebody else: a rejection is a decision too.
        db.session.add(Proposal(citizen_id=citizen.id, opening_id=assessed.id, status="rejected",
                                decided_by_id=other.id, decision_reason="Passer ikke"))
        db.session.commit()
        new_id, citizen_id = new.id, citizen.id
    auth.login(me.email)
    html = client.get("/").get_data(as_text=True)
    section = _section(html, "nye-opslag")
    rows = re.findall(r'<tr data-testid="queue-row">(.*?)</tr>', section, re.DOTALL)
    assert _figure(html, "nye-opslag") == len(rows) == 1
    assert "Tømrerhjælper" in rows[0] and f'href="/kandidater/opslag/{new_id}">Vurdér kandidaterne' in rows[0]
    assert client.get(f"/kandidater/opslag/{new_id}").status_code == 200
    with app.app_context():
        db.session.add(Proposal(citizen_id=citizen_id, opening_id=new_id, status="approved", decided_by_id=me.id,
                                decision_reason="God"))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert _figure(html, "nye-opslag") == 0
    assert "Ingen åbne opslag fra dine virksomheder venter på en vurdering." in _section(html, "nye-opslag")


def test_no_citizens_of_ones_own_points_to_the_team(app, client, auth, make_user):
    me = make_user("consultant")  # on the first team
    auth.login(me.email)
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'Du har ingen borgere endnu: dit teams borgere står under '
                     r'<a href="/borgere/\?scope=team">Mit team</a>\.', html)
    assert 'data-testid="caseload"' not in html
    unmatchable = _section(html, "kan-ikke-matches")
    assert "Du har ingen borgere endnu." in unmatchable and "Alle dine borgere" not in unmatchable
    with app.app_context():
        db.session.add(_citizen("Ejer Egen", vk_id=me.id))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Du har ingen borgere endnu" not in html
    assert re.search(r'data-testid="caseload">1 borger i din sagsstamme</a>', html)


def test_a_consultant_on_no_team_is_pointed_to_everyone(app, client, auth, make_user):
    me = make_user("consultant")
    with app.app_context():
        db.session.get(User, me.id).team_id = None
        db.session.commit()
    auth.login(me.email)
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'Du har ingen borgere endnu, og du er ikke med i et team: se '
                     r'<a href="/borgere/\?scope=all">alle borgere</a>\.', html)
    assert 'data-testid="queue-team-uden-vk"' not in html and "figure-team-uden-vk" not in html


def test_the_teams_citizens_without_a_vk_are_shown_to_its_consultants(app, client, auth, make_user):
    me = make_user("consultant")
    gone = make_user("consultant", active=False)
    with app.app_context():
        team_id = db.session.get(User, me.id).team_id
        other_team = Team(name="Team Nord")
        db.session.add(other_team)
        db.session.flush()
        db.session.add_all([
            _citizen("Ane Uden VK", team_id=team_id),
            _citizen("Bo Deaktiveret VK", team_id=team_id, vk_id=gone.id),
            _citizen("Cai Med VK", team_id=team_id, vk_id=me.id),
            _citizen("Dea Lukket", team_id=team_id, case_closed=date(2026, 2, 1)),
            _citizen("Eik Andet team", team_id=other_team.id),
            _citizen("Fie Intet team"),
        ])
        db.session.commit()
    auth.login(me.email)
    html = client.get("/").get_data(as_text=True)
    section = _section(html, "team-uden-vk")
    assert _figure(html, "team-uden-vk") == 2
    link = re.search(r'<a href="([^"]+)" data-testid="team-without-vk-link">Se de 2 borgere på borgerlisten, '
                     r'og tildel en VK</a>', section).group(1).replace("&amp;", "&")
    assert link == "/borgere/?scope=team&uden_vk=1"
    listed = client.get(link).get_data(as_text=True)  # the count is the list's rows
    assert re.findall(r'data-testid="citizen-row" data-citizen-id="\d+">\s*<td><a [^>]+>([^<]+)</a>', listed) \
        == ["Ane Uden VK", "Bo Deaktiveret VK"]
